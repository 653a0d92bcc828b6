-- A label grant, an ACL grant and a policy-mode grant that expired and were never cleared.
create project prj1;
use prj1;
setproject odps.security.enabledownloadprivilege=true odps.security.ip.whitelist=127.0.0.1;
create table customers (name string, phone string);
add user RAM$frank;
grant label 2 on table customers to user RAM$frank with exp 0;
grant Select on table customers to user RAM$frank privilegeproperties("expires"="0");
create role auditors;
grant auditors to user RAM$frank;
grant Describe on table customers to role auditors privilegeproperties("policy"="true", "expires"="0");
diagnose tenant;
