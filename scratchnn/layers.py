"""Layers: ``InLayer`` declares the input width, ``Dense`` does the work; ``BatchNorm`` and ``Dropout`` help it train.

A dense layer computes, for a batch ``X`` of shape ``(N, D)``::

    Z = X @ W + b          # (N, D) @ (D, H) + (H,)  ->  (N, H)
    A = activation(Z)

and, given the upstream gradient ``dA = dL/dA``, its backward pass is::

    dZ = activation.backward(dA, Z, A)
    dW = X.T @ dZ          # (D, N) @ (N, H)  ->  (D, H)
    db = dZ.sum(axis=0)    # (H,)
    dX = dZ @ W.T          # (N, H) @ (H, D)  ->  (N, D)

The layer contract: what ``Net`` asks of every layer after ``InLayer``, yours included. It is
written here and nowhere else; ``Net(...)`` checks it (``check_layers``) and names the layer that
breaks it.

- ``units``: the width of the layer's output, an int (set by ``build`` when it is the input's
  width, as for ``BatchNorm`` and ``Dropout``).
- ``param_names``: the names of its parameter arrays, ``("W", "b")``; ``()`` for a layer without any.
- ``build(fan_in, rng, dtype)`` (optional): creates the parameters once the input width is known.
- ``forward(X) -> A``, keeping what ``backward`` needs in ``self.cache`` (CS231n's cache pattern).
- ``backward(dA) -> dX``, setting each gradient by plain assignment, ``self.dW = X.T @ dZ``, for
  every name in ``param_names``.
- The output layer keeps ``self.cache = (X, Z, A)``, the tuple notebook 04 teaches: ``net.logits()``
  reads its ``Z``. When it ends in a ``Softmax`` trained with cross-entropy, the loss is computed
  from those logits and backprop starts at ``dZ = (P - Y) / N`` (``losses.SoftmaxCrossEntropy``):
  ``Net`` calls the layer's ``backward_from_dZ(dZ) -> dX``, its backward minus the activation
  step. ``Dense`` has one, so a subclass of ``Dense`` inherits it.
- ``training`` (optional): a layer that behaves differently while it learns (``Dropout``,
  ``BatchNorm``) has this attribute; ``net.train()`` sets it True, ``net.eval()`` False.

``Net`` builds and trains its own copies of the layers it is given: your objects stay untouched,
and one list of layers can make several nets that share nothing.

Initialisation is a choice you can see: ``Dense(units, activation, init=...)`` with ``"he"``
(variance 2 / fan_in, for ReLU), ``"glorot"`` (2 / (fan_in + units)) or a function
``init(fan_in, units, rng) -> W``. Without ``init=``, the activation's own ``init`` attribute
decides (``ReLU.init = "he"``; your ReLU can carry the same line); an activation without one gets
Glorot and a warning saying so.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import get_activation
from .validation import positive, warn

#: Widest layer a net may declare (a 10^6 x 10^6 float32 matrix would need 4 TB).
MAX_UNITS = 1_000_000

#: Standard deviation of the initial weights for each named rule.
INITS = {
    "he": lambda fan_in, units: np.sqrt(2.0 / fan_in),
    "glorot": lambda fan_in, units: np.sqrt(2.0 / (fan_in + units)),
}


class Cache(NamedTuple):
    """What a dense layer's forward pass keeps for its backward pass: a tuple ``(X, Z, A)``."""
    X: np.ndarray
    Z: np.ndarray
    A: np.ndarray


class InLayer:
    """The input of the net: declares how many features each example has."""

    def __init__(self, units: int):
        self.units = positive(units, "InLayer units", integer=True, maximum=MAX_UNITS)

    def __repr__(self):
        return f"InLayer(units={self.units})"


def _init_rule(init, where):
    if init is None or callable(init) or init in INITS:
        return init
    raise ValueError(f"{where} must be one of {sorted(INITS)} or a function (fan_in, units, rng) -> W, got {init!r}")


