-- explain with no current project: statements that run outside any project are explained, the
-- rest fail as they would for want of one; nothing is written.
explain create project sales;
list projects;
explain list users;
explain select * from t;
