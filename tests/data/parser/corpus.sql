-- Parser corpus: every example statement of reference/maxcompute-security.md (all sections) and
-- at least one example of every statement form of the grammar and the sandbox extensions.
-- tests/parser_corpus.rs parses each, prints it, re-parses the print and compares the ASTs.

-- §1 users
add user ALIYUN$odps_test_user@aliyun.com;
add user ALIYUN$5527xxxxxxxx5788;
add user RAM$ram_test;
add user RAM$odps_test_user@aliyun.com:ram_test;
add user `RAM$odps_test_user@aliyun.com:role/ram_role`;
add user ram$owner:alice comment 'data analyst';
add user aliyun$NOT_EXIST@aliyun.com;
remove user RAM$ram_test;
remove user p4_2652900;
list users;
whoami;
show grants;
show grants for RAM$Bob@aliyun.com:Allen;
show grants for user RAM$Bob@aliyun.com:Allen;
show grants for RAM$Bob@aliyun.com:Allen on type table;
add accountprovider ram;
remove accountprovider ram;
list accountproviders;
purge privs from RAM$owner:alice;
purge privileges from user RAM$owner:alice, role worker;

-- §2 roles
create role Worker;
create role auditor privilegeproperties("type"="admin");
create role reader privilegeproperties("type"="resource");
list roles;
show roles;
drop role Worker;
delete role Worker;
describe role Worker;
desc role Worker;
show grants for role Worker;
grant Worker to RAM$Bob@aliyun.com:Allen;
grant Worker, auditor to user RAM$Bob@aliyun.com:Allen;
grant role Worker to user RAM$Bob@aliyun.com:Allen;
revoke Worker from RAM$Bob@aliyun.com:Allen;
revoke role_project_security, role_project_admin, role_project_dev, role_project_pe, role_project_deploy, role_project_guest from RAM$MainCount:hanmeimei;
revoke role Worker from user RAM$Bob@aliyun.com:Allen;
purge privs from role Worker;
show principals Worker;
show principals for Worker;
show principals for role Worker;
show principals for tenant role Worker;
show principals tenant role Worker;
show role grant RAM$Bob@aliyun.com:Allen;
show role grant user RAM$Bob@aliyun.com:Allen;
get policy on role Worker;
put policy /tmp/worker_policy.json on role Worker;
grant admin to RAM$owner:alice;
grant super_administrator to RAM$owner:alice;

-- §2.4 tenant roles and users
add tenant user RAM$owner:bob;
remove tenant user RAM$owner:bob;
list tenant users;
create tenant role tr1;
drop tenant role tr1;
describe tenant role tr1;
list tenant roles;
grant tenant role tr1 to user RAM$owner:bob;
revoke tenant role tr1 from user RAM$owner:bob;
grant select on table prj1.sale_detail to tenant role tr1;
revoke select on table prj1.sale_detail from tenant role tr1;
show grants for tenant role tr1;
show grants for tenant user RAM$owner:bob;
show principals for tenant role tr1;
add tenant role tr1 to project prj1;
remove tenant role tr1 from project prj1;
put policy policy.json on tenant role tr1;
get policy on tenant role tr1;

