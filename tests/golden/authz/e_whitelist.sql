-- (e) An IP whitelist binds everyone, the owner too (the session's address is 127.0.0.1).
create project prj1;
use prj1;
create table t1 (id bigint);
insert into t1 values (1);
add user RAM$alice;
grant CreateInstance on project prj1 to user RAM$alice;
grant Select on table t1 to user RAM$alice;
setproject odps.security.ip.whitelist=127.0.0.1,10.0.0.0/8,192.168.1.5-192.168.1.9,2001:db8::/32;
explain for user RAM$alice from 10.1.2.3 select * from t1;
explain for user RAM$alice from 192.168.1.10 select * from t1;
explain for user ALIYUN$owner from 172.16.0.1 select * from t1;
explain for user RAM$alice from 2001:db8::5 select * from t1;
setproject odps.security.ip.whitelist=10.0.0.0/8;
select * from t1;
use prj1;
