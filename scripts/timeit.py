#!/usr/bin/env python3
"""Times a command run N times (after 3 warm-up runs): median, min and max wall clock.

    python3 scripts/timeit.py 30 ./target/release/mcsec --catalog /tmp/catm --project prj0 -e "whoami;"
"""
import statistics
import subprocess
import sys
import time


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit("usage: timeit.py <runs> <command> [args...]")
    runs, cmd = int(sys.argv[1]), sys.argv[2:]
    times = []
    for i in range(runs + 3):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if i >= 3:
            times.append((time.perf_counter() - start) * 1000)
    print(f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, "
          f"max {max(times):.1f} ms over {runs}")


if __name__ == "__main__":
    main()
