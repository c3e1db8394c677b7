"""Memory of a class's kernels: 8 kernels, each runs one course notebook, then stays open.

JupyterLab keeps one kernel per open notebook, so what a learner (and a hub) pays is the
memory of every kernel that ran a notebook and is still alive. This starts one kernel per
notebook at the same time, runs each notebook top to bottom in its kernel (nbclient), and
reads each kernel's memory from /proc/PID/smaps_rollup while all 8 are still alive:

- RSS: every page the kernel has in memory, shared ones counted in full;
- PSS: shared pages divided among the processes sharing them (the sum over kernels is what
  they cost the machine together);
- USS: pages only this kernel has (what one more kernel of that notebook costs).

``--ref REF`` runs the same with the scratchnn package of a git commit (``git archive``, in a
temporary folder) for a before/after table; both runs use the notebooks of the work tree.

    python benchmarks/memory_kernels.py                 # the work tree
    python benchmarks/memory_kernels.py --ref 6fe9b1c   # before the shared MNIST cache
    python benchmarks/memory_kernels.py --layout        # float32 memmap vs uint8 scaled per batch
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1 << 20


def smaps_rollup(pid: int) -> dict[str, int]:
    """``{"rss", "pss", "uss"}`` in bytes for process ``pid`` (Linux 4.14+)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value, *_ = line.split()
        fields[key.rstrip(":")] = int(value) * 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "uss": fields["Private_Clean"] + fields["Private_Dirty"]}


def package_of(ref: str, into: Path) -> Path:
    """Extract ``scratchnn/`` and ``data/`` of git commit ``ref`` into ``into``; return it (for PYTHONPATH)."""
    archive = into / "src.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), ref, "scratchnn", "data"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def run_notebooks(notebooks, pythonpath: Path, cache: Path, timeout: float):
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    env = {**os.environ, "PYTHONPATH": str(pythonpath), "SCRATCHNN_CACHE": str(cache),
           "MPLBACKEND": "agg"}
    managers = []
    for _ in notebooks:
        km = KernelManager(kernel_name="python3")
        km.start_kernel(env=env, cwd=str(ROOT / "notebooks"))
        managers.append(km)

    def run(args):
        path, km = args
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        client = NotebookClient(nb, km=km, timeout=timeout, allow_errors=False)
        client.execute()
        return time.perf_counter() - start

    rows = []
    try:
        with concurrent.futures.ThreadPoolExecutor(len(notebooks)) as pool:
            seconds = list(pool.map(run, zip(notebooks, managers)))
        for path, km, s in zip(notebooks, managers, seconds):
            pid = km.provisioner.process.pid
            rows.append({"notebook": path.name, "seconds": s, **smaps_rollup(pid)})
    finally:
        for km in managers:
            km.shutdown_kernel(now=True)
    return rows


def print_table(label, rows):
    print(f"\n{label}")
    print("| notebook | RSS MB | PSS MB | USS MB | run s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['notebook']} | {r['rss'] / MB:.0f} | {r['pss'] / MB:.0f} | {r['uss'] / MB:.0f} | "
              f"{r['seconds']:.0f} |")
    print(f"| all {len(rows)} together | {sum(r['rss'] for r in rows) / MB:.0f} | "
          f"{sum(r['pss'] for r in rows) / MB:.0f} | {sum(r['uss'] for r in rows) / MB:.0f} | |")


def layout(repeats=3):
    """Time one epoch's batch gathering: float32 rows from the shared file vs uint8 rows scaled per batch."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    import scratchnn as snn

    (X, _), _ = snn.load_mnist()
    (U, _), _ = snn.load_mnist(normalize=False)
    U = U.reshape(len(U), -1)
    rng = np.random.default_rng(0)

    def epoch(gather):
        order = rng.permutation(len(X))
        start = time.perf_counter()
        for i in range(0, len(order), 128):
            gather(order[i:i + 128])
        return time.perf_counter() - start

    f32 = min(epoch(lambda idx: X[idx]) for _ in range(repeats))
    u8 = min(epoch(lambda idx: U[idx].astype(np.float32) / np.float32(255)) for _ in range(repeats))
    print(f"one epoch of batches of 128: float32 shared file {f32 * 1000:.0f} ms, uint8 scaled per batch "
          f"{u8 * 1000:.0f} ms ({u8 / f32:.2f}x); shared bytes on the machine: float32 {X.nbytes * 7 / 6 / MB:.0f} MB, "
          f"uint8 {U.nbytes * 7 / 6 / MB:.0f} MB (once for all kernels either way)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", help="git commit whose scratchnn package to measure (default: the work tree)")
    parser.add_argument("--notebooks", default="notebooks/[0-9]*.ipynb", help="glob, relative to the repository")
    parser.add_argument("--kernels", type=int, default=8, help="at most this many notebooks (those that load MNIST)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per cell")
    parser.add_argument("--layout", action="store_true", help="only time the two storage layouts")
    args = parser.parse_args(argv)
    if args.layout:
        layout()
        return
    notebooks = [nb for nb in sorted(ROOT.glob(args.notebooks)) if "load_mnist" in nb.read_text()][:args.kernels]
    with tempfile.TemporaryDirectory(prefix="scratchnn-mem-") as tmp:
        tmp = Path(tmp)
        pythonpath = package_of(args.ref, tmp) if args.ref else ROOT
        start = time.perf_counter()
        rows = run_notebooks(notebooks, pythonpath, tmp / "cache", args.timeout)
        print_table(f"{args.ref or 'work tree'}: {len(rows)} kernels at once, "
                    f"{time.perf_counter() - start:.0f} s, load average {os.getloadavg()[0]:.1f} "
                    "(2 cores shared with other developers)", rows)


if __name__ == "__main__":
    main()
