-- An exception policy letting everyone take every table out, by any kind of job.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
set ObjectCreatorHasGrantPermission=false;
set ProjectProtection=true with exception tests/golden/diagnose/files/broad_exception.json;
diagnose tenant;
