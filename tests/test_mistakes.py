"""The mistake catalogue: wrong answers planted in the real student version, each must get one right ❌ line.

The student copy is made as ``python -m scratchnn course`` makes it (``scratchnn.course.student``). One
kernel per notebook runs the student notebook top to bottom, with the teacher's solution in place of
each stub; at an exercise it first plants each wrong answer of ``MISTAKES`` (the teacher's solution
with one edit) and runs only the exercise's check cell. Each planted mistake must end the check cell in
one error output (so nbgrader gives it no points) whose traceback is a single ❌ line of at most three
lines of text, holding the expected hint, none of the words a wrong hint would use (with ``ALONE`` among them:
no ✅ printed before it either; with ``QUIET``: no warning), and no statement of the solution (outside the
learner's own line that it quotes).

Notebook 09's gate checks the learner's files: its mistakes are planted in notebook 04's and 06's
``%%writefile`` cells, run in 09's kernel, then the gate cell runs.
"""
import json
import os
import re
from pathlib import Path

import pytest

pytest.importorskip("nbgrader")
jupyter_client = pytest.importorskip("jupyter_client")

from scratchnn.course import student  # noqa: E402

#: In the words a ❌ line must not hold: no ✅ may be printed before it either (one verdict per exercise).
ALONE = "(no ✅ before the ❌)"
#: In the same words: no warning (NumPy's RuntimeWarning, say) printed before the ❌, which says it already.
QUIET = "(no warning before the ❌)"
#: notebook -> exercise -> [(text in the teacher's solution, its replacement, hint in the ❌ line, words it must not hold)]
MISTAKES = {
    "01": {
        "count_params": [("fan_in * fan_out + fan_out", "fan_in * fan_out", "biases", ())],
        "forward_any": [("relu(Z) if l < n_layers else softmax(Z)", "relu(Z)", "softmax after the last", ())],
        "collapse": [("b_eff = (b1 @ W2 + b2) @ W3 + b3", "b_eff = b3", "collect the terms", ())],
    },
    "02": {
        "tanh_grads": [  # the issue: an 18-line traceback; a wrong derivative called "a missing constant"
            ("a = np.tanh(w * x + b)", "a = math.tanh(w * x + b)", "NameError", ()),
            ("dz = 2 * (a - y) * (1 - a ** 2)", "dz = 2 * (a - y)", "tanh's derivative", ("constant",)),
            ("dz = 2 * (a - y) * (1 - a ** 2)", "dz = (a - y) * (1 - a ** 2)", "0.5 times", ()),   # the walk: no note
        ],
        "silu_backward": [("(s + Z * s * (1 - s))", "s", "product rule", ("constant",))],
        "mae_backward": [("np.sign(P - Y) / P.size", "np.sign(P - Y) / len(P)", "every entry of P", ())],
    },
    "03": {
        "topological_order": [("        if node not in seen:\n            seen.add(node)\n", "        if True:\n",
                               "Remember the nodes already visited", ())],
        "tanh": [
            ("v.grad += (1 - t ** 2) * out.grad", "v.grad = (1 - t ** 2) * out.grad", "overwrote", ()),
            ("    out._backward = _backward\n", "", "Only the product's path", ()),
            ("(1 - t ** 2)", "(1 - t)", "local derivative", ()),
        ],
    },
    "04": {
        "dense_layer": [
            ("dW = X.T @ dZ", "dW = dZ.T @ X", "transpose", ()),
            ("db = dZ.sum(axis=0)", "db = dZ.sum(axis=1)", "wrong axis", ()),
            ("dX = dZ @ W.T", "dX = dZ @ W", ".T", ()),
            ("dW = X.T @ dZ", "dW = X.T @ dZ / len(X)", "division by N", ()),
            ("Z = X @ W + b", "Z = X @ W", "affine step", ()),
            # the walk: 3 lines with an array cut mid-number
            ("return Z, (X, W)", "return Z", "got one array of shape (4, 3)", ()),
        ],
        "relu": [("return dA * (Z > 0)", "return dA * (Z < 0)", "only where the unit was on", ()),
                 # the walk: writing into dA (the caller's array) got ✅
                 ("return dA * (Z > 0)", "dA[Z <= 0] = 0\n    return dA", "changed dA in place", ())],
        "my_layers": [  # the issue: a wrong ReLU mask blamed on MyDense; `self.dW +=` a bare TypeError
            ("        return dA * (Z > 0)", "        return dA * (Z < 0)", "MyReLU().backward", ("MyDense",)),
            ("self.dW = X.T @ dZ", "self.dW += X.T @ dZ", "by assignment", ()),
            ("self.dW = X.T @ dZ", "self.dW = X.T @ dZ / len(X)", "division by N", ()),
            ("A = self.activation.forward(Z)", "A = Z", "MyDense(H, snn.ReLU()).forward", ()),
            ("        return dA * (Z > 0)", "        dA[Z <= 0] = 0\n        return dA", "changed dA in place", ()),
        ],
        "net_backward": [
            ("grads = [dW, db] + grads", "grads = grads + [dW, db]", "reverse layer order", ()),
            # the walk: these two named relu_backward (already ✅), the frame that raised, not the exercise
            ("dZ = dA if relu_cache is None else relu_backward(dA, relu_cache)", "dZ = relu_backward(dA, relu_cache)",
             "no ReLU", ("❌ relu_backward",)),
            ("dA, dW, db = dense_backward(dZ, dense_cache)", "_, dW, db = dense_backward(dZ, dense_cache)",
             "hand each layer's dX on", ("❌ relu_backward",)),
            ("dZ = dA if relu_cache is None else relu_backward(dA, relu_cache)", "dZ = dA", "mask is missing", ()),
        ],
        "leaky_relu_backward": [("np.where(Z > 0, 1.0, alpha)", "np.where(Z > 0, 1.0, 0.0)", "else alpha", ()),
                                ("return dA * np.where(Z > 0, 1.0, alpha)", "dA[Z <= 0] *= alpha\n    return dA",
                                 "changed dA in place", ())],
        "dW_by_examples": [("np.outer(X[n], dZ[n])", "np.outer(dZ[n], X[n])", "transpose", ())],
        "grad_shapes": [('"dW2": (20, 15)', '"dW2": (15, 20)', "dW2 is", ())],
    },
    "05": {
        "softmax": [  # the issue: "which operand needs a .T?"
            ("np.exp(Z - Z.max(axis=1, keepdims=True))", "np.exp(Z - Z.max(axis=1))", "keepdims", (".T",)),
            ("return -np.sum(Y * log_softmax(Z)) / len(Z)", "return -np.sum(Y * log_softmax(Z))", "division by N", ()),
            ("np.exp(Z - Z.max(axis=1, keepdims=True))", "np.exp(Z)", "shift each row by its own maximum", (QUIET,)),
        ],
        "SoftmaxCrossEntropy": [("return (P - Y) / len(P)", "return P - Y", "division by N", ()),
                                # the walk: NumPy's warnings added 4 lines before the ❌
                                ("        P = np.clip(P, 1e-12, 1.0)          # 0 * log(0) would be nan\n", "",
                                 "clip P", (QUIET,))],
        "bce_backward": [("return (p - y) / len(z)", "return (y - p) / len(z)", "wrong sign", ())],
        "expected_initial_loss": [("return np.log(K)", "return 1 / K", "expected", ("factor",))],  # the issue: a scalar
        "softmax_ce_op_by_op": [
            ("dcounts = dP / counts_sum + dcounts_sum", "dcounts = dP / counts_sum", "two paths", ()),
            ("(dP * -counts / counts_sum ** 2).sum(axis=1, keepdims=True)", "dP * -counts / counts_sum ** 2",
             "sum backward", ()),
            ("dP = dlogP / P", "dP = dlogP * P", "local derivative of log", ()),
            ("dZ = dcounts * counts", "dZ = dcounts", "local derivative of exp", ()),
        ],
    },
    "06": {
        "MyGD": [("p -= self.lr * g", "p = p - self.lr * g", "in place", ()),
                 ("p -= self.lr * g", "p += self.lr * g", "uphill", ("in place",))],   # the walk: "in place"
        "MyMomentum": [  # the issue: self.v never created, a 24-line traceback
            ("        if self.v is None:\n            self.v = [np.zeros_like(p) for p in params]\n", "",
             "still None", ()),
            ("p -= self.lr * v", "p -= self.lr * g", "velocity", ()),
        ],
        "MyAdam": [  # the issue: both passed
            ("np.sqrt(v_hat) + self.eps", "np.sqrt(v_hat + self.eps)", "outside the square root", ()),
            ("        self.t += 1\n        b1, b2 = self.beta1, self.beta2\n"
             "        for p, g, m, v in zip(params, grads, self.m, self.v):\n",
             "        b1, b2 = self.beta1, self.beta2\n"
             "        for p, g, m, v in zip(params, grads, self.m, self.v):\n            self.t += 1\n",
             "t counts steps", ()),
            ("m_hat = m / (1 - b1**self.t)\n            v_hat = v / (1 - b2**self.t)",
             "m_hat = m\n            v_hat = v", "bias", ()),
            ("        if self.m is None:\n", "        if True:\n", "carry over", ()),
        ],
        "standardize": [("return (v - v.mean()) / v.std()", "return (v - v.mean()) / v.std(ddof=1)", "population std", ())],
        "MyNesterov": [("p -= self.lr * (g + self.beta * v)", "p -= self.lr * v", "look-ahead", ())],
    },
    "07": {
        "LRFinder": [
            ("(t / (self.steps - 1))", "(t / self.steps)", "multiplied steps - 1 times", ()),
            ("t = len(self.rates)", "t = len(self.rates) + 1", "one step ahead", ()),
            ("self.lr_min * (self.lr_max / self.lr_min) ** (t / (self.steps - 1))",
             "self.lr_min + (self.lr_max - self.lr_min) * t / (self.steps - 1)", "same factor at each step", ()),
            ("4 * min(self.losses)", "4 * self.losses[0]", "the lowest loss so far, not the first", ()),
            (" or len(self.rates) == self.steps", "", "stop after `steps` steps", ("lowest",)),
            ("        self.losses.append(logs[\"loss\"])\n", "", "record the loss before comparing", ()),
        ],
        "step_decay": [("if progress < 0.5:", "if progress <= 0.5:", "0.5 already gets 0.1", ())],
    },
    "08": {
        "fix_dense_backward": [("dX = dZ @ W.T", "dX = dZ @ W", "uses W as it is", ())],
        "fix_MyReLU": [("return dA * (Z > 0)", "return dA", "straight through", ()),
                       ("return dA * (Z > 0)", "dA[Z <= 0] = 0\n        return dA", "changed dA in place", (ALONE,))],
        "DenseFixedDb": [("self.db = dZ.sum(axis=0)", "self.db = dZ.mean(axis=0)", "That is the mean", ())],
        "DenseFixedDW": [("self.dW = X.T @ dZ", "self.dW = X.T @ dZ / len(X)", "divided by N", ())],
        "MySGD": [("p -= self.lr * g", "p += self.lr * g", "uphill", ()),
                  ("p -= self.lr * g", "p = p - self.lr * g", "in place", ())],
        "crosses_kink": [("return (Z - h > 0) != (Z + h > 0)", "return np.abs(Z) < 1e-5", "use the argument", ())],
        "bughunt": [  # the blind hunt: a finding the tools contradict gets the tool that shows it, never the answer
            ('"LayerA": "db factor"', '"LayerA": "db formula"', "ratio numerical / analytic", ("factor'",)),
            ('"LayerC": "dX formula"', '"LayerC": "dW formula"', "only the middle layer's dX reaches", ()),
            ('"OptimizerB": "step"', '"OptimizerB": "right"', "step check", ()),
            # the walk: a ✅ per part, then the first wrong part only, though the text says every part is graded
            ('"OptimizerB": "step"}', '"OptimizerB": "right", "LayerB": "dW factor"}',
             "5 of 7 parts right: not yet. Not what the tools say for LayerB, OptimizerB. For LayerB, check_gradients",
             (ALONE,)),
        ],
    },
    "09": {
        "train_loop": [
            ("    for epoch in range(epochs):\n        order = rng.permutation(len(X))          # a new order every epoch\n",
             "    order = rng.permutation(len(X))\n    for epoch in range(epochs):\n", "new random order every epoch", ()),
            ("            optimizer.progress = t / (epochs * steps_per_epoch)\n", "", "optimizer.progress", ()),
            ("* len(batch)", "* batch_size", "short last batch", ()),
            # the walk: the plain mean of the batch losses got a ✅ for the steps, then a ❌ for the losses
            ("* len(batch)", "* len(X) / steps_per_epoch", "short last batch", (ALONE,)),
            ("order[step * batch_size:(step + 1) * batch_size]", "order[step:step + batch_size]",
             "consecutive batches", ()),
        ],
        "RecordLR": [("self.rates = []", "pass", "Create that attribute", ())],  # the issue: 39 lines from fit
        "split": [("fit_idx, val_idx = order[n_val:], order[:n_val]", "fit_idx, val_idx = order[n_val:], order[-n_val:]",
                   "disjoint", ())],
    },
    "10": {
        "precision": [("C.diagonal() / C.sum(axis=0)", "C.diagonal() / C.sum(axis=1)", "column j", ())],
    },
    "11": {
        "MyBatchNorm": [
            ("X.var(axis=0)", "X.var(axis=0, ddof=1)", "population variance", ()),
            ("mean, var = self.running_mean, self.running_var", "mean, var = X.mean(axis=0), X.var(axis=0)",
             "running averages", ()),
            ("return (dX_hat - dX_hat.mean(axis=0) - X_hat * (dX_hat * X_hat).mean(axis=0)) * inv_std",
             "return dX_hat * inv_std", "held constant", ()),
            ("self.running_mean = m * self.running_mean + (1 - m) * mean",
             "self.running_mean = (1 - m) * self.running_mean + m * mean", "share `momentum`", ()),
        ],
        "MyDropout": [
            ("(self.rng.random(X.shape) >= self.p) / (1 - self.p)", "(self.rng.random(X.shape) >= self.p) * 1.0",
             "1 / (1 - p)", ()),
            ("self.rng.random(X.shape) >= self.p", "self.rng.random(X.shape) < self.p", "not of keeping it", ()),
            ("return dA if self.mask is None else dA * self.mask", "return dA", "keep that pass's mask", ()),
            ("return dA if self.mask is None else dA * self.mask",     # the walk's hole, in 11: dA written in place
             "if self.mask is not None:\n            dA *= self.mask\n        return dA", "changed dA in place", ()),
            ("        if not self.training:\n            self.mask = None\n            return X\n", "",
             "passes every unit unchanged", ()),
        ],
    },
    "12": {
        "shift": [
            ("(x + dx, y + dy)", "(x + dx, y + dx)", "Every point", ()),
            # the walk: one flat list of points got ✅ and then a 35-line traceback from strokes_to_mnist
            ("[[(x + dx, y + dy) for x, y in stroke] for stroke in strokes]",
             "[(x + dx, y + dy) for stroke in strokes for x, y in stroke]", "Keep the strokes apart", (ALONE,)),
            ("[[(x + dx, y + dy) for x, y in stroke] for stroke in strokes]",
             "(np.array(strokes) + [dx, dy]).tolist()", "different lengths", ()),
        ],
    },
    "13": {
        "mixed_batch": [
            ("X, y = augment(X_own[pick], rng), y_own[pick]", "X, y = X_own[pick], y_own[pick]", "Vary each picked", ()),
            ("np.concatenate([y, replay[1][r]])",
             "np.concatenate([y, replay[1][rng.integers(len(replay[1]), size=replay_batch)]])", "same random indices", ()),
            ("    if replay is not None:\n", "    if False:\n", "then `replay_batch` replayed", ()),
            ("np.concatenate([X, replay[0][r]]), np.concatenate([y, replay[1][r]])",
             "np.concatenate([replay[0][r], X]), np.concatenate([replay[1][r], y])", "Your examples come first", ()),
        ],
        "shift_images": [
            ("    out = np.zeros(images.shape, images.dtype)\n", "    return np.roll(images, (dy, dx), axis=(1, 2))\n",
             "wrap-around", ()),
            ("    n, h, w = images.shape\n", "    n, h, w = images.shape\n    dx, dy = dy, dx\n", "moved dy pixels right", ()),
            ("    n, h, w = images.shape\n", "    n, h, w = images.shape\n    dx, dy = -dx, -dy\n", "the other way", ()),
            ("out = np.zeros(images.shape, images.dtype)", "out = images.copy()", "old pixels stayed", ()),
            ("out = np.zeros(images.shape, images.dtype)", "out = images", "changed the images it was given", ()),
        ],
        "rotate_images": [
            ("+ np.sin(theta) * rows + centre       # turned back by theta: where it came from\n    ys = -np.sin(theta)",
             "- np.sin(theta) * rows + centre\n    ys = np.sin(theta)", "forward map", ()),
            ("ys = -np.sin(theta) * cols", "ys = np.sin(theta) * cols", "each sign", ()),
            ("np.deg2rad(np.broadcast_to(degrees, (n,)))", "np.broadcast_to(degrees, (n,)).astype(float)", "radians", ()),
            ("centre = (s - 1) / 2", "centre = 0", "about a corner", ()),
            ("centre = (s - 1) / 2", "centre = s / 2", "half-way between pixels 13 and 14", ()),
            ("bilinear(images, xs, ys).reshape(n, s, s)", "bilinear(images, xs, ys)", "one s x s image out", ()),
        ],
        "thicken": [
            ("[(1, 0), (-1, 0), (0, 1), (0, -1)]", "[(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)]",
             "diagonal", ()),
            ("np.maximum.reduce([images, *neighbours])", "np.sum([images, *neighbours], axis=0)", "not their sum", ()),
            ("np.maximum.reduce([images, *neighbours])", "np.maximum.reduce(neighbours)", "The dot itself", ()),
            ("shift_images(images, dx, dy)", "np.roll(images, (dy, dx), axis=(1, 2))", "wrap-around", ()),
            ("    neighbours = [shift_images(images, dx, dy) for dx, dy in [(1, 0), (-1, 0), (0, 1), (0, -1)]]\n"
             "    return np.maximum.reduce([images, *neighbours])\n",
             "    for dx, dy in [(1, 0), (-1, 0), (0, 1), (0, -1)]:\n"
             "        np.maximum(images, shift_images(images, dx, dy), out=images)\n    return images\n",
             "changed the images it was given", ()),
        ],
        "my_augment": [
            ("rng.uniform(-15, 15, n)", "np.random.uniform(-15, 15, n)", "from rng", ()),
            ("rng.uniform(-15, 15, n)", "rng.uniform(-90, 90, n)", "Too strong", ()),
            ("images = rotate_images(X.reshape(n, 28, 28), rng.uniform(-15, 15, n))", "images = X.reshape(n, 28, 28)",
             "changed the batch it was given", ()),
            ("    return images.reshape(n, 784)", "    return X.copy()", "came back unchanged", ()),
        ],
    },
}

