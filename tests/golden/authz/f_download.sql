-- (f) Download control: with odps.security.enabledownloadprivilege on, a Tunnel download needs
-- Download; Select alone no longer suffices. Protection then blocks the download for everyone.
create project prj1;
use prj1;
create table t1 (id bigint, name string);
insert into t1 values (1, 'a'), (2, 'b,c');
add user RAM$alice;
grant Select on table t1 to user RAM$alice;
login RAM$alice;
use prj1;
tunnel download t1 target/authz-golden/f_select.csv;
--@ cat target/authz-golden/f_select.csv
login ALIYUN$owner;
use prj1;
setproject odps.security.enabledownloadprivilege=true;
login RAM$alice;
use prj1;
tunnel download t1 target/authz-golden/f_t1.csv;
explain tunnel download t1 target/authz-golden/f_t1.csv;
login ALIYUN$owner;
use prj1;
grant Download on table t1 to user RAM$alice;
login RAM$alice;
use prj1;
tunnel download prj1.t1 target/authz-golden/f_t1.csv;
login ALIYUN$owner;
use prj1;
set ProjectProtection=true;
tunnel download t1 target/authz-golden/f_t1.csv;
