"""``Net``: a stack of dense layers, a loss, and the loops that train them."""
from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from . import __version__
from ._io import atomic_write
from .activations import ACTIVATIONS, Softmax, get_activation
from .callbacks import History, ProgressBar, call
from .layers import Dense, InLayer
from .losses import LOSSES, CrossEntropyLoss, get_loss
from .optim import SGD, Adam, get_optimizer

FORMAT = "scratchnn.Net/1"


def default_optimizer():
    """The documented default recipe of ``fit``: Adam, lr 3e-3 with cosine decay to 0, weight decay 0.05."""
    return Adam(lr=3e-3, weight_decay=0.05, schedule="cosine")


class Net:
    """A feed-forward net, built the way the seed project built it::

        net = Net([
            InLayer(units=784),
            Dense(units=20, activation=ReLU),
            Dense(units=10, activation=Softmax),
        ], cost_function=CrossEntropyLoss, seed=0)

    ``seed`` fixes the initial weights; ``dtype`` is float32 for training speed
    (use ``astype(np.float64)`` for gradient checks).
    """

    def __init__(self, layers, cost_function=CrossEntropyLoss, seed=None, dtype=np.float32):
        layers = list(layers)
        if not layers or not isinstance(layers[0], InLayer):
            raise ValueError(
                "the first layer must be InLayer(units=...) declaring the input width, "
                f"got {layers[0] if layers else 'no layers'!r}"
            )
        if len(layers) < 2 or not all(isinstance(layer, Dense) for layer in layers[1:]):
            bad = [layer for layer in layers[1:] if not isinstance(layer, Dense)]
            raise ValueError(f"after InLayer every layer must be a Dense, got {bad or 'none'!r}")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.layers = layers
        self.loss = get_loss(cost_function)
        self.seed = seed
        self.metadata = {}
        rng = np.random.default_rng(seed)
        fan_in = layers[0].units
        for layer in self.dense:
            layer.build(fan_in, rng, self.dtype)
            fan_in = layer.units
        self._flat()

    # ----------------------------------------------------------------- shape
    @property
    def dense(self):
        return self.layers[1:]

    @property
    def n_inputs(self):
        return self.layers[0].units

    @property
    def n_outputs(self):
        return self.layers[-1].units

    @property
    def fused(self):
        """True when the last softmax and the cross-entropy loss are differentiated together."""
        return isinstance(self.layers[-1].activation, Softmax) and isinstance(self.loss, CrossEntropyLoss)

    def params(self):
        """``[W1, b1, W2, b2, ...]``: the arrays themselves (updates are in place)."""
        return [p for layer in self.dense for p in layer.params]

    def grads(self):
        """``[dW1, db1, ...]`` from the last ``backward``, in the order of ``params()``."""
        return [g for layer in self.dense for g in layer.grads]

    def _flat(self):
        """All parameters as one flat array that the layers' ``W``, ``b`` are views of (and the same for grads).

        The optimizer then makes its dozen NumPy calls once per step instead of
        once per array (8 arrays for the seed net). Built with the net, so
        ``W1 = net.dense[0].W`` keeps seeing the trained weights; rebuilt only if
        a layer's array was replaced by hand (``layer.W = layer.W - ...``).
        Returns ``(theta, grad, weights)``: the weights come first, then the
        biases, so ``theta[weights]`` is every weight (what weight decay shrinks).
        """
        flat = getattr(self, "_flat_arrays", None)
        if flat is not None:
            theta, grad, _ = flat
            if all(l.W.base is theta and l.b.base is theta and l.dW.base is grad and l.db.base is grad
                   for l in self.dense):
                return flat
        order = [(layer, "W") for layer in self.dense] + [(layer, "b") for layer in self.dense]
        theta = np.concatenate([getattr(layer, name).ravel() for layer, name in order])
        grad = np.zeros_like(theta)
        start = 0
        for layer, name in order:
            shape = getattr(layer, name).shape
            stop = start + math.prod(shape)
            setattr(layer, name, theta[start:stop].reshape(shape))
            setattr(layer, "d" + name, grad[start:stop].reshape(shape))
            start = stop
        weights = slice(0, sum(layer.W.size for layer in self.dense))
        self._flat_arrays = (theta, grad, weights)
        return self._flat_arrays

    def param_names(self):
        return [f"{name}{i}" for i in range(1, len(self.dense) + 1) for name in ("W", "b")]

    def count_params(self):
        return sum(p.size for p in self.params())

    # ------------------------------------------------------- forward/backward
    def forward(self, X):
        """Run ``X`` (N, n_inputs) through every layer; return the last activation ``A``.

        Each layer caches what its backward pass needs.
        """
        A = X
        for layer in self.dense:
            A = layer.forward(A)
        return A

    def backward(self, Y):
        """Backpropagate from the loss of the last ``forward``; return that loss.

        ``Y`` holds the targets: a float matrix shaped like the output (one-hot
        rows), or int class labels, which are turned into one (see ``targets``).
        Fills every layer's ``dW`` and ``db``.
        """
        last = self.layers[-1]
        if last.cache is None:
            raise ValueError("backward needs the caches of a forward pass: call net.forward(X) first")
        _, Z, A = last.cache
        if not (isinstance(Y, np.ndarray) and Y.shape == A.shape and Y.dtype == A.dtype):
            Y = self.targets(Y, len(A), name="Y")
        if self.fused:  # softmax + cross-entropy: the loss from the probabilities A, the fused gradient
            loss = self.loss.forward_softmax(A, Z, Y)
            dX = last.backward(dZ=self.loss.backward_logits(A, Y), need_dX=len(self.dense) > 1)
        else:
            loss = self.loss.forward(A, Y)
            dX = last.backward(self.loss.backward(A, Y), need_dX=len(self.dense) > 1)
        for i in range(len(self.dense) - 2, -1, -1):
            dX = self.dense[i].backward(dX, need_dX=i > 0)
        return loss

    def loss_and_grads(self, X, y):
        """One forward + backward pass on ``(X, y)``; return the loss. Gradients land in ``grads()``."""
        X = self._inputs(X)
        Y = self.targets(y, len(X))
        self.forward(X)
        return self.backward(Y)

    # --------------------------------------------------------------- training
    def fit(self, X, y, epochs=20, batch_size=64, optimizer=None, validation_data=None,
            callbacks=None, seed=None, shuffle=True, verbose=False, augment=None):
        """Train with mini-batches; return a ``History``.

        The defaults are the recipe measured in ``benchmarks/accuracy.py``: 20
        epochs of batches of 64, Adam with lr 3e-3 decayed to 0 by a cosine
        schedule and decoupled weight decay 0.05 (``optimizer=None``); the seed's
        784-20-15-15-10 net reaches about 96.7% MNIST test accuracy with it in
        under 5 seconds. ``optimizer`` may also be an
        instance (``Momentum(lr=0.05, nesterov=True)``) or a name (``"sgd"``;
        a name gets that optimizer's own defaults: ``"adam"`` is ``Adam(lr=1e-3)``
        with a constant rate, not the default recipe).
        ``seed`` fixes the order of the batches (and any augmentation).
        ``augment`` is a function ``(X_batch, rng) -> X_batch`` applied to each
        training batch, e.g. ``scratchnn.augment.Augment()``. If the loss becomes NaN or inf,
        training stops with ``FloatingPointError`` and the weights from the start
        of that epoch are restored.
        """
        X = self._inputs(X, name="X", warn_scale=True)
        Y = self.targets(y, len(X))
        epochs = _count(epochs, "epochs", minimum=0)
        batch_size = _count(batch_size, "batch_size", minimum=1)
        optimizer = default_optimizer() if optimizer is None else get_optimizer(optimizer)
        if augment is not None and not callable(augment):
            raise ValueError(f"augment must be a function (X_batch, rng) -> X_batch, got {augment!r}")
        validation = None
        if validation_data is not None:
            if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
                raise ValueError("validation_data must be a pair (X_val, y_val), "
                                 f"got {type(validation_data).__name__}")
            X_val = self._inputs(validation_data[0], name="X_val")
            validation = (X_val, self.targets(validation_data[1], len(X_val), name="y_val"))
        history = History()
        callbacks = [history, *(callbacks or [])]
        if verbose:
            callbacks.append(ProgressBar())
        steps = math.ceil(len(X) / batch_size)
        call(callbacks, "on_train_begin", self, {
            "epochs": epochs, "steps_per_epoch": steps, "batch_size": batch_size,
            "optimizer": optimizer, "samples": len(X)})
        try:
            # A diverging run is reported once, clearly, by _train's finite-loss
            # check instead of as a stream of NumPy overflow warnings. One BLAS
            # thread: these matrices are too small to share out, and on a busy
            # machine (a class on one JupyterHub) extra BLAS threads spin and wait
            # and made an epoch 10x slower here.
            with np.errstate(over="ignore", invalid="ignore"), threadpool_limits(1, user_api="blas"):
                self._train(X, Y, epochs, batch_size, optimizer, callbacks,
                            np.random.default_rng(seed), shuffle, validation, augment)
        finally:
            call(callbacks, "on_train_end", history)
        return history

    def _train(self, X, Y, epochs, batch_size, optimizer, callbacks, rng, shuffle, validation, augment):
        n = len(X)
        steps = math.ceil(n / batch_size)
        total = max(epochs * steps, 1)
        theta, grad, weights = self._flat()
        params, grads, decay = [theta], [grad], [weights]
        labels = Y.argmax(axis=1)
        # Rows of a small identity matrix instead of rows of Y: with one-hot targets (always, for
        # class labels) that is the same Yb, read from 10 rows in cache instead of all of Y.
        eye = np.eye(Y.shape[1], dtype=Y.dtype)
        one_hot = np.array_equal(eye[labels], Y)
        for epoch in range(1, epochs + 1):
            saved = theta.copy()
            order = rng.permutation(n) if shuffle else np.arange(n)
            loss_sum = correct = 0.0
            for step in range(1, steps + 1):
                idx = order[(step - 1) * batch_size: step * batch_size]
                yb = labels[idx]
                Xb, Yb = X[idx], (eye[yb] if one_hot else Y[idx])
                if augment is not None:
                    Xb = augment(Xb, rng)
                P = self.forward(Xb)
                loss = self.backward(Yb)
                progress = ((epoch - 1) * steps + step - 1) / total
                lr = optimizer.current_lr(progress)
                if not math.isfinite(loss):
                    theta[...] = saved
                    raise FloatingPointError(
                        f"loss became {loss} at epoch {epoch}, step {step} (lr={lr:.3g}); weights restored "
                        f"to the start of epoch {epoch}. Try a smaller learning rate.")
                optimizer.step(params, grads, progress, decay)
                batch_correct = int(np.count_nonzero(P.argmax(1) == yb))
                loss_sum += loss * len(idx)
                correct += batch_correct
                call(callbacks, "on_step_end", epoch, step,
                     {"loss": loss, "accuracy": batch_correct / len(idx), "lr": lr})
            logs = {"loss": loss_sum / n, "accuracy": correct / n}
            if validation is not None:
                val = self._evaluate(*validation)
                logs["val_loss"], logs["val_accuracy"] = val["loss"], val["accuracy"]
            logs["lr"] = optimizer.current_lr(epoch * steps / total)
            call(callbacks, "on_epoch_end", epoch, logs)

    def gradient_descent(self, X, Y, alpha=0.01, epochs=100, batch_size=256, seed=None, verbose=False):
        """The seed project's trainer: plain mini-batch gradient descent with step size ``alpha``.

        Same argument names as the seed's ``net.gradient_descent``; it is
        ``fit`` with ``SGD(lr=alpha)``.
        """
        return self.fit(X, Y, epochs=epochs, batch_size=batch_size, optimizer=SGD(lr=alpha),
                        seed=seed, verbose=verbose)

    # -------------------------------------------------------------- inference
    def predict_proba(self, X, batch_size=8192):
        """Outputs of the last layer (class probabilities after a softmax).

        Accepts one example ``(n_inputs,)`` or a batch ``(n, n_inputs)``; always
        returns 2-D ``(n, n_outputs)``.
        """
        X = self._inputs(X, allow_1d=True)
        if len(X) <= batch_size:
            return self.forward(X)
        return np.concatenate([self.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)])

    def predict(self, X):
        """Predicted class for each row of ``X``, shape ``(n,)``."""
        return self.predict_proba(X).argmax(axis=1)

    def evaluate(self, X, y):
        """``{"loss": mean loss, "accuracy": fraction correct}`` on ``(X, y)``."""
        X = self._inputs(X)
        return self._evaluate(X, self.targets(y, len(X)))

    def _evaluate(self, X, Y, batch_size=8192):
        loss_sum, correct = 0.0, 0
        for i in range(0, len(X), batch_size):
            Xb, Yb = X[i:i + batch_size], Y[i:i + batch_size]
            A = self.forward(Xb)
            if self.fused:  # from the logits Z by log-sum-exp: exactly the notebooks' formula
                loss = self.loss.forward_logits(self.layers[-1].cache[1], Yb)
            else:
                loss = self.loss.forward(A, Yb)
            loss_sum += loss * len(Xb)
            correct += int(np.count_nonzero(A.argmax(1) == Yb.argmax(1)))
        return {"loss": loss_sum / len(X), "accuracy": correct / len(X)}

    # ------------------------------------------------------------- validation
    def _inputs(self, X, name="X", allow_1d=False, warn_scale=False):
        """``X`` as a C-contiguous 2-D array of the net's dtype, or a ValueError saying why not.

        ``warn_scale=True`` (``fit``) also warns, at the caller of ``fit``, when ``X`` looks unscaled.
        """
        X = np.asarray(X)
        width = self.n_inputs
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
        X = np.ascontiguousarray(X, dtype=self.dtype)
        lo, hi = float(X.min()), float(X.max())  # NaN or inf would show here; no |X|-sized mask
        if not (math.isfinite(lo) and math.isfinite(hi)):
            bad = int(np.count_nonzero(~np.isfinite(X)))
            raise ValueError(f"{name} must be finite, got {bad} NaN/inf value(s)")
        if warn_scale and max(hi, -lo) > 10:
            warnings.warn(f"{name} has values up to {max(hi, -lo):.4g}; nets train far better on inputs of "
                          "about [0, 1] or [-1, 1]: scale them (MNIST pixels: X / 255) or standardize them",
                          UserWarning, stacklevel=3)
        return X

    def targets(self, y, n, name="y"):
        """Targets as a float matrix ``(n, n_outputs)``.

        Classification: class indices ``(n,)`` in ``0..n_outputs-1`` or one-hot rows.
        MSE also takes any float matrix ``(n, n_outputs)`` (regression).
        """
        y = np.asarray(y)
        k = self.n_outputs
        if y.ndim == 0 or len(y) != n:
            raise ValueError(f"{name} must have one entry per example: expected length {n}, got shape {y.shape}")
        if y.ndim == 1 and k == 1 and not isinstance(self.loss, CrossEntropyLoss) and np.issubdtype(y.dtype, np.number):
            y = y.reshape(-1, 1)
        if y.ndim == 1:
            if not np.issubdtype(y.dtype, np.integer):
                raise ValueError(f"{name} must hold int class labels in 0..{k - 1} (or one-hot rows), got {y.dtype}")
            if y.min() < 0 or y.max() >= k:
                raise ValueError(f"{name} must hold class labels in 0..{k - 1}, got values from {y.min()} to {y.max()}")
            Y = np.zeros((n, k), dtype=self.dtype)
            Y[np.arange(n), y] = 1
            return Y
        if y.ndim == 2 and y.shape[1] == k and (np.issubdtype(y.dtype, np.number) or y.dtype == np.bool_):
            Y = np.ascontiguousarray(y, dtype=self.dtype)
            if not np.isfinite(Y).all():
                raise ValueError(f"{name} must be finite, got NaN/inf")
            if isinstance(self.loss, CrossEntropyLoss) and not (
                    (Y >= 0).all() and np.allclose(Y.sum(axis=1), 1, atol=1e-3)):
                raise ValueError(f"{name} one-hot rows must be >= 0 and sum to 1 for cross-entropy")
            return Y
        raise ValueError(
            f"{name} must be int labels of shape ({n},) or one-hot rows of shape ({n}, {k}), "
            f"got shape {y.shape} and dtype {y.dtype}"
        )

    # ------------------------------------------------------------ description
    def summary(self):
        """Layers, output shapes and parameter counts, as text (prints nicely as a cell's last value)."""
        rows = [("layer", "output shape", "params"), ("InLayer", f"(N, {self.n_inputs})", "0")]
        for i, layer in enumerate(self.dense, 1):
            act = type(layer.activation).__name__
            rows.append((f"Dense {i} ({act})", f"(N, {layer.units})", f"{layer.W.size + layer.b.size:,}"))
        widths = [max(len(r[c]) for r in rows) for c in range(3)]
        line = "-" * (sum(widths) + 4)
        fmt = lambda r: f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}"  # noqa: E731
        text = [fmt(rows[0]), line, *map(fmt, rows[1:]), line,
                f"total parameters: {self.count_params():,}    loss: {type(self.loss).__name__}    dtype: {self.dtype}"]
        return Text("\n".join(text))

    def architecture(self):
        """The layer sizes, e.g. ``[784, 20, 15, 15, 10]``."""
        return [layer.units for layer in self.layers]

    def __repr__(self):
        acts = ", ".join(type(l.activation).__name__ for l in self.dense)
        return f"<Net {'-'.join(map(str, self.architecture()))} ({acts}), {type(self.loss).__name__}>"

    def astype(self, dtype):
        """A copy of the net with parameters in ``dtype`` (e.g. float64 for gradient checks)."""
        clone = Net(_layers_from_spec(self._spec()["layers"]), cost_function=type(self.loss), dtype=dtype)
        for p, q in zip(clone.params(), self.params()):
            p[...] = q
        clone.metadata = dict(self.metadata)
        return clone

    def copy(self):
        return self.astype(self.dtype)

    # ----------------------------------------------------------------- saving
    def _spec(self):
        return {
            "format": FORMAT,
            "layers": [{"type": "InLayer", "units": self.n_inputs}] + [
                {"type": "Dense", "units": l.units, "activation": l.activation.name} for l in self.dense],
            "loss": self.loss.name,
        }

    def save(self, path, **metadata):
        """Write weights (``.npz``, arrays only) and JSON metadata; return the path.

        Extra keyword arguments (e.g. ``test_accuracy=0.963``) are stored in the
        metadata. The file is written to a temporary name and renamed, so a
        crash never leaves half a model behind.
        """
        path = Path(path)
        meta = {**self._spec(), "scratchnn_version": __version__, "dtype": str(self.dtype),
                "metadata": {**self.metadata, **metadata}}
        try:  # before the file is opened: bad metadata never touches the disk
            text = json.dumps(meta, default=_json_value)
        except (TypeError, ValueError) as e:
            raise ValueError(f"metadata must be JSON values (numbers, strings, lists, dicts): {e}") from None
        arrays = {name: p for name, p in zip(self.param_names(), self.params())}
        with atomic_write(path) as f:
            np.savez(f, __metadata__=np.array(text), **arrays)
        self.metadata = meta["metadata"]
        return path

    @classmethod
    def load(cls, path):
        """Read a model written by ``save``. Never unpickles: a file that needs it is refused.

        Everything is checked before it is used: the archive holds only plain
        numeric arrays, the metadata names known layers, activations and loss,
        and every array has the shape the architecture needs and finite values.
        """
        path = Path(path)
        arrays = _read_arrays(path)
        meta = arrays.pop("__metadata__", None)
        if meta is None or meta.dtype.kind != "U" or meta.ndim != 0:
            raise ValueError(f"{path}: missing the __metadata__ JSON string written by Net.save")
        try:
            meta = json.loads(str(meta))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: metadata is not valid JSON: {e}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"{path}: unknown format {meta.get('format') if isinstance(meta, dict) else meta!r}, expected {FORMAT!r}")
        loss = meta.get("loss")
        if not isinstance(loss, str) or loss not in LOSSES:
            raise ValueError(f"{path}: unknown loss {loss!r}, expected one of {sorted(LOSSES)}")
        dtype = meta.get("dtype", "float32")
        if dtype not in ("float32", "float64"):
            raise ValueError(f"{path}: unknown dtype {dtype!r}, expected float32 or float64")
        layers = _layers_from_spec(meta.get("layers"), path)
        # Shapes are checked before the net is built, so a file cannot make us
        # allocate more than it holds (metadata claiming 10^6 x 10^6 weights).
        units = [layer.units for layer in layers]
        expected = {}
        for i in range(1, len(units)):
            expected[f"W{i}"], expected[f"b{i}"] = (units[i - 1], units[i]), (units[i],)
        if set(arrays) != set(expected):
            missing, extra = sorted(set(expected) - set(arrays)), sorted(set(arrays) - set(expected))
            raise ValueError(f"{path}: arrays do not match the architecture: missing {missing}, unexpected {extra}")
        for name, shape in expected.items():
            a = arrays[name]
            if a.shape != shape:
                raise ValueError(f"{path}: {name} has shape {a.shape}, the architecture needs {shape}")
            if a.dtype.kind != "f":
                raise ValueError(f"{path}: {name} must hold floats, got dtype {a.dtype}")
            if not np.isfinite(a).all():
                raise ValueError(f"{path}: {name} must hold finite floats, got {np.count_nonzero(~np.isfinite(a))} NaN/inf")
        net = cls(layers, cost_function=loss, dtype=dtype)
        for name, p in zip(net.param_names(), net.params()):
            p[...] = arrays[name]
        extra = meta.get("metadata", {})
        net.metadata = extra if isinstance(extra, dict) else {}
        return net