#: Notebook 09's gate: mistakes in the learner's files, planted in notebook 04's / 06's %%writefile cells.
#: The issue: an extra /N in dW reached 96.40 % ✅; a typo fell back to the library's parts with ✅.
GATE_MISTAKES = [
    ("my_layers", "self.dW = X.T @ dZ", "self.dW = X.T @ dZ / len(X)", "division by N", ()),
    ("my_layers", "self.db = dZ.sum(axis=0)", "self.db = dz.sum(axis=0)", "my_layers.py line", ("✅",)),
    ("my_layers", "        return dA * (Z > 0)", "        return dA * (Z < 0)", "MyReLU (my_layers.py): backward",
     ("MyDense",)),
    ("my_optim", "np.sqrt(v_hat) + self.eps", "np.sqrt(v_hat + self.eps)", "outside the square root", ()),
    ("my_layers", "        return dA * (Z > 0)", "        dA[Z <= 0] = 0\n        return dA", "changed dA in place", ()),
]

#: Cells the checks do not need and that take long (notebook 09's full trainings); skipped by a text they hold.
SKIP = {"09": ("net_mine", "history_fit", "net_recipe", "net_to_save", "split(X_train", "val_acc")}
ROOT = Path(__file__).resolve().parents[1]


def cells(path):
    return json.loads(Path(path).read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def grade_id(cell):
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


class Kernel:
    """One IPython kernel in the student folder; ``run(code)`` returns its outputs as (kind, text)."""

    def __init__(self, cwd):
        self.manager = jupyter_client.KernelManager(kernel_name="python3")
        self.manager.start_kernel(cwd=str(cwd), env={**os.environ, "MPLBACKEND": "agg"})
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code, timeout=300):
        outputs = []

        def keep(msg):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append((content["name"], content["text"]))
            elif kind == "error":
                outputs.append(("error", content["traceback"]))

        self.client.execute_interactive(code, timeout=timeout, output_hook=keep, allow_stdin=False, stop_on_error=False)
        return outputs

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def student_copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("student")
    written, kept = student.make_student_copy(folder)
    assert written and not kept
    return folder


