-- A project reachable from any address.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true;
diagnose tenant;
