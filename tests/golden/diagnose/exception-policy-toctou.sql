-- The table an exception policy lets out can be rewritten by bob after the review.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
set ObjectCreatorHasGrantPermission=false;
create table orders (id bigint, amount double);
add user RAM$alice;
add user RAM$bob;
grant Update on table orders to user RAM$bob;
set ProjectProtection=true with exception tests/golden/diagnose/files/narrow_exception.json;
diagnose tenant;
