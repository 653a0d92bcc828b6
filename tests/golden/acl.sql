-- §3 ACL: grants on existing objects to existing principals, columns, show acl, drop revokes
create project test_project_a owner ALIYUN$Bob@aliyun.com;
use test_project_a;
login ALIYUN$Bob@aliyun.com;
use test_project_a;
--@ table test_project_a.sale_detail shop_name:string customer_id:string total_price:double creator ALIYUN$Bob@aliyun.com
--@ object function test_project_a.my_udf creator ALIYUN$Bob@aliyun.com
--@ object resource test_project_a.udtf.jar creator ALIYUN$Bob@aliyun.com
add user RAM$Bob@aliyun.com:Allen;
add user RAM$Bob@aliyun.com:bob;
create role worker;
grant Describe, Select on table sale_detail (shop_name, customer_id) to user RAM$Bob@aliyun.com:Allen;
show acl for sale_detail on type table;
show acl for sale_detail;
grant Select on table missing_table to user RAM$bob;
grant Select on table sale_detail to user RAM$nobody;
grant Select on table sale_detail (no_col) to user RAM$bob;
grant Frobnicate on table sale_detail to user RAM$bob;
grant Read on project test_project_a to user RAM$bob;
grant Select on table sale_detail to user RAM$bob with grant option;
grant Select on table sale_* to user RAM$bob;
grant Select on table sale_* to role worker;
grant CreateTable, CreateFunction, CreateInstance, List, CreateResource on project test_project_a to role worker;
show acl for test_project_a on type project;
grant Read, Execute on function my_udf to user RAM$bob;
grant Read on resource udtf.jar to role worker;
show acl for my_udf on type function;
grant Download, Select, Describe on table sale_detail to user RAM$bob privilegeproperties("expires"="30");
grant Alter on table sale_detail to user RAM$bob privilegeproperties("conditions"="acs:SourceIp in ('10.0.0.0/8')");
show grants for RAM$bob;
show grants for RAM$bob on type function;
revoke Select on table sale_detail from user RAM$bob;
revoke Describe on table sale_detail (shop_name) from user RAM$Bob@aliyun.com:Allen;
show acl for sale_detail;
remove user RAM$bob;
show grants for RAM$bob;
add user RAM$bob;
show grants for RAM$bob;
login RAM$Bob@aliyun.com:bob;
show grants;
show grants for RAM$Bob@aliyun.com:Allen;
grant Select on table sale_detail to user RAM$bob;
login ALIYUN$Bob@aliyun.com;
grant Select on table sale_detail to user RAM$Bob@aliyun.com:bob, role worker;
show acl for sale_detail;
