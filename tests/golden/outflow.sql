-- show outflow paths: the ways data of prj1 (protected) and prj4 (not protected, no download
-- control) can leave, each found by asking the authorizer.
create project prj1;
create project prj2;
create project prj3;
create project prj4;
use prj1;
create table t1 (id bigint, phone string);
create table t2 (id bigint);
add user RAM$alice;
add user RAM$bob;
grant CreateInstance on project prj1 to user RAM$alice;
grant Select on table t1 to user RAM$alice;
grant Select on table t2 to user RAM$bob;
set ProjectProtection=true with exception tests/golden/files/outflow_exception.json;
add trustedproject prj2;
create package pkg;
add table t2 to package pkg;
allow project prj3 to install package pkg;
use prj2;
add user RAM$alice;
grant CreateInstance, CreateTable on project prj2 to user RAM$alice;
use prj3;
install package prj1.pkg;
add user RAM$carol;
grant CreateInstance on project prj3 to user RAM$carol;
grant Read on package prj1.pkg to user RAM$carol;
use prj4;
create table t4 (a string);
setproject odps.security.enabledownloadprivilege=false;
show outflow paths from project prj1;
show outflow paths;
-- a member without access to prj1's data has no path; the refusal of a non-admin
login RAM$bob;
use prj1;
show outflow paths from project prj1;
