"""``Net``: a stack of layers and a loss. The model only; ``training.fit`` trains it, ``io`` saves it."""
from __future__ import annotations

import copy

import numpy as np

from . import validation
from .activations import Softmax
from .layers import Dense, InLayer
from .losses import CrossEntropyLoss, MSELoss, get_loss


class Net:
    """A feed-forward net, built the way the seed project built it::

        net = Net([
            InLayer(units=784),
            Dense(units=20, activation=ReLU),
            Dense(units=10, activation=Softmax),
        ], cost_function=CrossEntropyLoss, seed=0)

    Any layer keeping the contract of ``scratchnn.layers`` works, your own included. ``seed``
    fixes the initial weights; ``dtype`` is float32 for training speed (``astype(np.float64)``
    for gradient checks).
    """

    def __init__(self, layers, cost_function=CrossEntropyLoss, seed=None, dtype=np.float32):
        if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
            raise ValueError(f"Net needs a list of layers, starting with InLayer(units=...), got {layers!r}")
        layers = list(layers)
        if not layers or not isinstance(layers[0], InLayer):
            raise ValueError("the first layer must be InLayer(units=...) declaring the input width, "
                             f"got {layers[0] if layers else 'no layers'!r}")
        bad = [layer for layer in layers[1:] if not (callable(getattr(layer, "forward", None))
                                                     and callable(getattr(layer, "backward", None)))]
        if len(layers) < 2 or bad:
            raise ValueError("after InLayer every layer needs forward(X) and backward(dA), such as Dense(units=...); "
                             f"got {bad or 'none'!r}")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            self.dtype = None
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed must be None or an int >= 0, got {seed!r}")
        self.layers = layers
        self.loss = get_loss(cost_function)
        self.seed = seed
        self.metadata = {}
        rng = np.random.default_rng(seed)
        width = layers[0].units
        for layer in self.dense:
            if callable(getattr(layer, "build", None)):
                layer.build(width, rng, self.dtype)
            width = getattr(layer, "units", width)
        first = self.dense[0]
        if hasattr(first, "need_dX"):
            first.need_dX = False  # the input pixels need no gradient
        for layer in self.dense[1:]:
            if hasattr(layer, "need_dX"):
                layer.need_dX = True
        out = getattr(self.layers[-1], "activation", None)
        # Softmax then cross-entropy: backprop starts at dZ = (P - Y) / N (see Softmax's docstring).
        self.fused = isinstance(out, Softmax) and callable(getattr(self.loss, "backward_logits", None))
        if isinstance(out, Softmax):
            out.after_cross_entropy = self.fused

    # ----------------------------------------------------------------- shape
    @property
    def dense(self):
        """The layers after ``InLayer``."""
        return self.layers[1:]

    @property
    def n_inputs(self):
        return self.layers[0].units

    @property
    def n_outputs(self):
        return next(layer.units for layer in reversed(self.layers) if hasattr(layer, "units"))

    def architecture(self):
        """The layer widths, e.g. ``[784, 20, 15, 15, 10]``."""
        return [layer.units for layer in self.layers if hasattr(layer, "units")]

    def _named(self):
        """``(layer number, layer, parameter name)`` for every parameter, in ``params()`` order."""
        return [(i, layer, name) for i, layer in enumerate(self.dense, 1)
                for name in getattr(layer, "param_names", ())]

    def param_names(self):
        """``["W1", "b1", "W2", ...]``: each parameter's name and its layer's number."""
        return [f"{name}{i}" for i, _, name in self._named()]

    def params(self):
        """``[W1, b1, W2, b2, ...]``: the arrays themselves (optimizers update them in place)."""
        return [getattr(layer, name) for _, layer, name in self._named()]

    def grads(self):
        """``[dW1, db1, ...]`` from the last ``backward``, in the order of ``params()``.

        Checks that every layer's ``backward`` set each gradient with its parameter's shape.
        """
        grads = []
        for i, layer, name in self._named():
            g, p = getattr(layer, "d" + name, None), getattr(layer, name)
            if g is None:
                raise ValueError(f"layer {i} ({type(layer).__name__}): backward did not set d{name}; "
                                 f"it must assign self.d{name}, the gradient of the loss for {name}")
            if getattr(g, "shape", None) != p.shape:
                raise ValueError(f"layer {i} ({type(layer).__name__}): d{name} has shape "
                                 f"{getattr(g, 'shape', type(g).__name__)}, but {name} has shape {p.shape}")
            grads.append(g)
        return grads

    def count_params(self):
        return sum(p.size for p in self.params())

    # ------------------------------------------------------- forward/backward
    def forward(self, X):
        """Run ``X`` (N, n_inputs) through every layer; return the last activation ``A``."""
        for layer in self.dense:
            X = layer.forward(X)
        self.output = X
        return X

    def backward(self, Y):
        """Backpropagate from the loss of the last ``forward``; return that loss.

        ``Y`` holds the targets as a float matrix shaped like the output (``targets`` makes one
        from int labels). Every layer's ``backward`` sets its gradients.
        """
        P = getattr(self, "output", None)
        if P is None:
            raise ValueError("backward needs the outputs of a forward pass: call net.forward(X) first")
        if not (isinstance(Y, np.ndarray) and Y.shape == P.shape):
            Y = self.targets(Y, len(P), name="Y")
        for _, layer, name in self._named():
            setattr(layer, "d" + name, None)  # so that a gradient backward forgets is caught, not stale
        loss = self._loss(P, Y)
        dA = self.loss.backward_logits(P, Y) if self.fused else self.loss.backward(P, Y)
        for layer in reversed(self.dense):
            dA = layer.backward(dA)
        return loss

    def _loss(self, P, Y):
        loss = float(self.loss.forward(P, Y))
        if self.fused and isinstance(self.loss, CrossEntropyLoss) and P.min() < self.loss.eps:
            # The library's cross-entropy clipped a tiny P: the exact value from the logits.
            cache = getattr(self.layers[-1], "cache", None)
            if hasattr(cache, "Z") and np.isfinite(cache.Z).all():
                loss = self.loss.forward_logits(cache.Z, Y)
        return loss

    def loss_and_grads(self, X, y):
        """One forward + backward pass on ``(X, y)``; return the loss. Gradients land in ``grads()``."""
        X = self._inputs(X)
        self.forward(X)
        return self.backward(self.targets(y, len(X)))

    # -------------------------------------------------------------- inference
    def predict_proba(self, X, batch_size=8192):
        """Outputs of the last layer (class probabilities after a softmax), shape ``(n, n_outputs)``.

        Accepts one example ``(n_inputs,)`` or a batch ``(n, n_inputs)``.
        """
        X = self._inputs(X, allow_1d=True)
        return np.concatenate([self.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)])

    def predict(self, X):
        """Predicted class for each row of ``X``, shape ``(n,)``."""
        return self.predict_proba(X).argmax(axis=1)

    def activations(self, X):
        """Every layer's output for ``X``: ``[A1, A2, ..., A_L]`` (the hidden layers, then the output)."""
        A, out = self._inputs(X, allow_1d=True), []
        for layer in self.dense:
            A = layer.forward(A)
            out.append(A)
        return out

    def logits(self, X):
        """The output layer's ``Z = X @ W + b`` for ``X``, before its activation."""
        self.forward(self._inputs(X, allow_1d=True))
        cache = getattr(self.layers[-1], "cache", None)
        if not hasattr(cache, "Z"):
            raise ValueError(f"the output layer {self.layers[-1]!r} keeps no cache.Z to read the logits from")
        return cache.Z

    def evaluate(self, X, y, batch_size=8192):
        """``{"loss": mean loss, "accuracy": fraction correct}`` on ``(X, y)``."""
        X = self._inputs(X)
        return self._evaluate(X, self.targets(y, len(X)), batch_size)

    def _evaluate(self, X, Y, batch_size=8192):
        """``evaluate`` on arrays already checked (``fit`` checks its validation data once)."""
        loss_sum, correct = 0.0, 0
        for i in range(0, len(X), batch_size):
            Xb, Yb = X[i:i + batch_size], Y[i:i + batch_size]
            P = self.forward(Xb)
            loss_sum += self._loss(P, Yb) * len(Xb)
            correct += int(np.count_nonzero(P.argmax(1) == Yb.argmax(1)))
        result = {"loss": loss_sum / len(X)}
        if self.n_outputs > 1:  # with one output there are no classes to count
            result["accuracy"] = correct / len(X)
        return result

    # ------------------------------------------------------------- validation
    def _inputs(self, X, name="X", allow_1d=False, warn_scale=False):
        return validation.inputs(X, self.n_inputs, self.dtype, name, allow_1d, warn_scale)

    def targets(self, y, n, name="y"):
        """Targets as a float matrix ``(n, n_outputs)`` (see ``validation.targets``)."""
        return validation.targets(y, n, self.n_outputs, self.dtype, not isinstance(self.loss, MSELoss), name)

    # ------------------------------------------------------------ description
    def summary(self):
        """Layers, output shapes and parameter counts, as text (prints nicely as a cell's last value)."""
        rows = [("layer", "output shape", "params"), ("InLayer", f"(N, {self.n_inputs})", "0")]
        width = self.n_inputs
        for i, layer in enumerate(self.dense, 1):
            act = getattr(layer, "activation", None)
            label = f"{type(layer).__name__} {i}" + (f" ({type(act).__name__})" if act is not None else "")
            width = getattr(layer, "units", width)
            n = sum(getattr(layer, name).size for name in getattr(layer, "param_names", ()))
            rows.append((label, f"(N, {width})", f"{n:,}"))
        widths = [max(len(r[c]) for r in rows) for c in range(3)]
        line = "-" * (sum(widths) + 4)
        fmt = lambda r: f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}"  # noqa: E731
        text = [fmt(rows[0]), line, *map(fmt, rows[1:]), line,
                f"total parameters: {self.count_params():,}    loss: {type(self.loss).__name__}    dtype: {self.dtype}"]
        return Text("\n".join(text))

    def __repr__(self):
        acts = ", ".join(type(getattr(l, "activation", l)).__name__ for l in self.dense)
        return f"<Net {'-'.join(map(str, self.architecture()))} ({acts}), {type(self.loss).__name__}>"

    def astype(self, dtype):
        """A copy of the net with parameters in ``dtype`` (e.g. float64 for gradient checks)."""
        clone = copy.deepcopy(self)
        clone.dtype = np.dtype(dtype)
        for _, layer, name in clone._named():
            setattr(layer, name, getattr(layer, name).astype(dtype))
        return clone

    def copy(self):
        return self.astype(self.dtype)

    # ----------------------------------------------------------------- saving
    def fit(self, X, y, **kwargs):
        """Train with mini-batches; return a ``History``. See ``scratchnn.training.fit``."""
        from .training import fit

        return fit(self, X, y, **kwargs)

    def gradient_descent(self, X, Y, alpha=0.01, epochs=100, batch_size=256, seed=None, verbose=False):
        """The seed project's trainer: plain mini-batch gradient descent with step size ``alpha``."""
        from .optim import SGD

        return self.fit(X, Y, epochs=epochs, batch_size=batch_size, optimizer=SGD(lr=alpha),
                        seed=seed, verbose=verbose)

    def save(self, path, **metadata):
        """Write weights (``.npz``, arrays only) and JSON metadata; return the path (see ``scratchnn.io``)."""
        from .io import save

        return save(self, path, **metadata)

    def save_model(self, path):
        """The seed project's name for ``save``."""
        return self.save(path)

    @classmethod
    def load(cls, path):
        """Read a model written by ``save``. Never unpickles (see ``scratchnn.io``)."""
        from .io import load

        return load(path)


class Text(str):
    """A string that shows as itself (not quoted, newlines kept) as a notebook cell's value."""

    def __repr__(self):
        return str(self)
