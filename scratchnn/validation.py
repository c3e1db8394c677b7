"""Input checks: every wrong argument gets a ValueError saying what was expected and what came.

``positive`` is the one number check of the package; ``resolve`` turns a class, an instance or a
name into an instance (activations, losses, optimizers); ``inputs`` and ``targets`` turn what a
user passes to ``Net`` into the arrays the maths needs.
"""
from __future__ import annotations

import math
import sys
import warnings
from numbers import Real
from pathlib import Path

import numpy as np

_PACKAGE = str(Path(__file__).parent)


def warn(message, category=UserWarning):
    """``warnings.warn`` pointing at the first line outside scratchnn: the learner's own call."""
    frame, level = sys._getframe(0), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def positive(value, name, integer=False, minimum=None, allow_inf=False, maximum=None):
    """``value`` as an int or float if it is a positive number, else a ValueError naming ``name``.

    ``minimum`` replaces "> 0" by ">= minimum" (``epochs`` may be 0); ``maximum`` bounds it above.
    """
    ok = isinstance(value, (Real, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if ok:
        ok = math.isfinite(value) or (allow_inf and value == math.inf)
        ok = ok and (value > 0 if minimum is None else value >= minimum)
        ok = ok and (not integer or float(value).is_integer())
    if not ok:
        raise ValueError(f"{name} must be {number_rule(integer, minimum)}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:,}, got {value!r}")
    return int(value) if integer else float(value)


def number_rule(integer=False, minimum=None):
    """What ``positive`` asks for, in words: "a positive int", "a number >= 0", ..."""
    kind = "int" if integer else "number"
    if minimum is None:
        return f"a positive {kind}"
    return f"an {kind} >= {minimum}" if integer else f"a {kind} >= {minimum}"


def resolve(value, base, registry, what, aliases=None, duck=()):
    """An instance from a class, an instance or a name (``"relu"``, ``"adam"``, ``"cross_entropy"``).

    ``base`` is the library's base class; ``registry`` maps names to classes. Objects that are not
    ``base`` instances are accepted when they have every method named in ``duck`` (a learner's own).
    """
    if isinstance(value, base):
        return value
    if isinstance(value, type) and issubclass(value, base):
        return value()
    if isinstance(value, str):
        key = value.strip().lower()
        key = (aliases or {}).get(key, key)
        if key in registry:
            return registry[key]()
        raise ValueError(f"unknown {what} {value!r}; expected one of {sorted(registry)}")
    if duck and all(callable(getattr(value, m, None)) for m in duck):
        return value() if isinstance(value, type) else value
    methods = f" (or an object with {', '.join(m + '()' for m in duck)})" if duck else ""
    raise ValueError(f"{what} must be a {base.__name__} class, instance or name such as "
                     f"{next(iter(registry))!r}{methods}, got {value!r} of type {type(value).__name__}")


def float_dtype(dtype):
    """``np.float32`` or ``np.float64`` as a NumPy dtype, else a ValueError."""
    try:
        found = np.dtype(dtype)
    except TypeError:
        found = None
    if found not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return found


def seed(value):
    """A random seed: None (fresh entropy) or an int >= 0."""
    if value is not None and (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer))
                              or value < 0):
        raise ValueError(f"seed must be None or an int >= 0, got {value!r}")
    return value


def gradients(named, grads):
    """Raise a ValueError for the first gradient a layer's backward did not set, or set with the wrong shape.

    ``named`` lists ``(layer number, layer, parameter name)`` as ``Net`` keeps them.
    """
    for (i, layer, name), g in zip(named, grads):
        p = getattr(layer, name)
        if g is None:
            raise ValueError(f"layer {i} ({type(layer).__name__}): backward did not set d{name}; "
                             f"it must assign self.d{name}, the gradient of the loss for {name}")
        if getattr(g, "shape", None) != p.shape:
            raise ValueError(f"layer {i} ({type(layer).__name__}): d{name} has shape "
                             f"{getattr(g, 'shape', type(g).__name__)}, but {name} has shape {p.shape}")


