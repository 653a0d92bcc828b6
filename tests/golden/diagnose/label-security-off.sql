-- Labels set, LabelSecurity off: nothing enforces them.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
set ProjectProtection=true;
set ObjectCreatorHasGrantPermission=false;
create table customers (name string, phone string);
set label 3 to table customers (phone);
diagnose tenant;
