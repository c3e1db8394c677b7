"""Numerical gradients: the independent check for every backward pass.

The centred difference ``(f(x + h) - f(x - h)) / 2h`` has error O(h**2); in
float64 with ``h = 1e-5`` a correct analytic gradient agrees to about 1e-8 or
better in relative error. In float32 the same check is swamped by rounding,
which is why checks run in float64.

One rule for a verdict everywhere (``report``): a relative error below ``RIGHT``
(1e-7) is right; a bug gives 1e-2 to 1. ``rel_error`` compares entry by entry (for
one layer or one function); ``array_rel_error`` compares whole arrays, which is what
``check_gradients`` uses for a whole net, where a few tiny entries (sums that nearly
cancel) make the entry-wise error large although nothing is wrong.
"""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, df=None, h=1e-5):
    """Gradient of ``sum(f(x) * df)`` with respect to ``x``, by centred differences.

    ``f`` maps the array ``x`` (modified in place, then restored) to a scalar or
    an array; ``df`` is the upstream gradient ``dL/df(x)`` (ones if omitted), so
    this checks a layer's backward pass on its own, as CS231n's
    ``eval_numerical_gradient_array`` does.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = np.asarray(f(x), dtype=np.float64).copy()
        x[i] = old - h
        minus = np.asarray(f(x), dtype=np.float64).copy()
        x[i] = old
        diff = plus - minus
        grad[i] = np.sum(diff if df is None else diff * df) / (2 * h)
    return grad


def rel_error(a, b, floor=1e-8):
    """Max over entries of ``|a - b| / max(|a| + |b|, floor)``.

    The floor keeps entries where both are (nearly) zero from dividing by zero. Entry-wise, a tiny
    entry of a right gradient can exceed ``RIGHT``; for a whole array use ``array_rel_error``.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs equal shapes, got {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(floor, np.abs(a) + np.abs(b)), initial=0.0))


#: A relative error below this is right (float64, centred differences, h = 1e-5).
RIGHT = 1e-7


def array_rel_error(a, b):
    """``||a - b|| / (||a|| + ||b||)`` over the whole arrays (0 when both are zero).

    Unlike ``rel_error`` it is not thrown off by a few entries that are nearly zero in both,
    whose rounding noise is large relative to themselves but tiny against the array.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"array_rel_error needs equal shapes, got {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def report(name, err, below=RIGHT):
    """Print one line of a gradient check: the relative error, what to expect, a verdict."""
    verdict = "✓" if err < below else "✗ too large: look for a bug"
    print(f"{name:<11} relative error {err:.1e}  (right if below {below:.0e})  {verdict}")


def check_gradients(net, X, y, h=1e-5):
    """Compare ``net``'s backprop with numerical gradients; return ``{"W1": err, "b1": err, ...}``.

    Each error is ``array_rel_error`` of one parameter's gradient: below ``RIGHT`` (1e-7) is
    right. Works on a float64 copy, so ``net`` itself is untouched. Use a few examples: each
    parameter entry costs two forward passes. The copy runs in ``net``'s mode: a net with
    ``Dropout`` is checked after ``net.eval()`` (a new mask each pass is not one function).
    """
    net64 = net.astype(np.float64)
    X = net64.inputs(X)
    Y = net64.targets(y, len(X))

    def loss():
        net64.forward(X)
        return net64.backward(Y)

    loss()
    analytic = [g.copy() for g in net64.grads()]
    errors = {}
    for name, p, g in zip(net64.param_names(), net64.params(), analytic):
        errors[name] = array_rel_error(g, numerical_gradient(lambda _: loss(), p, h=h))
    return errors
