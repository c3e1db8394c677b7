"""One-line checks for notebooks: compare your array with the library's, grade an exercise.

``compare`` prints one row of a makemore-style table (exact / close / max difference).
``check`` and ``check_close`` grade a "your turn" exercise: they print ``✅ label: right.`` or raise
``CheckFailed``, which a notebook shows as one line, ``❌ label: not yet. <hint>``, not a stack dump
(so nbgrader scores the cell zero and the learner reads only the hint). An exercise the learner has
not written yet raises ``NotWritten`` (the student version's stub), also shown as one line.
``reveal(name)`` prints the solution of an exercise from the teacher's notebooks, for after trying.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

TEACHER_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


class CheckFailed(AssertionError):
    """A check that did not pass. IPython (and so Jupyter and nbgrader) shows it as its one-line message."""

    def _render_traceback_(self):
        return [str(self)]


class NotWritten(NotImplementedError):
    """Raised by an exercise's stub in the student version until the learner writes it.

    Shown as one line naming the function (found from where it was raised) instead of a stack dump.
    """

    def __str__(self):
        if self.args:
            return str(self.args[0])
        tb, name = self.__traceback__, None
        while tb is not None:                    # the innermost frame is the stub that raised
            code = tb.tb_frame.f_code
            name = getattr(code, "co_qualname", code.co_name)
            tb = tb.tb_next
        what = f"`{name}`" if name and name != "<module>" else "this exercise"
        return (f"❌ {what} is not written yet: replace `raise snn.checks.NotWritten()` in its cell with your "
                "code, run that cell, then run this one again.")

    def _render_traceback_(self):
        return [str(self)]


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
    """Grade an exercise: print ``✅ label: right.`` and return True, or raise ``CheckFailed`` with the hint."""
    if not bool(ok):
        raise CheckFailed(f"❌ {label}: not yet. {hint}".rstrip())
    print(f"✅ {label}: right.")
    return True


def run(function, *args, hints=None, **kwargs):
    """Call the learner's ``function(*args, **kwargs)``; if it raises, fail as one line saying where.

    ``NotWritten`` passes through (it is one line already); any other error becomes ``CheckFailed``
    naming the function, the error and the line of the learner's code that raised it. ``hints``
    (``{text: hint}``, not passed on to ``function``) adds ``hint`` when the error message contains
    ``text``: the mistake that error usually means in this exercise.
    """
    try:
        return function(*args, **kwargs)
    except (NotWritten, CheckFailed):
        raise
    except Exception as error:
        import linecache
        import traceback
        name = getattr(function, "__qualname__", getattr(function, "__name__", "your function"))
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.name == name.split(".")[-1]]
        where = ""
        if frames:
            line = frames[-1].line or linecache.getline(frames[-1].filename, frames[-1].lineno).strip()
            if line:
                where = f" at `{line}`"
        hint = next((f" {h}" for text, h in (hints or {}).items() if text in str(error)), "")
        if not hint and isinstance(error, ValueError) and ("matmul" in str(error) or "shapes" in str(error)):
            hint = " Write each array's shape next to it: which operand needs a .T?"
        raise CheckFailed(f"❌ {name}: not yet. It raised {type(error).__name__}{where}: {error}.{hint}") from None


def returns(label, value, count):
    """Check that ``value`` is a tuple of ``count`` items (what the exercise returns) and give it back."""
    if not isinstance(value, (tuple, list)) or len(value) != count:
        got = "None (a missing `return`?)" if value is None else f"{type(value).__name__} {str(value)[:60]}"
        check(label, False, f"It should return {count} things (a tuple), got {got}.")
    return value


def diagnose(mine, expected, batch=None):
    """Name a common mistake that turns ``expected`` into ``mine``, or return "".

    Recognises a missing transpose, a sum over the wrong axis or without ``keepdims``, a sign error,
    all zeros (a gradient that never arrived), and a result off by a constant factor (with ``batch``
    = N: an extra or missing division by N).
    """
    mine, expected = np.asarray(mine), np.asarray(expected)
    if mine.dtype.kind not in "fiub" or expected.dtype.kind not in "fiub":
        return ""
    if mine.shape != expected.shape:
        if mine.ndim == 2 and mine.shape == expected.shape[::-1]:
            if np.allclose(mine.T, expected, rtol=1e-5, atol=1e-8):
                return "It is the right answer transposed: swap the order or add a .T."
            return "Its shape is the transpose of the expected one: check which operand needs a .T."
        if mine.size == expected.size and np.allclose(mine.reshape(expected.shape), expected, rtol=1e-5, atol=1e-8):
            return f"Right numbers, wrong shape: expected {expected.shape} (mind keepdims and reshapes)."
        if expected.ndim == 1 and mine.ndim >= 1 and expected.shape[0] not in mine.shape[-1:]:
            return "Looks summed over the wrong axis: sum over the examples (axis=0), one entry per unit."
        return ""
    if mine.ndim == 2 and mine.shape[0] == mine.shape[1] and mine.size > 1 \
            and np.allclose(mine.T, expected, rtol=1e-5, atol=1e-8):
        return "It is the right answer transposed: check which matrix needs a .T."
    e, m = expected.astype(np.float64).ravel(), mine.astype(np.float64).ravel()
    if not np.any(e) or not np.all(np.isfinite(m)):
        return ""
    if not np.any(m):
        return "All zeros: did the gradient reach this variable? (Is `_backward` set? Is every step's result kept?)"
    factor = float(e @ m / (e @ e))
    if abs(factor - 1) < 1e-6 or not np.allclose(m, factor * e, rtol=1e-5, atol=1e-8):
        return ""
    if abs(factor + 1) < 1e-6:
        return "Right size, wrong sign: check the sign of each term."
    if batch:
        for k in (batch, batch * batch):
            if abs(factor * k - 1) < 1e-6 or abs(factor / k - 1) < 1e-6:
                more = "an extra" if factor < 1 else "a missing"
                return f"Off by a factor of {factor:.3g}: {more} division by N = {batch}?"
    return f"Off by a constant factor of {factor:.3g}: look for a missing or extra constant."


def check_close(label, mine, expected, rtol=1e-5, atol=1e-8, hint="", batch=None):
    """``check`` for numbers and arrays: right when shapes match and ``np.allclose(mine, expected, rtol, atol)``.

    A wrong answer raises ``CheckFailed`` saying what differs, the common mistake it looks like (see
    ``diagnose``; ``batch`` is N for off-by-N), and the hint.
    """
    mine, expected = np.asarray(mine), np.asarray(expected)
    if mine.dtype.kind == "O" and any(v is None for v in mine.flat):
        # a function that forgot to `return` gives None; say so instead of failing inside np.allclose
        return check(label, False, f"got None where a number was expected (a missing `return`?). {hint}")
    if mine.shape != expected.shape:
        return check(label, False, f"expected shape {expected.shape}, got {mine.shape}. "
                                   f"{diagnose(mine, expected, batch)} {hint}".replace("  ", " "))
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
        return check(label, ok, hint)
    if mine.size == 1:
        detail = f"got {mine.item():.6g}, expected {expected.item():.6g} (tolerance {atol + rtol * abs(expected.item()):.1g})."
    else:
        diff = np.abs(mine.astype(np.float64) - expected)
        worst = np.unravel_index(np.argmax(diff - rtol * np.abs(expected)), diff.shape)
        detail = (f"{int(np.count_nonzero(~np.isclose(mine, expected, rtol=rtol, atol=atol)))} of {mine.size} entries "
                  f"differ; at {tuple(map(int, worst))} got {mine[worst]:.6g}, expected {expected[worst]:.6g}.")
    return check(label, False, " ".join(s for s in (detail, diagnose(mine, expected, batch), hint) if s))


def check_grads(label, mine, expected, names, mistakes=None, batch=None):
    """Grade a whole net's gradients: ``mine`` must be the arrays ``expected`` (named ``names``), in order.

    Says so when the list has the wrong length, holds the right arrays in the wrong order (the
    layers reversed, say), or equals one of ``mistakes`` (``{hint: the gradients that mistake
    gives}``, e.g. from ``mistaken_grads``); otherwise it fails on the wrong array nearest the output,
    where the mistake enters a backward pass, with ``check_close``'s diagnosis.
    """
    grads_names = [f"d{name}" for name in names]
    order = f"[{', '.join(grads_names[:2])}, ..., {', '.join(grads_names[-2:])}]"
    if not isinstance(mine, (list, tuple)):
        got = "None (a missing `return`?)" if mine is None else f"a {type(mine).__name__}"
        check(label, False, f"It should return a list of {len(expected)} arrays, {order}; got {got}.")
    if len(mine) != len(expected):
        check(label, False, f"It should return {len(expected)} arrays, one per parameter in the order of "
                            f"params(), {order}; got {len(mine)}.")

    def same(a, b):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype.kind in "fiub" and bool(np.allclose(a, b, rtol=1e-6, atol=1e-10))

    if all(same(m, e) for m, e in zip(mine, expected)):
        return check(label, True)
    where = [next((j for j, e in enumerate(expected) if same(m, e)), None) for m in mine]
    if None not in where and sorted(where) == list(range(len(expected))):
        layers_reversed = [j for pair in reversed(range(0, len(expected), 2)) for j in (pair, pair + 1)]
        if where in (layers_reversed, list(range(len(expected)))[::-1]):
            check(label, False, f"Right gradients, in reverse layer order: the loop visits the output layer first, "
                                f"so put each layer's [dW, db] in front (grads = [dW, db] + grads). The order is "
                                f"params()'s, {order}.")
        check(label, False, f"Right gradients in the wrong order: you return "
                            f"[{', '.join(grads_names[j] for j in where)}]; the order is params()'s, {order}.")
    for hint, grads in (mistakes or {}).items():
        if len(grads) == len(mine) and all(same(m, g) for m, g in zip(mine, grads)):
            check(label, False, hint)
    wrong = max(i for i, (m, e) in enumerate(zip(mine, expected)) if not same(m, e))
    right_above = [n for i, n in enumerate(grads_names) if i > wrong and same(mine[i], expected[i])]
    above = f"{', '.join(right_above)} {'is' if len(right_above) == 1 else 'are'} right: " if right_above else ""
    return check_close(f"{label}: {grads_names[wrong]}", mine[wrong], expected[wrong], rtol=1e-6, atol=1e-10,
                       batch=batch, hint=f"{above}the mistake enters at {grads_names[wrong]}'s layer.")


class _Backward:
    """An activation with its own forward and another ``backward(dA, Z, A)``: a mistake, made on purpose."""

    def __init__(self, forward, backward):
        self.forward, self.backward = forward, backward


def mistaken_grads(net, X, y):
    """What two common mistakes in a ReLU net's backward pass give, as ``{hint: [dW1, db1, ...]}``.

    Computed by copies of ``net`` (which stays untouched) with one activation's backward swapped:
    the ReLU mask forgotten on the hidden layers, and a ReLU mask applied to a linear output layer.
    """
    from .activations import ReLU
    mask = ReLU().backward
    forgotten, masked = net.copy(), net.copy()
    for layer in forgotten.dense[:-1]:
        if isinstance(layer.activation, ReLU):
            layer.activation = _Backward(layer.activation.forward, lambda dA, Z, A: dA)
    out = masked.dense[-1].activation
    masked.dense[-1].activation = _Backward(out.forward, mask)
    mistakes = {}
    forgotten.loss_and_grads(X, y)
    mistakes["The output layer's gradients are right, the hidden layers' are not: the ReLU mask is missing. "
             "On a hidden layer, dZ = relu_backward(dA, relu_cache) before dense_backward."] = forgotten.grads()
    masked.loss_and_grads(X, y)
    mistakes["The output layer has no ReLU (its relu_cache is None): its dZ is dA itself, no mask."] = masked.grads()
    return mistakes


def reveal(name, folder=None):
    """Print the teacher's solution of exercise ``name`` (its function or class name), after you tried.

    Reads the teacher's notebooks (``notebooks/`` of the repository, or ``folder``) and prints the
    answer cell whose nbgrader ``grade_id`` is ``name``. On a class's hub they are not installed:
    it says the solutions come from the teacher.
    """
    import os

    folder = Path(folder) if folder else TEACHER_NOTEBOOKS
    for path in sorted(folder.glob("[0-9][0-9]*_*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution") and meta.get("grade_id") == name:
                print(f"# One solution, from {path.name}:\n" + "".join(cell["source"]))
                return
    known = sorted({cell["metadata"]["nbgrader"]["grade_id"]
                    for path in folder.glob("[0-9][0-9]*_*.ipynb")
                    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
                    if cell.get("metadata", {}).get("nbgrader", {}).get("solution")})
    if not known and os.environ.get("JUPYTERHUB_USER"):
        print("In this class the solutions come from your teacher: ask them (they are not on this server).")
    elif not known:
        print(f"No teacher's notebooks in {folder}: open the repository's notebooks/ folder to see the solutions.")
    else:
        print(f"No exercise named {name!r}; the exercises are: {', '.join(known)}.")


def mine(module, *names):
    """Load ``names`` from your own file ``module.py`` in the notebook's folder, fresh on every call.

    The notebooks write your parts there with ``%%writefile``; a missing file, a syntax error or a
    missing name fails as one line saying which cell to run.
    """
    import importlib.util
    import sys

    path = Path.cwd() / f"{module}.py"
    if not path.exists():
        raise CheckFailed(f"❌ {path.name} is missing: run its %%writefile cell first.")
    spec = importlib.util.spec_from_file_location(module, path)
    loaded = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(loaded)
    except SyntaxError as error:
        raise CheckFailed(f"❌ {path.name} line {error.lineno}: {error.msg}. Fix it in its %%writefile cell "
                          "and run that cell again.") from None
    sys.modules[module] = loaded
    missing = [name for name in names if not hasattr(loaded, name)]
    if missing:
        raise CheckFailed(f"❌ {path.name} has no {', '.join(missing)}: keep the names the cell gives them.")
    values = [getattr(loaded, name) for name in names]
    return values[0] if len(values) == 1 else values


def your_parts():
    """Your layer, activation, loss and optimizer (notebooks 04-06's files), or the library's if you have none yet.

    Returns a dict with ``Dense``, ``ReLU``, ``Loss``, ``Adam`` (a class taking ``lr``, with ``lr`` and
    ``step(params, grads)``) and ``source``, one sentence saying whose parts they are and why.
    """
    try:
        Dense, ReLU = mine("my_layers", "MyDense", "MyReLU")
        Loss = mine("my_loss", "SoftmaxCrossEntropy")
        Adam = mine("my_optim", "MyAdam")
        rng = np.random.default_rng(0)
        layer = Dense(3, ReLU()).build(2, rng, np.float64)
        layer.forward(rng.normal(size=(4, 2)))
        layer.backward(rng.normal(size=(4, 3)))
        P, Y = np.full((2, 2), 0.5), np.eye(2)
        Loss().forward(P, Y), Loss().backward_logits(P, Y)
        Adam(0.1).step([np.ones(2)], [np.ones(2)])
    except (CheckFailed, NotWritten, Exception) as error:
        reason = str(error).removeprefix("❌ ")
        if isinstance(error, NotWritten):
            reason = reason.split(":")[0]                     # "`MyDense.forward` is not written yet"
        return {"Dense": _library_dense(), "ReLU": _library_relu(), "Loss": _library_loss(),
                "Adam": _LibraryAdam, "source": "the library's reference parts (yours are not ready: "
                                                  f"{reason.rstrip('.')}). Run notebooks 04-06 to write yours."}
    return {"Dense": Dense, "ReLU": ReLU, "Loss": Loss, "Adam": Adam,
            "source": "your parts: MyDense and MyReLU (my_layers.py), SoftmaxCrossEntropy (my_loss.py), MyAdam (my_optim.py)."}


def _library_dense():
    from .layers import Dense
    return Dense


def _library_relu():
    from .activations import ReLU
    return ReLU


def _library_loss():
    from .losses import CrossEntropyLoss
    return CrossEntropyLoss


class _LibraryAdam:
    """The library's Adam behind the learner's interface: ``Adam(lr)``, a settable ``lr``, ``step(params, grads)``."""

    def __init__(self, lr):
        from .optim import Adam
        self._adam, self.lr = Adam(lr=lr), lr

    def step(self, params, grads):
        self._adam.lr = self.lr
        self._adam.step(params, grads)
