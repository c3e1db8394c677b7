"""Data augmentation: small random changes to training images that keep their label.

A digit shifted by a pixel, turned by ten degrees, drawn a little larger or with
a thicker pen is still the same digit. Training on such variants teaches the net
to ignore them, which is what reading a person's own drawing needs: MNIST's
writers were neat and their digits carefully centred.

``Augment(...)`` is what ``Net.fit(..., augment=...)`` takes: a callable
``augment(X_batch, rng) -> X_batch`` on flattened square images, vectorised over
the batch (no Python loop per image). Each random function draws its parameters and
calls a deterministic one, which notebook 13 checks the learner's own versions against:
``affine`` (rotate, zoom, shear, stretch, shift), ``thicken`` and ``thin``.
"""
from __future__ import annotations

import numpy as np


def affine(images, rotate_deg=0.0, zoom=1.0, shear=0.0, tx=0.0, ty=0.0, stretch=1.0):
    """Shear, stretch, rotate, zoom, then shift images ``(n, s, s)`` about their centre, bilinearly.

    Each parameter is a number or one value per image. ``rotate_deg`` > 0 turns the digit clockwise
    as it appears on screen (rows count downwards); ``zoom`` > 1 enlarges it; ``shear`` k slants it
    (x' = x + k y); ``stretch`` r widens it by r and shortens it by r (x' = r x, y' = y / r: area kept);
    ``tx``, ``ty`` move it right and down by that many pixels. Every output pixel looks up where it came
    from (the inverse map) and blends the four nearest input pixels (``bilinear``); outside the image
    counts as background (0). Whole-pixel shifts alone move the pixels exactly.
    """
    n, s, _ = images.shape
    centre = (s - 1) / 2
    theta, zoom, k, tx, ty, root = (np.broadcast_to(np.asarray(p, dtype=np.float64), (n,))
                                    for p in (rotate_deg, zoom, shear, tx, ty, stretch))
    theta = np.deg2rad(theta)
    # The inverse of "shear, stretch, rotate by theta, zoom", as a 2x2 matrix per image.
    cos, sin = np.cos(theta) / zoom, np.sin(theta) / zoom
    a, b, c, d = cos, sin, -sin, cos
    a, b, c, d = a / root, b / root, c * root, d * root   # undo the stretch x' = r x, y' = y / r
    a, b = a - k * c, b - k * d                           # undo the shear x' = x + k y
    rows, cols = np.mgrid[0:s, 0:s].reshape(2, 1, -1) - centre
    xd, yd = cols - tx[:, None], rows - ty[:, None]
    xs = a[:, None] * xd + b[:, None] * yd + centre
    ys = c[:, None] * xd + d[:, None] * yd + centre
    return bilinear(images, xs, ys).reshape(n, s, s)


def random_affine(images, rng, rotate=15.0, scale=(0.85, 1.15), shift=2.0, shear=0.0, aspect=1.0):
    """``affine`` with parameters drawn from ``rng``, each image its own: up to ``rotate`` degrees either way, a
    zoom in ``scale``, a shear up to ``shear``, a shift up to ``shift`` pixels (not whole: bilinear).

    ``aspect`` > 1 also stretches each image to a random width:height ratio between ``1/aspect`` and
    ``aspect`` (drawn evenly on a log scale; area kept).
    """
    n = len(images)
    rotate_deg = rng.uniform(-rotate, rotate, n)
    zoom = rng.uniform(scale[0], scale[1], n)
    k = rng.uniform(-shear, shear, n)
    tx, ty = rng.uniform(-shift, shift, (2, n))
    stretch = np.exp(rng.uniform(-np.log(aspect), np.log(aspect), n) / 2) if aspect != 1 else 1.0
    return affine(images, rotate_deg, zoom, k, tx, ty, stretch)


def bilinear(images, xs, ys):
    """Sample ``images`` (n, s, s) at float coordinates ``xs`` (columns), ``ys`` (rows), each (n, m); zero outside.

    Each value blends the four pixels around its point, weighted by how near each is.
    """
    n, s, _ = images.shape
    pad = 2
    padded = np.zeros((n, s + 2 * pad, s + 2 * pad), dtype=images.dtype)
    padded[:, pad:-pad, pad:-pad] = images
    flat = padded.reshape(n, -1)
    width = s + 2 * pad
    xs = np.clip(xs, -pad, s - 1 + pad - 1e-3)
    ys = np.clip(ys, -pad, s - 1 + pad - 1e-3)
    x0, y0 = np.floor(xs).astype(np.int64), np.floor(ys).astype(np.int64)
    wx, wy = (xs - x0).astype(images.dtype), (ys - y0).astype(images.dtype)
    base = (y0 + pad) * width + (x0 + pad)

    def at(offset):
        return np.take_along_axis(flat, base + offset, axis=1)

    top = at(0) * (1 - wx) + at(1) * wx
    bottom = at(width) * (1 - wx) + at(width + 1) * wx
    return top * (1 - wy) + bottom * wy


def _plus_neighbours(images):
    """The image and its four neighbour shifts stacked: ``(5, n, s, s)``, zero-padded."""
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    return np.stack([p[:, 1:-1, 1:-1], p[:, :-2, 1:-1], p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:]])


def thicken(images):
    """Thicker strokes (grey dilation): each pixel becomes the largest of itself and its four neighbours."""
    return _plus_neighbours(images).max(axis=0)


def thin(images):
    """Thinner strokes (half-strength grey erosion): the mean of each pixel and the smallest of it and its
    four neighbours."""
    return 0.5 * images + 0.5 * _plus_neighbours(images).min(axis=0)


def random_thickness(images, rng, p_thicker=0.3, p_thinner=0.2):
    """Make some strokes thicker (``thicken``) and some thinner (``thin``), each image with its own chance."""
    choice = rng.random(len(images))
    thicker, thinner = choice < p_thicker, choice > 1 - p_thinner
    out = images.copy()
    if thicker.any():
        out[thicker] = thicken(images[thicker])
    if thinner.any():
        out[thinner] = thin(images[thinner])
    return out


class Augment:
    """Random thickness, then a random affine map, for ``Net.fit(..., augment=Augment())``.

    Defaults: rotate up to 15 degrees, scale 0.85-1.15, shift up to 2 px, shear
    up to 0.15, 30% thicker and 20% thinner strokes.
    """

    def __init__(self, rotate=15.0, scale=(0.85, 1.15), shift=2.0, shear=0.15, p_thicker=0.3, p_thinner=0.2,
                 aspect=1.0):
        self.rotate, self.scale, self.shift, self.shear, self.aspect = rotate, scale, shift, shear, aspect
        self.p_thicker, self.p_thinner = p_thicker, p_thinner

    def __call__(self, X, rng):
        n, d = X.shape
        s = int(round(np.sqrt(d)))
        if s * s != d:
            raise ValueError(f"Augment works on flattened square images, got rows of {d} values")
        images = random_thickness(X.reshape(n, s, s), rng, self.p_thicker, self.p_thinner)
        out = random_affine(images, rng, self.rotate, self.scale, self.shift, self.shear, self.aspect)
        return np.clip(out, 0, 1, out=out).reshape(n, d)

    def __repr__(self):
        return (f"Augment(rotate={self.rotate}, scale={self.scale}, shift={self.shift}, shear={self.shear}, "
                f"p_thicker={self.p_thicker}, p_thinner={self.p_thinner}"
                + (f", aspect={self.aspect})" if self.aspect != 1 else ")"))