-- §3 ACL
grant CreateTable, CreateFunction, CreateInstance, List on project test_project_a to ROLE Worker;
grant Describe, Select on table sale_detail (shop_name, customer_id) to user RAM$Bob@aliyun.com:Allen;
grant Read on package prj1.testpackage to user aliyun$odps_test@aliyun.com;
grant CreateInstance on project maxcompute_dev to USER RAM$xxx;
grant Select on table sale_detail to role worker privilegeproperties("conditions" = "acs:SourceIp in ('192.168.0.0/16')", "expires"="30");
grant Select on table sale_detail to role worker privilegeproperties("expires"="7");
revoke Describe, Select on table sale_detail (shop_name, customer_id) from user RAM$Bob@aliyun.com:Allen;
revoke CreateInstance on project maxcompute_dev from USER RAM$xxx;
grant Select(shop_name, customer_id) on table sale_detail to RAM$Bob@aliyun.com:Allen;
grant Select on sale_detail to RAM$Bob@aliyun.com:Allen;
grant Select on table sale_detail partition (ds='20240101', region=hz) to role worker;
grant Select on table sale_detail to user RAM$a:x, user RAM$a:y, role worker;
grant Select on table sale_detail to role worker with grant option;
grant All on table sale_detail to role worker;
grant Read, Write, Delete on resource udtf.jar to role worker;
grant Read, Write, Delete, Execute on function my_udf to role worker;
grant Read, Write on instance 20151225091340766gat07xs6 to role worker;
grant Describe, Select, Alter, Drop on model m1 to role worker;
grant Read on job j1 to role worker;
grant Read on volume v1 to role worker;
grant Read on offlinemodel om1 to role worker;
grant Read on xflow x1 to role worker;
grant CreateJob, CreateVolume, CreateOfflineModel, CreateXflow, CreateResource on project test_project_a to role worker;
grant Describe, Select, Alter, Update, Drop, ShowHistory on table t1 to role worker;
grant select, createtable on project p to role worker;
show acl for test_project_a on type project;
show acl for sale_detail on type table;
show acl for sale_detail;
show acl for test_project_b.datashare on type package;
show acl for udtf on type resource;
show acl for udtf.jar on type resource;
show acl for deps.tar.gz On Type Resource;
show acl for my_udf on type function;
show acl for m1 on type model;
show acl for 20151225091340766gat07xs6 on type instance;

-- §4 policy
get policy;
put policy policy.json;
put policy /home/admin/policies/project_policy.json;
put policy './my policies/p.json';
get security policy;
put security policy sec.json;
grant Select on table * to role r privilegeproperties("policy"="true","allow"="true");
grant Drop on table * to role r privilegeproperties("policy"="true","allow"="false");
grant Select on table tb_* to role r privilegeproperties("policy" = "true", "allow"="true", "conditions"= "acs:SourceIp in ('192.168.0.0/16','172.12.0.0/16') and 'odps:InstanceId'='aaaaaa'", "expires"="10");
revoke Select on table * from role r privilegeproperties("policy"="true","allow"="true");
revoke Drop on table tb_* from role r privilegeproperties("policy" = "true", "allow" = "false");
grant drop on table tb_* to role delete_test privilegeproperties("policy"="true","allow"="false");
grant delete_test to RAM$MainCount:hanmeimei;
grant Select on table bak* to role worker privilegeproperties("policy"="true","deny"="true");

-- §5 download control
setproject odps.security.enabledownloadprivilege=true;
setproject odps.security.enabledownloadprivilege=false;
grant Download on table bank_data to user RAM$Bob@aliyun.com:Allen;
grant Download on instance 20151225091340766gat07xs6 to role worker;
grant Download on table tb_* to role worker;
revoke Download on table bank_data from user RAM$Bob@aliyun.com:Allen;
revoke Download on instance 20151225091340766gat07xs6 from role worker;

