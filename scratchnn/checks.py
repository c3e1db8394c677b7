"""One-line checks for notebooks: compare your array with the library's, grade an exercise.

``compare`` prints one row of a makemore-style table (exact / close / max difference),
``check`` prints a clear verdict for a "your turn" exercise and returns it.
"""
from __future__ import annotations

import numpy as np



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


def is_solution(answer):
    """True while ``answer`` is still the notebook's hidden solution (a function or class named ``*_solution``).

    Checks by name, not identity: re-running the solution cell makes a new object, but its name
    stays ``..._solution``, and a learner's own ``def`` or ``class`` never has that name.
    """
    return getattr(answer, "__name__", "").endswith("_solution")


def check(label, ok, hint="", solution=False):
    """Print a verdict for an exercise: ``right`` or ``not yet`` with a hint. Returns ``ok``.

    ``solution=True`` says the answer being checked is still the hidden solution's (e.g.
    ``count_params is count_params_solution``): the verdict then says so, so a learner whose
    own cell failed is never told that *they* got it right.
    """
    ok = bool(ok)
    if ok and solution:
        print(f"✅ {label}: right, but that is the hidden solution. Write your own in the cell above and check again.")
    elif ok:
        print(f"✅ {label}: right.")
    else:
        print(f"❌ {label}: not yet. {hint}".rstrip())
    return ok


def check_close(label, mine, expected, rtol=1e-5, atol=1e-8, hint="", solution=False):
    """``check`` for numbers and arrays: right when shapes match and ``np.allclose(mine, expected, rtol, atol)``."""
    mine, expected = np.asarray(mine), np.asarray(expected)
    if mine.dtype.kind == "O" and any(v is None for v in mine.flat):
        # a function that forgot to `return` gives None; say so instead of failing inside np.allclose
        return check(label, False, f"got None where a number was expected (a missing `return`?). {hint}")
    if mine.shape != expected.shape:
        return check(label, False, f"expected shape {expected.shape}, got {mine.shape}. {hint}")
    if expected.dtype.kind in "fiub" and mine.dtype.kind not in "fiub":
        numbers = None
        if mine.dtype.kind == "O":                    # e.g. a list of Python numbers and arrays
            try:
                numbers = mine.astype(np.float64)
            except (TypeError, ValueError):
                pass
        if numbers is None:
            return check(label, False, f"expected numbers, got {mine.dtype} values such as {mine.flat[0]!r}. {hint}")
        mine = numbers
    ok = bool(np.allclose(mine, expected, rtol=rtol, atol=atol))
    if ok or mine.dtype.kind not in "fiub" or expected.dtype.kind not in "fiub":
        return check(label, ok, hint, solution)
    if mine.size == 1:
        detail = f"got {mine.item():.6g}, expected {expected.item():.6g} (tolerance {atol + rtol * abs(expected.item()):.1g})."
    else:
        diff = np.abs(mine.astype(np.float64) - expected)
        worst = np.unravel_index(np.argmax(diff - rtol * np.abs(expected)), diff.shape)
        detail = (f"{int(np.count_nonzero(~np.isclose(mine, expected, rtol=rtol, atol=atol)))} of {mine.size} entries "
                  f"differ; at {tuple(map(int, worst))} got {mine[worst]:.6g}, expected {expected[worst]:.6g}.")
    return check(label, False, f"{detail} {hint}".strip())
