"""snn.checks: the verdicts a learner reads after an exercise: one line, never a stack dump."""
import numpy as np
import pytest

import scratchnn as snn
from scratchnn.course.checks import CheckFailed, NotWritten


def verdict(label, mine, expected, **kwargs):
    with pytest.raises(CheckFailed) as failed:
        snn.checks.check_close(label, mine, expected, **kwargs)
    assert failed.value._render_traceback_() == [str(failed.value)]
    return str(failed.value)


def test_check_close_says_none_came_back_instead_of_crashing():
    message = verdict("rate", None, 0.02, hint="Return the factor.")
    assert message.startswith("❌ rate: not yet.") and "got None" in message and "Return the factor." in message
    assert "got None" in verdict("image", None, np.zeros((28, 28)))          # not "expected shape"


def test_check_close_rejects_a_list_holding_none_or_text():
    assert "got None" in verdict("rates", [0.02, None], [0.02, 0.002])
    assert "expected numbers" in verdict("rate", "0.02", 0.02)


def test_check_close_reports_a_shape_mismatch():
    assert "expected shape (100,), got (3,)" in verdict("rates", np.zeros(3), np.zeros(100))


def test_a_right_answer_prints_one_line_and_returns_true(capsys):
    assert snn.checks.check_close("kappa", 1.0, 1.0) is True
    assert capsys.readouterr().out == "✅ kappa: right.\n"


def test_a_wrong_answer_raises_one_line_with_the_hint():
    with pytest.raises(CheckFailed, match=r"^❌ kappa: not yet\. Look again\.$"):
        snn.checks.check("kappa", False, "Look again.")


@pytest.mark.parametrize("mistake, words", [
    (lambda X, dZ: dZ.T @ X, "transpose"),                         # (H, D) instead of (D, H)
    (lambda X, dZ: X.T @ dZ / len(X), "division by N = 6"),        # an extra /N
    (lambda X, dZ: -(X.T @ dZ), "wrong sign"),
])
def test_common_mistakes_are_named(mistake, words):
    rng = np.random.default_rng(0)
    X, dZ = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    assert words in verdict("dW", mistake(X, dZ), X.T @ dZ, batch=6)


def test_a_bias_gradient_summed_over_the_wrong_axis_is_named():
    dZ = np.random.default_rng(1).normal(size=(6, 3))
    assert "wrong axis" in verdict("db", dZ.sum(axis=1), dZ.sum(axis=0))
    assert "keepdims" in verdict("db", dZ.sum(axis=0, keepdims=True), dZ.sum(axis=0))


def test_an_all_zero_answer_is_a_gradient_that_never_arrived_not_a_factor_of_zero():
    expected = np.random.default_rng(3).normal(size=(4, 3))
    message = verdict("dW", np.zeros_like(expected), expected)
    assert "All zeros: did the gradient reach this variable?" in message and "factor" not in message
    assert "All zeros" in verdict("dL/dw, dL/db", [0.0, 0.0], [3.9, -1.2])


def test_a_square_matrix_transposed_is_named():
    W = np.random.default_rng(2).normal(size=(3, 3))
    assert "transposed" in verdict("W", W.T, W)


def test_an_unwritten_stub_names_itself_in_one_line():
    def dense_backward(dZ, cache):
        raise NotWritten()

    with pytest.raises(NotWritten) as failed:
        dense_backward(None, None)
    (line,) = failed.value._render_traceback_()
    assert line.startswith("❌ `") and "dense_backward" in line and "not written yet" in line


def test_reveal_prints_the_teachers_solution(capsys):
    snn.checks.reveal("count_params")
    out = capsys.readouterr().out
    assert "def count_params" in out and "return" in out
    assert "SOLUTION" not in out              # the walk: nbgrader's markers are not part of a solution
    snn.checks.reveal("no_such_exercise")
    assert "the exercises are:" in capsys.readouterr().out


def small_relu_net():
    net = snn.Net([snn.InLayer(5), snn.Dense(4, "relu"), snn.Dense(3, "relu"), snn.Dense(2)],
                  cost_function=snn.MSELoss, seed=0, dtype=np.float64)
    X, y = np.random.default_rng(3).normal(size=(6, 5)), np.array([0, 1, 1, 0, 1, 0])
    net.loss_and_grads(X, y)
    return net, X, y, net.grads()


def grads_verdict(mine, net, X, y, expected):
    with pytest.raises(CheckFailed) as failed:
        snn.checks.check_grads("net_backward", mine, expected, net.param_names(), batch=len(X),
                               mistakes=snn.checks.mistaken_grads(net, X, y))
    assert failed.value._render_traceback_() == [str(failed.value)] and "\n" not in str(failed.value)
    return str(failed.value)


