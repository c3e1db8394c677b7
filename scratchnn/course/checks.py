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

TEACHER_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"   # of an editable clone
_PACKAGE = str(Path(__file__).resolve().parents[1])                     # scratchnn/


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


def run(function, *args, hints=None, unchanged=False, **kwargs):
    """Call the learner's ``function(*args, **kwargs)``; if it raises, fail as one line saying where.

    ``NotWritten`` passes through (it is one line already); any other error becomes ``CheckFailed``
    (see ``explain``). ``hints`` (``{text: hint}``, not passed on to ``function``) adds ``hint`` when
    the error message contains ``text``: the mistake that error usually means in this exercise.
    NumPy's floating-point warnings are off during the call. ``unchanged=True`` (for a backward pass) passes
    copies of the array arguments and fails if ``function`` changed one in place: its caller still needs it.
    """
    name = getattr(function, "__qualname__", getattr(function, "__name__", "your function"))
    given = args
    if unchanged:
        args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    try:
        with np.errstate(all="ignore"):           # an overflow or a log(0) shows in the result: the ❌ says it
            result = function(*args, **kwargs)
    except (NotWritten, CheckFailed):
        raise
    except Exception as error:
        code = getattr(getattr(function, "__func__", function), "__code__", None)
        raise CheckFailed(explain(error, hints, default_name=name, code=code)) from None
    changed = [k for k, (a, b) in enumerate(zip(given, args)) if a is not b and not np.array_equal(a, b)]
    if changed:
        import inspect
        try:
            names = list(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            names = []
        arg = names[changed[0]] if changed[0] < len(names) else f"argument {changed[0] + 1}"
        check(name, False, f"It changed {arg} in place: whoever passed {arg} still needs it as it was, so leave it "
                           "and return a new array.")
    return result


#: Errors that usually mean one mistake, in any exercise: (exception type, text in the message, text in the
#: learner's line, hint).
COMMON_ERRORS = [
    (TypeError, "'NoneType'", "+=", "The gradient starts as None (nothing to add to yet): set it by assignment."),
    (TypeError, "'NoneType' object is not", "", "It uses something that is still None: create it (say, one array "
                                                "per parameter) before its first use."),
    (TypeError, "'NoneType'", "", "Something is None: a function or method without a `return`?"),
    (NameError, "", "", "Import it or define it (run its cell) before using it."),
    (AttributeError, "object has no attribute", "", "Create that attribute (in __init__, or at the first step) "
                                                    "before using it."),
    (ValueError, "matmul", "", "Write each array's shape next to it: which operand needs a .T?"),
    (ValueError, "inhomogeneous", "", "Lists of different lengths make no NumPy array: keep them a list of lists."),
]


def _broadcast_hint(message):
    """The keepdims hint for "could not be broadcast together with shapes (N,K) (N,)", or ""."""
    import re
    shapes = [tuple(int(n) for n in found.split(",") if n.strip())
              for found in re.findall(r"\(([\d,\s]*)\)", message)]
    if any(len(a) == 2 and a != a[::-1] and a[::-1] in shapes for a in shapes):
        return "One array is the transpose of what it should be: check the order of the operands, or a .T."
    if len(shapes) >= 2 and any(len(a) == len(b) + 1 and a[:-1] == b for a in shapes for b in shapes):
        return ("A sum or max over each row has one number per row: keep it as a column (keepdims) so it "
                "lines up with the rows.")
    return "Write each array's shape next to it: which two do not line up?"


def _is_cell(filename):
    """Whether ``filename`` is the code of a notebook cell (ipykernel's or IPython's name for it)."""
    return "ipykernel_" in filename or filename.startswith("<ipython-input")


def _is_learners(filename):
    """A notebook cell or one of the learner's own files (``my_layers.py``, ...)."""
    return _is_cell(filename) or (Path(filename).name.startswith("my_") and filename.endswith(".py"))


def _place(frame):
    """Where a learner's frame is: ``my_layers.py line 27`` or ``cell [12] line 3``."""
    filename = frame.f_code.co_filename
    if not _is_cell(filename):
        return f"{Path(filename).name} line {frame.f_lineno}"
    try:
        from IPython import get_ipython
        count = get_ipython().compile._filename_map.get(filename)
    except Exception:                             # not under IPython, or a version without the map
        count = None
    return f"cell [{count}] line {frame.f_lineno}" if count else f"its cell, line {frame.f_lineno}"


def explain(error, hints=None, default_name=None, code=None):
    """One line for an error raised by the learner's code: whose code, the exception, the learner's line, a hint.

    ``❌ MyDense.backward: not yet. It raised TypeError at `self.dW += ...` (my_layers.py line 27): <message>.
    <hint>``. The line is the innermost one in a notebook cell's function or in a ``my_*.py`` file, so
    frames of the library and of NumPy never show. The hint comes from ``hints`` (``{text in the
    message: hint}``), else from ``COMMON_ERRORS``. ``code`` is one more code object that counts as the
    learner's (the function ``run`` called): then the line is that function's, where the error left it,
    and the function it called that raised is named after it. Returns None when no frame is the learner's.
    """
    import difflib
    import linecache
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    learners = [f for f in frames if f.f_code is code or _is_learners(f.f_code.co_filename)
                and not (_is_cell(f.f_code.co_filename) and f.f_code.co_name == "<module>")]
    if not learners and default_name is None:
        return None
    where, line = "", ""
    if learners:
        checked = [f for f in learners if f.f_code is code]     # the exercise graded, not a helper it called
        frame = (checked or learners)[-1]
        name = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
        where = f" at `{line}` ({_place(frame)})" if line else f" ({_place(frame)})"
        if frame is not learners[-1]:
            where += f" inside {getattr(learners[-1].f_code, 'co_qualname', learners[-1].f_code.co_name)}"
    else:
        name = default_name
    message = str(error).strip().rstrip(".")
    hint = next((h for text, h in (hints or {}).items() if text in str(error)), "")
    if not hint and isinstance(error, NameError) and getattr(error, "name", None) and learners:
        if _set_by_a_cell(error.name):            # a given name that a cell stopped before setting
            return f"❌ {message}: {RUN_ABOVE}"
        defined = [n for n in {*frame.f_locals, *frame.f_globals} if not n.startswith("_")]
        close = difflib.get_close_matches(error.name, sorted(defined), n=1, cutoff=0.5)
        hint = f"A typo of `{close[0]}`? Else import it or define it (run its cell) before using it." if close else ""
    if not hint and isinstance(error, ValueError) and "broadcast" in str(error):
        hint = _broadcast_hint(str(error))
    if not hint:
        hint = next((h for kind, text, in_line, h in COMMON_ERRORS
                     if isinstance(error, kind) and text in str(error) and in_line in line), "")
    return f"❌ {name}: not yet. It raised {type(error).__name__}{where}: {message}. {hint}".rstrip()


RUN_ABOVE = "run the cells above this one first (a cell stops at its first ❌, so what comes after it was not defined)."


def _set_by_a_cell(name):
    """Whether a cell run in this session assigns ``name`` (``parts = ...``, ``def name``): then it is not a
    typo but a name that cell stopped before setting, at an error."""
    import re
    try:
        from IPython import get_ipython
        sources = get_ipython().user_ns.get("In", [])
    except Exception:                             # not under IPython
        return False
    assigned = re.compile(rf"^(?:[\w\s,]*\b{re.escape(name)}\b[\w\s,]*=(?!=)|\s*(?:def|class) {re.escape(name)}\b)",
                          re.MULTILINE)
    return any(assigned.search(source) for source in sources)


def _one_line_errors(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for errors in a cell: one ❌ line for the learner's code, else the usual traceback.

    Shown as an error (nbgrader scores the cell zero), with a one-line traceback. A NameError at a
    cell's top level (a cell run before the one that defines the name) is one line too.
    """
    if not hasattr(value, "_render_traceback_"):
        line = explain(value)
        if line is None and isinstance(value, NameError) and _is_cell(_innermost(tb).f_code.co_filename):
            line = f"❌ {value}: {RUN_ABOVE}"
        if line is None:
            line = _library_said(value)
        if line is not None:
            shell._showtraceback(etype, value, [line])
            return [line]
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    return None


def _library_said(error):
    """One line for a ValueError that scratchnn raised on what a cell passed it (the library's input checks say
    what was expected and what came), or None: ``❌ strokes_to_mnist: stroke 0 must be ... (at `line`, cell [4]
    line 2).``"""
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    called = next((k for k, f in enumerate(frames) if f.f_code.co_filename.startswith(_PACKAGE)), None)
    if not isinstance(error, ValueError) or not called or not _is_cell(frames[called - 1].f_code.co_filename):
        return None
    import linecache
    cell, function = frames[called - 1], frames[called].f_code.co_name
    line = linecache.getline(cell.f_code.co_filename, cell.f_lineno).strip()
    where = f"at `{line}`, {_place(cell)}" if line else _place(cell)
    return f"❌ {function}: {str(error).strip().rstrip('.')} ({where})."


def _innermost(tb):
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame


def one_line_errors(on=True):
    """Show an error in your own code as one ❌ line (on, the default once scratchnn is imported in IPython),
    or as IPython's full traceback (``snn.checks.one_line_errors(False)``)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((Exception,) if on else (), _one_line_errors if on else None)


def returns(label, value, count):
    """Check that ``value`` is a tuple of ``count`` items (what the exercise returns) and give it back."""
    if not isinstance(value, (tuple, list)) or len(value) != count:
        check(label, False, f"It should return {count} things (a tuple), got {_kind(value)}.")
    return value


def _kind(value):
    """What ``value`` is, in a few words (its type and shape or length, never its numbers)."""
    if value is None:
        return "None (a missing `return`?)"
    if isinstance(value, np.ndarray):
        return f"one array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


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
    whole = factor != 0 and any(abs(f - round(f)) < 1e-6 and 2 <= round(f) <= 10
                                for f in (abs(factor), 1 / abs(factor)))
    if m.size < 3 and not whole:  # one or two numbers are often a multiple of the expected ones: that says little
        return ""
    return f"Every entry is {factor:.3g} times the expected one: a constant factor is missing or extra."


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
        tolerance = atol + rtol * abs(expected.item())
        detail = f"got {mine.item():.6g}, expected {expected.item():.6g} (tolerance {tolerance:.1g})."
    else:
        diff = np.abs(mine.astype(np.float64) - expected)
        worst = np.unravel_index(np.argmax(diff - rtol * np.abs(expected)), diff.shape)
        detail = (f"{int(np.count_nonzero(~np.isclose(mine, expected, rtol=rtol, atol=atol)))} of {mine.size} entries "
                  f"differ; at {tuple(map(int, worst))} got {mine[worst]:.6g}, expected {expected[worst]:.6g}.")
    return check(label, False, " ".join(s for s in (detail, diagnose(mine, expected, batch), hint) if s))


def check_images(label, mine, expected, mistakes=None, hint="", atol=1e-5):
    """``check_close`` for a batch of images that first names a known mistake.

    ``mistakes`` is ``{hint: the images that mistake gives}`` (a wrap-around, a swapped axis, ...); a
    wrong answer equal to one of them fails with its hint, any other with ``check_close``'s detail and
    ``hint``.
    """
    array = np.asarray(mine) if mine is not None else None
    if array is not None and array.dtype.kind in "fiub" and array.shape == np.shape(expected) \
            and not np.allclose(array, expected, rtol=0, atol=atol):
        for mistake_hint, wrong in (mistakes or {}).items():
            if np.allclose(array, wrong, rtol=0, atol=atol) and not np.allclose(wrong, expected, rtol=0, atol=atol):
                check(label, False, mistake_hint)
    return check_close(label, mine, expected, rtol=0, atol=atol, hint=hint)


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
                                f"so each layer's pair goes in front of those already collected. The order is "
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
    from ..activations import ReLU
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
             "On a hidden layer, go back through the ReLU before the dense layer."] = forgotten.grads()
    masked.loss_and_grads(X, y)
    mistakes["The output layer has no ReLU (its relu_cache is None): its dZ is dA itself, no mask."] = masked.grads()
    return mistakes


def _solutions(folder):
    """``(exercise name, notebook name, solution source)`` of every answer cell in the teacher's notebooks."""
    for path in sorted(folder.glob("[0-9][0-9]*_*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution"):
                yield meta["grade_id"], path.name, "".join(cell["source"])


def reveal(name, folder=None):
    """Print the teacher's solution of exercise ``name``, after you tried.

    ``name`` is the exercise's name, which its cell shows (``reveal("dense_layer")``), or the name of a
    function or class written in one exercise only. Reads the teacher's notebooks (``notebooks/`` of
    the repository, or ``folder``).
    """
    import re
    folder = Path(folder) if folder else TEACHER_NOTEBOOKS
    solutions = list(_solutions(folder))
    found = [s for s in solutions if s[0] == name] or \
        [s for s in solutions if re.search(rf"^\s*(def|class) {re.escape(name)}\b", s[2], re.MULTILINE)]
    if len(found) == 1:
        exercise, notebook, source = found[0]
        source = "\n".join(line for line in source.splitlines()          # without nbgrader's markers
                           if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
        print(f"# One solution of exercise {exercise!r}, from {notebook}:\n{source}")
    elif found:
        print(f"{name} is written in {len(found)} exercises: "
              + ", ".join(f"{exercise!r} ({notebook[:2]})" for exercise, notebook, _ in found)
              + ". Reveal one of them by its name.")
    elif not solutions:
        print(f"The solutions come from your teacher: there are no teacher's notebooks in {folder}.")
    else:
        print(f"No exercise named {name!r}; the exercises are: {', '.join(sorted(s[0] for s in solutions))}.")


#: The learner's files and the notebook whose %%writefile cell writes each.
YOUR_FILES = {"my_layers": "04", "my_loss": "05", "my_optim": "06"}


def mine(module, *names):
    """Load ``names`` from your own file ``module.py`` in the notebook's folder, fresh on every call.

    The notebooks write your parts there with ``%%writefile``; a missing file, a syntax error or a
    missing name fails as one line saying which cell to run.
    """
    import importlib.util
    import sys

    path = Path.cwd() / f"{module}.py"
    if not path.exists():
        where = f" in notebook {YOUR_FILES[module]}" if module in YOUR_FILES else ""
        raise CheckFailed(f"❌ {path.name} is missing: run its %%writefile cell{where} first.")
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


def adam_path(lr, params, grads_per_step, eps_inside=False, t_per_parameter=False, bias_correction=True,
              keep_state=True, beta1=0.9, beta2=0.999, eps=1e-8):
    """The textbook Adam's parameters after each step, or those of one of its common mistakes."""
    params = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t, path = 0, []
    for grads in grads_per_step:
        if not keep_state:
            m, v = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
        if not t_per_parameter:
            t += 1
        for p, g, m_, v_ in zip(params, grads, m, v):
            if t_per_parameter:
                t += 1
            m_[...] = beta1 * m_ + (1 - beta1) * g
            v_[...] = beta2 * v_ + (1 - beta2) * g ** 2
            m_hat, v_hat = (m_ / (1 - beta1 ** t), v_ / (1 - beta2 ** t)) if bias_correction else (m_, v_)
            p -= lr * m_hat / (np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps)
        path.append([p.copy() for p in params])
    return path


#: Adam's common mistakes, as ``adam_path`` arguments, and the hint for each (the idea, not the code).
ADAM_MISTAKES = [
    ({"eps_inside": True}, "eps belongs outside the square root: it only keeps the division safe, and inside it "
                           "shrinks the steps of a parameter whose gradients are tiny."),
    ({"t_per_parameter": True}, "t counts steps, not parameter arrays: it goes up once per call of step."),
    ({"bias_correction": False}, "The first steps are too small: m and v start at zero, so correct each for that "
                                 "bias (divide by 1 − β^t)."),
    ({"keep_state": False}, "m and v must carry over from one step to the next: make them once, keep them on self."),
]


def check_adam(label, Adam, lr=0.01, steps=5, seed=0):
    """Grade an Adam class (``Adam(lr)`` with ``step(params, grads)``) on two parameter arrays whose gradients
    differ in size by 10^8, over ``steps`` steps, against the textbook update in float64.

    Two arrays of very different scale are what tell apart the usual mistakes (``ADAM_MISTAKES``): eps
    inside the square root changes only the tiny-gradient array, a ``t`` counted per array only the
    second array, and one step alone would hide both.
    """
    rng = np.random.default_rng(seed)
    start = [rng.normal(0, 1, 3), rng.normal(0, 1, (2, 2))]
    grads_per_step = [[rng.normal(0, 1e3, 3), rng.normal(0, 1e-5, (2, 2))] for _ in range(steps)]
    expected = adam_path(lr, start, grads_per_step)
    optimizer = run(Adam, lr)
    params = [p.copy() for p in start]
    mine = []
    for grads in grads_per_step:
        run(optimizer.step, params, [g.copy() for g in grads])
        mine.append([p.copy() for p in params])

    def same(path_a, path_b):
        return all(np.allclose(a, b, rtol=1e-9, atol=1e-15) for step_a, step_b in zip(path_a, path_b)
                   for a, b in zip(step_a, step_b))

    if same(mine, expected):
        return check(label, True)
    for mistake, hint in ADAM_MISTAKES:
        if same(mine, adam_path(lr, start, grads_per_step, **mistake)):
            check(label, False, hint)
    step, which = next((k, i) for k, (a, b) in enumerate(zip(mine, expected)) for i in range(2)
                       if not np.allclose(a[i], b[i], rtol=1e-9, atol=1e-15))
    before = (mine[step - 1] if step else start)[which]
    moved = "did not move" if np.array_equal(mine[step][which], before) else "moved differently"
    return check(label, False, f"At step {step + 1} parameter array {which + 1} (gradients of size "
                               f"{'1e3' if which == 0 else '1e-5'}) {moved} from the Adam update derived above.")


def _not_ready(error):
    """One line for a part that raised (or is still a stub) in ``your_parts``."""
    if isinstance(error, CheckFailed):
        return str(error)
    if isinstance(error, NotWritten):
        frame = _innermost(error.__traceback__)
        return (f"❌ {getattr(frame.f_code, 'co_qualname', frame.f_code.co_name)} in "
                f"{Path(frame.f_code.co_filename).name} is not written yet: write it in its notebook and run "
                "that cell, then run this one again. Nothing is trained with your parts until they pass.")
    return explain(error, default_name="your parts")


def your_parts(seed=0):
    """Your layer, activation, loss and optimizer from notebooks 04-06's files, each checked before any training.

    Returns ``{"Dense", "ReLU", "Loss", "Adam"}`` once every check passes: ``MyReLU`` and then ``MyDense``
    (with the library's ReLU, so a wrong mask is never blamed on the layer) against the library's,
    the loss's value against the library's, a gradient check of a small net built from all your
    parts (float64, centred differences), and ``MyAdam`` on two parameter arrays of very different
    scale. Otherwise raises ``CheckFailed``: one line naming the part, and the file and line where it
    failed. There is no fallback: nothing trains in your name with parts that are not yours.
    """
    from ..activations import ReLU, Softmax
    from ..gradcheck import RIGHT, check_gradients
    from ..layers import Dense, InLayer
    from ..losses import CrossEntropyLoss
    from ..net import Net
    try:
        MyDense, MyReLU = mine("my_layers", "MyDense", "MyReLU")
        Loss = mine("my_loss", "SoftmaxCrossEntropy")
        MyAdam = mine("my_optim", "MyAdam")
        rng = np.random.default_rng(seed)
        Z, dA = rng.normal(0, 1, (6, 4)), rng.normal(0, 1, (6, 4))
        A = np.maximum(0, Z)
        check_close("MyReLU (my_layers.py): forward", run(MyReLU().forward, Z), A)
        check_close("MyReLU (my_layers.py): backward", run(MyReLU().backward, dA, Z, A, unchanged=True),
                    ReLU().backward(dA, Z, A), hint="Gradient flows only where the unit was on.")
        X = rng.normal(0, 1, (6, 5))
        mine_layer = MyDense(4, ReLU()).build(5, np.random.default_rng(seed), np.float64)
        library = Dense(4, ReLU()).build(5, np.random.default_rng(seed), np.float64)
        check_close("MyDense (my_layers.py): forward", run(mine_layer.forward, X), library.forward(X))
        check_close("MyDense (my_layers.py): backward, dX", run(mine_layer.backward, dA, unchanged=True),
                    library.backward(dA), batch=6)
        for name in ("dW", "db"):
            check_close(f"MyDense (my_layers.py): backward, {name}", getattr(mine_layer, name, None),
                        getattr(library, name), batch=6)
        P, Y = Softmax().forward(rng.normal(0, 1, (6, 3))), np.eye(3)[rng.integers(0, 3, 6)]
        check_close("SoftmaxCrossEntropy (my_loss.py): forward", run(Loss().forward, P, Y),
                    CrossEntropyLoss().forward(P, Y), batch=6)
        P[:, 0] = 0.0                            # a probability that underflowed, as training meets them
        check_close("SoftmaxCrossEntropy (my_loss.py): forward where some P is 0", run(Loss().forward, P, Y),
                    CrossEntropyLoss().forward(P, Y), batch=6, hint="0 · log 0 is nan: clip P as notebook 05 says.")
        net = Net([InLayer(5), MyDense(4, MyReLU()), MyDense(4, MyReLU()), MyDense(3, Softmax)],
                  cost_function=Loss(), seed=seed, dtype=np.float64)
        for param in net.params():               # non-zero biases: no unit sits dead or on the kink by chance
            param[...] = rng.normal(0, 0.5, param.shape)
        errors = run(check_gradients, net, X, rng.integers(0, 3, 6))
        worst = max(errors, key=errors.get)
        check("a net of your parts: every gradient against centred differences", errors[worst] < RIGHT,
              f"d{worst} is off (relative error {errors[worst]:.1e}, right below {RIGHT:.0e}): re-run the checks of "
              "notebooks 04 and 05.")
        check_adam("MyAdam (my_optim.py): 5 steps, two parameter arrays", MyAdam)
    except Exception as error:
        raise CheckFailed(_not_ready(error)) from None
    return {"Dense": MyDense, "ReLU": MyReLU, "Loss": Loss, "Adam": MyAdam}


class _Recorded:
    """An optimizer that keeps what each step got (progress, gradients) and the weights after it."""

    def __init__(self, optimizer):
        self.optimizer, self.steps = optimizer, []

    progress = property(lambda self: getattr(self.optimizer, "progress", None),
                        lambda self, value: setattr(self.optimizer, "progress", value))

    def step(self, params, grads):
        progress, grads = self.progress, [np.array(g, copy=True) for g in grads]
        self.optimizer.step(params, grads)
        self.steps.append((progress, grads, [p.copy() for p in params]))


def check_loop(label, train, make_net, make_optimizer, X, y, epochs=2, batch_size=64, seed=0):
    """Grade a training loop ``train(net, optimizer, X, Y, epochs, batch_size, rng) -> per-epoch losses``.

    Right when it takes ``fit``'s steps bit for bit (same batches, same ``progress``, same weights after
    every step) and returns ``fit``'s per-epoch losses. Otherwise one line names the first epoch and
    batch that differ, and what differs there.
    """
    from threadpoolctl import threadpool_limits
    net, reference = make_net(), make_net()
    mine, theirs = _Recorded(make_optimizer()), _Recorded(make_optimizer())
    history = reference.fit(X, y, epochs=epochs, batch_size=batch_size, optimizer=theirs, seed=seed)
    with threadpool_limits(1, user_api="blas"):
        losses = run(train, net, mine, X, net.targets(y, len(X)), epochs, batch_size, np.random.default_rng(seed))
    steps = -(-len(X) // batch_size)
    for k, ((p, g, w), (p_fit, g_fit, w_fit)) in enumerate(zip(mine.steps, theirs.steps)):
        where = f"epoch {k // steps + 1}, batch {k % steps + 1}"
        if p != p_fit:
            check(label, False, f"At {where} optimizer.progress is {p!r}, fit's {p_fit:.6g}: set it before each step "
                                "to the fraction of all steps already done.")
        if not all(np.array_equal(a, b) for a, b in zip(g, g_fit)):
            story = ("a new random order every epoch, from the generator you are given" if k and k % steps == 0 else
                     "one random order per epoch from the generator you are given, cut into consecutive batches, "
                     "forward then backward on each")
            check(label, False, f"The gradients differ from fit's first at {where} (not the same batch?): {story}.")
        if not all(np.array_equal(a, b) for a, b in zip(w, w_fit)):
            check(label, False, f"The weights differ from fit's first after {where}, with the same gradients: one "
                                "optimizer step per batch, on the net's parameters and gradients.")
    if len(mine.steps) != len(theirs.steps):
        check(label, False, f"It took {len(mine.steps)} optimizer steps, fit takes {len(theirs.steps)} ({epochs} "
                            f"epochs of {steps} batches, the last one shorter): every example once per epoch, one "
                            "step per batch.")
    expected = history.history["loss"]
    if not isinstance(losses, (list, tuple, np.ndarray)) or len(losses) != epochs:
        check(label, False, f"It should return one loss per epoch ({epochs} numbers), got {_kind(losses)}.")
    try:                                          # one verdict: a ✅ only once the losses are right too
        right = np.allclose(np.asarray(losses, dtype=np.float64), expected, rtol=1e-6)
    except (TypeError, ValueError):
        right = False
    if not right:
        check_close(f"{label}: the per-epoch losses", losses, expected, rtol=1e-6,
                    hint="Each epoch's loss is the mean over its examples: a short last batch counts less.")
    return check(label, True)


def _rates_hint(rates, expected):
    """What a wrong sweep of rates looks like, given the right one (both from step 0)."""
    rates, expected = np.asarray(rates, dtype=np.float64), np.asarray(expected)
    if len(rates) > 1 and np.isclose(rates[0], expected[1], rtol=1e-9, atol=0):
        return "Its rates are one step ahead: the first step (t = 0 steps taken) uses lr_min."
    if not np.isclose(rates[0], expected[0], rtol=1e-9, atol=0):
        return f"Its first rate is {rates[0]:.4g}: the first step (t = 0 steps taken) uses lr_min = {expected[0]:.4g}."
    if len(rates) > 2 and np.allclose(np.diff(rates), rates[1] - rates[0], rtol=1e-6, atol=0):
        return ("Its rates grow by equal differences: the range test multiplies the rate by the same factor at each "
                "step, so every factor of 10 gets as many steps.")
    factor, right = rates[1] / rates[0], expected[1] / expected[0]
    if len(rates) > 2 and np.allclose(rates[1:] / rates[:-1], factor, rtol=1e-6, atol=0) \
            and np.isclose(np.log(factor) * len(expected), np.log(right) * (len(expected) - 1), rtol=1e-6):
        return ("Each step multiplies it by too small a factor: the rate is multiplied steps - 1 times, so that the "
                "last of `steps` steps uses lr_max.")
    return ("Step t (from 0) uses lr_min times the same factor t times over, the factor that makes the last of "
            "`steps` steps use lr_max.")


def check_lr_finder(label, LRFinder, make_net, make_optimizer, X, y, ranges, steps=60, batch_size=64, seed=0):
    """Grade a learning-rate range test, a callback ``LRFinder(lr_min, lr_max, steps)`` with lists ``rates``
    and ``losses``, against ``scratchnn.callbacks.LRFinder``.

    For each ``(lr_min, lr_max)`` of ``ranges`` it sweeps a fresh net (``make_net()``, trained by ``fit``
    with ``make_optimizer(lr_min)``, with room for more than ``steps`` steps): right when the rates are
    the geometric sweep and the losses and the step it stopped at are the library finder's, bit for bit,
    on the same rates. Otherwise one line says which of the three differs and what it should be.
    """
    import warnings

    from ..callbacks import LRFinder as Reference

    class Replay(Reference):                       # the library's finder, at the learner's rates
        def __init__(self, rates, *args):
            super().__init__(*args)
            self.given = rates

        def rate(self, t):
            return self.given[t] if t < len(self.given) else super().rate(t)

    epochs = 1 + steps // -(-len(X) // batch_size)          # room for one epoch more than `steps` needs
    for lr_min, lr_max in ranges:
        finder = run(LRFinder, lr_min, lr_max, steps)
        with warnings.catch_warnings():              # fit's own divergence stop warns; the verdict below says it
            warnings.simplefilter("ignore")
            run(make_net().fit, X, y, epochs=epochs, batch_size=batch_size, optimizer=make_optimizer(lr_min),
                callbacks=[finder], seed=seed, hints={"empty sequence": "The lowest loss so far includes this "
                                                      "step's: record the loss before comparing with the lowest."})
        for name in ("rates", "losses"):
            if not isinstance(getattr(finder, name, None), list):
                check(label, False, f"LRFinder() has no list `{name}`: keep the one __init__ starts.")
        rates, losses = finder.rates, finder.losses
        sweep = f"the sweep from {lr_min:g} to {lr_max:g} in {steps} steps"
        if not rates:
            check(label, False, f"In {sweep} it recorded no step: record each step's rate and loss before its step.")
        right = [Reference(lr_min, lr_max, steps).rate(t) for t in range(steps)]
        n = min(len(rates), steps)
        if not np.allclose(np.asarray(rates[:n], dtype=np.float64), right[:n], rtol=1e-9, atol=0):
            check(label, False, f"In {sweep}, the rates differ. {_rates_hint(rates[:n], right)}")
        reference = Replay(list(rates[:n]), lr_min, lr_max, steps)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make_net().fit(X, y, epochs=epochs, batch_size=batch_size, optimizer=make_optimizer(lr_min),
                           callbacks=[reference], seed=seed)
        if len(losses) != len(rates):
            check(label, False, f"In {sweep} it recorded {len(rates)} rates and {len(losses)} losses: one of each "
                                "per step.")
        same = next((k for k, (a, b) in enumerate(zip(losses, reference.losses)) if a != b), None)
        if same is not None:
            check(label, False, f"In {sweep}, the loss of step {same + 1} differs from fit's batch loss: record the "
                                "loss fit passes in logs, with the rate of the same step.")
        stop = len(reference.rates)
        if len(rates) > stop:
            why = (f"the loss passed 4 times the lowest so far at step {stop}, and it went on: stop there (the lowest "
                   "loss so far, not the first one)" if stop < steps else
                   f"it went on after step {steps}, the last of the sweep (rate lr_max): stop after `steps` steps")
            check(label, False, f"In {sweep}, {why}.")
        if len(rates) < stop:
            why = (f"the loss first passed 4 times the lowest so far at step {stop}: stop only then" if stop < steps
                   else "the loss never passed 4 times the lowest so far: the sweep ends only after `steps` steps")
            check(label, False, f"In {sweep} it stopped at step {len(rates)}, but {why}.")
    return check(label, True)


one_line_errors()
