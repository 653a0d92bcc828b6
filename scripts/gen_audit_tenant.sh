#!/usr/bin/env bash
# Builds a tenant and three months of activity in a catalog, for the audit trail and the
# account survey: every statement runs through the real mcsec with MCSEC_NOW set to the day it
# stands for, as the user and from the address that would have sent it.
#
#   scripts/gen_audit_tenant.sh <mcsec binary> <catalog dir> <work dir for downloads>
#
# The tenant (2026-01-01): projects sales and ops; RAM users alice (analyst), bob (engineer),
# carol (whose AccessKey is shared: she is seen from five addresses), dave (added, then idle),
# erin (deleted at the account level on 2026-02-15 while holding a role: the p4_ residue),
# frank (removed from sales with a grant left behind). Then weekly from 2026-01-05 to
# 2026-03-30: alice's queries, bob's downloads and loads, carol's queries, a refused grant by
# bob each month, erin's queries until she is deleted. Then `survey tenant;` at 2026-04-01
# shows each of these.
set -euo pipefail
mkdir -p "$3"
MCSEC=$(realpath "$1")
CAT=$(realpath -m "$2")
# Downloads are written relative to the work directory, so the statements the trail holds name
# the same files wherever the script runs.
cd "$3"

# run <time> <user> <ip> <statements>
run() {
  MCSEC_NOW=$1 "$MCSEC" --catalog "$CAT" --user "$2" --source-ip "$3" --keep-going -e "$4" \
    >/dev/null 2>&1 || true
}

OWNER='ALIYUN$owner'
run 2026-01-01T08:00:00Z "$OWNER" 192.168.0.10 "
create project sales comment 'sales data';
create project ops;
use sales;
create table orders (id bigint, customer string, amount double);
insert into orders values (1, 'acme', 10.5), (2, 'globex', 20.0), (3, 'initech', 7.25);
create role analyst;
create role engineer;
grant Select on table orders to role analyst;
grant CreateInstance on project sales to role analyst;
grant Select, Download on table orders to role engineer;
grant CreateInstance on project sales to role engineer;
add user RAM\$alice; add user RAM\$bob; add user RAM\$carol; add user RAM\$dave;
add user RAM\$erin; add user RAM\$frank;
grant analyst to RAM\$alice; grant engineer to RAM\$bob; grant analyst to RAM\$carol;
grant analyst to RAM\$dave; grant analyst to RAM\$erin;
grant Select on table orders to user RAM\$frank;
use ops;
create table jobs (name string, state string);
add user RAM\$bob;
grant CreateInstance on project ops to user RAM\$bob;
grant Select, Update on table jobs to user RAM\$bob;
"
# frank leaves sales; the ACL grant given to him directly stays behind.
run 2026-01-02T08:00:00Z "$OWNER" 192.168.0.10 "use sales; remove user RAM\$frank;"

carol_ips=(10.0.3.1 10.0.3.2 10.0.3.3 10.0.3.4 10.0.3.5)
week=0
for month in 1 2 3; do
  for day in 5 12 19 26; do
    stamp=$(printf '2026-%02d-%02d' "$month" "$day")
    run "${stamp}T09:00:00Z" 'RAM$alice' 10.0.1.5 "
use sales; select * from orders; select customer, amount from orders; select id from orders;"
    run "${stamp}T10:00:00Z" 'RAM$bob' 10.0.2.7 "
use sales; tunnel download orders orders-$stamp.csv;
use ops; insert into jobs values ('load-$stamp', 'done'); select * from jobs;"
    ip=${carol_ips[$((week % 5))]}
    run "${stamp}T11:00:00Z" 'RAM$carol' "$ip" "use sales; select customer from orders;"
    if [ "$month" -eq 1 ]; then
      run "${stamp}T12:00:00Z" 'RAM$erin' 10.0.5.9 "use sales; select amount from orders;"
    fi
    if [ "$day" -eq 12 ]; then
      # Refused: bob is a plain member of sales.
      run "${stamp}T13:00:00Z" 'RAM$bob' 10.0.2.7 "use sales; grant Download on table orders to user RAM\$carol;"
    fi
    week=$((week + 1))
  done
  if [ "$month" -eq 2 ]; then
    run 2026-02-15T08:00:00Z "$OWNER" 192.168.0.10 "drop ram user RAM\$erin;"
  fi
done
# The last week of March.
run 2026-03-30T09:00:00Z 'RAM$alice' 10.0.1.5 "use sales; select * from orders;"
