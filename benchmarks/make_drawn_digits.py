"""Make ``tests/data/drawn_digits.json``: digits drawn the way people draw them on the pad, not MNIST.

MNIST test accuracy says little about how a net reads *your* drawing: MNIST digits were written
with a pen on paper by a few hundred people in the 1990s, then scanned. This script draws digits
the way people draw them with a mouse or a finger on a 280 px pad: strokes in the order and
direction people use, several styles per digit (a 1 with or without flag and base, an open or a
closed 4, a 7 with or without a bar, a 9 with a straight or a curved tail, ...), each randomly
varied in position, size, slant, rotation, aspect, pen width, shape (a smooth random warp) and hand
wobble, then sampled like mouse events (integer pixels, uneven spacing). Seeded, so the file is
reproducible:

    python benchmarks/make_drawn_digits.py                 # writes tests/data/drawn_digits.json
    python benchmarks/make_drawn_digits.py --png grid.png  # also renders every digit to look at

The JSON holds ``{"format", "canvas_size", "seed", "digits": [{"label", "style", "pen_width",
"strokes": [[[x, y], ...], ...]}, ...]}``, one digit per line. Evaluate a model on it with
``benchmarks/drawn_accuracy.py``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "drawn_digits.json"
FORMAT = "scratchnn.drawn_digits/1"
CANVAS = 280


# ------------------------------------------------------------------ stroke pieces (unit height)
# Coordinates are in "digit heights": y from 0 (top) to 1 (bottom), x to the right, y down like the
# canvas. Angles are in degrees on screen: 0 = right, 90 = down, so increasing angles go clockwise.

def arc(cx, cy, rx, ry, a0, a1):
    t = np.radians(np.linspace(a0, a1, max(8, int(abs(a1 - a0) / 4))))
    return np.c_[cx + rx * np.cos(t), cy + ry * np.sin(t)]


def line(*points):
    points = np.asarray(points, float)
    out = [points[0][None]]
    for p, q in zip(points[:-1], points[1:]):
        n = max(2, int(np.hypot(*(q - p)) * 60))
        out.append(p + (q - p) * np.linspace(0, 1, n)[1:, None])
    return np.concatenate(out)


def bezier(p0, p1, p2, p3):
    t = np.linspace(0, 1, 40)[:, None]
    p0, p1, p2, p3 = (np.asarray(p, float) for p in (p0, p1, p2, p3))
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3


def join(*parts):
    return np.concatenate(parts)


# ------------------------------------------------------------------------------ the templates
# Each style is a function of a uniform sampler u(a, b) (small shape variation within the style)
# returning a list of strokes, in the order and direction people usually draw them.

def zero_ccw(u):      # from the top, anticlockwise, closing with a small overshoot or gap
    return [arc(0.32, 0.5, 0.32, 0.5, -90 + u(-10, 20), -90 - 360 - u(-25, 35))]


def zero_cw(u):
    return [arc(0.3, 0.5, 0.3, 0.5, -100 + u(-10, 10), 270 + u(-5, 30))]


def zero_pointed(u):  # started at the top with a little kink, the way quick zeros look
    return [join(line((0.32, 0.0), (0.26, 0.02)), arc(0.3, 0.52, 0.3, 0.48, -95, -440 + u(-10, 20)))]


def one_stick(u):
    return [line((0.05 + u(0, 0.04), 0.0), (0.0, 1.0))]


def flag(u, top):     # the short lead-in stroke of a European 1, rising to the top of the stem
    length, angle = u(0.12, 0.35), np.radians(u(20, 60))
    return (top[0] - length * np.cos(angle), top[1] + length * np.sin(angle))


def one_flag(u):
    top = (0.3, 0.0)
    return [line(flag(u, top), top, (0.3 + u(-0.03, 0.01), 1.0))]


def one_flag_base(u):
    top = (0.35, 0.0)
    return [line(flag(u, top), top, (0.35, 1.0)), line((0.35 - u(0.15, 0.3), 1.0), (0.35 + u(0.15, 0.3), 1.0))]


def two_round(u):
    return [join(arc(0.3, 0.28, 0.3, 0.28, -170, 30 + u(-10, 15)),
                 bezier((0.3 + 0.3 * np.cos(0.6), 0.28 + 0.28 * np.sin(0.6)), (0.35, 0.65), (0.1, 0.85), (0.0, 1.0)),
                 line((0.0, 1.0), (0.65 + u(-0.05, 0.08), 0.98 + u(-0.03, 0.03))))]


def two_loop(u):      # the curly 2: a small loop at the bottom left before the base
    return [join(arc(0.3, 0.27, 0.28, 0.27, -165, 25),
                 bezier((0.55, 0.38), (0.45, 0.6), (0.15, 0.85), (0.1, 0.95)),
                 arc(0.13, 0.9, 0.08, 0.07, 120, -200),
                 line((0.1, 0.97), (0.66, 0.99)))]


def two_angular(u):   # a hook, then a straight diagonal and a sharp corner
    return [join(arc(0.32, 0.22, 0.28, 0.22, -180, 10),
                 line((0.6, 0.26), (0.02, 1.0), (0.68, 1.0)))]


def three_round(u):    # two bumps in one stroke, the middle cusp pulled to the left
    mid = u(0.18, 0.3)
    return [join(arc(0.3, 0.24, 0.3, 0.24, -165, 85), line((0.32, 0.48), (mid, 0.5)),
                 arc(0.3, 0.74, 0.34, 0.26, -95, 155 + u(-10, 10)))]


def three_flat_top(u):
    return [join(line((0.02, 0.0), (0.62, 0.0), (0.25, 0.4)), arc(0.3, 0.69, 0.33, 0.31, -100, 150 + u(-10, 10)))]


def four_open(u):
    x = u(0.45, 0.55)
    return [line((0.08, 0.0), (0.02, 0.62), (0.72, 0.62)), line((x, 0.2 + u(-0.2, 0.05)), (x - 0.02, 1.0))]


def four_closed(u):
    return [line((0.52, 0.0), (0.0, 0.66), (0.74, 0.66)), line((0.52, 0.0 + u(0, 0.05)), (0.52, 1.0))]


def four_closed_one_stroke(u):   # up the stem, down the diagonal, across
    return [line((0.5, 1.0), (0.5, 0.0), (0.0, 0.66), (0.72, 0.64))]


def five_two_strokes(u):
    return [join(line((0.1, 0.0), (0.06, 0.45)), arc(0.3, 0.7, 0.32, 0.29, -140, 155 + u(-10, 10))),
            line((0.1, 0.0), (0.66 + u(-0.05, 0.05), 0.0))]


def five_one_stroke(u):
    return [join(line((0.66, 0.0), (0.1, 0.0), (0.06, 0.45)), arc(0.3, 0.7, 0.32, 0.29, -140, 155 + u(-10, 10)))]


def six_curved(u):
    return [join(bezier((0.55, 0.0), (0.2, 0.1), (0.0, 0.45), (0.02, 0.72)),
                 arc(0.3, 0.73, 0.28, 0.26, 180, -170 + u(-10, 20)))]


def six_straight(u):
    return [join(line((0.5, 0.0), (0.03, 0.68)), arc(0.3, 0.74, 0.28, 0.25, 175, -175 + u(-10, 20)))]


def seven_plain(u):
    return [line((0.0, 0.02), (0.68, 0.0), (0.25 + u(-0.08, 0.08), 1.0))]


def seven_bar(u):
    return [line((0.0, 0.02), (0.68, 0.0), (0.25 + u(-0.08, 0.08), 1.0)),
            line((0.2, 0.5 + u(-0.05, 0.05)), (0.65, 0.48))]


def seven_serif(u):   # a small tick down at the start, and a slightly curved stem
    return [join(line((0.0, 0.15), (0.02, 0.0), (0.68, 0.02)),
                 bezier((0.68, 0.02), (0.5, 0.35), (0.35, 0.6), (0.3, 1.0)))]


def eight_one_stroke(u):  # from the top right, round the top loop anticlockwise, cross, round the bottom
    t = np.linspace(u(0.15, 0.4), 2 * np.pi + u(0.1, 0.4), 160)
    x = 0.32 - 0.3 * np.sin(2 * t) * np.where(np.cos(t) > 0, 0.8, 1.0)
    y = ((1 - np.cos(t)) / 2) ** 1.15          # the crossing a little above the middle
    return [np.c_[x, y]]


def eight_two_loops(u):
    return [arc(0.34, 0.24, 0.24, 0.24, 0, -360 - u(0, 20)), arc(0.34, 0.72, 0.31, 0.27, -90, 270 + u(0, 20))]


def nine_straight(u):
    return [join(arc(0.3, 0.27, 0.3, 0.27, 5, -355), line((0.6, 0.3), (0.58 + u(-0.04, 0.04), 1.0)))]


def nine_curved(u):
    return [join(arc(0.3, 0.27, 0.3, 0.27, 5, -355),
                 bezier((0.6, 0.3), (0.6, 0.7), (0.5, 0.95), (0.15 + u(-0.05, 0.1), 1.0)))]


def nine_two_strokes(u):
    return [arc(0.3, 0.27, 0.3, 0.27, -10, -370), line((0.6, 0.02 + u(0, 0.1)), (0.58, 1.0))]


STYLES = {
    0: [zero_ccw, zero_cw, zero_pointed],
    1: [one_stick, one_flag, one_flag_base],
    2: [two_round, two_loop, two_angular],
    3: [three_round, three_flat_top],
    4: [four_open, four_closed, four_closed_one_stroke],
    5: [five_two_strokes, five_one_stroke],
    6: [six_curved, six_straight],
    7: [seven_plain, seven_bar, seven_serif],
    8: [eight_one_stroke, eight_two_loops],
    9: [nine_straight, nine_curved, nine_two_strokes],
}


# ------------------------------------------------------------------------------ the variation
def warp(strokes, rng, amount):
    """A smooth random displacement of the plane: the same style, drawn by another hand."""
    k = rng.normal(0, 2.5, (3, 2))
    phase = rng.uniform(0, 2 * np.pi, (3, 2))
    amp = rng.normal(0, amount, (3, 2))

    def d(P):
        out = np.zeros_like(P)
        for i in range(3):
            out += amp[i] * np.sin(P @ k[i][:, None] + phase[i])
        return out

    return [P + d(P) for P in strokes]


def place(strokes, rng, pen_width, canvas=CANVAS):
    """Random size, aspect, slant, rotation and position on the pad, in canvas pixels."""
    P = np.concatenate(strokes)
    lo, hi = P.min(0), P.max(0)
    height = rng.uniform(110, 230)
    aspect = np.exp(rng.uniform(-0.35, 0.3))
    slant = rng.uniform(-0.2, 0.45)            # most people lean right
    angle = np.radians(rng.uniform(-15, 15))
    c, s = np.cos(angle), np.sin(angle)
    out = []
    for S in strokes:
        x = (S[:, 0] - (lo[0] + hi[0]) / 2) * aspect
        y = S[:, 1] - (lo[1] + hi[1]) / 2
        x = x - slant * y
        x, y = c * x - s * y, s * x + c * y
        out.append(np.c_[x, y] * height / (hi[1] - lo[1]))
    P = np.concatenate(out)
    lo, hi = P.min(0), P.max(0)
    if (hi - lo).max() > canvas - 30:           # too big for the pad after slant: shrink to fit
        out = [S * (canvas - 30) / (hi - lo).max() for S in out]
        P = np.concatenate(out)
        lo, hi = P.min(0), P.max(0)
    margin = pen_width / 2 + 3                 # keep the ink on the pad
    offset = [rng.uniform(margin - lo[i], canvas - margin - hi[i]) for i in range(2)]
    return [S + offset for S in out]


def sample_like_mouse(S, rng, spacing, wobble):
    """Resample a dense stroke the way mouse events arrive: uneven steps, a shaky hand, whole pixels."""
    seg = np.hypot(*np.diff(S, axis=0).T)
    s = np.r_[0, np.cumsum(seg)]
    steps = spacing * rng.uniform(0.5, 1.5, int(s[-1] / spacing * 2) + 2)
    at = np.r_[0, np.cumsum(steps)]
    at = np.r_[at[at < s[-1]], s[-1]]
    P = np.c_[np.interp(at, s, S[:, 0]), np.interp(at, s, S[:, 1])]
    shake = np.cumsum(rng.normal(0, wobble, P.shape), axis=0)
    shake -= np.linspace(0, 1, len(P))[:, None] * shake[-1]    # a random walk tied down at both ends
    P = np.rint(P + shake).astype(int)
    keep = np.r_[True, (np.diff(P, axis=0) != 0).any(1)]
    return P[keep]


def make_digit(label, style, rng):
    u = lambda a, b: rng.uniform(a, b)           # noqa: E731
    strokes = warp(style(u), rng, amount=rng.uniform(0.0, 0.07))
    pen_width = int(rng.integers(16, 29))
    strokes = place(strokes, rng, pen_width)
    spacing, wobble = rng.uniform(4, 11), rng.uniform(0.2, 1.5)
    strokes = [sample_like_mouse(S, rng, spacing, wobble) for S in strokes]
    strokes = [np.clip(S, 0, CANVAS - 1) for S in strokes]
    return {"label": label, "style": style.__name__.replace("_", "-"), "pen_width": pen_width,
            "strokes": [S.tolist() for S in strokes]}


def make_set(per_digit=30, seed=0):
    rng = np.random.default_rng(seed)
    digits = []
    for label, styles in STYLES.items():
        for i in range(per_digit):
            digits.append(make_digit(label, styles[i % len(styles)], rng))
    order = rng.permutation(len(digits))
    return [digits[i] for i in order]


def write(digits, path=OUT, seed=0):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps({"format": FORMAT, "canvas_size": CANVAS, "seed": seed,
                       "generator": "benchmarks/make_drawn_digits.py"})[:-1]
    lines = [json.dumps(d, separators=(",", ":")) for d in digits]
    path.write_text(head + ', "digits": [\n' + ",\n".join(lines) + "\n]}\n")


def render_grid(digits, path, ncols=20):
    """All digits as one PNG (each rendered at the pad's size, ink dark on white, label below)."""
    from PIL import Image, ImageDraw

    from scratchnn.draw import render_strokes

    cell = 70
    nrows = -(-len(digits) // ncols)
    sheet = Image.new("L", (ncols * cell, nrows * (cell + 12)), 255)
    pen = ImageDraw.Draw(sheet)
    for i, d in enumerate(digits):
        img = 255 - render_strokes(d["strokes"], CANVAS, d["pen_width"])
        tile = Image.fromarray(img).resize((cell - 4, cell - 4), Image.Resampling.BOX)
        x, y = (i % ncols) * cell, (i // ncols) * (cell + 12)
        sheet.paste(tile, (x + 2, y + 2))
        pen.rectangle((x + 1, y + 1, x + cell - 2, y + cell - 2), outline=180)
        pen.text((x + 4, y + cell - 2), f"{d['label']} {d['style']}", fill=0)
    sheet.save(path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--per-digit", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--png", help="also render a grid of all digits to this PNG")
    args = p.parse_args(argv)
    digits = make_set(args.per_digit, args.seed)
    write(digits, args.out, args.seed)
    print(f"wrote {len(digits)} digits to {args.out} ({Path(args.out).stat().st_size / 1024:.0f} KiB)")
    if args.png:
        render_grid(digits, args.png)
        print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
