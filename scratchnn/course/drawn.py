"""Digits drawn the way people draw them on the pad, not MNIST: a generator in the pad's stroke format.

MNIST test accuracy says little about how a net reads *your* drawing: MNIST digits were written
with a pen on paper by a few hundred American writers in the 1990s, then scanned. This module draws
digits the way people draw them with a mouse or a finger on the 280 px pad: strokes in the order
and direction people use, many styles per digit, including the ones MNIST's writers rarely used
(a 1 with a long flag, with or without a base; a crossed 7; a 9 with a straight stem; an open-top
4), each randomly varied in shape (a smooth random warp), size, slant, rotation, aspect, pen width
and hand wobble, then sampled like mouse events (integer pixels, uneven spacing)::

    from scratchnn.course import drawn
    d = drawn.draw_digit("one-euro", seed=3, index=0)   # {"label": 1, "style", "pen_width", "strokes"}
    x = drawn.to_input(d)                              # (28, 28), exactly what the pad gives the net
    drawn.accuracy(net, drawn.make_set(20, seed=drawn.SEEDS["heldout"], styles=drawn.HELDOUT_STYLES))

On top of that mild variation every digit of a set gets one *variation* (stored with it, so an
evaluation can break the accuracy down by it), the things that make real drawings hard to read:

    plain       only the mild variation above
    small       drawn 40-90 px tall, so the pen is thick for the digit
    large       drawn up to the pad's edge (a pen end may be cut off by it)
    off-centre  drawn in a corner or against an edge
    tilted      turned by 12-25 degrees either way
    wide        squashed flat (1.35-1.8x wider than usual)
    narrow      drawn tall and thin (0.45-0.67x as wide)
    sloppy      the shape itself off: parts too big or too small, lines bent (a stronger warp)
    shaky       a trembling hand: jittery, zigzag mouse paths
    fast        few mouse events: curves come out as polygons
    ends        strokes that stop short of, or overshoot, where they should end; a flick at the end
    gap         loops that do not close, strokes that do not quite meet
    thin-pen    a 10-13 px pen
    thick-pen   a 30-34 px pen
    mixed       three of the above at once

A quarter of the digits are also drawn in an unusual stroke order or direction (the picture is the
same; what a pad sees while the digit is half-drawn is not). Pens never get thicker than 0.3 of the
digit's height, gaps stay small, tilts moderate; ``legible`` rules out only what would turn a digit
into another one (a level "flag" is a 7's bar), never a style. Seeded, each digit from its own
random stream, so a set is reproducible and a change to one digit leaves the others alone.
``SEEDS`` keeps the committed test set, the training digits, the held-out set and the fine-tuning
digits apart; ``HELDOUT_STYLES`` are never trained on.

``benchmarks/make_drawn_digits.py`` writes the committed set ``scratchnn/course/drawn_digits.json``
(``{"format", "canvas_size", "seed", "digits": [{"label", "style", "variation", "pen_width",
"strokes": [[[x, y], ...], ...]}, ...]}``, one digit per line); ``benchmarks/drawn_accuracy.py``
measures a model on it and on the held-out styles.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

#: The committed set, shipped beside this module as package data.
TEST_SET = Path(__file__).resolve().parent / "drawn_digits.json"
FORMAT = "scratchnn.drawn_digits/1"
CANVAS = 280
PER_DIGIT = 60


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


class Hand:
    """What varies within a style: ``u(a, b)`` draws uniformly; ``u.close`` is how far (degrees) a
    loop runs past its start (negative: it stops short, leaving a gap)."""

    def __init__(self, rng, close):
        self.rng, self.close = rng, close

    def __call__(self, a, b):
        return self.rng.uniform(a, b)


# ------------------------------------------------------------------------------ the templates
# Each style is a function of a Hand u returning a list of strokes, in the order and direction
# people usually draw them.

def zero_ccw(u):      # from the top, anticlockwise
    return [arc(0.32, 0.5, 0.32, 0.5, -90 + u(-10, 20), -90 - 360 - u.close)]


def zero_cw(u):
    return [arc(0.3, 0.5, 0.3, 0.5, -100 + u(-10, 10), 260 + u.close)]


def zero_pointed(u):  # started at the top with a little kink, the way quick zeros look
    return [join(line((0.32, 0.0), (0.26, 0.02)), arc(0.3, 0.52, 0.3, 0.48, -95, -455 - u.close))]


def zero_double(u):   # round more than once, the second lap a little off the first
    t = np.radians(np.linspace(-90, -90 - 360 - u(60, 200), 120))
    r = np.linspace(1.0, u(0.82, 0.92), len(t))[:, None]
    return [np.c_[0.32 + 0.32 * np.cos(t), 0.5 + 0.5 * np.sin(t)] * r + (1 - r) * [0.32, 0.5]]


def one_stick(u):
    return [line((0.05 + u(0, 0.04), 0.0), (0.0, 1.0))]


def flag(u, top, length=(0.12, 0.35), angle=(20, 60)):   # the lead-in stroke of a European 1
    length, angle = u(*length), np.radians(u(*angle))
    return (top[0] - length * np.cos(angle), top[1] + length * np.sin(angle))


def one_flag(u):
    top = (0.3, 0.0)
    return [line(flag(u, top), top, (0.3 + u(-0.03, 0.01), 1.0))]


def one_flag_base(u):
    top = (0.35, 0.0)
    return [line(flag(u, top), top, (0.35, 1.0)), line((0.35 - u(0.15, 0.3), 1.0), (0.35 + u(0.15, 0.3), 1.0))]


def one_long_flag(u):   # a long, steep lead-in: still a 1, never a 7's flat bar
    top = (0.4, 0.0)
    return [line(flag(u, top, (0.28, 0.42), (42, 58)), top, (0.4 + u(-0.04, 0.02), 1.0))]


def one_euro(u):        # the continental 1: a long lead-in from well to the left, not steep
    top = (0.4, 0.0)
    return [line(flag(u, top, (0.25, 0.45), (25, 50)), top, (0.4 + u(-0.04, 0.02), 1.0))]


def one_euro_base(u):   # the continental 1 standing on a base
    top = (0.4, 0.0)
    return [line(flag(u, top, (0.25, 0.45), (25, 50)), top, (0.4, 1.0)),
            line((0.4 - u(0.18, 0.32), 1.0), (0.4 + u(0.18, 0.32), 1.0 + u(-0.03, 0.03)))]


def one_hooked(u):      # the lead-in curves up out of the left, rising into the top (level there, it is a 7)
    top = (0.38, 0.0)
    start = (0.38 - u(0.18, 0.3), u(0.16, 0.3))
    return [join(bezier(start, (start[0] + 0.02, start[1] - 0.1), (0.3, 0.07), top),
                 line(top, (0.38 + u(-0.04, 0.02), 1.0)))]


def one_base(u):        # a stick on a base, no flag
    x = u(0.25, 0.35)
    return [line((x + u(0, 0.04), 0.0), (x, 1.0)),
            line((x - u(0.15, 0.3), 1.0), (x + u(0.15, 0.3), 1.0 + u(-0.03, 0.03)))]


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


def two_z_crossed(u):  # a Z-like 2 with a rounded top corner, crossed in the middle
    return [join(arc(0.3, 0.2, 0.22, 0.2, -165, -20), bezier((0.5, 0.12), (0.66, 0.2), (0.6, 0.3), (0.5, 0.4)),
                 line((0.5, 0.4), (0.02, 1.0), (0.7 + u(-0.05, 0.05), 1.0))),
            line((0.12 + u(-0.04, 0.04), 0.66 + u(-0.06, 0.04)), (0.5 + u(-0.05, 0.05), 0.62))]


def three_round(u):    # two bumps in one stroke, the middle cusp pulled to the left
    mid = u(0.18, 0.3)
    return [join(arc(0.3, 0.24, 0.3, 0.24, -165, 85), line((0.32, 0.48), (mid, 0.5)),
                 arc(0.3, 0.74, 0.34, 0.26, -95, 155 + u(-10, 10)))]


def three_flat_top(u):
    return [join(line((0.02, 0.0), (0.62, 0.0), (0.25, 0.4)), arc(0.3, 0.69, 0.33, 0.31, -100, 150 + u(-10, 10)))]


def three_small_top(u):   # a small upper bump, a big lower one, the cusp a sharp point
    r = u(0.15, 0.2)
    return [join(arc(0.32, r, 0.24, r, -160, 90), line((0.32, 2 * r), (0.2, 2 * r + 0.02)),
                 arc(0.3, 0.5 + r, 0.36, 0.5 - r, -100, 150 + u(-10, 10)))]


def four_open(u):
    x = u(0.45, 0.55)
    return [line((0.08, 0.0), (0.02, 0.62), (0.72, 0.62)), line((x, 0.2 + u(-0.2, 0.05)), (x - 0.02, 1.0))]


def four_u(u):        # open top, the left stroke rounding into the bar: the 4 an MNIST net reads as 9
    x = u(0.48, 0.56)
    return [bezier((0.04, 0.0), (0.0, 0.45), (0.08, 0.62), (0.72, 0.6)),
            line((x, 0.0 + u(-0.05, 0.05)), (x - 0.02, 1.0))]


def four_open_tall(u):  # open top, the left stroke upright and parallel to a tall stem, a short bar
    x = u(0.42, 0.5)
    return [line((0.02, 0.08 + u(0, 0.08)), (0.0, 0.58), (x + u(0.1, 0.2), 0.56)), line((x, 0.0), (x, 1.0))]


def four_closed(u):
    return [line((0.52, 0.0), (0.0, 0.66), (0.74, 0.66)), line((0.52, 0.0 + u(0, 0.05)), (0.52, 1.0))]


def four_closed_one_stroke(u):   # up the stem, down the diagonal, across
    return [line((0.5, 1.0), (0.5, 0.0), (0.0, 0.66), (0.72, 0.64))]


def four_open_one_stroke(u):     # down, across, up to the top of the stem, and back down over it
    x = u(0.48, 0.56)
    return [line((0.06, 0.0), (0.02, 0.6), (x, 0.6), (x + 0.02, 0.02 + u(0, 0.12)), (x, 1.0))]


def five_two_strokes(u):
    return [join(line((0.1, 0.0), (0.06, 0.45)), arc(0.3, 0.7, 0.32, 0.29, -140, 155 + u(-10, 10))),
            line((0.1, 0.0), (0.66 + u(-0.05, 0.05), 0.0))]


def five_one_stroke(u):
    return [join(line((0.66, 0.0), (0.1, 0.0), (0.06, 0.45)), arc(0.3, 0.7, 0.32, 0.29, -140, 155 + u(-10, 10)))]


def five_floating_bar(u):  # the bar added afterwards, not quite where the down stroke began
    x, y = u(0.12, 0.22), u(-0.1, 0.0)
    return [join(line((0.08, 0.02), (0.05, 0.45)), arc(0.3, 0.7, 0.32, 0.29, -140, 155 + u(-10, 10))),
            line((x, y), (x + u(0.4, 0.55), y + u(-0.04, 0.02)))]


def five_angular(u):    # drawn fast: the belly as three straight lines
    return [join(line((0.08, 0.0), (0.05, 0.45), (0.45, 0.42 + u(-0.04, 0.04)), (0.64, 0.62), (0.58, 0.88),
                      (0.3, 1.0), (0.0, 0.9 + u(-0.05, 0.05)))),
            line((0.08, 0.0), (0.62 + u(-0.05, 0.05), 0.0))]


def five_curly(u):   # a bar that droops at the end, a big belly ending in a curl back up
    return [join(line((0.08, 0.0), (0.05, 0.42)), arc(0.3, 0.68, 0.33, 0.3, -140, 150),
                 arc(0.09, 0.8, 0.08, 0.08, 40, 200 + u(-20, 20))),
            join(line((0.08, 0.0), (0.6, -0.02)), arc(0.6, 0.06, 0.08, 0.08, -90, u(-30, 20)))]


def six_curved(u):
    return [join(bezier((0.55, 0.0), (0.2, 0.1), (0.0, 0.45), (0.02, 0.72)),
                 arc(0.3, 0.73, 0.28, 0.26, 180, -180 - u.close))]


def six_straight(u):
    return [join(line((0.4, 0.0), (0.03, 0.68)), arc(0.3, 0.74, 0.28, 0.25, 175, -185 - u.close))]


def six_small_loop(u):   # a long sweep down, a small loop at the bottom
    r = u(0.16, 0.22)
    return [join(bezier((0.5, 0.0), (0.15, 0.15), (0.0, 0.55), (0.04, 1 - r)),
                 arc(0.04 + r, 1 - r, r, r, 180, -180 - u.close))]


def seven_plain(u):
    return [line((0.0, 0.02), (0.68, 0.0), (0.25 + u(-0.08, 0.08), 1.0))]


def seven_bar(u):
    return [line((0.0, 0.02), (0.68, 0.0), (0.25 + u(-0.08, 0.08), 1.0)),
            line((0.2, 0.5 + u(-0.05, 0.05)), (0.65, 0.48))]


def seven_serif(u):   # a small tick down at the start, and a slightly curved stem
    return [join(line((0.0, 0.15), (0.02, 0.0), (0.68, 0.02)),
                 bezier((0.68, 0.02), (0.5, 0.35), (0.35, 0.6), (0.3, 1.0)))]


def seven_hooked(u):  # the top starts with a hook up out of the left, then the stem curves down
    return [join(bezier((0.02, 0.2 + u(-0.04, 0.04)), (0.0, 0.05), (0.1, 0.0), (0.25, 0.02)),
                 line((0.25, 0.02), (0.7, 0.0)),
                 bezier((0.7, 0.0), (0.52, 0.3), (0.4, 0.65), (0.36 + u(-0.06, 0.06), 1.0)))]


def seven_crossed(u):  # the European 7: a tick, the bar, a curved stem, crossed
    return [join(line((0.02, 0.12), (0.04, 0.0), (0.7, 0.0)),
                 bezier((0.7, 0.0), (0.55, 0.3), (0.42, 0.6), (0.38, 1.0))),
            line((0.3 + u(-0.04, 0.02), 0.52 + u(-0.04, 0.04)), (0.74 + u(-0.06, 0.06), 0.5))]


def seven_euro(u):     # a straight stem, the bar crossing it right through
    x = 0.25 + u(-0.06, 0.06)
    mid = (0.7 + x) / 2
    return [line((0.0, 0.02), (0.7, 0.0), (x, 1.0)),
            line((mid - u(0.18, 0.28), 0.5 + u(-0.05, 0.05)), (mid + u(0.14, 0.24), 0.49))]


def eight_one_stroke(u):  # from the top right, round the top loop anticlockwise, cross, round the bottom
    t = np.linspace(u(0.15, 0.4), 2 * np.pi + np.radians(u.close) + u(0.0, 0.2), 160)
    x = 0.32 - 0.3 * np.sin(2 * t) * np.where(np.cos(t) > 0, 0.8, 1.0)
    y = ((1 - np.cos(t)) / 2) ** 1.15          # the crossing a little above the middle
    return [np.c_[x, y]]


def eight_two_loops(u):
    return [arc(0.34, 0.24, 0.24, 0.24, 0, -360 - u.close), arc(0.34, 0.72, 0.31, 0.27, -90, 270 + u.close)]


def eight_snowman(u):     # a small head on a big body, each loop drawn from the top
    r = u(0.17, 0.22)
    return [arc(0.34, r, 0.2, r, -90, -450 - u.close), arc(0.34, 0.5 + r, 0.33, 0.5 - r, -90, 270 + u.close)]


def eight_stacked(u):     # two separate rings, one on the other, that barely touch
    return [arc(0.34, 0.23, 0.25, 0.23, -90, -450 - u.close),
            arc(0.34, 0.74, 0.3, 0.26 + u(-0.02, 0.02), -90, 270 + u.close)]


def nine_straight(u):
    return [join(arc(0.3, 0.27, 0.3, 0.27, 5 + u.close, -355), line((0.6, 0.3), (0.58 + u(-0.04, 0.04), 1.0)))]


def nine_flat_loop(u):   # a wide, flat loop and a dead straight stem from its right side
    ry = u(0.14, 0.2)
    return [join(arc(0.32, ry, 0.32, ry, 5 + u.close, -355), line((0.64, ry), (0.64 + u(-0.03, 0.03), 1.0)))]


def nine_open_loop(u):   # the loop left open where the straight stem, drawn separately, should close it
    return [arc(0.3, 0.27, 0.3, 0.27, -25, -335 + u(0, 15)), line((0.62, 0.0 + u(0, 0.06)), (0.6, 1.0))]


def nine_curved(u):
    return [join(arc(0.3, 0.27, 0.3, 0.27, 5 + u.close, -355),
                 bezier((0.6, 0.3), (0.6, 0.7), (0.5, 0.95), (0.15 + u(-0.05, 0.1), 1.0)))]


def nine_two_strokes(u):
    return [arc(0.3, 0.27, 0.3, 0.27, -10, -370 - u.close), line((0.6, 0.02 + u(0, 0.1)), (0.58, 1.0))]


def nine_small_loop(u):  # a small loop high up on a long stem, like a q
    r = u(0.15, 0.19)
    return [join(arc(0.25, r, 0.25, r, 5 + u.close, -355), line((0.5, r + 0.02), (0.48 + u(-0.04, 0.04), 1.0)))]


def nine_angular(u):     # a pointed loop, drawn in three quick lines, closed at the top, and the stem
    return [line((0.66, 0.03 + u(0, 0.03)), (0.15, 0.0), (0.0, 0.42), (0.6, 0.36), (0.61, -0.02),
                 (0.56 + u(-0.04, 0.04), 1.0))]


def nine_g(u):        # like a handwritten g: the tail curls round to the left and back up
    return [join(arc(0.32, 0.26, 0.3, 0.26, 5 + u.close, -355),
                 bezier((0.62, 0.28), (0.62, 0.8), (0.52, 1.0), (0.3, 1.0)),
                 bezier((0.3, 1.0), (0.12, 1.0), (0.02, 0.92), (0.04 + u(0, 0.06), 0.8 + u(-0.04, 0.04))))]


STYLES = {
    0: [zero_ccw, zero_cw, zero_pointed, zero_double],
    1: [one_stick, one_flag, one_euro, one_flag_base, one_euro_base, one_long_flag, one_base, one_hooked],
    2: [two_round, two_loop, two_angular, two_z_crossed],
    3: [three_round, three_flat_top, three_small_top],
    4: [four_open, four_u, four_closed, four_closed_one_stroke, four_open_one_stroke, four_open_tall],
    5: [five_two_strokes, five_one_stroke, five_curly, five_floating_bar, five_angular],
    6: [six_curved, six_straight, six_small_loop],
    7: [seven_plain, seven_bar, seven_crossed, seven_euro, seven_serif, seven_hooked],
    8: [eight_one_stroke, eight_two_loops, eight_snowman, eight_stacked],
    9: [nine_straight, nine_flat_loop, nine_curved, nine_two_strokes, nine_g, nine_small_loop, nine_angular,
        nine_open_loop],
}

#: One style per digit that no shipped model is trained on: accuracy on these (drawn from seeds the
#: training never uses either) says whether a model reads styles it never saw, not just new hands.
HELDOUT_STYLES = ["zero-double", "one-hooked", "two-z-crossed", "three-small-top", "four-open-tall",
                  "five-curly", "six-small-loop", "seven-hooked", "eight-stacked", "nine-open-loop"]

#: The seeds of the sets made from this module, kept apart so that no digit is in two of them:
#: ``drawn_digits.json`` (all styles), the training digits of the shipped ``drawing``
#: model (the other styles only), the held-out benchmark set (``HELDOUT_STYLES``), and the digits
#: the fine-tuning benchmark and lesson teach the net with and test it on.
SEEDS = {"test": 0, "train": 1, "heldout": 2, "teach": 3, "check": 4}

# Styles with small loops or crossings, which a thick pen fills in: they get thinner pens.
BUSY = [two_loop, two_z_crossed, six_small_loop, seven_crossed, seven_euro, *STYLES[8], nine_small_loop, nine_g,
        nine_flat_loop]

VARIATIONS = ["plain", "small", "large", "off-centre", "tilted", "wide", "narrow", "sloppy", "shaky", "fast",
              "ends", "gap", "thin-pen", "thick-pen", "mixed"]
# How often each comes up: mixed three times as often as the others (real drawings combine them).
SLOTS = VARIATIONS + ["mixed", "mixed"]
# What "mixed" may combine (any three): those that change one property each.
MIXABLE = ["small", "large", "off-centre", "tilted", "wide", "narrow", "sloppy", "shaky", "fast", "ends", "gap",
           "thin-pen", "thick-pen"]
EXCLUSIVE = [{"small", "large"}, {"wide", "narrow"}, {"thin-pen", "thick-pen"}, {"large", "off-centre"},
             {"small", "thick-pen"}, {"small", "narrow"}, {"wide", "tilted"}]   # a wide digit tilted lies down


# ------------------------------------------------------------------------------ the variation
def warp(strokes, rng, amount, strain):
    """A smooth random displacement of the plane: the same style, drawn by another hand.

    ``amount`` is the typical displacement (in digit heights); ``strain`` caps how much the warp
    may stretch or bend any small piece (the slope of the displacement), so parts change size and
    lines bend, but nothing folds over into another shape."""
    k = rng.normal(0, 2.5, (3, 2))
    phase = rng.uniform(0, 2 * np.pi, (3, 2))
    amp = rng.normal(0, amount, (3, 2))
    slope = (np.hypot(*amp.T) * np.hypot(*k.T)).sum()
    amp *= min(1.0, strain / slope) if slope else 1.0

    def d(P):
        out = np.zeros_like(P)
        for i in range(3):
            out += amp[i] * np.sin(P @ k[i][:, None] + phase[i])
        return out

    return [P + d(P) for P in strokes]


def arclength(S):
    return np.r_[0, np.cumsum(np.hypot(*np.diff(S, axis=0).T))]


def adjust_end(S, by):
    """Extend the end of stroke ``S`` straight on by ``by`` digit heights, or cut it back if negative."""
    s = arclength(S)
    if by < 0:
        keep = s <= s[-1] + by
        return S[keep] if keep.sum() >= 2 else S[:2]
    back = S[np.searchsorted(s, s[-1] - min(0.05, s[-1] / 3))]
    d = S[-1] - back
    d = d / (np.hypot(*d) or 1)
    return np.r_[S, S[-1] + d * np.linspace(0, by, max(2, int(by * 60)))[1:, None]]


def flick(S, rng):
    """A little hook where the pen lifts: the hand turns while it is already leaving the pad."""
    s = arclength(S)
    back = S[np.searchsorted(s, s[-1] - min(0.05, s[-1] / 3))]
    heading = np.arctan2(*(S[-1] - back)[::-1])
    turn = np.radians(rng.choice([-1, 1]) * rng.uniform(50, 110))
    t = np.linspace(0, 1, 8)[1:, None]
    a = heading + turn * t
    return np.r_[S, S[-1] + np.cumsum(np.c_[np.cos(a), np.sin(a)] * rng.uniform(0.05, 0.09) / 7, axis=0)]


def place(strokes, rng, v, canvas=CANVAS):
    """Size, aspect, slant, rotation (``v``: the variations): strokes in canvas pixels around (0, 0).

    Also returns the ink's corners ``lo``, ``hi`` and the linear map ``M`` applied (template -> px)."""
    P = np.concatenate(strokes)
    lo, hi = P.min(0), P.max(0)
    height = rng.uniform(40, 90) if "small" in v else rng.uniform(235, 270) if "large" in v else rng.uniform(110, 230)
    aspect = np.exp(rng.uniform(0.3, 0.6) if "wide" in v else rng.uniform(-0.8, -0.4) if "narrow" in v
                    else rng.uniform(-0.35, 0.3))
    if "tilted" in v:
        slant, angle = rng.uniform(-0.1, 0.15), rng.choice([-1, 1]) * rng.uniform(12, 25)
    else:
        slant, angle = rng.uniform(-0.2, 0.45), rng.uniform(-15, 15)   # most people lean right
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    M = height / (hi[1] - lo[1]) * np.array([[c, -s], [s, c]]) @ [[1, -slant], [0, 1]] @ [[aspect, 0], [0, 1]]
    out = [(S - (lo + hi) / 2) @ M.T for S in strokes]
    P = np.concatenate(out)
    lo, hi = P.min(0), P.max(0)
    room = canvas - (4 if "large" in v else 30)
    if (hi - lo).max() > room:                 # too big for the pad after slant: shrink to fit
        shrink = room / (hi - lo).max()
        out, lo, hi, M = [S * shrink for S in out], lo * shrink, hi * shrink, M * shrink
    return out, lo, hi, M


