#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds made from the test files: every golden script and the
# parser corpus whole and statement by statement, every policy document of the tests (one seed
# per document kind), the condition texts of the parser corpus, every `.slt` file of the tests
# and lessons, and the requests of the server tests (each path they send, each way of signing
# it; security queries with the golden scripts' statements; the policy and security
# configuration bodies they put). libFuzzer adds what it finds
# to the same folders; they are not committed (the seeds are remade from the tests).
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY'
import hashlib, os, re, glob
root = ".."
def put(target, data):
    d = f"corpus/{target}"
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(f"{d}/{name}", "wb") as f:
        f.write(data)
scripts = sorted(glob.glob(f"{root}/tests/golden/**/*.sql", recursive=True)) + [f"{root}/tests/data/parser/corpus.txt", f"{root}/tests/data/catalog_v2/setup.sql", f"{root}/tests/data/catalog_v2/readback.sql"]
for path in scripts:
    text = open(path, "rb").read()
    put("script_exec", text[:16 * 1024])
    for target in ("lex_split", "parse_roundtrip"):
        put(target, text[:16 * 1024])
        for stmt in text.split(b";"):
            if stmt.strip():
                put(target, stmt.strip() + b";")
for path in sorted(glob.glob(f"{root}/tests/**/*.json", recursive=True)):
    text = open(path, "rb").read()
    for kind in range(3):
        put("policy", bytes([kind]) + text)
corpus = open(f"{root}/tests/data/parser/corpus.txt").read()
for cond in re.findall(r'"conditions"\s*=\s*"([^"]*)"', corpus):
    put("policy", bytes([3]) + cond.encode())
for cond in ["acs:SourceIp in ('10.0.0.0/8') and acs:CurrentTime < '2030-01-01T00:00:00Z'",
             "IpAddress(acs:SourceIp, '10.0.0.7')", "odps:TaskType = 'SQL'",
             "acs:UserAgent like 'odps*'", "acs:SecureTransport = 'true'"]:
    put("policy", bytes([3]) + cond.encode())
for path in sorted(glob.glob(f"{root}/tests/slt/**/*.slt", recursive=True)) + sorted(glob.glob(f"{root}/scripts/lessons/*.slt")):
    put("slt_reader", open(path, "rb").read()[:16 * 1024])
# http_request: a mode byte (how the target signs it), then `METHOD target`, headers, a blank
# line and the body.
def request(mode, method, target, headers=(), body=b""):
    head = f"{method} {target}\n" + "".join(f"{k}: {v}\n" for k, v in headers)
    put("http_request", bytes([mode]) + head.encode() + b"\n" + body)
serve = "".join(open(p).read() for p in sorted(glob.glob(f"{root}/tests/serve*.rs")))
targets = sorted(set(t.replace("{id}", "2026010500000002") for t in re.findall(r'"(/api/[^"]*)"', serve)))
xml_type = [("Content-Type", "application/xml"), ("x-odps-user-agent", "pyodps/0.13.2")]
for target in targets:
    for method in ("GET", "PUT", "POST"):
        for mode in (0, 1, 3, 4, 6, 7):
            request(mode, method, target, xml_type)
for body in re.findall(r'b"(<SecurityConfiguration>.*?</SecurityConfiguration>)"', serve):
    for mode in (1, 4):
        request(mode, "PUT", "/api/projects/demo?security_configuration=", xml_type, body.encode())
for path in sorted(glob.glob(f"{root}/tests/golden/**/*.json", recursive=True)):
    for mode in (1, 4):
        for target in ("/api/projects/demo?policy=", "/api/projects/demo/roles/r1?policy="):
            request(mode, "PUT", target, xml_type, open(path, "rb").read())
def xml_escape(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
statements = []
for path in sorted(glob.glob(f"{root}/tests/golden/*.sql")):
    for stmt in open(path).read().split(";"):
        stmt = "\n".join(l for l in stmt.splitlines() if not l.strip().startswith("--")).strip()
        if stmt and stmt not in statements:
            statements.append(stmt)
for i, stmt in enumerate(statements[:300]):
    q = xml_escape(stmt)
    extra = ["", "<ResponseInJsonFormat>true</ResponseInJsonFormat>", "<ResponseFormat>mcsec</ResponseFormat>"][i % 3]
    body = f"<?xml version='1.0' encoding='utf-8'?>\n<Authorization><Query>{q}</Query>{extra}</Authorization>".encode()
    target = "/api/authorization" if i % 7 == 0 else "/api/projects/demo/authorization?curr_project=demo"
    request([1, 3, 4, 5][i % 4], "POST", target, xml_type, body)
PY
for t in lex_split parse_roundtrip policy script_exec slt_reader http_request; do
  echo "$t: $(ls corpus/$t | wc -l) seeds"
done
