"""How well does a model read digits drawn on the pad? Accuracy on ``tests/data/drawn_digits.json``.

The set (made by ``benchmarks/make_drawn_digits.py``) holds 600 digits in the pad's stroke
format, drawn the way people draw with a mouse, not MNIST: 60 per digit in many styles, each with
one *variation* (small, large, off-centre, tilted, wide, narrow, sloppy, shaky, fast, ends, gap,
thin-pen, thick-pen, mixed, or plain). Each is turned into a 28x28 input by exactly the pad's
preprocessing (``scratchnn.draw.strokes_to_mnist``) and classified. Besides the accuracy, the
mean cross-entropy (``loss``) tells apart models that read nearly all digits but some barely::

    python benchmarks/drawn_accuracy.py                    # the shipped load_pretrained() model
    python benchmarks/drawn_accuracy.py --model seed       # another shipped model, by name
    python benchmarks/drawn_accuracy.py --model my.npz     # a saved Net
    python benchmarks/drawn_accuracy.py --pen default      # every digit with the pad's own pen

or from Python (``sys.path`` must hold ``benchmarks/``)::

    from drawn_accuracy import drawn_accuracy, load_drawn_digits
    drawn_accuracy(net)   # {"accuracy": 0.96, "loss": 0.13, "per_digit": {...}, "per_style": {...},
                          #  "per_variation": {...}, "confusion": [[...], ...]}
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "drawn_digits.json"


def load_drawn_digits(path=DATA):
    """The set as a dict: ``canvas_size``, ``digits`` (each ``label``, ``style``, ``pen_width``, ``strokes``)."""
    data = json.loads(Path(path).read_text())
    if data.get("format") != "scratchnn.drawn_digits/1":
        raise ValueError(f"{path}: expected format 'scratchnn.drawn_digits/1', got {data.get('format')!r}")
    return data


def drawn_inputs(data=None, pen_width=None):
    """``(X, y, styles)``: X (n, 784) float32 made by the pad's preprocessing, y (n,) int labels.

    ``pen_width=None`` uses each digit's own pen (the set varies it); a number uses that pen for all.
    """
    from scratchnn.draw import strokes_to_mnist

    data = load_drawn_digits() if data is None else data
    digits = data["digits"]
    X = np.stack([strokes_to_mnist(d["strokes"], data["canvas_size"], pen_width or d["pen_width"]).ravel()
                  for d in digits])
    y = np.array([d["label"] for d in digits], dtype=np.int64)
    return X, y, [d["style"] for d in digits]


def _breakdown(right, keys):
    """Accuracy per distinct key (a style or a variation), keys sorted."""
    keys = np.asarray(keys)
    return {k: float(right[keys == k].mean()) for k in sorted(set(keys.tolist()))}


def drawn_accuracy(net, data=None, pen_width=None):
    """Accuracy of ``net`` (anything with ``predict_proba``) on the drawn set, overall and broken down."""
    data = load_drawn_digits() if data is None else data
    X, y, styles = drawn_inputs(data, pen_width)
    P = np.asarray(net.predict_proba(X), np.float64)
    pred = P.argmax(axis=1)
    right = pred == y
    loss = -np.log(np.maximum(P[np.arange(len(y)), y], 1e-12)).mean()
    confusion = np.bincount(10 * y + pred, minlength=100).reshape(10, 10)
    return {
        "n": int(len(y)),
        "accuracy": float(right.mean()),
        "loss": float(loss),
        "per_digit": {int(k): float(right[y == k].mean()) for k in range(10) if (y == k).any()},
        "per_style": _breakdown(right, styles),
        "per_variation": _breakdown(right, [d.get("variation", "plain") for d in data["digits"]]),
        "confusion": confusion.tolist(),
    }


def _load_model(spec):
    import scratchnn as snn

    if spec is None:
        return snn.load_pretrained()
    if spec.endswith(".npz"):
        return snn.Net.load(spec)
    return snn.load_pretrained(spec)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", help="a shipped model's name or a path to a saved .npz (default: load_pretrained())")
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--pen", default=None, help="'default' (the pad's pen) or a number; default: each digit's own")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = p.parse_args(argv)
    pen = None
    if args.pen == "default":
        from scratchnn.draw import PEN_WIDTH as pen
    elif args.pen is not None:
        pen = float(args.pen)
    result = drawn_accuracy(_load_model(args.model), load_drawn_digits(args.data), pen)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"drawn-digit accuracy: {result['accuracy']:.3f} on {result['n']} digits (loss {result['loss']:.3f})")
    print("per digit: " + "  ".join(f"{k}:{v:.2f}" for k, v in result["per_digit"].items()))
    print("per variation: " + "  ".join(f"{k}:{v:.2f}" for k, v in result["per_variation"].items()))
    worst = sorted(result["per_style"].items(), key=lambda kv: kv[1])[:6]
    print("weakest styles: " + "  ".join(f"{k}:{v:.2f}" for k, v in worst))


if __name__ == "__main__":
    main()
