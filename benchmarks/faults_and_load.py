"""Faults and load: does every promise hold on a busy machine and when the disk says no?

    python benchmarks/faults_and_load.py              # both parts (about 5-10 minutes)
    python benchmarks/faults_and_load.py --faults     # only the fault run (under a minute)

1. Load: the unit and browser tests (not the notebooks) while two CPU-bound processes keep both
   cores busy. Reports passed/failed and the time against the same run without the hogs.
2. Faults, each checked for "nothing half-written, a clear message":
   - a save to a full file system (a 256 KB tmpfs; needs root for ``mount``), over an existing
     model and into an empty folder;
   - a save into a read-only file system (the same tmpfs remounted read-only);
   - ``load_mnist()`` with its cache on a full file system, on a read-only one, and from 8
     processes at once with an empty cache.
Prints a table. Everything it starts (hogs, mounts, processes) is stopped before it exits.
Not part of CI: it takes minutes and needs root for the mounts.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOG = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"


@contextlib.contextmanager
def cpu_hogs(n=2, seconds=1800):
    """``n`` busy-looping processes, killed on exit (and ending by themselves after ``seconds``)."""
    hogs = [subprocess.Popen([sys.executable, "-c", HOG.format(seconds=seconds)]) for _ in range(n)]
    try:
        yield hogs
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait(timeout=30)


@contextlib.contextmanager
def tmpfs(size="256k"):
    """A small tmpfs mounted on a fresh folder, unmounted on exit."""
    where = Path(tempfile.mkdtemp(prefix="scratchnn-tmpfs-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        with contextlib.suppress(OSError):
            where.rmdir()


def remount(where, mode):
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True)


def run_tests(timeout=1500):
    """The unit and browser tests (the notebooks have their own nbval run); (summary, seconds).

    The summary is pytest's last line, the names of the tests that failed, and the 1-minute load
    average at the end (the machine may be shared: say how busy it was)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests", "-q", "-rf", "-p", "no:cacheprovider"],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    lines = proc.stdout.splitlines()
    totals = [line.strip("= ") for line in lines if " passed" in line or " failed" in line]
    failed = [line.split()[1].split("::")[-1] for line in lines if line.startswith("FAILED ")]
    summary = (totals[-1] if totals else f"exit {proc.returncode}") + (f"; failed: {', '.join(failed)}" if failed else "")
    return f"{summary} (load average {os.getloadavg()[0]:.1f})", time.perf_counter() - start


def in_subprocess(code, env=None, timeout=300):
    """Run ``code`` in a fresh Python; (exit code, last line of stderr or stdout)."""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    text = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
    return proc.returncode, (text[-1] if text else "")


SAVE = """
import numpy as np, scratchnn as snn
net = snn.Net([snn.InLayer(784), snn.Dense(256, "relu"), snn.Dense(10, "softmax")], seed=0)
net.save({path!r})
"""
LOAD_MNIST = """
import scratchnn as snn
(X, y), _ = snn.load_mnist()
assert X.shape == (60000, 784) and float(X[0].sum()) > 0, X.shape
print("ok", flush=True)
"""


def fault_rows():
    rows = []
    with tmpfs("256k") as disk:
        # A tiny model fits; the 784-256-10 net's file (about 800 KB) cannot.
        small = disk / "small.npz"
        in_subprocess(f"""
import numpy as np, scratchnn as snn
snn.Net([snn.InLayer(6), snn.Dense(3, "softmax")], seed=0).save({str(small)!r})
""")
        before = small.read_bytes() if small.exists() else b""
        code, msg = in_subprocess(SAVE.format(path=str(small)))
        intact = small.exists() and small.read_bytes() == before
        rows.append(("save over a model, disk full", code != 0 and "disk is full" in msg and intact
                     and sorted(p.name for p in disk.iterdir()) == ["small.npz"], msg))
        code, msg = in_subprocess(SAVE.format(path=str(disk / "new.npz")))
        rows.append(("save a new model, disk full", code != 0 and "disk is full" in msg
                     and not (disk / "new.npz").exists() and sorted(p.name for p in disk.iterdir()) == ["small.npz"],
                     msg))
        remount(disk, "ro")
        code, msg = in_subprocess(SAVE.format(path=str(disk / "ro.npz")))
        rows.append(("save onto a read-only file system", code != 0 and "read-only" in msg, msg))
        remount(disk, "rw")
    for label, size, mode in [("MNIST cache on a full disk", "256k", "rw"),
                              ("MNIST cache on a read-only file system", "64m", "ro")]:
        with tmpfs(size) as disk:
            if mode == "ro":
                remount(disk, "ro")
            code, msg = in_subprocess(LOAD_MNIST, {"XDG_CACHE_HOME": str(disk)})
            leftovers = [p.name for p in disk.rglob("*") if p.is_file()]
            rows.append((label, code == 0 and not leftovers, f"{msg} (files left: {leftovers or 'none'})"))
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", LOAD_MNIST], cwd=ROOT, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(8)]
        outs = [p.communicate(timeout=600) for p in procs]
        ok = sum(p.returncode == 0 and out.strip() == "ok" for p, (out, _) in zip(procs, outs))
        temps = [p.name for p in Path(cache).rglob("*.tmp")]
        rows.append(("8 processes load MNIST, empty cache", ok == 8 and not temps,
                     f"{ok}/8 ok in {time.perf_counter() - start:.1f} s, temp files left: {temps or 'none'}"))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", action="store_true", help="only the fault run")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("needs root: the fault run mounts small tmpfs file systems")
    print("| check | holds | what was said / seen |\n|---|---|---|")
    for label, holds, said in fault_rows():
        print(f"| {label} | {'yes' if holds else 'NO'} | {said.replace('|', '/')} |", flush=True)
    if args.faults:
        return
    quiet, quiet_s = run_tests()
    with cpu_hogs(2):
        loaded, loaded_s = run_tests()
    print(f"| unit + browser tests, quiet machine | {quiet} | {quiet_s:.0f} s |")
    print(f"| unit + browser tests, two CPU hogs | {loaded} | {loaded_s:.0f} s ({loaded_s / quiet_s:.1f}x) |")


if __name__ == "__main__":
    main()
