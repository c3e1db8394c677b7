"""scratchnn.course.drawn: the drawn-digit generator, its styles, and the splits that keep training and testing
apart."""
import numpy as np
import pytest

from scratchnn import draw
from scratchnn.course import drawn

WORLD_STYLES = {"one-flag", "one-euro", "one-flag-base", "one-euro-base", "seven-crossed", "seven-euro",
                "nine-straight", "nine-flat-loop", "four-open", "four-u"}


def test_the_styles_mnist_writers_rarely_used_are_drawn_and_in_the_committed_set():
    assert WORLD_STYLES <= set(drawn.style_names())
    committed = {d["style"] for d in drawn.load()["digits"]}
    assert WORLD_STYLES <= committed


def flag_angle(digit):
    """Degrees below the horizontal of a flagged 1's lead-in, from its first point to its top."""
    S = np.array(max(digit["strokes"], key=len), float)
    if S[0, 1] > S[-1, 1]:                     # drawn bottom-up: turn it round
        S = S[::-1]
    top = S[S[:, 1].argmin()]
    d = S[0] - top
    return np.degrees(np.arctan2(d[1], abs(d[0])))


def test_continental_ones_keep_long_shallow_flags():
    # The old legibility rule kept only flags steeper than ~52 degrees; real continental 1s are flatter.
    angles = [flag_angle(drawn.draw_digit("one-euro", seed=0, index=i)) for i in range(30)]
    assert np.mean(np.array(angles) < 45) >= 0.5, angles


def test_draw_digit_is_in_the_pads_format_and_reproducible():
    d = drawn.draw_digit("seven-euro", seed=5, index=2, variation="shaky")
    assert d["label"] == 7 and d["style"] == "seven-euro" and d["variation"] == "shaky"
    assert len(d["strokes"]) == 2                        # the bar is its own stroke
    for stroke in d["strokes"]:
        P = np.array(stroke)
        assert P.ndim == 2 and P.shape[1] == 2 and P.dtype.kind == "i"
        assert P.min() >= 0 and P.max() < draw.CANVAS_SIZE
    assert drawn.draw_digit("seven-euro", seed=5, index=2, variation="shaky") == d
    assert drawn.draw_digit("seven-euro", seed=5, index=3, variation="shaky") != d
    x = drawn.to_input(d)
    assert x.shape == (28, 28) and x.dtype == np.float32 and 0.99 <= x.max() <= 1.0


def test_draw_digit_names_the_choices_when_given_an_unknown_style():
    with pytest.raises(ValueError, match="unknown style 'one-swiss'.*one-euro"):
        drawn.draw_digit("one-swiss")
    with pytest.raises(ValueError, match="unknown variation"):
        drawn.draw_digit("one-euro", variation="wobbly")


def test_heldout_styles_one_per_digit_never_in_the_training_digits():
    held = drawn.HELDOUT_STYLES
    assert sorted(next(k for k in range(10) if s in drawn.style_names(k)) for s in held) == list(range(10))
    trained = drawn.style_names(heldout=False)
    assert not set(held) & set(trained) and set(held) | set(trained) == set(drawn.style_names())
    digits = drawn.make_set(3, seed=drawn.SEEDS["train"], styles=trained)
    assert len(digits) == 30 and not {d["style"] for d in digits} & set(held)
    X, y = drawn.training_inputs(2)
    assert X.shape == (20, 784) and sorted(y.tolist()) == sorted(list(range(10)) * 2)


def test_sets_from_different_seeds_share_no_digit():
    seeds = drawn.SEEDS
    assert len(set(seeds.values())) == len(seeds)
    a = drawn.make_set(2, seed=seeds["train"])
    b = drawn.make_set(2, seed=seeds["heldout"])
    assert not {str(d["strokes"]) for d in a} & {str(d["strokes"]) for d in b}


def test_accuracy_breaks_down_by_digit_style_and_heldout_styles():
    class Says:                      # reads every digit as what its label says, except all 1s as 7
        def predict_proba(self, X):
            P = np.full((len(X), 10), 0.01)
            P[np.arange(len(X)), np.where(labels == 1, 7, labels)] = 0.91
            return P

    digits = drawn.make_set(2, seed=9, styles=["one-euro", "one-hooked", "seven-euro", "zero-ccw"])
    labels = np.array([d["label"] for d in digits])
    r = drawn.accuracy(Says(), digits)
    assert r["n"] == 6 and r["accuracy"] == pytest.approx(4 / 6)
    assert r["per_digit"] == {0: 1.0, 1: 0.0, 7: 1.0}
    assert r["per_style"]["seven-euro"] == 1.0 and r["heldout_styles"] == 0.0    # one-hooked is held out
    assert r["confusion"][1][7] == 2
