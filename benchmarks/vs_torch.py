"""Time per epoch of the seed net (784-20-15-15-10, batch 128, Adam, float32): scratchnn vs PyTorch CPU.

Both do the same work on the same data in the same process: shuffle, slice a batch, forward,
softmax cross-entropy, backward, Adam step, and record the batch's loss and accuracy (as
``Net.fit`` does for its History). PyTorch runs both with its default thread count and with one
thread (``Net.fit`` uses one BLAS thread); the ratio is taken against the faster of the two. Runs are interleaved and the median of each is
compared, because the speed of a shared machine drifts. Prints the ratio torch / scratchnn.

    python benchmarks/vs_torch.py [--repeats 5] [--epochs 3]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import scratchnn as snn


def seed_net(seed=0):
    return snn.Net([snn.InLayer(784), snn.Dense(20, "relu"), snn.Dense(15, "relu"), snn.Dense(15, "relu"),
                    snn.Dense(10, "softmax")], seed=seed)


class EpochTimer:
    """A fit callback recording how long each epoch took."""

    def on_train_begin(self, net, params):
        self.times, self.last = [], time.perf_counter()

    def on_epoch_end(self, epoch, logs):
        now = time.perf_counter()
        self.times.append(now - self.last)
        self.last = now


def scratchnn_epochs(net, X, y, epochs, seed):
    timer = EpochTimer()
    net.fit(X, y, epochs=epochs, batch_size=128, optimizer=snn.Adam(lr=1e-3), seed=seed, callbacks=[timer])
    return timer.times


def torch_epochs(model, opt, X, y, epochs, seed, torch):
    times = []
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        t = time.perf_counter()
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
        times.append(time.perf_counter() - t)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--epochs", type=int, default=3, help="epochs per round (default 3)")
    args = ap.parse_args()
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
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    default_threads = torch.get_num_threads()
    runs = {"scratchnn": [], f"pytorch ({default_threads} threads)": [], "pytorch (1 thread)": []}

    def torch_run(threads, r):
        torch.set_num_threads(threads)
        return torch_epochs(model, opt, Xt, yt, args.epochs, r, torch)

    scratchnn_epochs(net, X, y, 1, 0), torch_run(default_threads, 0), torch_run(1, 0)  # warm-up
    for r in range(args.repeats):  # interleaved rounds of a few epochs each
        runs["scratchnn"] += scratchnn_epochs(net, X, y, args.epochs, r)
        runs[f"pytorch ({default_threads} threads)"] += torch_run(default_threads, r)
        runs["pytorch (1 thread)"] += torch_run(1, r)
    medians = {name: statistics.median(times) for name, times in runs.items()}
    print(f"torch {torch.__version__}, numpy {np.__version__}; {args.repeats} interleaved rounds of "
          f"{args.epochs} epochs each")
    for name, times in runs.items():
        print(f"{name:<22} median {medians[name]:.3f} s/epoch  (min {min(times):.3f}, max {max(times):.3f})")
    ours = medians.pop("scratchnn")
    fastest = min(medians, key=medians.get)
    print(f"ratio {fastest} / scratchnn: {medians[fastest] / ours:.2f}x  (the faster PyTorch setting)")


if __name__ == "__main__":
    main()
