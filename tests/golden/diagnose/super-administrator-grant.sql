-- Super_Administrator granted to a RAM user.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
add user RAM$eve;
grant super_administrator to user RAM$eve;
diagnose tenant;