def angle_between(a, b):
    return np.degrees(np.arccos(np.clip(a @ b / np.hypot(*a) / np.hypot(*b), -1, 1)))


def legible(label, strokes, M):
    """The few rules that keep a digit what it is once placed (``strokes``: as drawn, before ``M``).

    Only what would make the digit another one is ruled out, never a style: a 1's lead-in must come
    down from the top at least 28 degrees off square to the stem (a level one is a 7's bar) and stay
    at most half as long as the stem (the old rule, 52 degrees and 0.4, hid continental 1s); a 7's bar
    must stand out from the stem; a 6 must not lie on its side (a leaning 6 drawn wide would).
    Long, shallow flags (the continental 1) and crossed 7s pass: people write them, so the set has them."""
    S = strokes[0]
    if label == 1 and S[0, 1] > S[:, 1].min() + 0.05:             # a 1 with a flag
        corner = S[S[:, 1].argmin()]
        flag, stem = (S[0] - corner) @ M.T, (S[-1] - corner) @ M.T
        return angle_between(flag, stem) <= 62 and np.hypot(*flag) <= 0.5 * np.hypot(*stem)
    if label == 7:
        corner, bar_end = S[(S[:, 0] - S[:, 1]).argmax()], S[(S[:, 0] + S[:, 1]).argmin()]
        bar, stem = (bar_end - corner) @ M.T, (S[-1] - corner) @ M.T
        return angle_between(bar, stem) >= 45 and np.hypot(*bar) >= 0.35 * np.hypot(*stem)
    if label == 6:
        stem = (S[S[:, 0].argmin()] - S[0]) @ M.T        # from its top to the left of the loop
        return angle_between(stem, np.array([0.0, 1.0])) <= 42
    return True


