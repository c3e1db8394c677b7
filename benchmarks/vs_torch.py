"""Time per epoch of the seed net (784-20-15-15-10, batch 128, Adam, float32): scratchnn vs PyTorch CPU
and vs the plain NumPy loop a learner writes.

Each does the same work on the same data in the same process: shuffle, slice a batch, forward,
softmax cross-entropy, backward, Adam step, and record the batch's loss and accuracy (as
``Net.fit`` does for its History). PyTorch runs both with its default thread count and with one
thread (``Net.fit`` uses one BLAS thread); the ratio is taken against the faster of the two. Runs are interleaved and
the median of each is compared, because the speed of a shared machine drifts. Prints the ratio torch / scratchnn.

``--baseline-optim REV`` adds a fifth run, interleaved with the others: scratchnn with the
optimizers of ``scratchnn/optim.py`` as it was at git revision REV (e.g. ``main``), to see whether a
change to them made training slower, measured in one run on one machine.

``--clock thread`` times each epoch in CPU time of the timing thread instead of wall time: on a
machine other work keeps busy it leaves out the time spent waiting for a core, so before/after
comparisons stay stable. It only counts single-threaded work, so PyTorch's multi-threaded run is
left out then.

    python benchmarks/vs_torch.py [--repeats 5] [--epochs 3] [--baseline-optim main] [--clock thread]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import time
import types
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import scratchnn as snn


def seed_net(seed=0):
    return snn.Net([snn.InLayer(784), snn.Dense(20, "relu"), snn.Dense(15, "relu"), snn.Dense(15, "relu"),
                    snn.Dense(10, "softmax")], seed=seed)


CLOCKS = {"wall": time.perf_counter, "thread": time.thread_time}


class EpochTimer:
    """A fit callback recording how long each epoch took by ``clock``."""

    def __init__(self, clock):
        self.clock = clock

    def before_fit(self, net, params):
        self.times, self.last = [], self.clock()

    def after_epoch(self, epoch, logs):
        now = self.clock()
        self.times.append(now - self.last)
        self.last = now


def scratchnn_epochs(net, X, y, epochs, seed, clock, optim=snn.optim):
    timer = EpochTimer(clock)
    net.fit(X, y, epochs=epochs, batch_size=128, optimizer=optim.Adam(lr=1e-3), seed=seed, callbacks=[timer])
    return timer.times


def optim_at(rev):
    """``scratchnn/optim.py`` as it was at git revision ``rev``, loaded as a module of today's package."""
    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(["git", "show", f"{rev}:scratchnn/optim.py"], cwd=root, capture_output=True,
                            text=True, check=True, timeout=60).stdout
    module = types.ModuleType(f"scratchnn.optim_at_{rev}")
    module.__package__ = "scratchnn"      # its relative imports (.validation) read today's package
    exec(compile(source, f"{rev}:scratchnn/optim.py", "exec"), module.__dict__)
    return module


