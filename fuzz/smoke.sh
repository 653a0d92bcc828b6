#!/usr/bin/env bash
# A bounded run of every fuzz target: the CI smoke test. Builds the targets with the nightly
# toolchain and the coverage instrumentation cargo-fuzz uses (without AddressSanitizer: the
# crate has no unsafe code, and CI time matters), seeds the corpora from the test files, and
# runs each target for FUZZ_SECONDS (default 30). Any crash fails the script; its input is left
# in fuzz/artifacts/<target>/.
#
#   fuzz/smoke.sh                      # 30 s per target
#   FUZZ_SECONDS=600 fuzz/smoke.sh     # longer
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-30}"
targets=(lex_split parse_roundtrip policy script_exec slt_reader http_request)
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz smoke skipped: no nightly toolchain (libFuzzer instrumentation needs one)"
  exit 0
fi
triple="$(rustc -vV | sed -n 's/^host: //p')"
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions \
-Coverflow-checks" \
  cargo +nightly build --quiet --release --target "$triple" --bins
./seed.sh >/dev/null
status=0
for t in "${targets[@]}"; do
  mkdir -p "artifacts/$t"
  # The server logs every refused request on stderr: http_request runs with the target's
  # stderr closed (libFuzzer keeps its own), and a crash is replayed to show its panic.
  quiet=()
  [ "$t" = http_request ] && quiet=(-close_fd_mask=2)
  if "target/$triple/release/$t" "corpus/$t" -max_total_time="$seconds" -max_len=16384 \
      "${quiet[@]}" -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"artifacts/$t.log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "artifacts/$t.log")"
    echo "fuzz $t: ${runs:-?} executions in ${seconds} s, no crash"
  else
    echo "fuzz $t: CRASH (input in fuzz/artifacts/$t/)"
    if [ "${#quiet[@]}" -gt 0 ]; then
      "target/$triple/release/$t" artifacts/"$t"/crash-* >>"artifacts/$t.log" 2>&1 || true
    fi
    grep -E "panicked|ERROR" -A4 "artifacts/$t.log" | head -20
    status=1
  fi
done
exit "$status"