def position(strokes, lo, hi, rng, v, pen_width, canvas=CANVAS):
    """Move the drawing onto the pad: anywhere, or against an edge or into a corner for 'off-centre'.

    The ink may touch the pad's edge (a pen end cut off) for 'large' and 'off-centre' digits."""
    margin = rng.uniform(0, pen_width / 2) if {"large", "off-centre"} & v else pen_width / 2 + 3
    low, high = margin - lo, canvas - margin - hi       # the allowed offsets, per axis
    offset = rng.uniform(low, np.maximum(low, high))
    if "off-centre" in v:
        sides = [(0, rng.integers(2)), (1, rng.integers(2))]
        for axis, side in sides[:1 + rng.integers(2)]:    # one edge, or a corner
            offset[axis] = [low, high][side][axis] + rng.uniform(0, 10) * (1 - 2 * side)
    return [S + offset for S in strokes]


def sample_like_mouse(S, rng, spacing, wobble, jitter=0.0):
    """Resample a dense stroke the way mouse events arrive: uneven steps, a shaky hand, whole pixels.

    ``wobble`` drifts the path slowly (a random walk tied down at both ends); ``jitter`` shakes each
    event on its own, the zigzag of a trembling hand."""
    s = arclength(S)
    steps = spacing * rng.uniform(0.5, 1.5, int(s[-1] / spacing * 2) + 2)
    at = np.r_[0, np.cumsum(steps)]
    at = np.r_[at[at < s[-1]], s[-1]]
    P = np.c_[np.interp(at, s, S[:, 0]), np.interp(at, s, S[:, 1])]
    shake = np.cumsum(rng.normal(0, wobble, P.shape), axis=0)
    shake -= np.linspace(0, 1, len(P))[:, None] * shake[-1]
    P = np.rint(P + shake + rng.normal(0, jitter, P.shape)).astype(int)
    keep = np.r_[True, (np.diff(P, axis=0) != 0).any(1)]
    return P[keep]


