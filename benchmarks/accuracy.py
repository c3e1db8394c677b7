"""Accuracy against training time on full MNIST, and the memory it takes.

    python benchmarks/accuracy.py            # seed net (3 seeds) and the wide MLP
    python benchmarks/accuracy.py --quick    # one seed each

1. The seed net 784-20-15-15-10 with ``fit``'s documented default recipe (Adam, lr 3e-3 with
   cosine decay, weight decay 0.05, 20 epochs, batch 64): test accuracy and seconds of training.
2. A wider MLP, 784-256-128-10 (Adam with cosine decay and weight decay, light shift
   augmentation): test accuracy and seconds.
3. Peak resident memory (``ru_maxrss``) of a fresh process that loads MNIST and trains the
   seed net: everything a learner's kernel holds for notebook 09.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import scratchnn as snn
from scratchnn.augment import Augment


def seed_net(seed):
    return snn.Net([snn.InLayer(784), snn.Dense(20, "relu"), snn.Dense(15, "relu"), snn.Dense(15, "relu"),
                    snn.Dense(10, "softmax")], seed=seed)


def wide_net(seed):
    return snn.Net([snn.InLayer(784), snn.Dense(256, "relu"), snn.Dense(128, "relu"), snn.Dense(10, "softmax")],
                   seed=seed)


WIDE_FIT = {"epochs": 15, "batch_size": 128,
            "optimizer": lambda: snn.Adam(lr=2e-3, weight_decay=0.02, schedule="cosine"),
            "augment": lambda: Augment(rotate=0, scale=(1, 1), shear=0, shift=1.5, p_thicker=0, p_thinner=0)}


def run(build, seed, data, **fit):
    (X, y), (Xt, yt) = data
    net = build(seed)
    fit = {k: (v() if callable(v) else v) for k, v in fit.items()}
    start = time.perf_counter()
    net.fit(X, y, seed=seed, **fit)
    seconds = time.perf_counter() - start
    return net.evaluate(Xt, yt)["accuracy"], seconds


def report(name, results):
    accs, secs = zip(*results)
    print(f"{name}: test accuracy {', '.join(f'{a:.4f}' for a in accs)} (mean {statistics.mean(accs):.4f}); "
          f"training {', '.join(f'{s:.1f}' for s in secs)} s (median {statistics.median(secs):.1f} s)", flush=True)


def peak_rss_mb():
    code = ("import resource, scratchnn as snn, accuracy; "
            "accuracy.run(accuracy.seed_net, 0, snn.load_mnist(), epochs=2, batch_size=64); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent)
    return int(out.stdout.split()[-1]) / 1024  # Linux reports KiB


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one seed per model")
    args = ap.parse_args()
    seeds = [0] if args.quick else [0, 1, 2]
    data = snn.load_mnist()
    print(f"numpy {np.__version__}; {len(seeds)} seed(s) each")
    report("seed net 784-20-15-15-10, default fit recipe, batch 64",
           [run(seed_net, s, data, epochs=20, batch_size=64) for s in seeds])
    report("wide MLP 784-256-128-10, 15 epochs, shift augmentation",
           [run(wide_net, s, data, **WIDE_FIT) for s in seeds])
    print(f"peak RSS, fresh process loading MNIST and training the seed net: {peak_rss_mb():.0f} MB "
          f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
