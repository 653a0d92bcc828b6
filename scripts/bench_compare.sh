#!/usr/bin/env bash
# Times mcsec against PostgreSQL and sqlparser-rs on the shared workloads, whole processes on
# this machine, and prints a Markdown table of the figures and ratios.
#
#   scripts/bench_compare.sh                 # 10k and 100k statements, 1 and 100 projects
#   SIZES="10000 100000 1000000" PG_SIZES="10000 100000" RUNS=3 scripts/bench_compare.sh
#
# For each size N and project count P, scripts/gen_workload.py writes the mcsec script and the
# same statements for PostgreSQL. Each run applies them into a fresh store:
# - `mcsec -f` into a new catalog directory (durable at the end, group commit);
# - `psql -f` (autocommit: every statement its own transaction, default durability) and
#   `psql -1 -f` (one transaction) into a throw-away cluster made by initdb for that run, on a
#   Unix socket in the work directory (PG_SIZES only: PostgreSQL takes minutes at 1M); the
#   cluster allows 20,000 locks per transaction (and 10 connections, to keep its shared
#   memory small), as the one transaction holds a lock on every table it creates;
# - parse only: `mcsec fmt` of the mcsec script against the sqlparser-rs peer
#   (scripts/sqlparser-peer, PostgreSQL dialect, built from crates.io in its own folder)
#   printing the PostgreSQL script, both writing every statement back as text.
# The commands run in turn (A B C A B C ...) RUNS times; each figure is the median, and each
# ratio is the median of the per-round ratios. Peak RSS is /usr/bin/time's maximum resident
# set size. Output of the timed commands goes to /dev/null.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sizes="${SIZES:-10000 100000}"
pg_sizes="${PG_SIZES:-10000 100000}"
project_counts="${PROJECTS:-1 100}"
runs="${RUNS:-3}"
work="${WORK:-/tmp/mcsec-bench}"
rm -rf "$work"
mkdir -p "$work"
chmod 755 "$work"

(cd "$root" && cargo build --release --quiet)
(cd "$root/scripts/sqlparser-peer" && cargo build --release --quiet)
mcsec="$root/target/release/mcsec"
peer="$root/scripts/sqlparser-peer/target/release/sqlparser-peer"

# PostgreSQL refuses to run as root: the cluster then belongs to the postgres user.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  as_pg=(runuser -u postgres --)
fi
pg_bin="$(dirname "$(command -v initdb)")"
sock="$work/sock"
pg_stop() {
  if [ -f "$work/pg/postmaster.pid" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
}
trap pg_stop EXIT
pg_fresh() {
  pg_stop
  rm -rf "$work/pg" "$sock"
  mkdir -p "$sock" "$work/pg"
  chmod 700 "$work/pg"
  if [ "${#as_pg[@]}" -gt 0 ]; then chown postgres "$sock" "$work/pg"; fi
  "${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w \
    -o "-k $sock -c listen_addresses='' -c max_connections=10 -c max_locks_per_transaction=20000" \
    start >/dev/null
  psql -X -q -h "$sock" -U postgres -d postgres -c "create database bench" >/dev/null
}

# time_cmd OUT_VAR_PREFIX cmd...: runs cmd, sets <prefix>_s (seconds) and <prefix>_kb.
time_cmd() {
  local prefix="$1"
  shift
  local start end
  start="$(date +%s.%N)"
  /usr/bin/time -f "%M" -o "$work/rss" "$@" >/dev/null 2>"$work/stderr" || {
    echo "FAILED: $*" >&2
    cat "$work/stderr" >&2
    exit 1
  }
  end="$(date +%s.%N)"
  printf -v "${prefix}_s" '%s' "$(calc "$end - $start")"
  printf -v "${prefix}_kb" '%s' "$(tail -n 1 "$work/rss")"
}

calc() { awk "BEGIN { print $* }"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {m=int((NR+1)/2); if (NR%2) print a[m]; else print (a[m]+a[m+1])/2}'; }

echo "| workload | mcsec -f | stmts/s | peak RSS | psql -f | ×mcsec | psql -1 | ×mcsec | mcsec fmt | peak RSS | sqlparser-rs | peak RSS | ×fmt |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  for p in $project_counts; do
    mc="$work/w-$n-$p.sql"
    pg="$work/w-$n-$p-pg.sql"
    python3 "$root/scripts/gen_workload.py" "$n" "$p" "$mc" "$pg"
    chmod 644 "$mc" "$pg"
    with_pg=0
    for s in $pg_sizes; do [ "$s" = "$n" ] && with_pg=1; done
    apply=() rss=() pgf=() pg1=() r_f=() r_1=() fmt=() fmt_rss=() par=() par_rss=() r_fmt=()
    for _ in $(seq "$runs"); do
      rm -rf "$work/cat"
      time_cmd m "$mcsec" --catalog "$work/cat" -f "$mc"
      apply+=("$m_s") rss+=("$m_kb")
      if [ "$with_pg" = 1 ]; then
        pg_fresh
        time_cmd f psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -U postgres -d bench -f "$pg"
        pg_fresh
        time_cmd o psql -X -q -v ON_ERROR_STOP=1 -1 -h "$sock" -U postgres -d bench -f "$pg"
        pgf+=("$f_s") pg1+=("$o_s")
        r_f+=("$(calc "$f_s / $m_s")") r_1+=("$(calc "$o_s / $m_s")")
      fi
      time_cmd t "$mcsec" fmt "$mc"
      time_cmd q "$peer" "$pg"
      fmt+=("$t_s") fmt_rss+=("$t_kb") par+=("$q_s") par_rss+=("$q_kb")
      r_fmt+=("$(calc "$q_s / $t_s")")
    done
    pg_stop
    a="$(echo "${apply[*]}" | median)"
    row="| $n statements, $p project(s) | $(printf '%.3f s' "$a") | $(printf '%.0fk' "$(calc "$n / $a / 1000")") | $(( $(echo "${rss[*]}" | median | cut -d. -f1) / 1024 )) MiB"
    if [ "$with_pg" = 1 ]; then
      row="$row | $(printf '%.2f s' "$(echo "${pgf[*]}" | median)") | $(printf '%.1f' "$(echo "${r_f[*]}" | median)") | $(printf '%.2f s' "$(echo "${pg1[*]}" | median)") | $(printf '%.1f' "$(echo "${r_1[*]}" | median)")"
    else
      row="$row | – | – | – | –"
    fi
    row="$row | $(printf '%.3f s' "$(echo "${fmt[*]}" | median)") | $(( $(echo "${fmt_rss[*]}" | median | cut -d. -f1) / 1024 )) MiB | $(printf '%.3f s' "$(echo "${par[*]}" | median)") | $(( $(echo "${par_rss[*]}" | median | cut -d. -f1) / 1024 )) MiB | $(printf '%.1f' "$(echo "${r_fmt[*]}" | median)") |"
    echo "$row"
  done
done
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores; RUNS=$runs; ×: the other command's time over mcsec's (median of per-round ratios)"
