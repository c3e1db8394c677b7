"""Write ``scratchnn/course/drawn_digits.json``, the committed set of digits drawn the way people draw on the pad.

The generator is ``scratchnn.course.drawn`` (its docstring says what it draws); this is its command line::

    python benchmarks/make_drawn_digits.py                 # writes scratchnn/course/drawn_digits.json
    python benchmarks/make_drawn_digits.py --png grid.png  # also renders every digit to look at
    python benchmarks/make_drawn_digits.py --png g.png --sample 100   # or a random 100 of them
    python benchmarks/make_drawn_digits.py --styles heldout --per-digit 10 --seed 2 --out /tmp/h.json --png h.png

Render a grid and look at it after any change to the generator: every digit must stay legible to a
person.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from scratchnn.course import drawn


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--per-digit", type=int, default=drawn.PER_DIGIT)
    p.add_argument("--seed", type=int, default=drawn.SEEDS["test"])
    p.add_argument("--styles", choices=["all", "heldout", "trained"], default="all",
                   help="which styles: all, only the held-out ones, or only the others")
    p.add_argument("--out", default=str(drawn.TEST_SET))
    p.add_argument("--png", help="also render a grid of the digits to this PNG")
    p.add_argument("--sample", type=int, help="render only this many digits, picked at random")
    args = p.parse_args(argv)
    styles = None if args.styles == "all" else drawn.style_names(heldout=args.styles == "heldout")
    digits = drawn.make_set(args.per_digit, args.seed, styles=styles)
    drawn.write(digits, args.out, args.seed)
    print(f"wrote {len(digits)} digits to {args.out} ({Path(args.out).stat().st_size / 1024:.0f} KiB)")
    if args.png:
        shown = digits
        if args.sample:
            pick = np.random.default_rng(args.seed).choice(len(digits), min(args.sample, len(digits)), replace=False)
            shown = [digits[i] for i in sorted(pick)]
        drawn.render_grid(shown, args.png)
        print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