def test_check_grads_names_a_whole_net_backwards_common_mistakes(capsys):
    net, X, y, grads = small_relu_net()
    assert snn.checks.check_grads("net_backward", list(grads), grads, net.param_names()) is True
    assert capsys.readouterr().out == "✅ net_backward: right.\n"
    by_layer_reversed = [g for i in (4, 2, 0) for g in grads[i:i + 2]]
    assert "reverse layer order" in grads_verdict(by_layer_reversed, net, X, y, grads)
    assert "wrong order" in grads_verdict(grads[1::2] + grads[0::2], net, X, y, grads)
    assert "6 arrays" in grads_verdict(grads[:2], net, X, y, grads)
    assert "missing `return`" in grads_verdict(None, net, X, y, grads)
    forgotten, masked = snn.checks.mistaken_grads(net, X, y).values()
    assert "mask is missing" in grads_verdict(forgotten, net, X, y, grads)
    assert "no ReLU" in grads_verdict(masked, net, X, y, grads)
    assert net.grads() is not grads and all(np.array_equal(a, b) for a, b in zip(net.grads(), grads))  # untouched
    off = list(grads)
    off[2] = off[2] / len(X)                                   # dW2 with an extra /N, the rest right
    message = grads_verdict(off, net, X, y, grads)
    assert "dW2" in message and "division by N = 6" in message and "db2, dW3, db3 are right" in message


def test_run_adds_the_exercises_hint_for_an_error_it_recognises():
    def net_backward(dOut, caches):
        return dOut * None

    with pytest.raises(CheckFailed) as failed:
        snn.checks.run(net_backward, 1.0, None, hints={"NoneType": "No mask on the output layer."})
    assert "TypeError at `return dOut * None`" in str(failed.value)
    assert str(failed.value).endswith("No mask on the output layer.")


def test_check_adam_passes_the_librarys_adam_and_names_each_common_mistake(capsys):
    assert snn.checks.check_adam("Adam", snn.Adam) is True          # an independent reference for the textbook path

    class Textbook:                                                 # the textbook update with one mistake switched on
        mistake = {}

        def __init__(self, lr):
            self.lr, self.grads = lr, []

        def step(self, params, grads):
            self.grads.append([g.copy() for g in grads])
            if not hasattr(self, "start"):
                self.start = [p.copy() for p in params]
            path = snn.checks.adam_path(self.lr, self.start, self.grads, **self.mistake)
            for p, q in zip(params, path[-1]):
                p[...] = q

    for mistake, hint in snn.checks.ADAM_MISTAKES:
        Textbook.mistake = mistake
        with pytest.raises(CheckFailed, match="^❌ MyAdam: not yet. " + hint[:20]):
            snn.checks.check_adam("MyAdam", Textbook)


def test_check_lr_finder_passes_the_librarys_finder_and_names_each_common_mistake(mnist):
    (X, y), _ = mnist

    def net():
        return snn.Net([snn.InLayer(784), snn.Dense(20, snn.ReLU), snn.Dense(15, snn.ReLU), snn.Dense(15, snn.ReLU),
                        snn.Dense(10, snn.Softmax)], seed=0)

    def grade(Finder):
        return snn.checks.check_lr_finder("LRFinder", Finder, net, snn.Adam, X[:512], y[:512],
                                          ranges=[(1e-4, 1.0), (1e-5, 1e-2)], steps=60)

    assert grade(snn.LRFinder) is True

    class Ahead(snn.LRFinder):                       # t counted from 1
        def rate(self, t):
            return super().rate(t + 1)

    class OneTooMany(snn.LRFinder):                  # t / steps: the last step stops short of lr_max
        def rate(self, t):
            return self.lr_min * (self.lr_max / self.lr_min) ** (t / self.steps)

    class Linear(snn.LRFinder):                      # equal differences
        def rate(self, t):
            return self.lr_min + (self.lr_max - self.lr_min) * t / (self.steps - 1)

    class AgainstTheFirst(snn.LRFinder):             # the blow-up measured against the first loss
        def before_step(self, epoch, batch, logs):
            self.rates.append(logs["lr"])
            self.losses.append(logs["loss"])
            if logs["loss"] > 4 * self.losses[0] or len(self.rates) == self.steps:
                raise snn.CancelFit()

    class Endless(snn.LRFinder):                     # no stop after `steps` steps
        def before_step(self, epoch, batch, logs):
            self.rates.append(logs["lr"])
            self.losses.append(logs["loss"])
            if logs["loss"] > 4 * min(self.losses):
                raise snn.CancelFit()

    class Jumpy(snn.LRFinder):                       # stops at the first rise of 50 %
        def __init__(self, lr_min, lr_max, steps):
            super().__init__(lr_min, lr_max, steps, stop_factor=1.5)

    for Finder, hint in [(Ahead, "one step ahead"), (OneTooMany, "multiplied steps - 1 times"),
                         (Linear, "equal differences"), (AgainstTheFirst, "not the first one"),
                         (Endless, "stop after `steps` steps"), (Jumpy, "stop only then")]:
        with pytest.raises(CheckFailed, match=r"^❌ LRFinder: not yet\. In the sweep from .*" + hint) as failed:
            grade(Finder)
        assert len(str(failed.value).splitlines()) == 1


