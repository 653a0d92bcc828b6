-- explain of management statements: the explained principal's standing, every check the
-- statement makes (entering the project, then its management checks), the outcome the
-- statement would have, and the ways to change it. Nothing is written.
create project prj1;
use prj1;
create table t (a string);
add user RAM$bob;
add user RAM$carol;
-- bob, a plain member, may not grant
explain for user RAM$owner:bob grant Select on table t to user RAM$owner:carol;
-- as an Admin he may; the explained grant was not made
grant admin to user RAM$bob;
explain for user RAM$owner:bob grant Select on table t to user RAM$owner:carol;
show grants for user RAM$owner:carol;
-- every check passes and the statement would still fail
explain grant Select on table t to user RAM$owner:nobody;
-- owner-only and Super_Administrator rows of the matrix
explain for user RAM$owner:bob set ProjectProtection=true;
explain for user RAM$owner:bob setproject odps.security.ip.whitelist=10.0.0.1;
-- a policy deny binds an Admin
put policy tests/golden/files/deny_add_user.json;
explain for user RAM$owner:bob add user RAM$dave;
-- a non-member is stopped entering the project
explain for user RAM$owner:stranger list users;
-- tenant statements are the tenant account's
explain for user RAM$owner:bob add tenant user RAM$zed;
explain add tenant user RAM$zed;
list tenant users;
-- session statements are not explained
explain use prj1;