def solution_statements(teacher_cells):
    """The statements between a notebook's solution markers, as a hint would quote them (12 characters or more)."""
    found, inside = [], False
    for cell in teacher_cells:
        for line in source(cell).splitlines():
            if "### BEGIN SOLUTION" in line or "### END SOLUTION" in line:
                inside = "BEGIN" in line
            elif inside and not line.strip().startswith("#"):
                statement = line.split("  #")[0].strip().removeprefix("return ").strip()
                if len(statement) >= 12:
                    found.append(statement)
    return found


def plant(teacher_source, old, new):
    assert old in teacher_source, f"the teacher's solution no longer holds {old!r}: update the catalogue"
    return teacher_source.replace(old, new)


def verdict(outputs):
    """The error line of a check cell's outputs (the cell must end in exactly one one-line error)."""
    errors = [text for kind, text in outputs if kind == "error"]
    printed = "".join(text for kind, text in outputs if kind == "stdout")
    assert len(errors) == 1, f"expected one ❌, got {len(errors)} errors; printed:\n{printed}"
    (traceback,) = errors
    assert len(traceback) == 1, "a stack dump:\n" + "\n".join(traceback)[-2000:]
    line = traceback[0]
    assert line.startswith("❌") and len(line.splitlines()) <= 3, line
    return line


