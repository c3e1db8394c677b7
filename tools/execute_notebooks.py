"""Execute course notebooks from a fresh kernel, top to bottom, and store them as nbval will check them.

    python tools/execute_notebooks.py                 # every notebooks/NN_*.ipynb
    python tools/execute_notebooks.py 06 08           # the ones whose names start with these

Each notebook runs in its own new kernel with the notebook's folder as working directory (as in
JupyterLab and under nbval); the per-cell execution timestamps nbclient records are dropped so
that a re-run changes only what the code printed. No widget state is saved: a teaching widget leaves
a static picture beside its view (scratchnn/course/_parts.py), which is what a reader without a kernel
sees, and the state would store that picture again. Prints each notebook's wall-clock time, kernel
start included, and fails on the first cell that raises.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def execute(path: Path, timeout: int = 300) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)                   # state an earlier run saved
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return seconds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("prefixes", nargs="*", help="run only notebooks whose names start with these")
    args = ap.parse_args(argv)
    paths = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb")
                   if not args.prefixes or any(p.name.startswith(x) for x in args.prefixes))
    if not paths:
        sys.exit(f"no notebook in {NOTEBOOKS} starts with {args.prefixes}")
    total = 0.0
    for path in paths:
        seconds = execute(path)
        total += seconds
        print(f"{path.name:<45} {seconds:6.1f} s", flush=True)
    print(f"{'total':<45} {total:6.1f} s")


if __name__ == "__main__":
    main()
