"""Teach a model five flagged 1s with ``scratchnn.pad.finetune.FineTuner``: does it read fifty others, forget MNIST,
and how long does it take?

Issue 11's targets, from the shipped ``drawing`` model: after 5 corrected flagged 1s, at least 90%
of 50 *other* flagged 1s (other seeds, never used to fine-tune) read as 1; MNIST test accuracy falls
by less than 0.3 points; one ``learn()`` takes under 2 s (median and p95) on a 2-core machine::

    python benchmarks/bench_finetune.py                         # the shipped drawing model
    python benchmarks/bench_finetune.py --model seed --model old_drawing.npz --repeats 20

The flagged 1s are ``scratchnn.course.drawn``'s five flagged styles (one-flag, one-euro, one-flag-base,
one-euro-base, one-long-flag), every variation: the five taught from seed ``SEEDS["teach"]``, the fifty
checked from ``SEEDS["check"]``. "no replay" fine-tunes on the five alone, to show what replay saves.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import scratchnn as snn
from scratchnn.course import drawn
from scratchnn.pad.finetune import FineTuner

FLAGGED = ["one-flag", "one-euro", "one-flag-base", "one-euro-base", "one-long-flag"]


def flagged_ones(n, seed):
    return drawn.make_set(n, seed=seed, styles=FLAGGED)


def load(spec):
    return snn.Net.load(spec) if spec.endswith(".npz") else snn.load_pretrained(spec)


def run(spec, repeats=20, teach=5, check=50):
    (X, y), (X_test, y_test) = snn.load_mnist()
    taught = flagged_ones(teach, drawn.SEEDS["teach"])
    X_check, _, _ = drawn.inputs(flagged_ones(check, drawn.SEEDS["check"]))
    net = load(spec)
    before = {"flagged": float((net.predict(X_check) == 1).mean()), "mnist": net.evaluate(X_test, y_test)["accuracy"]}
    rows = {}
    for name, replay in (("replay", (X, y)), ("no replay", False)):
        tuner = FineTuner(load(spec), replay=replay)
        for d in taught:
            tuner.add(drawn.to_input(d), 1)
        seconds, cpu = [], []
        for _ in range(repeats if name == "replay" else 1):
            c0 = time.process_time()
            seconds.append(tuner.learn()["seconds"])
            cpu.append(time.process_time() - c0)
        rows[name] = {"flagged": float((tuner.net.predict(X_check) == 1).mean()),
                      "mnist": tuner.net.evaluate(X_test, y_test)["accuracy"],
                      "median": float(np.median(seconds)), "p95": float(np.percentile(seconds, 95)),
                      "cpu": float(np.median(cpu)),
                      "runs": len(seconds)}
    return before, rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", action="append", help="a shipped model's name or a saved .npz (default: drawing)")
    p.add_argument("--repeats", type=int, default=20, help="learn() calls timed")
    args = p.parse_args(argv)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, numpy {np.__version__}; "
          "the machine may be shared: times are upper bounds")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| model | fine-tuned | flagged 1s read as 1 (50) | MNIST test | MNIST drop (points) | learn() median s "
          "| p95 s | CPU s (median) | runs |")
    print("|---|---|---|---|---|---|---|---|---|")
    for spec in args.model or ["drawing"]:
        before, rows = run(spec, args.repeats)
        print(f"| {spec} | before | {before['flagged']:.0%} | {before['mnist']:.2%} | | | | | |")
        for name, r in rows.items():
            print(f"| {spec} | 5 flagged 1s, {name} | {r['flagged']:.0%} | {r['mnist']:.2%} | "
                  f"{100 * (before['mnist'] - r['mnist']):.2f} | {r['median']:.2f} | {r['p95']:.2f} | "
                  f"{r['cpu']:.2f} | {r['runs']} |")


if __name__ == "__main__":
    main()
