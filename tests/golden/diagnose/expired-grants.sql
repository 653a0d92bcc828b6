-- A label grant that expired and was never cleared.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
create table customers (name string, phone string);
add user RAM$frank;
grant label 2 on table customers to user RAM$frank with exp 0;
diagnose tenant;
