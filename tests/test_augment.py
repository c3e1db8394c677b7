"""Augmentation keeps images valid, does what its parameters say, and repeats with a seed."""
import numpy as np
import pytest

import scratchnn as snn
from scratchnn.augment import Augment, affine, random_affine, random_thickness, thicken, thin


@pytest.fixture
def digits(mnist):
    (X, y), _ = mnist
    return X[:64], y[:64]


def test_identity_parameters_leave_images_unchanged(digits):
    X, _ = digits
    aug = Augment(rotate=0, scale=(1, 1), shift=0, shear=0, p_thicker=0, p_thinner=0)
    assert np.allclose(aug(X, np.random.default_rng(0)), X, atol=1e-6)


def test_shift_of_one_pixel_moves_the_image_one_pixel():
    img = np.zeros((1, 28, 28), np.float32)
    img[0, 10:15, 12] = 1
    out = random_affine(img, np.random.default_rng(0), rotate=0, scale=(1, 1), shift=0)
    assert np.allclose(out, img, atol=1e-6)
    shifted = random_affine(img, _Draws({"shift": (1.0, 0.0)}), rotate=0, scale=(1, 1), shift=1)
    assert np.allclose(shifted[0, 10:15, 13], 1, atol=1e-6) and shifted[0, :, 12].max() < 1e-6


class _Draws:
    """A stand-in for a Generator: rotation 0, zoom 1, shear 0, and a chosen shift (tx, ty)."""

    def __init__(self, values):
        self.tx, self.ty = values["shift"]
        self.calls = 0

    def uniform(self, lo, hi, size):
        self.calls += 1
        if self.calls == 4:  # the (2, n) draw of tx, ty
            return np.array([[self.tx] * size[1], [self.ty] * size[1]])
        return np.full(size, (lo + hi) / 2)


def test_output_stays_in_unit_range_and_keeps_dtype(digits):
    X, _ = digits
    out = Augment()(X, np.random.default_rng(1))
    assert out.shape == X.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1