class Dense:
    """A fully connected layer ``A = activation(X @ W + b)``.

    ``activation`` may be a class (``ReLU``), an instance (``ReLU()``) or a name (``"relu"``).
    ``init`` is ``"he"``, ``"glorot"``, a function ``(fan_in, units, rng) -> W``, or None for the
    activation's own choice. ``W`` and ``b`` are created when the layer joins a ``Net``.
    """

    param_names = ("W", "b")

    def __init__(self, units: int, activation=None, init=None):
        self.units = positive(units, "Dense units", integer=True, maximum=MAX_UNITS)
        self.activation = get_activation(activation)
        self.init = _init_rule(init, "Dense init")
        self.W = self.b = self.dW = self.db = None
        self.cache = None
        #: False for the first layer: its input is the data, whose gradient nobody needs, and
        #: skipping ``dX`` saves the largest matrix product of the backward pass.
        self.need_dX = True

    def build(self, fan_in: int, rng: np.random.Generator, dtype=np.float32):
        """Create ``W`` (fan_in, units) by the layer's ``init`` rule, and ``b`` (units,) as zeros."""
        init = self.init
        if init is None:
            where = f"the activation {type(self.activation).__name__}'s init"
            init = _init_rule(getattr(self.activation, "init", None), where)
        if init is None:
            warn(f"Dense({self.units}): the activation {type(self.activation).__name__} has no `init`, so W "
                 "starts with Glorot's rule; give the activation class the line init = \"he\" (as snn.ReLU "
                 "has) or pass Dense(..., init=\"he\" or \"glorot\") to choose")
            init = "glorot"
        if callable(init):
            W = np.asarray(init(fan_in, self.units, rng))
            if W.shape != (fan_in, self.units):
                raise ValueError(f"Dense init must return W of shape {(fan_in, self.units)}, got {W.shape}")
        else:
            W = rng.standard_normal((fan_in, self.units)) * INITS[init](fan_in, self.units)
        self.W = W.astype(dtype)
        self.b = np.zeros(self.units, dtype=dtype)
        return self

    def forward(self, X):
        Z = X @ self.W + self.b
        A = self.activation.forward(Z)
        self.cache = Cache(X, Z, A)
        return A

    def backward(self, dA):
        X, Z, A = self.cache
        return self.backward_from_dZ(self.activation.backward(dA, Z, A))

    def backward_from_dZ(self, dZ):
        """The backward pass from ``dZ = dL/dZ``: where ``Net`` starts when a softmax meets cross-entropy."""
        X = self.cache[0]
        self.dW = X.T @ dZ
        self.db = dZ.sum(axis=0)
        return dZ @ self.W.T if self.need_dX else None

    def __repr__(self):
        return f"Dense(units={self.units}, activation={type(self.activation).__name__})"


class BatchNorm:
    """Batch normalisation of each feature (Ioffe and Szegedy, 2015)::

        X_hat = (X - mean) / sqrt(var + eps)      # per column, over the batch
        A = gamma * X_hat + beta

    In training mode ``mean`` and ``var`` are the batch's, and running averages of them are kept
    (``running = momentum * running + (1 - momentum) * batch``); in evaluation mode the running
    averages are used, so a prediction does not depend on the rest of its batch. The backward pass
    is the fused one (CS231n's ``batchnorm_backward_alt``): with ``dX_hat = dA * gamma``,
    ``dX = (dX_hat - mean(dX_hat) - X_hat * mean(dX_hat * X_hat)) / sqrt(var + eps)``, the means
    over the batch. Its width is its input's, known when the layer joins a ``Net``.
    """

    param_names = ("gamma", "beta")

    def __init__(self, momentum=0.9, eps=1e-5):
        self.momentum = positive(momentum, "BatchNorm momentum", minimum=0.0)
        if self.momentum >= 1:
            raise ValueError(f"BatchNorm momentum must be in [0, 1), got {momentum!r}")
        self.eps = positive(eps, "BatchNorm eps")
        self.units = self.gamma = self.beta = self.dgamma = self.dbeta = None
        self.running_mean = self.running_var = None
        self.cache = None
        self.training = True

    def build(self, fan_in, rng, dtype=np.float32):
        self.units = fan_in
        self.gamma, self.beta = np.ones(fan_in, dtype), np.zeros(fan_in, dtype)
        self.running_mean, self.running_var = np.zeros(fan_in, dtype), np.ones(fan_in, dtype)
        return self

    def forward(self, X):
        if self.training:
            mean, var = X.mean(axis=0), X.var(axis=0)
            m = self.momentum
            self.running_mean = (m * self.running_mean + (1 - m) * mean).astype(X.dtype)
            self.running_var = (m * self.running_var + (1 - m) * var).astype(X.dtype)
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1 / np.sqrt(var + self.eps)
        X_hat = (X - mean) * inv_std
        self.cache = (X_hat, inv_std, self.training)
        return self.gamma * X_hat + self.beta

    def backward(self, dA):
        X_hat, inv_std, training = self.cache
        self.dgamma = (dA * X_hat).sum(axis=0)
        self.dbeta = dA.sum(axis=0)
        dX_hat = dA * self.gamma
        if not training:  # mean and var were constants
            return dX_hat * inv_std
        return (dX_hat - dX_hat.mean(axis=0) - X_hat * (dX_hat * X_hat).mean(axis=0)) * inv_std

    def __repr__(self):
        return f"BatchNorm(momentum={self.momentum}, eps={self.eps})"