def test_check_images_names_a_known_mistake_and_ignores_one_that_equals_the_answer(capsys):
    images = np.random.default_rng(0).random((2, 5, 5)).astype(np.float32)
    right = snn.augment.affine(images, tx=2)
    wrapped = np.roll(images, 2, axis=2)
    mistakes = {"a wrap-around": wrapped, "dx and dy swapped": snn.augment.affine(images, ty=2),
                "a mistake that gives the right answer here": right}     # never named
    with pytest.raises(CheckFailed, match="shift: not yet. a wrap-around$"):
        snn.checks.check_images("shift", wrapped, right, mistakes=mistakes)
    with pytest.raises(CheckFailed, match="entries differ.*look again"):
        snn.checks.check_images("shift", images, right, mistakes=mistakes, hint="look again")
    assert snn.checks.check_images("shift", right + 1e-7, right, mistakes=mistakes)
    assert capsys.readouterr().out == "✅ shift: right.\n"


def test_a_library_error_on_a_cells_data_is_one_line_naming_the_function_and_the_cells_line():
    # the walk: a flat list of points passed to draw.strokes_to_mnist in a check cell gave a 35-line traceback
    import linecache

    from scratchnn import draw
    from scratchnn.course.checks import _library_said
    code = "draw.strokes_to_mnist([(1, 2), (3, 4)])"
    linecache.cache["<ipython-input-3-abc>"] = (len(code), None, [code], "<ipython-input-3-abc>")  # as IPython keeps it
    cell = compile(code, "<ipython-input-3-abc>", "exec")
    with pytest.raises(ValueError) as raised:
        exec(cell, {"draw": draw})
    line = _library_said(raised.value)
    assert line == ("❌ strokes_to_mnist: stroke 0 must be a sequence of (x, y) pairs, got an array of shape (2,) "
                    "(at `draw.strokes_to_mnist([(1, 2), (3, 4)])`, its cell, line 1).")
    with pytest.raises(ValueError) as raised:                # a library's own error, not from a cell: no line
        draw.strokes_to_mnist([(1, 2)])
    assert _library_said(raised.value) is None


def test_returns_says_the_type_and_shape_of_what_came_not_its_numbers():
    # the walk: dense_forward returning only Z printed the array, cut mid-number, over 3 lines
    with pytest.raises(CheckFailed) as failed:
        snn.checks.returns("dense_forward", np.full((4, 3), 0.123456789), 2)
    assert str(failed.value) == ("❌ dense_forward: not yet. It should return 2 things (a tuple), got one array of "
                                 "shape (4, 3).")


def _raised_in_a_cell(code, call, namespace):
    """The error ``call`` raises after ``code`` ran as a notebook cell (its functions are the learner's)."""
    import linecache
    filename = "<ipython-input-9-abc>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    exec(compile(code, filename, "exec"), namespace)
    with pytest.raises(Exception) as raised:
        namespace[call]()
    return raised.value


def test_a_name_a_cell_above_stopped_before_setting_says_run_the_cells_above():
    # the walk: 09 from the top, the gate stopped before `parts = ...`, and my_net (given code) was blamed
    import subprocess
    import sys
    script = ("from IPython.core.interactiveshell import InteractiveShell\n"
              "shell = InteractiveShell.instance()\n"
              "for cell in ['import scratchnn as snn', 'def my_net():\\n    return parts[0]',\n"
              "             'parts = snn.checks.check(\"the gate\", False)', 'my_net()']:\n"
              "    shell.run_cell(cell, store_history=True)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120).stdout
    assert out.splitlines() == ["❌ the gate: not yet.",
                                f"❌ name 'parts' is not defined: {snn.checks.RUN_ABOVE}"], out


def test_a_misspelt_name_gets_the_closest_defined_one():
    # the walk: `bz` for `bs` got only "Import it or define it"
    from scratchnn.course import checks
    error = _raised_in_a_cell("def forward_any():\n    return Ws[-1] + bz[-1]\n", "forward_any",
                              {"Ws": [1], "bs": [2]})
    line = checks.explain(error)
    assert line.startswith("❌ forward_any: not yet. It raised NameError") and "A typo of `bs`?" in line, line


def test_two_numbers_off_by_a_whole_factor_are_named_other_multiples_are_not():
    # the walk: tanh_grads exactly half got no note (two numbers were never diagnosed)
    expected = np.array([3.90203, 1.95101])
    assert "0.5 times the expected one" in snn.checks.diagnose(expected / 2, expected)
    assert snn.checks.diagnose(expected * 0.731, expected) == ""     # tanh's derivative forgotten: not "a factor"
