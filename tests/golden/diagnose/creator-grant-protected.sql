-- A protected project where every table creator may grant it.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
set ProjectProtection=true;
diagnose tenant;
