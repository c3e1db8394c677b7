"""Augmentation keeps images valid, does what its parameters say, and repeats with a seed."""
import numpy as np
import pytest

import scratchnn as snn
from scratchnn.augment import Augment, random_affine, random_thickness


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
