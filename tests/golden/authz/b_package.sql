-- (b) A package shares prj1.t1 with prj2; Carol, a user of prj2 only, needs Read on the
-- installed package, and prj1's protection does not block the shared table.
create project prj1;
create project prj2;
use prj1;
create table t1 (id bigint, name string);
insert into t1 values (1, 'a');
set ProjectProtection=true;
create package pkg;
add table t1 to package pkg;
allow project prj2 to install package pkg;
use prj2;
install package prj1.pkg;
add user RAM$carol;
grant CreateInstance, CreateTable on project prj2 to user RAM$carol;
login RAM$carol;
use prj2;
select * from prj1.t1;
explain select * from prj1.t1;
login ALIYUN$owner;
use prj2;
grant Read on package prj1.pkg to user RAM$carol;
login RAM$carol;
use prj2;
select * from prj1.t1;
explain select * from prj1.t1;
create table prj2.copy as select * from prj1.t1;
