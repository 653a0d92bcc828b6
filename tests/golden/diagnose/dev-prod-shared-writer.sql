-- A standard workspace whose developer may also create tables in production.
create workspace shop mode standard scheduler RAM$sched;
use shop;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
add user RAM$dave;
grant CreateInstance, CreateTable on project shop to user RAM$dave;
use shop_dev;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
add user RAM$dave;
grant role_project_dev to user RAM$dave;
diagnose tenant min risk high;