def numpy_reference_epochs(params, X, y, epochs, seed, clock):
    """The textbook NumPy loop a learner writes (notebook 09 style): lists of arrays, Adam per array."""
    rng = np.random.default_rng(seed)
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t, times = 0, []
    for _ in range(epochs):
        start = clock()
        order = rng.permutation(len(X))
        losses, correct = [], 0
        for i in range(0, len(X), 128):
            idx = order[i:i + 128]
            A, yb = X[idx], y[idx]
            cache = []
            for k in range(0, len(params), 2):
                Z = A @ params[k] + params[k + 1]
                cache.append((A, Z))
                A = np.maximum(Z, 0) if k < len(params) - 2 else Z
            Z = A - A.max(axis=1, keepdims=True)
            logP = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
            losses.append(-logP[np.arange(len(yb)), yb].mean())
            correct += int((logP.argmax(1) == yb).sum())
            dZ = np.exp(logP)
            dZ[np.arange(len(yb)), yb] -= 1
            dZ /= len(yb)
            grads = [None] * len(params)
            for k in range(len(params) - 2, -1, -2):
                A_in, Z = cache[k // 2]
                if k < len(params) - 2:
                    dZ = dZ * (Z > 0)
                grads[k], grads[k + 1] = A_in.T @ dZ, dZ.sum(axis=0)
                dZ = dZ @ params[k].T
            t += 1
            for p, g, mk, vk in zip(params, grads, m, v):
                mk[...] = 0.9 * mk + 0.1 * g
                vk[...] = 0.999 * vk + 0.001 * g * g
                p -= 1e-3 * (mk / (1 - 0.9 ** t)) / (np.sqrt(vk / (1 - 0.999 ** t)) + 1e-8)
        times.append(clock() - start)
    return times


def torch_epochs(model, opt, X, y, epochs, seed, torch, clock):
    times = []
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        t = clock()
        order = torch.randperm(len(X), generator=gen)
        losses, correct = [], 0
        for i in range(0, len(X), 128):
            idx = order[i:i + 128]
            out = model(X[idx])
            loss = torch.nn.functional.cross_entropy(out, y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            # Net.fit records each batch's loss and accuracy too: same work.
            losses.append(loss.item())
            correct += int((out.argmax(1) == y[idx]).sum())
        times.append(clock() - t)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--epochs", type=int, default=3, help="epochs per round (default 3)")
    ap.add_argument("--baseline-optim", metavar="REV", default=None,
                    help="also time scratchnn with scratchnn/optim.py of this git revision (e.g. main)")
    ap.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                    help="wall time (default), or CPU time of the timing thread (single-threaded runs only)")
    args = ap.parse_args()
    clock = CLOCKS[args.clock]
    import torch

    (X, y), _ = snn.load_mnist()
    net = seed_net()
    layers = []
    for i, d in enumerate(net.dense):
        lin = torch.nn.Linear(d.W.shape[0], d.W.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(d.W.T.copy()))
            lin.bias.copy_(torch.from_numpy(d.b))
        layers += [lin] + ([torch.nn.ReLU()] if i < len(net.dense) - 1 else [])
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt, yt = torch.from_numpy(X.copy()), torch.from_numpy(y.copy())  # load_mnist arrays are read-only (shared)

    reference = [p.copy() for p in net.params()]
    default_threads = torch.get_num_threads()
    torch_threads = [1] if args.clock == "thread" else [default_threads, 1]
    runs = {"scratchnn": [], "plain NumPy loop": [],
            **{f"pytorch ({n} thread{'s' * (n > 1)})": [] for n in torch_threads}}
    baseline = f"scratchnn, optim.py of {args.baseline_optim}"
    if args.baseline_optim:
        old_optim = optim_at(args.baseline_optim)
        base_net = seed_net()
        runs[baseline] = []

    def torch_run(threads, r):
        torch.set_num_threads(threads)
        return torch_epochs(model, opt, Xt, yt, args.epochs, r, torch, clock)

    scratchnn_epochs(net, X, y, 1, 0, clock), [torch_run(n, 0) for n in torch_threads]  # warm-up
    if args.baseline_optim:
        scratchnn_epochs(base_net, X, y, 1, 0, clock, old_optim)
    for r in range(args.repeats):  # interleaved rounds of a few epochs each
        mine = [("scratchnn", net, snn.optim)] + ([(baseline, base_net, old_optim)] if args.baseline_optim else [])
        for name, n, optim in mine[::1 if r % 2 else -1]:   # alternate which goes first
            runs[name] += scratchnn_epochs(n, X, y, args.epochs, r, clock, optim)
        with threadpool_limits(1, user_api="blas"):  # the same BLAS setting as Net.fit
            runs["plain NumPy loop"] += numpy_reference_epochs(reference, X, y, args.epochs, r, clock)
        for n in torch_threads:
            runs[f"pytorch ({n} thread{'s' * (n > 1)})"] += torch_run(n, r)
    medians = {name: statistics.median(times) for name, times in runs.items()}
    print(f"torch {torch.__version__}, numpy {np.__version__}; {args.repeats} interleaved rounds of "
          f"{args.epochs} epochs each; {args.clock} clock")
    for name, times in runs.items():
        print(f"{name:<22} median {medians[name]:.3f} s/epoch  (min {min(times):.3f}, max {max(times):.3f})")
    ours = medians.pop("scratchnn")
    if args.baseline_optim:
        print(f"ratio {baseline} / scratchnn: {medians.pop(baseline) / ours:.3f}x  (above 1: faster now)")
    print(f"ratio plain NumPy loop / scratchnn: {medians.pop('plain NumPy loop') / ours:.2f}x")
    fastest = min(medians, key=medians.get)
    print(f"ratio {fastest} / scratchnn: {medians[fastest] / ours:.2f}x  (the faster PyTorch setting)")


if __name__ == "__main__":
    main()
