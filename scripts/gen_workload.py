#!/usr/bin/env python3
"""Writes the shared administrative workload of the benchmarks: N statements spread over P
projects, as an mcsec script and as the same statements for PostgreSQL.

Per project, in rounds: a table, a role, three users, each user granted the role, a table
grant to the role and one to each user (column grants among them). Every statement succeeds,
and the tenant grows with the script: 1M statements over one project is one project holding
about 110k tables, 110k roles, 330k users and 440k grants.

  gen_workload.py N P OUT.sql [OUT-pg.sql]

The PostgreSQL form maps a project to a schema, a table to a table in it, a role or a user to
a role (users with LOGIN, names prefixed by the project), `grant r to u` to GRANT r TO u, and
table grants to GRANT ... ON TABLE. The first lines (projects / schemas) come first in both.
"""
import sys

n, projects, out_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
pg_path = sys.argv[4] if len(sys.argv) > 4 else None
out = open(out_path, "w", buffering=1 << 20)
pg = open(pg_path, "w", buffering=1 << 20) if pg_path else None

count = 0
for p in range(projects):
    out.write(f"create project prj{p};\n")
    if pg:
        pg.write(f"create schema prj{p};\n")
    count += 1
r = 0
while count < n:
    p = r % projects
    k = r // projects
    # Each round moves to its project (one project: only the first round).
    if projects > 1 or r == 0:
        out.write(f"use prj{p};\n")
        if pg:
            pg.write(f"set search_path = prj{p};\n")
        count += 1
    t, role = f"tbl{k}", f"role{k}"
    users = [f"user{3 * k + j}" for j in range(3)]
    mc = [f"create table {t} (c1 string, c2 string, c3 bigint);", f"create role {role};"]
    pq = [f"create table {t} (c1 text, c2 text, c3 bigint);", f"create role prj{p}_{role};"]
    for u in users:
        mc.append(f"add user RAM$owner:{u};")
        pq.append(f"create role prj{p}_{u} login;")
    for u in users:
        mc.append(f"grant {role} to RAM$owner:{u};")
        pq.append(f"grant prj{p}_{role} to prj{p}_{u};")
    mc.append(f"grant Select, Describe on table {t} to role {role};")
    pq.append(f"grant select, references on table {t} to prj{p}_{role};")
    mc.append(f"grant Select on table {t} (c1, c2) to user RAM$owner:{users[0]};")
    pq.append(f"grant select (c1, c2) on table {t} to prj{p}_{users[0]};")
    mc.append(f"grant Update on table {t} to user RAM$owner:{users[1]};")
    pq.append(f"grant update on table {t} to prj{p}_{users[1]};")
    mc.append(f"grant Select, Update on table {t} to user RAM$owner:{users[2]};")
    pq.append(f"grant select, update on table {t} to prj{p}_{users[2]};")
    for a, b in zip(mc, pq):
        if count >= n:
            break
        out.write(a + "\n")
        if pg:
            pg.write(b + "\n")
        count += 1
    r += 1
