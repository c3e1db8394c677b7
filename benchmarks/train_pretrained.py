"""Train the models shipped in ``scratchnn/pretrained/`` from their seeds, and measure them.

    python benchmarks/train_pretrained.py            # both models, written into the package
    python benchmarks/train_pretrained.py seed       # just one
    python benchmarks/train_pretrained.py --out /tmp # somewhere else, to compare with the shipped files

Each recipe is fixed here (architecture, seeds, optimizer, epochs, augmentation), so a rerun on
the same kind of CPU writes the same weights; other CPUs may differ in the last bits (BLAS), and
the test accuracy by a few hundredths of a percent.
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

import scratchnn as snn
from scratchnn.augment import Augment
from scratchnn.course import drawn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drawn_accuracy import heldout_set

PACKAGE_DIR = Path(snn.__file__).resolve().parent / "pretrained"


def seed_net(seed):
    return snn.Net([snn.InLayer(784), snn.Dense(20, snn.ReLU), snn.Dense(15, snn.ReLU), snn.Dense(15, snn.ReLU),
                    snn.Dense(10, snn.Softmax)], cost_function=snn.CrossEntropyLoss, seed=seed)


def drawing_net(seed):
    return snn.Net([snn.InLayer(784), snn.Dense(256, snn.ReLU), snn.Dense(128, snn.ReLU),
                    snn.Dense(10, snn.Softmax)], cost_function=snn.CrossEntropyLoss, seed=seed)


RECIPES = {
    "seed": {
        "description": "The seed project's net, trained with fit's default recipe (Adam, lr 3e-3, cosine, "
                       "weight decay 0.05, 20 epochs of batches of 64).",
        "build": seed_net,
        "fit": {},  # fit's defaults: the default recipe (scratchnn.training)
        "seed": 0,
    },
    "drawing": {
        "description": "Trained on augmented MNIST (rotation, scale, aspect, shear, shift, stroke "
                       "thickness) plus 20,000 digits drawn by scratchnn.course.drawn in all but its held-out "
                       "styles (flagged 1s, crossed 7s, open 4s, ...), to read digits drawn on the pad.",
        # Generated digits added to MNIST's 60,000: per label, from the training seed, held-out styles left out.
        "drawn": {"per_digit": 2000, "seed": drawn.SEEDS["train"]},
        "build": drawing_net,
        "fit": {"epochs": 30, "batch_size": 128,
                "augment": Augment(rotate=20, scale=(0.8, 1.15), shear=0.25, p_thicker=0.3, p_thinner=0.3,
                                   aspect=1.35),
                "optimizer": snn.Adam(lr=2e-3, weight_decay=0.02, schedule="cosine")},
        "seed": 0,
    },
}


def metadata(name, test_accuracy, drawn_accuracy, heldout_accuracy):
    """What the shipped file records: its recipe (objects by their repr), and its measured accuracy."""
    recipe = RECIPES[name]
    fit = {k: v if isinstance(v, (int, float, str)) else repr(v) for k, v in recipe["fit"].items()}
    extra = {"drawn_training": {**recipe["drawn"], "heldout_styles": drawn.HELDOUT_STYLES}} if "drawn" in recipe else {}
    return {"description": recipe["description"], "test_accuracy": round(test_accuracy, 4),
            "drawn_accuracy": round(drawn_accuracy, 4), "heldout_accuracy": round(heldout_accuracy, 4),
            "recipe": {"seed": recipe["seed"], **fit}, **extra,
            "trained_on": f"numpy {np.__version__}, {platform.machine()}"}


def train(name, out_dir):
    recipe = RECIPES[name]
    (X, y), (X_test, y_test) = snn.load_mnist()
    if "drawn" in recipe:
        X_drawn, y_drawn = drawn.training_inputs(**recipe["drawn"])
        X, y = np.concatenate([X, X_drawn.astype(X.dtype)]), np.concatenate([y, y_drawn.astype(y.dtype)])
    net = recipe["build"](recipe["seed"])
    start = time.perf_counter()
    net.fit(X, y, seed=recipe["seed"], verbose=True, **recipe["fit"])
    seconds = time.perf_counter() - start
    test = net.evaluate(X_test, y_test)
    on_drawn = drawn.accuracy(net)["accuracy"]
    on_heldout = drawn.accuracy(net, heldout_set())["accuracy"]
    path = net.save(Path(out_dir) / f"{name}.npz", **metadata(name, test["accuracy"], on_drawn, on_heldout))
    print(f"{name}: test accuracy {test['accuracy']:.4f}, drawn-digit accuracy {on_drawn:.4f}, "
          f"held-out styles {on_heldout:.4f}, {seconds:.1f} s of training -> {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # Checked below, not with choices=: Python 3.11's argparse rejects an empty list against choices.
    ap.add_argument("names", nargs="*", metavar="name", help=f"models to train: {', '.join(RECIPES)} (default: all)")
    ap.add_argument("--out", default=PACKAGE_DIR, help="directory to write <name>.npz (default: the package)")
    args = ap.parse_args()
    unknown = sorted(set(args.names) - set(RECIPES))
    if unknown:
        ap.error(f"unknown model {', '.join(unknown)}; choose from {', '.join(RECIPES)}")
    for name in args.names or list(RECIPES):
        train(name, args.out)


if __name__ == "__main__":
    main()
