-- Labelled columns in a project that is not protected.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
set LabelSecurity=true;
create table customers (name string, phone string);
set label 2 to table customers (phone);
diagnose tenant;
