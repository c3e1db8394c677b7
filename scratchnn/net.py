"""``Net``: a stack of layers and a loss. The model only; ``training.fit`` trains it, ``io`` saves it."""
from __future__ import annotations

import contextlib
import copy

import numpy as np

from . import io, training, validation
from .activations import Softmax
from .layers import check_built, check_layers, units
from .losses import CrossEntropyLoss, MSELoss, SoftmaxCrossEntropy, get_loss
from .optim import SGD
from .validation import positive


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
        # The net's own copies: building and training never touch the objects you passed, and one
        # list of layers can make several nets that share nothing (a layer in two nets would
        # share its weights).
        self.layers = copy.deepcopy(check_layers(layers))
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
            width = units(i + 1, layer)
        #: ``(layer number, layer, parameter name)`` for every parameter, in ``params()`` order.
        self._named = [(i, layer, name) for i, layer in enumerate(self.dense, 1) for name in layer.param_names]
        self.fused = self._softmax_cross_entropy()
        self.training = True
        with self.mode(training=False):  # two rows of zeros through every layer, to check the contract
            check_built(self.dense, np.zeros((2, self.n_inputs), self.dtype))

    def _softmax_cross_entropy(self):
        """The loss that starts backprop at the output layer's ``dZ``, when softmax meets cross-entropy; else None.

        Returns ``SoftmaxCrossEntropy()`` (from the logits) for the library's cross-entropy, or your
        loss itself when it has notebook 05's ``backward_logits(P, Y)``.
        """
        out = self.dense[-1]
        if not isinstance(getattr(out, "activation", None), Softmax):
            if isinstance(self.loss, SoftmaxCrossEntropy):
                raise ValueError("SoftmaxCrossEntropy needs an output layer with activation=Softmax, whose logits "
                                 f"it reads; got {out!r}")
            return None
        if isinstance(self.loss, (CrossEntropyLoss, SoftmaxCrossEntropy)):
            fused = SoftmaxCrossEntropy()
        elif callable(getattr(self.loss, "backward_logits", None)):
            fused = self.loss
        else:
            return None
        if not callable(getattr(out, "backward_from_dZ", None)):
            raise ValueError(f"layer {len(self.dense)} ({type(out).__name__}) ends in a softmax trained with "
                             "cross-entropy, so backprop starts at its dZ: it needs backward_from_dZ(dZ) -> dX "
                             "(subclass snn.Dense, which has it)")
        return fused

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
        return self.layers[-1].units

    def architecture(self):
        """The layer widths, e.g. ``[784, 20, 15, 15, 10]``."""
        return [layer.units for layer in self.layers]

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
        loss, layers = self._loss(P, Y), self.dense
        if self.fused is None:
            dA = self.loss.backward(P, Y)
        else:
            # Softmax then cross-entropy, differentiated as one: backprop starts at the output
            # layer's dZ = (P - Y) / N, past its softmax (losses.SoftmaxCrossEntropy, notebook 05).
            output_layer, layers = layers[-1], layers[:-1]
            if hasattr(self.fused, "backward_logits"):  # notebook 05's loss works from the probabilities P
                dZ = self.fused.backward_logits(P, Y)
            else:                                       # the library's, from the logits Z
                dZ = self.fused.backward(output_layer.cache[1], Y, P)
            dA = output_layer.backward_from_dZ(dZ)
        for layer in reversed(layers):
            dA = layer.backward(dA)
        return loss

    def _loss(self, P, Y):
        """The loss of the last forward pass: from the output layer's logits ``Z`` when ``fused`` takes them."""
        if self.fused is None or hasattr(self.fused, "backward_logits"):
            return float(self.loss.forward(P, Y))
        return self.fused.forward(self.dense[-1].cache[1], Y, P)

    def loss_and_grads(self, X, y):
        """One forward + backward pass on ``(X, y)``; return the loss. Gradients land in ``grads()``."""
        X = self.inputs(X)
        self.forward(X)
        return self.backward(self.targets(y, len(X)))

    # -------------------------------------------------------------- modes
    def train(self):
        """Training mode (the default): layers such as ``Dropout`` and ``BatchNorm`` behave as while learning."""
        return self._set_mode(True)

    def eval(self):
        """Evaluation mode: ``Dropout`` passes everything, ``BatchNorm`` uses its running statistics."""
        return self._set_mode(False)

    def _set_mode(self, training):
        self.training = training
        for layer in self.dense:
            if hasattr(layer, "training"):
                layer.training = training
        return self

    @contextlib.contextmanager
    def mode(self, training):
        """``with net.mode(training=False):`` runs a block in that mode, then restores the one before."""
        before = self.training
        self._set_mode(training)
        try:
            yield self
        finally:
            self._set_mode(before)

    # -------------------------------------------------------------- inference
    def predict_proba(self, X, batch_size=8192):
        """Outputs of the last layer (class probabilities after a softmax), shape ``(n, n_outputs)``.

        Accepts one example ``(n_inputs,)`` or a batch ``(n, n_inputs)``. Runs in evaluation mode.
        """
        X = self.inputs(X, allow_1d=True)
        batch_size = positive(batch_size, "batch_size", integer=True)
        with self.mode(training=False):
            return np.concatenate([self.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)])

    def predict(self, X):
        """Predicted class for each row of ``X``, shape ``(n,)``."""
        return self.predict_proba(X).argmax(axis=1)

    def activations(self, X):
        """Every layer's output for ``X`` in evaluation mode: ``[A1, A2, ..., A_L]``."""
        A, out = self.inputs(X, allow_1d=True), []
        with self.mode(training=False):
            for layer in self.dense:
                A = layer.forward(A)
                out.append(A)
        return out

    def logits(self, X):
        """The output layer's ``Z = X @ W + b`` for ``X``, before its activation (the ``Z`` of its cache)."""
        with self.mode(training=False):
            self.forward(self.inputs(X, allow_1d=True))
        return self.dense[-1].cache[1]  # the contract of scratchnn.layers: the output layer's cache is (X, Z, A)

    def evaluate(self, X, y, batch_size=8192):
        """``{"loss": mean loss, "accuracy": fraction correct}`` on ``(X, y)``, in evaluation mode.

        ``y`` may be labels or one-hot rows (as ``fit`` passes its validation data).
        """
        X = self.inputs(X)
        Y = self.targets(y, len(X))
        batch_size = positive(batch_size, "batch_size", integer=True)
        loss_sum, correct = 0.0, 0
        with self.mode(training=False):
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
    def inputs(self, X, name="X", allow_1d=False, warn_scale=False):
        """``X`` as the checked array the layers take, ``(n, n_inputs)`` of the net's dtype (``validation.inputs``)."""
        return validation.inputs(X, self.n_inputs, self.dtype, name, allow_1d, warn_scale)

    def targets(self, y, n, name="y"):
        """Targets as a float matrix ``(n, n_outputs)`` (see ``validation.targets``)."""
        return validation.targets(y, n, self.n_outputs, self.dtype, not isinstance(self.loss, MSELoss), name)

    # ------------------------------------------------------------ description
    def summary(self):
        """Layers, output shapes and parameter counts, as text (prints nicely as a cell's last value)."""
        return io.describe(self)

    def __repr__(self):
        acts = ", ".join(type(getattr(layer, "activation", layer)).__name__ for layer in self.dense)
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
