"""Layers: ``InLayer`` declares the input width, ``Dense`` does the work.

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

- ``units``: the width of the layer's output, an int.
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
