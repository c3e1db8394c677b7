"""The real-browser tests and the app's start/stop tests, on a quiet machine and under CPU hogs.

    python benchmarks/browser_under_load.py              # quiet, then with 2 hogs
    python benchmarks/browser_under_load.py --hogs 4 --no-quiet

Each hog is a busy-looping Python process (``faults_and_load.cpu_hogs``), killed when the run ends.
Reports passed/failed and the wall time of each run, and the slowest tests under load.
Not part of CI (minutes).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults_and_load import cpu_hogs

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/browser", "tests/test_app.py"]


def run(timeout):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", *TESTS, "-q", "-p", "no:cacheprovider",
                           "--durations=3"], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    lines = proc.stdout.splitlines()
    summary = next((line for line in reversed(lines) if " passed" in line or " failed" in line),
                   f"exit {proc.returncode}")
    slowest = [line.split()[0] + " " + line.split()[-1].split("::")[-1]
               for line in lines if line[:1].isdigit() and "s call" in line]
    failures = [line for line in lines if line.startswith("FAILED")]
    return summary, time.perf_counter() - start, slowest, failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hogs", type=int, default=2)
    parser.add_argument("--no-quiet", action="store_true", help="skip the run without hogs")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)
    rows = []
    if not args.no_quiet:
        rows.append(("quiet", *run(args.timeout)))
    with cpu_hogs(args.hogs):
        rows.append((f"{args.hogs} CPU hogs", *run(args.timeout)))
    print("| run | result | wall time | slowest |\n|---|---|---|---|")
    for label, summary, seconds, slowest, failures in rows:
        print(f"| {label} | {summary.strip('= ')} | {seconds:.0f} s | {'; '.join(slowest)} |")
        for line in failures:
            print(f"|   | {line} | | |")
    print(f"(1-minute load average at the end: {os.getloadavg()[0]:.1f}; 2 cores shared with other developers)")


if __name__ == "__main__":
    main()