def thin(P, tolerance=0.6):
    """Drop the events that lie (within ``tolerance`` px) on the line between their neighbours.

    The pad draws straight segments between events, so this keeps the picture and halves the file."""
    keep = np.ones(len(P), bool)
    stack = [(0, len(P) - 1)]
    while stack:                                   # Ramer-Douglas-Peucker
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = P[i], P[j]
        d = b - a
        n = np.hypot(*d)
        Q = P[i + 1:j] - a
        dist = np.abs(d[0] * Q[:, 1] - d[1] * Q[:, 0]) / n if n else np.hypot(*Q.T)
        k = int(dist.argmax())
        if dist[k] > tolerance:
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
        else:
            keep[i + 1:j] = False
    return P[keep]


def pick_pen(rng, v, label, size, busy=False):
    """A pen width in px: never thicker than 0.3 of the digit's height (0.22 for a ``busy`` style,
    one with small loops or crossings) or half its width (except for a 1), so loops stay open."""
    if "thin-pen" in v:
        pen = rng.uniform(10, 13.99)
    elif "thick-pen" in v:
        pen = rng.uniform(30, 34.99)
    elif "small" in v:
        pen = 22 if rng.random() < 0.5 else rng.uniform(10, 24)
    else:
        pen = 22 if rng.random() < 0.4 else rng.uniform(14, 29)    # the pad's own pen, or another
    width, height = size
    cap = min((0.22 if busy else 0.3) * height, np.inf if label == 1 else 0.5 * width)
    return int(max(10, min(pen, cap)))


