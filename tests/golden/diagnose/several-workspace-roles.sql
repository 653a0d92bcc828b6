-- One member developing, operating and deploying in a basic workspace.
create workspace shop mode basic;
use shop;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
add user RAM$carol;
grant role_project_dev, role_project_pe, role_project_deploy to user RAM$carol;
diagnose tenant;
