#!/usr/bin/env python3
"""Writes the batch-apply script of README's performance table: 100 projects with 50 tables
each (setup), then 100,000 management statements (the same mix as benches/apply.rs: roles,
users, role grants, table grants). Usage: gen_apply_script.py OUT.sql"""
import sys

out = open(sys.argv[1], "w")
for p in range(100):
    out.write(f"create project prj{p};\n")
for p in range(100):
    out.write(f"use prj{p};\n")
    for t in range(50):
        out.write(f"create table tbl{t} (c1 string, c2 string, c3 string);\n")
for p in range(100):
    out.write(f"use prj{p};\n")
    for r in range(50):
        out.write(f"create role role{r};\n")
    for u in range(300):
        out.write(f"add user RAM$owner:user{u};\n")
    for u in range(300):
        out.write(f"grant role{u % 50} to RAM$owner:user{u};\n")
    for g in range(349):
        t = (g // 50) % 50
        if g % 3 == 0:
            out.write(f"grant Select, Describe, Alter on table tbl{t} to role role{g % 50};\n")
        elif g % 3 == 1:
            out.write(f"grant Select on table tbl{t} (c1, c2, c3) to user RAM$owner:user{g % 300};\n")
        else:
            out.write(f"grant Download, Describe, Select on table tbl{t} to user RAM$owner:user{g % 300};\n")