def choose_variations(variation, rng):
    if variation != "mixed":
        return {variation}
    while True:
        v = set(rng.choice(MIXABLE, 3, replace=False))
        if not any(pair <= v for pair in EXCLUSIVE):
            return v


def make_digit(label, style, variation, rng):
    v = choose_variations(variation, rng)
    for _ in range(50):                            # redraw until the 1s, 6s and 7s are unmistakable
        close = rng.uniform(-50, -18) if "gap" in v else rng.uniform(-8, 25)
        template = style(Hand(rng, close))
        if "sloppy" in v:
            strokes = warp(template, rng, amount=rng.uniform(0.1, 0.15), strain=0.9)
        else:
            strokes = warp(template, rng, amount=rng.uniform(0.0, 0.07), strain=0.6)
        if "ends" in v:
            strokes = [adjust_end(S, rng.uniform(0.05, 0.14) if rng.random() < 0.5 else -rng.uniform(0.03, 0.08))
                       for S in strokes]
            strokes = [flick(S, rng) if rng.random() < 0.4 else S for S in strokes]
        elif "gap" in v and len(strokes) > 1:      # strokes that should meet stop short of each other
            strokes = [adjust_end(S[::-1], -rng.uniform(0.02, 0.06))[::-1] for S in strokes]
        else:
            strokes = [adjust_end(S, rng.uniform(-0.02, 0.03)) for S in strokes]
        placed, lo, hi, M = place(strokes, rng, v)
        if legible(label, strokes, M):
            break
    else:
        raise RuntimeError(f"could not draw a legible {style.__name__} ({variation})")
    strokes = placed
    pen_width = pick_pen(rng, v, label, hi - lo, busy=style in BUSY)
    strokes = position(strokes, lo, hi, rng, v, pen_width)
    height = hi[1] - lo[1]
    if "fast" in v:
        spacing, wobble, jitter = np.clip(height * rng.uniform(0.08, 0.14), 12, 30), rng.uniform(0.2, 1.0), 0.0
    elif "shaky" in v:                             # a tremor of a few px, less on a small digit
        spacing, wobble, jitter = rng.uniform(3, 6), rng.uniform(1.0, 2.0), rng.uniform(0.8, 1.6)
        wobble, jitter = wobble * min(1, height / 130), jitter * min(1, height / 130)
    else:
        spacing, wobble, jitter = rng.uniform(4, 11), rng.uniform(0.2, 1.2), 0.0
    strokes = [np.clip(sample_like_mouse(S, rng, spacing, wobble, jitter), 0, CANVAS - 1) for S in strokes]
    strokes = [thin(S) for S in strokes]
    if rng.random() < 0.25:                        # an unusual order or direction: same picture
        strokes = [S[::-1] if rng.random() < 0.5 else S for S in strokes]
        strokes = [strokes[i] for i in rng.permutation(len(strokes))]
    return {"label": label, "style": style.__name__.replace("_", "-"), "variation": variation,
            "pen_width": pen_width, "strokes": [S.tolist() for S in strokes]}


