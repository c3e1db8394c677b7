"""Does the library's weight decay help the course's net? Test accuracy over several seeds, with and without.

    python benchmarks/weight_decay_seeds.py              # seeds 0-4
    python benchmarks/weight_decay_seeds.py --seeds 3    # seeds 0-2

The seed net 784-20-15-15-10, 20 epochs of batches of 64, Adam at lr 3e-3 with the cosine schedule,
trained twice from each seed (initial weights and batch order): with ``fit``'s default recipe
(weight decay 0.05, what ``load_pretrained("seed")`` was trained with) and with weight decay 0 (what
notebook 09's own loop does). Notebook 09 compares one seed of each; this says how much of that
difference is the seed.
"""
from __future__ import annotations

import argparse
import statistics
import time

import scratchnn as snn


def seed_net(seed):
    return snn.Net([snn.InLayer(784), snn.Dense(20, "relu"), snn.Dense(15, "relu"), snn.Dense(15, "relu"),
                    snn.Dense(10, "softmax")], seed=seed)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args(argv)
    (X, y), (X_test, y_test) = snn.load_mnist()
    results = {}
    for weight_decay in (0.05, 0.0):
        accuracies = []
        for seed in range(args.seeds):
            net = seed_net(seed)
            start = time.perf_counter()
            net.fit(X, y, optimizer=snn.Adam(lr=3e-3, weight_decay=weight_decay, schedule="cosine"), seed=seed)
            accuracies.append(net.evaluate(X_test, y_test)["accuracy"])
            print(f"weight decay {weight_decay:g}, seed {seed}: test accuracy {accuracies[-1]:.4f} "
                  f"({time.perf_counter() - start:.1f} s)", flush=True)
        results[weight_decay] = accuracies
    for weight_decay, accuracies in results.items():
        print(f"weight decay {weight_decay:g}: mean {statistics.mean(accuracies):.4f}, "
              f"min {min(accuracies):.4f}, max {max(accuracies):.4f} over {len(accuracies)} seeds")
    gains = [a - b for a, b in zip(results[0.05], results[0.0])]
    print(f"gain from weight decay, same seed: {', '.join(f'{g:+.4f}' for g in gains)} "
          f"(mean {statistics.mean(gains):+.4f})")


if __name__ == "__main__":
    main()
