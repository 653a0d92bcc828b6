-- A project whose tunnel downloads need no Download grant.
create project prj1;
use prj1;
setproject odps.security.ip.whitelist=127.0.0.1;
diagnose tenant;
