-- A tenant whose audit trail was switched off.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
alter tenant set audit retention off;
diagnose tenant;
