-- A role that holds grants and nobody.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
create table customers (name string, phone string);
create role readers;
grant Select on table customers to role readers;
diagnose tenant;