# An .npz is a zip of .npy files; this bounds what a file may unpack to. The
# largest net in the notebooks needs about 0.5 MB.
MAX_MODEL_BYTES = 1 << 30


def _read_arrays(path):
    """``{name: array}`` from an ``.npz`` of plain arrays, or a ValueError saying what the file is instead."""
    with open(path, "rb") as f:  # FileNotFoundError passes through as is
        head = f.read(6)
    if not head:
        raise ValueError(f"{path}: the file is empty, expected an .npz archive written by Net.save")
    if head.startswith(b"\x93NUMPY"):
        raise ValueError(f"{path}: expected an .npz archive written by Net.save, got a single .npy array")
    if not head.startswith(b"PK"):
        raise ValueError(f"{path}: not a scratchnn model file: expected an .npz (zip) archive, the file starts with "
                         f"{head!r} (a pickle or another format; Net.load never unpickles)")
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception as e:  # zipfile.BadZipFile, OSError, ValueError, ...: all mean a broken archive
        raise ValueError(f"{path}: not a readable .npz archive (truncated or corrupt?): {e}") from None
    with archive:
        size = sum(info.file_size for info in archive.zip.infolist())
        if size > MAX_MODEL_BYTES:
            raise ValueError(f"{path}: unpacks to {size:,} bytes, more than the {MAX_MODEL_BYTES:,} a model may hold")
        arrays = {}
        for name in archive.files:
            try:
                arrays[name] = archive[name]
            except ValueError as e:
                if "allow_pickle" in str(e):  # object arrays need pickle: refuse them
                    raise ValueError(f"{path}: {name} is an object array, which would need pickle to load; "
                                     "refused (Net.load never unpickles)") from None
                raise ValueError(f"{path}: {name} is corrupt: {e}") from None
            except Exception as e:
                raise ValueError(f"{path}: {name} is corrupt: {e}") from None
            if not isinstance(arrays[name], np.ndarray):  # numpy hands back non-.npy members as bytes
                raise ValueError(f"{path}: {name} is not a NumPy array; an .npz written by Net.save holds only arrays")
    return arrays


