"""How well does a model read digits drawn on the pad? Accuracy on the drawn sets of ``scratchnn.course.drawn``.

Two sets, both in the pad's stroke format and turned into 28x28 inputs by exactly the pad's
preprocessing (``scratchnn.draw.strokes_to_mnist``):

- ``scratchnn/course/drawn_digits.json``, the committed 600 digits (60 per digit in every style, each with
  one *variation*: small, large, off-centre, tilted, wide, narrow, sloppy, shaky, fast, ends, gap,
  thin-pen, thick-pen, mixed, or plain), from a seed no training uses;
- the held-out split: ``--heldout N`` digits per label in ``scratchnn.course.drawn.HELDOUT_STYLES``, styles
  no shipped model is trained on, from the held-out seed.

Besides the accuracy, the mean cross-entropy (``loss``) tells apart models that read nearly all
digits but some barely::

    python benchmarks/drawn_accuracy.py                    # the shipped load_pretrained() model
    python benchmarks/drawn_accuracy.py --model seed       # another shipped model, by name
    python benchmarks/drawn_accuracy.py --model my.npz     # a saved Net
    python benchmarks/drawn_accuracy.py --pen default      # every digit with the pad's own pen
    python benchmarks/drawn_accuracy.py --markdown         # per-digit and per-style tables

From Python: ``scratchnn.course.drawn.accuracy(net)``.
"""
from __future__ import annotations

import argparse
import json

from scratchnn.course import drawn

DATA = drawn.TEST_SET
# The names this script had before the generator moved into scratchnn.course.drawn.
load_drawn_digits, drawn_accuracy = drawn.load, drawn.accuracy


def _load_model(spec):
    import scratchnn as snn

    if spec is None:
        return snn.load_pretrained()
    if spec.endswith(".npz"):
        return snn.Net.load(spec)
    return snn.load_pretrained(spec)


def heldout_set(per_digit=100):
    """``per_digit`` digits per label in the held-out styles, from the held-out seed."""
    return drawn.make_set(per_digit, drawn.SEEDS["heldout"], styles=drawn.HELDOUT_STYLES)


def measure(net, data=None, pen_width=None, heldout=100):
    """``{"test_set": accuracy(...) on the committed set, "heldout": accuracy(...) on the held-out split}``."""
    out = {"test_set": drawn.accuracy(net, drawn.load(data) if data else None, pen_width)}
    if heldout:
        out["heldout"] = drawn.accuracy(net, heldout_set(heldout), pen_width)
    return out


def markdown(results):
    """Per-digit and per-style tables, one column per model: ``results`` maps a name to ``measure()``."""
    names = list(results)
    rows = ["| digit | " + " | ".join(f"{n}: test set | {n}: held-out" for n in names) + " |",
            "|---|" + "---|---|" * len(names)]
    for k in range(10):
        rows.append(f"| {k} | " + " | ".join(f"{r['test_set']['per_digit'][k]:.1%} | {r['heldout']['per_digit'][k]:.1%}"
                                             for r in results.values()) + " |")
    rows.append("| all | " + " | ".join(f"{r['test_set']['accuracy']:.1%} | {r['heldout']['accuracy']:.1%}"
                                        for r in results.values()) + " |")
    rows += ["", "| style | split | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    first = next(iter(results.values()))
    for style in drawn.style_names():
        split = "held-out" if style in drawn.HELDOUT_STYLES else "trained"
        key = "heldout" if split == "held-out" else "test_set"
        if style not in first[key]["per_style"]:
            continue
        rows.append(f"| {style} | {split} | "
                    + " | ".join(f"{r[key]['per_style'][style]:.1%}" for r in results.values()) + " |")
    return "\n".join(rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", action="append",
                   help="a shipped model's name or a path to a saved .npz (default: load_pretrained()); "
                        "repeat to compare")
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--heldout", type=int, default=100, help="held-out digits per label (0: skip)")
    p.add_argument("--pen", default=None, help="'default' (the pad's pen) or a number; default: each digit's own")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--markdown", action="store_true", help="print per-digit and per-style tables")
    args = p.parse_args(argv)
    pen = None
    if args.pen == "default":
        from scratchnn.draw import PEN_WIDTH as pen
    elif args.pen is not None:
        pen = float(args.pen)
    results = {spec or "drawing": measure(_load_model(spec), args.data, pen, args.heldout)
               for spec in (args.model or [None])}
    if args.json:
        print(json.dumps(results, indent=1))
        return
    if args.markdown:
        print(markdown(results))
        return
    for name, r in results.items():
        t = r["test_set"]
        print(f"{name}: drawn-digit accuracy {t['accuracy']:.3f} on {t['n']} digits (loss {t['loss']:.3f}); "
              f"held-out styles in it {t['heldout_styles']:.3f}")
        if "heldout" in r:
            print(f"  held-out split: {r['heldout']['accuracy']:.3f} on {r['heldout']['n']} digits")
        print("  per digit: " + "  ".join(f"{k}:{v:.2f}" for k, v in t["per_digit"].items()))
        print("  per variation: " + "  ".join(f"{k}:{v:.2f}" for k, v in t["per_variation"].items()))
        worst = sorted(t["per_style"].items(), key=lambda kv: kv[1])[:6]
        print("  weakest styles: " + "  ".join(f"{k}:{v:.2f}" for k, v in worst))


if __name__ == "__main__":
    main()