def style_names(label=None, heldout=None):
    """The styles' names (``"one-flag"``, ...), of one digit or all; ``heldout=True``/``False``: only
    the held-out ones / only the others (the ones a shipped model may be trained on)."""
    names = [_name(f) for k, fs in STYLES.items() if label is None or k == label for f in fs]
    if heldout is None:
        return names
    return [n for n in names if (n in HELDOUT_STYLES) == heldout]


def _name(style):
    return style.__name__.replace("_", "-")


def _style(name):
    for fs in STYLES.values():
        for f in fs:
            if _name(f) == name:
                return f
    raise ValueError(f"unknown style {name!r}; choose from {', '.join(style_names())}")


def draw_digit(style, seed=0, variation="plain", index=0):
    """One digit drawn in ``style`` (a name from ``style_names()``), in the pad's stroke format.

    Returns ``{"label", "style", "variation", "pen_width", "strokes"}``, the strokes a list of
    ``[[x, y], ...]`` lists of whole canvas pixels on the 280 px pad. ``(seed, index)`` picks the
    hand: the same pair draws the same digit, any other pair another one. ``variation`` is one of
    ``VARIATIONS`` ("plain" is only the mild variation every digit has)."""
    f = _style(style)
    if variation not in VARIATIONS:
        raise ValueError(f"unknown variation {variation!r}; choose from {', '.join(VARIATIONS)}")
    label = next(k for k, fs in STYLES.items() if f in fs)
    return make_digit(label, f, variation, np.random.default_rng([seed, label, 1000 + STYLES[label].index(f), index]))


