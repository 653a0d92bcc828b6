-- Four administrators in one project.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
add user RAM$a1;
add user RAM$a2;
add user RAM$a3;
add user RAM$a4;
grant admin to user RAM$a1;
grant admin to user RAM$a2;
grant admin to user RAM$a3;
grant admin to user RAM$a4;
diagnose tenant min risk medium;
