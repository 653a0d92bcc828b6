-- A protected project trusting another one.
create project prj1;
create project prj2;
use prj2;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
set ProjectProtection=true;
set ObjectCreatorHasGrantPermission=false;
add trustedproject prj2;
diagnose project prj1;
