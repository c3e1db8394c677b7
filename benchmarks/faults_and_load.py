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
3. Files that are not plain files (issue 20, class 1): saves onto a character device (``mknod``),
   a FIFO, a symlink and a read-only file; loads of a FIFO; MNIST and cache entries that are a
   FIFO or a directory; ``SCRATCHNN_CACHE`` that cannot be a folder; a 3 GB sparse file named like
   an MNIST file; a 1 MB deflate bomb; stray and live temp files (the live writer in another PID
   namespace, ``unshare``); a 0600 file's mode.
4. Saves that load refuses (class 2): 1.1 MB of notes, float16/float128/complex64/int32 nets,
   metadata 600 and 950 deep.
5. Raw errors (class 5, the file/CLI part): a 1e9 pen, a 10**400 coordinate, a 5000-digit integer
   and a repeated key in metadata, ``SCRATCHNN_DEBUG=0``, and the Voila token in ``ps``.
Every probe runs in a fresh Python with a time limit and reports its time and peak memory.
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
    summary = ((totals[-1] if totals else f"exit {proc.returncode}")
               + (f"; failed: {', '.join(failed)}" if failed else ""))
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


PROBE_END = """
import resource, sys
print(f"PEAK {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}", file=sys.stderr)
"""


def probe(code, env=None, timeout=120, cwd=None):
    """Run ``code`` in a fresh Python: (exit code, its last line of output, seconds, peak MB).

    A probe that hangs is stopped at ``timeout`` and reported as such."""
    wrapped = "try:\n" + "".join(f"    {line}\n" for line in code.strip().splitlines()) + "finally:\n" + \
        "".join(f"    {line}\n" for line in PROBE_END.strip().splitlines())
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", wrapped], cwd=cwd or ROOT, capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        return None, f"still running after {timeout} s (hangs)", float(timeout), 0
    seconds = time.perf_counter() - start
    peak = max([int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK ")] or [0])
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip() and not line.startswith("PEAK ")]
    return proc.returncode, (lines[-1] if lines else ""), seconds, peak


def said(code, env=None, timeout=120):
    """``probe`` as the last column of a row: what was said, in how long, with how much memory."""
    rc, line, seconds, peak = probe(code, env, timeout)
    return rc, f"{line} ({seconds:.1f} s, peak {peak} MB)"


NET = "import scratchnn as snn\nnet = snn.Net([snn.InLayer(6), snn.Dense(3, 'softmax')], seed=0)\n"


def file_rows(work):
    """Issue 20, class 1: files that are not plain files, files too big, temp files, modes."""
    import stat

    rows = []
    good = work / "good.npz"
    probe(NET + f"net.save({str(good)!r})")
    devices = work / "d"
    devices.mkdir()
    os.mknod(devices / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.mkfifo(devices / "fifo")
    (devices / "link").symlink_to(good)
    (devices / "ro.npz").write_bytes(good.read_bytes())
    os.chmod(devices / "ro.npz", 0o444)
    for name, kind in [("null", stat.S_ISCHR), ("fifo", stat.S_ISFIFO), ("link", stat.S_ISLNK)]:
        rc, text = said(NET + f"net.save({str(devices / name)!r})")
        kept = kind(os.lstat(devices / name).st_mode)
        rows.append((f"save onto a {'character device (mknod c 1 3)' if name == 'null' else name}", rc != 0 and kept,
                     f"{text}; {'left as it was' if kept else 'replaced by a regular file'}"))
    rc, text = said(NET + f"net.save({str(devices / 'ro.npz')!r})")
    rows.append(("save onto a read-only (0444) model",
                 rc != 0 and (devices / "ro.npz").read_bytes() == good.read_bytes(), text))
    cli = subprocess.run([sys.executable, "-m", "scratchnn", "train", "--epochs", "0", "--limit", "100", "--out",
                          str(devices / "null")], cwd=work, capture_output=True, text=True, timeout=300)
    kept = stat.S_ISCHR(os.lstat(devices / "null").st_mode)
    rows.append(("`scratchnn train --out d/null` (a char device)", cli.returncode == 2 and kept,
                 f"{(cli.stderr.strip() or cli.stdout.strip()).splitlines()[-1]}; "
                 f"{'left as it was' if kept else 'replaced by a regular file'}"))
    rc, text = said(f"import scratchnn as snn\nsnn.Net.load({str(devices / 'fifo')!r})", timeout=30)
    rows.append(("Net.load of a FIFO nobody writes to", rc == 1 and "FIFO" in text, text))
    os.chmod(good, 0o600)
    probe(NET + f"net.save({str(good)!r})")
    rows.append(("save over a 0600 model keeps 0600", stat.S_IMODE(os.stat(good).st_mode) == 0o600,
                 f"mode after the save: {stat.S_IMODE(os.stat(good).st_mode):04o}"))
    stray = work / ".good.npz.99999999999.0bad.tmp"
    stray.write_bytes(b"litter")
    rc, text = said(NET + f"net.save({str(good)!r})\nprint('saved')")
    rows.append(("save with a stray .good.npz.99999999999.0bad.tmp", rc == 0 and not stray.exists(), text))
    # A writer in another PID namespace: its pid means nothing here, its lock on the temp file does.
    # Its temp file is named with a pid no process has here, as a writer's in a container would be.
    stray.unlink(missing_ok=True)
    unused = next(pid for pid in range(1000, 1 << 22) if not Path(f"/proc/{pid}").exists())
    live = work / f".good.npz.{unused}.0123abcd.tmp"
    holder = subprocess.Popen(["unshare", "--pid", "--fork", sys.executable, "-c",
                               "import fcntl, os, sys, time\nfd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\nprint(os.getpid(), flush=True)\ntime.sleep(60)",
                               str(live)], stdout=subprocess.PIPE, text=True)
    try:
        inner_pid = holder.stdout.readline().strip()
        rc, text = said(NET + f"net.save({str(good)!r})\nprint('saved')")
        rows.append((f"save while a writer in another PID namespace (pid {inner_pid} there) writes",
                     rc == 0 and live.exists(), f"{text}; its temp file kept: {live.exists()}"))
    finally:
        holder.kill()
        holder.wait(timeout=30)
    # MNIST and its cache
    data = work / "data"
    data.mkdir()
    with open(data / "train-images-idx3-ubyte", "wb") as f:
        f.truncate(3 << 30)  # sparse: 3 GB that cost no disk
    rc, text = said("from scratchnn import datasets\ndatasets.find_file('train-images-idx3-ubyte', download=False)",
                    {"SCRATCHNN_DATA": str(data)})
    rows.append(("a 3 GB file named like MNIST's in SCRATCHNN_DATA", rc == 1 and "more than the" in text, text))
    (data / "train-images-idx3-ubyte").unlink()
    os.mkfifo(data / "t10k-labels-idx1-ubyte")
    rc, text = said("from scratchnn import datasets\ndatasets.find_file('t10k-labels-idx1-ubyte', download=False)",
                    {"SCRATCHNN_DATA": str(data)}, timeout=30)
    rows.append(("an MNIST file that is a FIFO", rc == 1 and "FIFO" in text, text))
    load = ("import warnings, scratchnn as snn\nwith warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n    (X, y), _ = snn.load_mnist()\n"
            "print(X.shape, '; '.join(str(m.message)[:400] for m in w) or 'no warning')")
    for label, make in [("images.npy", os.mkfifo), ("labels.npy", os.mkdir)]:
        cache = work / f"cache-{label}"
        folder = Path(probe("from scratchnn import datasets\nprint(datasets.shared_cache_dir())",
                            {"SCRATCHNN_CACHE": str(cache)})[1])
        folder.mkdir(parents=True)
        make(folder / label)
        rc, text = said(load, {"SCRATCHNN_CACHE": str(cache)}, timeout=120)
        rows.append((f"MNIST cache whose {label} is a {'FIFO' if make is os.mkfifo else 'directory'}",
                     rc == 0 and "(60000, 784)" in text and "private copy" in text, text))
    (work / "a-file").write_text("not a folder")
    for where in (str(work / "a-file"), "/proc/x", "~nobody-by-this-name/x"):
        rc, text = said(load, {"SCRATCHNN_CACHE": where})
        rows.append((f"SCRATCHNN_CACHE={where}", rc == 0 and "(60000, 784)" in text and "private copy" in text, text))
    # A 1 MB deflate bomb: an extra array inflating to 1 GB, beside a good model's arrays.
    bomb = work / "bomb.npz"
    probe(NET + f"""
import io, zipfile, numpy as np
net.save({str(bomb)!r})
header = io.BytesIO()
np.lib.format.write_array_header_1_0(header, {{"descr": "|u1", "fortran_order": False, "shape": (60 << 24,)}})
with zipfile.ZipFile({str(bomb)!r}, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z, \\
        z.open("X.npy", "w", force_zip64=True) as m:
    m.write(header.getvalue())
    for _ in range(60):
        m.write(bytes(1 << 24))
""", timeout=300)
    rc, text, seconds, peak = probe(f"import scratchnn as snn\nsnn.Net.load({str(bomb)!r})")
    rows.append((f"a deflate bomb ({bomb.stat().st_size / 2**20:.1f} MB, an extra array of 1.0 GB)",
                 rc == 1 and "unexpected ['X']" in text and peak < 100, f"{text} ({seconds:.1f} s, peak {peak} MB)"))
    return rows


def save_rows(work):
    """Issue 20, class 2: whatever load would refuse, save refuses first, and the good file stays."""
    rows = []
    good = work / "keep.npz"
    probe(NET + f"net.save({str(good)!r})")
    before = good.read_bytes()
    for label, change in [("notes of 1.1 MB", "net.metadata['notes'] = 'x' * 1_100_000"),
                          ("metadata 600 deep", "import json\nnet.metadata['d'] = json.loads('[' * 600 + ']' * 600)"),
                          *((f"net.astype({t!r})", f"net = net.astype({t!r})")
                            for t in ("float16", "float128", "complex64", "int32"))]:
        rc, text = said(NET + change + f"\nnet.save({str(good)!r})")
        rows.append((f"save with {label} over a good model", rc == 1 and good.read_bytes() == before, text))
    deep = work / "deep.npz"
    probe(NET + f"""
import json, numpy as np
net.save({str(deep)!r})
meta = json.loads(str(np.load({str(deep)!r})["__metadata__"]))
meta["metadata"] = {{"d": json.loads("[" * 950 + "]" * 950)}}
np.savez({str(deep)!r}, __metadata__=np.array(json.dumps(meta)), W1=net.dense[0].W, b1=net.dense[0].b)
""")
    rc, text = said(f"import scratchnn as snn\nsnn.Net.load({str(deep)!r}).copy()")
    rows.append(("load (then copy) a file with metadata 950 deep", rc == 1 and "nested" in text, text))
    return rows


def raw_error_rows(work):
    """Issue 20, class 5 (files, drawing, command line): each raw error is a clear one."""
    rows = []
    rc, text = said("from scratchnn import draw\ndraw.strokes_to_mnist([[(140, 140)]], pen_width=1e9)", timeout=60)
    rows.append(("strokes_to_mnist(pen_width=1e9)", rc == 1 and "ValueError: pen_width must be at most" in text, text))
    rc, text = said("from scratchnn import draw\ndraw.strokes_to_mnist([[(140, 140), (10**400, 3)]])", timeout=60)
    rows.append(("strokes_to_mnist with a 10**400 coordinate", rc == 1 and "ValueError" in text, text))
    odd = work / "odd.npz"
    for label, meta, expected in [
            ("a 5000-digit integer", '{"format": "scratchnn.Net/1", "n": ' + "9" * 5000 + "}", str(odd)),
            ("a repeated key", '{"format": "scratchnn.Net/1", "loss": "mse", "loss": "mse"}', "twice")]:
        rc, text = said(f"""
import numpy as np, scratchnn as snn
np.savez({str(odd)!r}, __metadata__=np.array({meta!r}))
snn.Net.load({str(odd)!r})""")
        rows.append((f"metadata with {label}", rc == 1 and expected in text, text[:160] + " ..."))
    env = {**os.environ, "SCRATCHNN_DEBUG": "0"}
    cli = subprocess.run([sys.executable, "-m", "scratchnn", "evaluate", str(work / "missing.npz")], cwd=work,
                         capture_output=True, text=True, timeout=120, env=env)
    rows.append(("SCRATCHNN_DEBUG=0 and a missing model", cli.returncode == 1 and "Traceback" not in cli.stderr,
                 cli.stderr.strip().splitlines()[-1]))
    draw = subprocess.Popen([sys.executable, "-m", "scratchnn", "draw", "--no-browser"], cwd=work,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        draw.stdout.readline()                       # "the pad runs ...": which model
        url = draw.stdout.readline().split()[-1]
        token = url.split("token=")[-1]
        seen = [p.parent.name for p in Path("/proc").glob("[0-9]*/cmdline")
                if token in p.read_bytes().decode(errors="replace")] if token else ["no token"]
        rows.append(("`scratchnn draw`: its token in any process's command line (ps)", bool(token) and not seen,
                     f"processes showing it: {len(seen)}"))
    finally:
        draw.terminate()
        draw.wait(timeout=60)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", action="store_true", help="only the fault run")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("needs root: the fault run mounts small tmpfs file systems")
    print("| check | holds | what was said / seen |\n|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="scratchnn-faults-") as work:
        work = Path(work)
        for rows in (fault_rows, lambda: file_rows(work), lambda: save_rows(work), lambda: raw_error_rows(work)):
            for label, holds, text in rows():
                print(f"| {label} | {'yes' if holds else 'NO'} | {text.replace('|', '/')} |", flush=True)
    if args.faults:
        return
    quiet, quiet_s = run_tests()
    with cpu_hogs(2):
        loaded, loaded_s = run_tests()
    print(f"| unit + browser tests, quiet machine | {quiet} | {quiet_s:.0f} s |")
    print(f"| unit + browser tests, two CPU hogs | {loaded} | {loaded_s:.0f} s ({loaded_s / quiet_s:.1f}x) |")


if __name__ == "__main__":
    main()