def make_set(per_digit=PER_DIGIT, seed=0, styles=None):
    """``per_digit`` digits of each label, styles taken in turn, variations spread as ``SLOTS`` says.

    ``styles``: the names of the styles to draw (default: all); a digit none of whose styles are
    named is left out. Digit ``i`` of label ``k`` draws from its own stream ``default_rng([seed, k, i])``."""
    digits = []
    for label, fs in STYLES.items():
        if styles is not None:
            fs = [f for f in fs if _name(f) in styles]
            if not fs:
                continue
        order = np.random.default_rng([seed, label]).permutation(per_digit)
        for i in range(per_digit):
            variation = SLOTS[order[i] % len(SLOTS)]
            rng = np.random.default_rng([seed, label, i])
            digits.append(make_digit(label, fs[i % len(fs)], variation, rng))
    shuffle = np.random.default_rng([seed, 10]).permutation(len(digits))
    return [digits[i] for i in shuffle]


def to_input(digit, pen_width=None):
    """A drawn digit as the net sees it on the pad: ``(28, 28)`` float32 in [0, 1] (its own pen by default)."""
    from ..draw import strokes_to_mnist

    return strokes_to_mnist(digit["strokes"], CANVAS, pen_width or digit["pen_width"])


def inputs(digits, pen_width=None):
    """``(X, y, styles)``: X ``(n, 784)`` float32 by the pad's preprocessing, y ``(n,)`` int labels."""
    digits = digits["digits"] if isinstance(digits, dict) else digits
    X = np.stack([to_input(d, pen_width).ravel() for d in digits]) if digits else np.zeros((0, 784), np.float32)
    y = np.array([d["label"] for d in digits], dtype=np.int64)
    return X, y, [d["style"] for d in digits]


