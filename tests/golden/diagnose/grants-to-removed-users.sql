-- A user removed while holding grants.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
create table customers (name string, phone string);
add user RAM$gina;
grant Select on table customers to user RAM$gina;
remove user RAM$gina;
diagnose tenant;