def _json_value(x):
    """NumPy scalars and arrays as plain JSON values (``np.float32(0.96)`` -> ``0.96``)."""
    if isinstance(x, (np.generic, np.ndarray)):
        return x.tolist()
    raise TypeError(f"{type(x).__name__} {x!r} is not JSON serializable")


class Text(str):
    """A string that shows as itself (not quoted, newlines kept) as a notebook cell's value."""

    def __repr__(self):
        return str(self)


def _layers_from_spec(spec, path="spec"):
    if not isinstance(spec, list) or not spec:
        raise ValueError(f"{path}: metadata has no layer list")
    layers = []
    for i, entry in enumerate(spec):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: layer {i} is {entry!r}, expected an object")
        kind, units = entry.get("type"), entry.get("units")
        if not isinstance(units, int) or isinstance(units, bool) or not 0 < units <= 1_000_000:
            raise ValueError(f"{path}: layer {i} has units {units!r}, expected a positive int")
        if kind == "InLayer" and i == 0:
            layers.append(InLayer(units))
        elif kind == "Dense" and i > 0:
            act = entry.get("activation")
            if not isinstance(act, str) or act not in ACTIVATIONS:
                raise ValueError(f"{path}: layer {i} has unknown activation {act!r}, expected one of {sorted(ACTIVATIONS)}")
            layers.append(Dense(units, get_activation(act)))
        else:
            raise ValueError(f"{path}: layer {i} has type {kind!r}; expected "
                             f"{'InLayer' if i == 0 else 'Dense'}")
    return layers


def _count(value, name, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)