def training_inputs(per_digit, seed=SEEDS["train"]):
    """Inputs ``(X, y)`` of ``per_digit`` drawn digits per label in every style but ``HELDOUT_STYLES``."""
    X, y, _ = inputs(make_set(per_digit, seed, styles=style_names(heldout=False)))
    return X, y


def write(digits, path, seed=0):
    """Write ``digits`` as the set's JSON, one digit per line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps({"format": FORMAT, "canvas_size": CANVAS, "seed": seed,
                       "generator": "benchmarks/make_drawn_digits.py"})[:-1]
    lines = [json.dumps(d, separators=(",", ":")) for d in digits]
    path.write_text(head + ', "digits": [\n' + ",\n".join(lines) + "\n]}\n")


def load(path=None):
    """A set written by ``write`` (default: ``TEST_SET``, the committed set shipped with the package)."""
    path = Path(path) if path is not None else TEST_SET
    data = json.loads(path.read_text())
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: expected format {FORMAT!r}, got {data.get('format')!r}")
    return data


def _breakdown(right, keys):
    """Accuracy per distinct key (a style or a variation), keys sorted."""
    keys = np.asarray(keys)
    return {k: float(right[keys == k].mean()) for k in sorted(set(keys.tolist()))}


def accuracy(net, digits=None, pen_width=None):
    """Accuracy of ``net`` (anything with ``predict_proba``) on drawn digits, overall and broken down.

    ``digits``: a list of digits or a loaded set (default: ``load()``). Returns ``{"n", "accuracy",
    "loss", "per_digit", "per_style", "per_variation", "heldout_styles", "confusion"}``, where
    ``heldout_styles`` is the accuracy on the digits of ``HELDOUT_STYLES`` alone (None if none)."""
    digits = load() if digits is None else digits
    digits = digits["digits"] if isinstance(digits, dict) else digits
    X, y, styles = inputs(digits, pen_width)
    P = np.asarray(net.predict_proba(X), np.float64)
    pred = P.argmax(axis=1)
    right = pred == y
    loss = -np.log(np.maximum(P[np.arange(len(y)), y], 1e-12)).mean()
    held = np.isin(styles, HELDOUT_STYLES)
    return {
        "n": len(y),
        "accuracy": float(right.mean()),
        "loss": float(loss),
        "per_digit": {int(k): float(right[y == k].mean()) for k in range(10) if (y == k).any()},
        "per_style": _breakdown(right, styles),
        "per_variation": _breakdown(right, [d.get("variation", "plain") for d in digits]),
        "heldout_styles": float(right[held].mean()) if held.any() else None,
        "confusion": np.bincount(10 * y + pred, minlength=100).reshape(10, 10).tolist(),
    }


def render_grid(digits, path, ncols=10, cell=100, mnist=False):
    """Digits as one PNG (each at the pad's size, ink dark on white), label, style and variation below.

    ``mnist=True`` adds, beside each, the 28x28 input a net gets from it (``strokes_to_mnist``)."""
    from PIL import Image, ImageDraw

    from ..draw import render_strokes, strokes_to_mnist

    width = cell * (2 if mnist else 1)
    nrows = -(-len(digits) // ncols)
    sheet = Image.new("L", (ncols * width, nrows * (cell + 24)), 255)
    pen = ImageDraw.Draw(sheet)
    for i, d in enumerate(digits):
        img = 255 - render_strokes(d["strokes"], CANVAS, d["pen_width"])
        x, y = (i % ncols) * width, (i // ncols) * (cell + 24)
        sheet.paste(Image.fromarray(img).resize((cell - 4, cell - 4), Image.Resampling.BOX), (x + 2, y + 2))
        pen.rectangle((x + 1, y + 1, x + cell - 2, y + cell - 2), outline=180)
        if mnist:
            A = strokes_to_mnist(d["strokes"], CANVAS, d["pen_width"])
            tile = Image.fromarray((255 - 255 * A).astype(np.uint8))
            sheet.paste(tile.resize((cell - 4, cell - 4), Image.Resampling.NEAREST), (x + cell + 2, y + 2))
        pen.text((x + 3, y + cell - 1), f"{d['label']} {d['style']}", fill=0)
        pen.text((x + 3, y + cell + 10), d.get("variation", ""), fill=90)
    sheet.save(path)
