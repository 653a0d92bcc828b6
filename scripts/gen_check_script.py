#!/usr/bin/env python3
"""Writes a script of 20,000 `select`s run by a member holding the grants they need.

Each `select` is a SQL job of the current project: two authorization checks (CreateInstance on
the project, Select on the table) and an instance record written. Used for the whole-process
check figure in README's Performance section:

    python3 scripts/gen_check_script.py /tmp/checks.sql
    hyperfine -N --prepare 'rm -rf /tmp/chk' './target/release/mcsec --catalog /tmp/chk -f /tmp/checks.sql'
"""
import sys

SELECTS = 20_000

lines = [
    "create project prj;",
    "use prj;",
    "create table t (c string);",
    "insert into t values ('x');",
    "add user RAM$bob;",
    "grant CreateInstance on project prj to user RAM$bob;",
    "grant Select on table t to user RAM$bob;",
    "login RAM$bob;",
] + ["select c from t;"] * SELECTS

path = sys.argv[1] if len(sys.argv) > 1 else "checks.sql"
with open(path, "w") as out:
    out.write("\n".join(lines) + "\n")