class Dropout:
    """Inverted dropout: in training mode each unit is zeroed with probability ``p`` and the others
    are scaled by ``1 / (1 - p)``, so evaluation mode, which passes everything, needs no rescaling.

    The masks come from a generator spawned from the net's ``seed`` (the same masks every run),
    without changing the other layers' initial weights. Its width is its input's.
    """

    param_names = ()

    def __init__(self, p=0.5):
        self.p = positive(p, "Dropout p", minimum=0.0)
        if self.p >= 1:
            raise ValueError(f"Dropout p must be in [0, 1), the probability of dropping a unit, got {p!r}")
        self.units = self.rng = self.mask = None
        self.training = True

    def build(self, fan_in, rng, dtype=np.float32):
        self.units = fan_in
        self.rng = rng.spawn(1)[0]
        return self

    def forward(self, X):
        if not self.training or self.p == 0:
            self.mask = None
            return X
        self.mask = (self.rng.random(X.shape) >= self.p).astype(X.dtype) / X.dtype.type(1 - self.p)
        return X * self.mask

    def backward(self, dA):
        return dA if self.mask is None else dA * self.mask

    def __repr__(self):
        return f"Dropout(p={self.p})"


def _name(i, layer):
    return f"layer {i} ({type(layer).__name__})"


def check_layers(layers):
    """The layers of a ``Net``: an ``InLayer``, then layers keeping the contract above; else a ValueError.

    This checks what can be seen before building; ``units`` and ``check_built`` check the rest.
    """
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise ValueError(f"Net needs a list of layers, starting with InLayer(units=...), got {layers!r}")
    layers = list(layers)
    if not layers or not isinstance(layers[0], InLayer):
        raise ValueError("the first layer must be InLayer(units=...) declaring the input width, "
                         f"got {layers[0] if layers else 'no layers'!r}")
    bad = [layer for layer in layers[1:]
           if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None)))]
    if len(layers) < 2 or bad:
        raise ValueError("after InLayer every layer needs forward(X) and backward(dA), such as Dense(units=...); "
                         f"got {bad or 'none'!r}")
    for i, layer in enumerate(layers[1:], 1):
        names = getattr(layer, "param_names", None)
        if isinstance(names, str) or not isinstance(names, (tuple, list)) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{_name(i, layer)} needs `param_names`, the names of its parameters such as "
                             f"(\"W\", \"b\"), or () if it has none; got {names!r}")
    return layers


def units(i, layer):
    """Layer ``i``'s ``units`` (after its ``build``), or a ValueError naming the layer."""
    found = getattr(layer, "units", None)
    if isinstance(found, bool) or not isinstance(found, (int, np.integer)) or found < 1:
        raise ValueError(f"{_name(i, layer)} needs `units`, the width of its output as a positive int "
                         f"(self.units = 20), got {found!r}")
    return int(found)


def check_built(layers, X):
    """Run a probe batch ``X`` through the built layers, checking the rest of the contract: every
    parameter exists, every layer's output has its ``units`` columns, and the output layer's
    cache is ``(X, Z, A)``. A ValueError names the first layer that breaks it.
    """
    n = len(X)
    for i, layer in enumerate(layers, 1):
        for name in layer.param_names:
            if not isinstance(getattr(layer, name, None), np.ndarray):
                raise ValueError(f"{_name(i, layer)}: parameter {name} (from param_names) is "
                                 f"{type(getattr(layer, name, None)).__name__} after build, expected an array")
        X = layer.forward(X)
        if getattr(X, "shape", None) != (n, layer.units):
            raise ValueError(f"{_name(i, layer)}: forward returned shape {getattr(X, 'shape', type(X).__name__)} "
                             f"for a batch of {n}, but its units say ({n}, {layer.units})")
    cache = getattr(layers[-1], "cache", None)
    if not (isinstance(cache, tuple) and len(cache) == 3 and getattr(cache[1], "shape", None) == (n, layers[-1].units)):
        raise ValueError(f"{_name(len(layers), layers[-1])}: the output layer must keep self.cache = (X, Z, A) in "
                         f"forward, so that net.logits() can read Z; got {type(cache).__name__} {cache!r:.60}")