def test_same_seed_same_augmentation(digits):
    X, _ = digits
    a = Augment()(X, np.random.default_rng(7))
    b = Augment()(X, np.random.default_rng(7))
    c = Augment()(X, np.random.default_rng(8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_rotation_keeps_the_ink_centred(digits):
    X, _ = digits
    images = X.reshape(-1, 28, 28)
    out = random_affine(images, np.random.default_rng(0), rotate=30, scale=(1, 1), shift=0)
    grid = np.arange(28)

    def centre(im):
        return np.array([(im.sum(1) * grid).sum(), (im.sum(0) * grid).sum()]) / im.sum()

    for before, after in zip(images, out):
        assert np.abs(centre(before) - centre(after)).max() < 1.5


def test_thicker_strokes_have_more_ink_thinner_less(digits):
    X, _ = digits
    images = X.reshape(-1, 28, 28)
    thick = random_thickness(images, np.random.default_rng(0), p_thicker=1, p_thinner=0)
    thin = random_thickness(images, np.random.default_rng(0), p_thicker=0, p_thinner=1)
    assert (thick.sum((1, 2)) > images.sum((1, 2))).all()
    assert (thin.sum((1, 2)) < images.sum((1, 2))).all()


def test_augment_rejects_non_square_rows():
    with pytest.raises(ValueError, match="square images, got rows of 10 values"):
        Augment()(np.zeros((2, 10), np.float32), np.random.default_rng(0))


def test_fit_applies_augment_to_each_batch_and_rejects_non_callables(digits):
    X, y = digits
    seen = []

    def spy(Xb, rng):
        seen.append(len(Xb))
        return Xb

    net = snn.Net([snn.InLayer(784), snn.Dense(10, "softmax")], seed=0)
    net.fit(X, y, epochs=2, batch_size=32, augment=spy)
    assert seen == [32, 32, 32, 32]
    with pytest.raises(ValueError, match="augment must be a function"):
        net.fit(X, y, epochs=1, augment="yes")


def test_aspect_stretches_width_against_height_keeping_area():
    img = np.zeros((200, 28, 28), np.float32)
    img[:, 9:19, 9:19] = 1  # a 10x10 square
    out = random_affine(img, np.random.default_rng(0), rotate=0, scale=(1, 1), shift=0, aspect=2.0)
    ink = out > 0.5
    widths, heights = ink.any(axis=1).sum(axis=1), ink.any(axis=2).sum(axis=1)
    ratio = widths / heights
    assert ratio.max() > 1.5 and ratio.min() < 1 / 1.5
    assert np.allclose(out.sum(axis=(1, 2)), 100, rtol=0.1)


# ------------------------------------------------------------------ the refactor changed no bit
# Augment as it was before its random functions were split into draws + deterministic `affine`,
# `thicken` and `thin` (commit a455196), kept verbatim: the shipped models were trained with it, so
# the same rng must still give the same images, bit for bit, on any machine.

def _old_random_affine(images, rng, rotate=15.0, scale=(0.85, 1.15), shift=2.0, shear=0.0, aspect=1.0):
    n, s, _ = images.shape
    centre = (s - 1) / 2
    theta = np.deg2rad(rng.uniform(-rotate, rotate, n))
    zoom = rng.uniform(scale[0], scale[1], n)
    k = rng.uniform(-shear, shear, n)
    tx, ty = rng.uniform(-shift, shift, (2, n))
    cos, sin = np.cos(theta) / zoom, np.sin(theta) / zoom
    a, b, c, d = cos, sin, -sin, cos
    if aspect != 1:
        root = np.exp(rng.uniform(-np.log(aspect), np.log(aspect), n) / 2)
        a, b, c, d = a / root, b / root, c * root, d * root
    a, b = a - k * c, b - k * d
    rows, cols = np.mgrid[0:s, 0:s].reshape(2, 1, -1) - centre
    xd, yd = cols - tx[:, None], rows - ty[:, None]
    xs = a[:, None] * xd + b[:, None] * yd + centre
    ys = c[:, None] * xd + d[:, None] * yd + centre
    return snn.augment.bilinear(images, xs, ys).reshape(n, s, s)


def _old_plus_neighbours(images):
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    return np.stack([p[:, 1:-1, 1:-1], p[:, :-2, 1:-1], p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:]])


def _old_random_thickness(images, rng, p_thicker=0.3, p_thinner=0.2):
    choice = rng.random(len(images))
    thicker, thinner = choice < p_thicker, choice > 1 - p_thinner
    out = images.copy()
    if thicker.any():
        out[thicker] = _old_plus_neighbours(images[thicker]).max(axis=0)
    if thinner.any():
        sel = images[thinner]
        out[thinner] = 0.5 * sel + 0.5 * _old_plus_neighbours(sel).min(axis=0)
    return out


def _old_augment(aug, X, rng):
    n, d = X.shape
    images = _old_random_thickness(X.reshape(n, 28, 28), rng, aug.p_thicker, aug.p_thinner)
    out = _old_random_affine(images, rng, aug.rotate, aug.scale, aug.shift, aug.shear, aug.aspect)
    return np.clip(out, 0, 1, out=out).reshape(n, d)


@pytest.mark.parametrize("aug", [Augment(), Augment(aspect=1.35, shear=0.25, p_thinner=0.3),   # pretrained, FineTuner
                                 Augment(rotate=20, scale=(0.8, 1.15), shear=0.25, p_thicker=0.3, p_thinner=0.3,
                                         aspect=1.35)], ids=repr)
def test_augment_gives_the_same_images_as_before_the_refactor_bit_for_bit(aug, digits):
    X, _ = digits
    for seed in range(3):
        rng_new, rng_old = np.random.default_rng(seed), np.random.default_rng(seed)
        for _ in range(2):   # and leaves the generator in the same state
            assert np.array_equal(aug(X, rng_new), _old_augment(aug, X, rng_old))


# ------------------------------------------------------------------ the deterministic functions

def test_affine_turns_clockwise_on_screen_about_the_centre():
    img = np.zeros((1, 28, 28), np.float32)
    img[0, 3:14, 13:15] = 1                              # a bar from the top down to the middle
    assert np.allclose(affine(img, rotate_deg=90), np.rot90(img, k=-1, axes=(1, 2)), atol=1e-6)   # to the right
    assert np.allclose(affine(img, rotate_deg=-90), np.rot90(img, k=1, axes=(1, 2)), atol=1e-6)


def test_affine_takes_one_value_per_image_and_shifts_whole_pixels_exactly(digits):
    X, _ = digits
    images = X[:3].reshape(-1, 28, 28)
    out = affine(images, tx=[3, -2, 0], ty=[0, 1, -4])
    for image, got, (dx, dy) in zip(images, out, [(3, 0), (-2, 1), (0, -4)]):
        expected = np.zeros_like(image)
        expected[max(dy, 0):28 + min(dy, 0), max(dx, 0):28 + min(dx, 0)] = \
            image[max(-dy, 0):28 + min(-dy, 0), max(-dx, 0):28 + min(-dx, 0)]
        assert np.array_equal(got, expected)


def test_thicken_takes_the_largest_of_each_pixel_and_its_four_neighbours():
    img = np.zeros((1, 5, 5), np.float32)
    img[0, 2, 2], img[0, 0, 4] = 1.0, 0.5
    plus = np.array([[0, 0, 0, 0.5, 0.5], [0, 0, 1, 0, 0.5], [0, 1, 1, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]])
    assert np.array_equal(thicken(img)[0], plus)
    assert np.array_equal(thin(img)[0], 0.5 * img[0])     # no pixel has all four neighbours inked
