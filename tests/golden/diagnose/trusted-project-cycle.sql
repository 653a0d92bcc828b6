-- Two projects trusting each other.
create project prj1;
create project prj2;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
add trustedproject prj2;
use prj2;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
add trustedproject prj1;
diagnose tenant min risk high;