-- §6 label security
set LabelSecurity=true;
set LabelSecurity=false;
set label 2 to user RAM$Bob@aliyun.com:Allen;
set label 3 to user ALIYUN$odps_test_user@aliyun.com;
set label 1 to role worker;
set label 2 to table t1(mobile, addr);
set label 3 to table t1;
set label 4 to table sale_detail;
set label 1 to RAM$Bob@aliyun.com:Allen;
unset label 2 to table t1(mobile);
unset label to user RAM$Bob@aliyun.com:Allen;
grant label 2 on table sale_detail to user RAM$Bob@aliyun.com:Allen;
grant label 4 on table sale_detail (customer_id) to user RAM$Bob@aliyun.com:Allen with exp 1;
grant label 3 on table sale_detail to role worker with exp 180;
revoke label on table sale_detail from user RAM$Bob@aliyun.com:Allen;
revoke label on table sale_detail (customer_id) from role worker;
clear expired grants;
show label grants;
show label 2 grants;
show label grants for user RAM$Bob@aliyun.com:Allen;
show label 3 grants for user RAM$Bob@aliyun.com:Allen;
show label grants on table sale_detail;
show label 1 grants on table sale_detail;
show label grants on table sale_detail for user RAM$Bob@aliyun.com:Allen;
show label grants on table sale_detail(customer_id) for user RAM$Bob@aliyun.com:Allen;
show label grants on table sale_detail privilegeproperties ("refobject"="true", "refproject"="test_project_a", "package"="datashare");
describe sale_detail;
desc test_project_a.sale_detail;
allow project test_project_b to install package datashare using label 2;

-- §7 packages
create package datashare;
add table sale_detail to package datashare;
add table sale_detail to package datashare with privileges Describe, Select;
add resource udtf.jar to package datashare;
add function my_udf to package datashare with privileges read;
add instance 20151225091340766gat07xs6 to package datashare;
remove table sale_detail from package datashare;
remove resource udtf.jar from package datashare;
allow project test_project_b to install package datashare;
allow project * to install package datashare with Describe, Select using label 1 exp 30;
disallow project test_project_b to install package datashare;
delete package datashare;
drop package datashare;
show packages;
show packages privilegeproperties("refobject"="true");
describe package test_project_a.datashare;
desc package datashare;
show package test_project_a.datashare;
show package items;
show package items from test_project_a on type table;
install package test_project_a.datashare;
install package aegis.aegis_package;
uninstall package test_project_a.datashare;
grant Read on package test_project_a.datashare to user RAM$Amy@aliyun.com:Bella;
grant Select on table sale_detail to user RAM$Amy@aliyun.com:Bella privilegeproperties ("refobject"="true", "refproject"="test_project_a", "package"="datashare");
show grants on Table sale_detail privilegeproperties ("refobject"="true", "refproject"="test_project_a", "package"="datashare");
show acl for test_project_a.datashare on type package;

-- §8 project protection and trusted projects
set ProjectProtection=true;
set ProjectProtection=false;
set ProjectProtection=true with exception exception_policy.json;
set ProjectProtection=true with exception '/tmp/exception policy.json';
list trustedprojects;
add trustedproject test_project_b;
remove trustedproject test_project_b;
create table prj2.t2 as select * from prj1.t1;
insert into table prj2.t2 select * from prj1.t1;

-- §9 settings
show SecurityConfiguration;
set CheckPermissionUsingACL=true;
set CheckPermissionUsingPolicy=false;
set ObjectCreatorHasAccessPermission=true;
set ObjectCreatorHasGrantPermission=false;
set ExternalResourceAccessControl=false;
set ExternalResourceAccessControl=true with locations oss://bucket-a/,oss://bucket-b/;
set LabelSecurity=yes;
set odps.sql.allow.fullscan=true;
set security.LabelSecurity=true;
setproject odps.security.ip.whitelist=101.132.236.134,100.116.0.0/16,101.132.236.134-101.132.236.144;
setproject odps.security.vpc.whitelist=cn-hangzhou_vpc-xxxx[192.168.0.0/16];
setproject odps.security.ip.whitelist=10.32.180.8 odps.security.vpc.whitelist=cn-hangzhou_vpc-a[10.0.0.0/8, 172.16.0.0/12];
setproject odps.security.ip.whitelist= odps.security.vpc.whitelist= ;
setproject odps.security.vpc.whitelist=\N;
setproject odps.security.ip.whitelist="10.32.180.8, 10.32.180.9";
setproject;

