-- A package sharing a table with a labelled column.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
set ProjectProtection=true;
set ObjectCreatorHasGrantPermission=false;
set LabelSecurity=true;
create table customers (name string, phone string);
set label 2 to table customers (phone);
create package pkg;
add table customers to package pkg;
diagnose tenant;
