-- A package every project may install.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
create table rates (currency string, rate double);
create package pkg;
add table rates to package pkg;
allow project * to install package pkg;
diagnose tenant;
