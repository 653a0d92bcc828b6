-- A standard workspace whose scheduling identity someone uses by hand: a listing of users (refused)
-- and a grant, from two addresses.
create workspace shop mode standard scheduler RAM$sched;
use shop;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1,10.0.0.9;
use shop_dev;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1,10.0.0.9;
use shop;
create table orders (id bigint);
login RAM$sched;
use shop;
select * from orders;
login RAM$sched from 10.0.0.9;
show grants for user RAM$sched;
login ALIYUN$owner from 127.0.0.1;
diagnose tenant;
