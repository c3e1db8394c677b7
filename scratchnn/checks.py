"""One-line checks for notebooks: compare your array with the library's, grade an exercise.

``compare`` prints one row of a makemore-style table (exact / close / max difference),
``check`` prints a clear verdict for a "your turn" exercise and returns it.
"""
from __future__ import annotations

import numpy as np

from .gradcheck import rel_error


def compare(name, mine, reference, rtol=1e-5, atol=1e-8):
    """Print whether ``mine`` equals ``reference`` exactly, approximately, and the largest difference.

    Returns True when they are close (``np.allclose`` with ``rtol``/``atol``).
    """
    mine, reference = np.asarray(mine), np.asarray(reference)
    if mine.shape != reference.shape:
        print(f"{name:<12} | shape mismatch: yours {mine.shape}, reference {reference.shape}")
        return False
    exact = bool(np.array_equal(mine, reference))
    close = bool(np.allclose(mine, reference, rtol=rtol, atol=atol))
    diff = float(np.max(np.abs(mine.astype(np.float64) - reference), initial=0.0))
    print(f"{name:<12} | exact: {str(exact):<5} | close: {str(close):<5} | max diff: {diff:.1e}")
    return close


def check(label, ok, hint=""):
    """Print a verdict for an exercise: ``right`` or ``not yet`` with a hint. Returns ``ok``."""
    ok = bool(ok)
    if ok:
        print(f"✅ {label}: right.")
    else:
        print(f"❌ {label}: not yet. {hint}".rstrip())
    return ok


def check_close(label, mine, expected, rtol=1e-5, atol=1e-8, hint=""):
    """``check`` for numbers and arrays: right when shapes match and values are close."""
    mine, expected = np.asarray(mine), np.asarray(expected)
    if mine.shape != expected.shape:
        return check(label, False, f"expected shape {expected.shape}, got {mine.shape}. {hint}")
    ok = np.allclose(mine, expected, rtol=rtol, atol=atol)
    detail = "" if ok else f"relative error {rel_error(mine, expected):.1e}. {hint}"
    return check(label, ok, detail)
