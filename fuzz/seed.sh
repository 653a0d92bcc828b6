#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds made from the test files: every golden script and the
# parser corpus whole and statement by statement, every policy document of the tests (one seed
# per document kind), and the condition texts of the parser corpus. libFuzzer adds what it finds
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
PY
for t in lex_split parse_roundtrip policy script_exec; do
  echo "$t: $(ls corpus/$t | wc -l) seeds"
done
