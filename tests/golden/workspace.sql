-- create workspace: a basic workspace (one project) and a standard one (production and
-- <name>_dev), their role_project_* roles and what each holds, and the scheduling identity.
create workspace shop mode basic;
list projects;
use shop;
list roles;
describe role role_project_pe;
describe role role_project_data_analyst;
describe role role_project_deploy;
create workspace sales mode standard owner ALIYUN$owner scheduler RAM$sched comment 'sales data';
list projects;
use sales_dev;
describe role role_project_dev;
list users;
use sales;
describe role role_project_dev;
describe role role_project_scheduler;
list users;
show grants for user RAM$sched;
-- the roles are ordinary roles: granting one gives what it holds
use sales_dev;
add user RAM$dev1;
grant role_project_dev to user RAM$dev1;
create table orders (id bigint);
login RAM$dev1;
select * from orders;
login ALIYUN$owner;
-- refusals: the workspace exists, its projects exist, a bad name, a RAM owner (a bad mode is a
-- syntax error: tests/parser_errors.rs)
create workspace shop mode basic;
create project crm_dev;
create workspace crm mode standard;
list projects;
create workspace x mode basic;
create workspace web mode basic owner RAM$alice;
login RAM$alice;
create workspace web mode basic;