def run_notebook(prefix, folder):
    """Run the student notebook ``prefix`` with every planted mistake; return ``[(what, ❌ line or failure)]``."""
    teacher_path = next((ROOT / "notebooks").glob(f"{prefix}_*.ipynb"))
    teacher, learner = cells(teacher_path), cells(folder / teacher_path.name)
    assert [grade_id(c) for c in teacher] == [grade_id(c) for c in learner]
    mistakes = MISTAKES.get(prefix, {})
    quoted = solution_statements(teacher)
    results, kernel = [], Kernel(folder)

    def planted(what, code, check_code, hint, never):
        kernel.run(code)
        outputs = kernel.run(check_code)
        try:
            line = verdict(outputs)
            assert hint in line, f"hint {hint!r} missing"
            assert not any(word in line for word in never), f"holds one of {never}"
            printed = "".join(text for kind, text in outputs if kind == "stdout")
            assert ALONE not in never or "✅" not in printed, f"a ✅ before the ❌:\n{printed}"
            warned = "".join(text for kind, text in outputs if kind == "stderr")
            assert QUIET not in never or "Warning" not in warned, f"a warning before the ❌:\n{warned}"
            hint_only = re.sub(r" at `.*?` \(", " (", line)            # the learner's own line may be quoted
            assert not [q for q in quoted if q in hint_only], "quotes a line of the solution"
            results.append((what, line))
        except AssertionError as failure:
            results.append((what, f"FAILED: {failure}\n{outputs}"))

    try:
        if prefix == "09":   # the learner's files, as notebooks 04-06 write them
            for other in ("04", "05", "06"):
                for cell in cells(next((ROOT / "notebooks").glob(f"{other}_*.ipynb"))):
                    if source(cell).startswith("%%writefile my_"):
                        kernel.run(source(cell))
        files = {source(c).split()[1][:-3]: source(c) for other in ("04", "06")
                 for c in cells(next((ROOT / "notebooks").glob(f"{other}_*.ipynb")))
                 if source(c).startswith("%%writefile my_")}
        i = 0
        while i < len(teacher):
            cell = teacher[i]
            if cell["cell_type"] != "code" or any(text in source(cell) for text in SKIP.get(prefix, ())):
                i += 1
                continue
            if grade_id(cell) == "check_your_parts":
                for module, old, new, hint, never in GATE_MISTAKES:
                    planted(f"09 your_parts: {module}: {new.strip()}", plant(files[module], old, new), source(cell),
                            hint, never)
                    kernel.run(files[module])
            name = grade_id(cell)
            if cell["metadata"].get("nbgrader", {}).get("solution") and name in mistakes:
                j = next(k for k in range(i + 1, len(teacher)) if teacher[k]["metadata"].get("nbgrader", {}).get("grade"))
                for between in teacher[i:j]:
                    if between["cell_type"] == "code":
                        kernel.run(source(between))
                for old, new, hint, never in mistakes[name]:
                    planted(f"{prefix} {name}: {old.strip()!r} -> {new.strip()!r}", plant(source(cell), old, new),
                            source(learner[j]), hint, never)
                kernel.run(source(cell))
                i = j
                continue
            kernel.run(source(cell) if cell["metadata"].get("nbgrader", {}).get("solution") else source(learner[i]))
            i += 1
    finally:
        kernel.close()
    return results


@pytest.mark.parametrize("prefix", sorted(MISTAKES))
def test_every_planted_mistake_gets_one_right_line(prefix, student_copy):
    results = run_notebook(prefix, student_copy)
    expected = sum(len(v) for v in MISTAKES[prefix].values()) + (len(GATE_MISTAKES) if prefix == "09" else 0)
    assert len(results) == expected, [what for what, _ in results]
    failed = [f"{what}: {line}" for what, line in results if line.startswith("FAILED")]
    assert not failed, "\n\n".join(failed)


def test_the_catalogue_has_at_least_40_mistakes():
    assert sum(len(v) for nb in MISTAKES.values() for v in nb.values()) + len(GATE_MISTAKES) >= 40
