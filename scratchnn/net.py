"""``Net``: a stack of layers and a loss. The model only; ``training.fit`` trains it, ``io`` saves it."""
from __future__ import annotations

import copy

import numpy as np

from . import io, training, validation
from .activations import Softmax
from .losses import CrossEntropyLoss, MSELoss, get_loss
from .optim import SGD


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
        self.layers = validation.layer_list(layers)
        self.dtype = validation.float_dtype(dtype)
        self.seed = validation.seed(seed)
        self.loss = get_loss(cost_function)
        self.metadata = {}
        rng, width = np.random.default_rng(seed), self.n_inputs
        for i, layer in enumerate(self.dense):
            if callable(getattr(layer, "build", None)):
                layer.build(width, rng, self.dtype)
            if hasattr(layer, "need_dX"):
                layer.need_dX = i > 0  # the first layer's input is the data: its gradient is never needed
            width = getattr(layer, "units", width)
        #: ``(layer number, layer, parameter name)`` for every parameter, in ``params()`` order.
        self._named = [(i, layer, name) for i, layer in enumerate(self.dense, 1)
                       for name in getattr(layer, "param_names", ())]
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

    def param_names(self):
        """``["W1", "b1", "W2", ...]``: each parameter's name and its layer's number."""
        return [f"{name}{i}" for i, _, name in self._named]

    def params(self):
        """``[W1, b1, W2, b2, ...]``: the arrays themselves (optimizers update them in place)."""
        return [getattr(layer, name) for _, layer, name in self._named]

    def grads(self):
        """``[dW1, db1, ...]`` from the last ``backward``, in the order of ``params()``.

        Checks that every layer's ``backward`` set each gradient with its parameter's shape.
        """
        grads = [getattr(layer, "d" + name, None) for _, layer, name in self._named]
        if [getattr(g, "shape", None) for g in grads] != [p.shape for p in self.params()]:
            validation.gradients(self._named, grads)  # raises, naming the layer and the array
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
        for _, layer, name in self._named:
            setattr(layer, "d" + name, None)  # so that a gradient backward forgets is caught, not stale
        loss = float(self.loss.forward(P, Y))
        dA = self.loss.backward_logits(P, Y) if self.fused else self.loss.backward(P, Y)
        for layer in reversed(self.dense):
            dA = layer.backward(dA)
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
        return self.layers[-1].cache.Z  # a layer of your own: give it a cache with a Z to read

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
            loss_sum += float(self.loss.forward(P, Yb)) * len(Xb)
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
        return io.describe(self)

    def __repr__(self):
        acts = ", ".join(type(getattr(l, "activation", l)).__name__ for l in self.dense)
        return f"<Net {'-'.join(map(str, self.architecture()))} ({acts}), {type(self.loss).__name__}>"

    def astype(self, dtype):
        """A copy of the net with parameters in ``dtype`` (e.g. float64 for gradient checks)."""
        clone = copy.deepcopy(self)
        clone.dtype = np.dtype(dtype)
        for _, layer, name in clone._named:
            setattr(layer, name, getattr(layer, name).astype(dtype))
        return clone

    def copy(self):
        return self.astype(self.dtype)

    # -------------------------------------------------- training and saving
    fit = training.fit
    save = io.save
    save_model = io.save  # the seed project's name for save

    @classmethod
    def load(cls, path):
        """Read a model file written by ``save`` (``scratchnn.io``; never unpickles)."""
        return io.load(path, cls)

    def gradient_descent(self, X, Y, alpha=0.01, epochs=100, batch_size=256, seed=None, verbose=False):
        """The seed project's trainer: plain mini-batch gradient descent with step size ``alpha``."""
        return self.fit(X, Y, epochs=epochs, batch_size=batch_size, optimizer=SGD(lr=alpha),
                        seed=seed, verbose=verbose)