-- §12 other security commands
grant super Write to user aliyun$odps_test@aliyun.com;
grant super Read, Write to user RAM$owner:alice, role worker;
revoke super Write from user aliyun$odps_test@aliyun.com;
show grants for RAM$owner:alice on type table privilegeproperties("refobject"="true");
show grants on table sale_detail;
list groups;
list tenant groups;
list groups for user RAM$owner:alice;
list tenant groups for user RAM$owner:alice;
add group g1;
add tenant group g1;
remove group g1;
remove tenant group g1;
grant Select on table t to group g1, tenant group g2;

-- sandbox: tenant and session
create project test_project_a;
create project test_project_b owner ALIYUN$bob comment 'consumer side';
create project p3 comment 'x';
drop project p3;
list projects;
use test_project_a;
login RAM$owner:alice;
login ALIYUN$owner;

-- sandbox: objects and data
create table sale_detail (shop_name string, customer_id string, total_price double);
create table test_project_a.bank_data (id bigint, amount decimal(10,2), tags array<string>, attrs map<string,bigint>);
drop table sale_detail;
drop table test_project_a.bank_data;
insert into sale_detail values ('s1', 'c1', 10.5);
insert into table sale_detail values ('s1', 'c1', 10.5), ('s2', null, -3), ('it''s', "d\"q", 0);
insert into sale_detail values (true, false, null);
insert into table t2 select a, b from t1;
insert overwrite table t2 select * from test_project_a.t1;
select * from sale_detail;
select shop_name, customer_id from test_project_a.sale_detail;
create table t3 as select shop_name from sale_detail;
tunnel download sale_detail /tmp/sale_detail.csv;
tunnel download test_project_a.sale_detail 'out dir/sale.csv';
tunnel download sale_detail out.csv;
create function my_udf as 'com.example.MyUdf' using 'udtf.jar,helper.py';
create function test_project_a.f2 as 'com.example.F2' using 'a.jar';
drop function my_udf;
add jar udtf.jar;
add file data.txt comment 'lookup table';
add archive deps.tar.gz;
add py helper.py;
drop resource udtf.jar;
explain select * from sale_detail;
explain for RAM$owner:alice select shop_name from sale_detail;
explain for RAM$owner:alice from 10.0.0.1 select * from test_project_a.sale_detail;
explain from '192.168.1.7' insert into table t2 select * from t1;
explain from fe80::1 tunnel download sale_detail out.csv;
explain for ALIYUN$bob create table prj2.t2 as select * from prj1.t1;
explain insert into t values (1);

-- lexical forms
GRANT SELECT ON TABLE `sale detail` TO USER `RAM$owner:alice`;
Grant select On Table `select` To Role `role`;
-- comment between statements; with a ; inside
/* block comment ; */ list users;
list /* inline */ roles;
describe `weird``name`;
create role r9 -- trailing comment
;
grant Select on table sale_detail to user Ram$owner:alice, user ALIYUN$X@aliyun.com;

-- privilege names that are keywords (other than the documented actions) stay backticked
revoke `role` on table t from role w;
grant `label` on table t to user RAM$x;
revoke `label`, Select on table t from user RAM$x;
grant `super`, `to` on table t to role w;
grant `tenant`, `role` on table t to role w;
grant super `on`, `to` to user RAM$x;
add table t to package p with privileges `using`, Select;
allow project * to install package p with `using` using label 1;
alter project prj1 set status frozen;
alter project prj1 set status normal;
explain for RAM$owner:bob grant Select on table t to user RAM$owner:carol;

-- checking the tenant: the audit trail, its retention, the survey, the p4_ residue (sandbox)
show audit;
SHOW AUDIT FOR RAM$bob IN PROJECT prj1 SINCE '2026-01-01T00:00:00Z' UNTIL '2026-04-01' DENIED LIMIT 20;
show audit in project prj1 limit 5;
show audit denied;
alter tenant set audit retention 90 days;
alter tenant set audit retention off;
survey;
survey project prj1 inactive 30 days addresses 2;
survey tenant;
drop ram user RAM$bob;