def inputs(X, width, dtype, name="X", allow_1d=False, warn_scale=False):
    """``X`` as a C-contiguous 2-D array ``(n, width)`` of ``dtype``, or a ValueError saying why not.

    ``warn_scale=True`` (``fit``) also warns, at the caller of ``fit``, when ``X`` looks unscaled.
    """
    X = np.asarray(X)
    if X.dtype == object or not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer)
                                 or X.dtype == np.bool_):
        raise ValueError(f"{name} must be a numeric array, got dtype {X.dtype}")
    if X.ndim == 1 and allow_1d:
        X = X[None, :]
    if X.ndim != 2:
        hint = ""
        if X.ndim == 1:
            hint = f"; for a single example use {name}.reshape(1, -1)"
        elif X.ndim > 2 and math.prod(X.shape[1:]) == width:
            hint = f"; flatten images with {name}.reshape(len({name}), -1)"
        raise ValueError(f"{name} must be 2-D (n_samples, {width}), got shape {X.shape}{hint}")
    if X.shape[1] != width:
        raise ValueError(f"{name} must have {width} columns (the InLayer width), got shape {X.shape}")
    if len(X) == 0:
        raise ValueError(f"{name} is empty: expected at least one row of {width} features, got shape {X.shape}")
    lo, hi = float(X.min()), float(X.max())  # NaN or inf would show here; no |X|-sized mask
    if not (math.isfinite(lo) and math.isfinite(hi)):
        bad = int(np.count_nonzero(~np.isfinite(X)))
        raise ValueError(f"{name} must be finite, got {bad} NaN/inf value(s)")
    limit = float(np.finfo(dtype).max)
    if max(hi, -lo) > limit:
        raise ValueError(f"{name} has values up to {max(hi, -lo):.4g}, beyond what {np.dtype(dtype)} holds "
                         f"({limit:.4g}): scale them first (MNIST pixels: X / 255)")
    X = np.ascontiguousarray(X, dtype=dtype)
    if warn_scale and max(hi, -lo) > 10:
        warn(f"{name} has values up to {max(hi, -lo):.4g}; nets train far better on inputs of "
             "about [0, 1] or [-1, 1]: scale them (MNIST pixels: X / 255) or standardize them")
    return X


def targets(y, n, k, dtype, classification, name="y"):
    """Targets as a float matrix ``(n, k)``.

    Classification: class indices ``(n,)`` in ``0..k-1`` or one-hot rows. Otherwise (MSE) also any
    float matrix ``(n, k)``, or a vector ``(n,)`` when ``k == 1``.
    """
    y = np.asarray(y)
    if y.ndim == 0 or len(y) != n:
        raise ValueError(f"{name} must have one entry per example: expected length {n}, got shape {y.shape}")
    if y.ndim == 1 and k == 1 and not classification and np.issubdtype(y.dtype, np.number):
        y = y.reshape(-1, 1)
    if y.ndim == 1:
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"{name} must hold int class labels in 0..{k - 1} (or one-hot rows), got {y.dtype}")
        if y.min() < 0 or y.max() >= k:
            raise ValueError(f"{name} must hold class labels in 0..{k - 1}, got values from {y.min()} to {y.max()}")
        Y = np.zeros((n, k), dtype=dtype)
        Y[np.arange(n), y] = 1
        return Y
    if y.ndim == 2 and y.shape[1] == k and (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
        Y = np.ascontiguousarray(y, dtype=dtype)
        if not np.isfinite(Y).all():
            raise ValueError(f"{name} must be finite, got NaN/inf")
        if classification and not ((Y >= 0).all() and np.allclose(Y.sum(axis=1), 1, atol=1e-3)):
            raise ValueError(f"{name} one-hot rows must be >= 0 and sum to 1 for cross-entropy")
        return Y
    raise ValueError(
        f"{name} must be int labels of shape ({n},) or one-hot rows of shape ({n}, {k}), "
        f"got shape {y.shape} and dtype {y.dtype}"
    )
