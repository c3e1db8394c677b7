"""Layers: ``InLayer`` declares the input width, ``Dense`` does the work.

A dense layer computes, for a batch ``X`` of shape ``(N, D)``::

    Z = X @ W + b          # (N, D) @ (D, H) + (H,)  ->  (N, H)
    A = activation(Z)

and, given the upstream gradient ``dA = dL/dA``, its backward pass is::

    dZ = activation.backward(dA, Z, A)
    dW = X.T @ dZ          # (D, N) @ (N, H)  ->  (D, H)
    db = dZ.sum(axis=0)    # (H,)
    dX = dZ @ W.T          # (N, H) @ (H, D)  ->  (N, D)

The contract every layer keeps (yours too): ``forward(X) -> A``, ``backward(dA) -> dX``, and the
gradients set by plain assignment, ``self.dW = ...``, for each parameter named in ``param_names``.
``forward`` keeps what ``backward`` needs in ``self.cache``, as CS231n's
``affine_forward``/``affine_backward`` do; nobody else reads it.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import ReLU, get_activation
from .validation import positive

#: Widest layer a net may declare (a 10^6 x 10^6 float32 matrix would need 4 TB).
MAX_UNITS = 1_000_000


class Cache(NamedTuple):
    """What a dense layer's forward pass keeps for its backward pass."""
    X: np.ndarray
    Z: np.ndarray
    A: np.ndarray


class InLayer:
    """The input of the net: declares how many features each example has."""

    def __init__(self, units: int):
        self.units = positive(units, "InLayer units", integer=True, maximum=MAX_UNITS)

    def __repr__(self):
        return f"InLayer(units={self.units})"


class Dense:
    """A fully connected layer ``A = activation(X @ W + b)``.

    ``activation`` may be a class (``ReLU``), an instance (``ReLU()``) or a name
    (``"relu"``). ``W`` and ``b`` are created when the layer joins a ``Net``.
    """

    param_names = ("W", "b")

    def __init__(self, units: int, activation=None):
        self.units = positive(units, "Dense units", integer=True, maximum=MAX_UNITS)
        self.activation = get_activation(activation)
        self.W = self.b = self.dW = self.db = None
        self.cache = None
        #: False for the first layer: its input is the data, whose gradient nobody needs, and
        #: skipping ``dX`` saves the largest matrix product of the backward pass.
        self.need_dX = True

    def build(self, fan_in: int, rng: np.random.Generator, dtype=np.float32):
        """Create ``W`` (fan_in, units) and ``b`` (units,).

        ReLU layers use He initialisation (variance 2 / fan_in) so activations
        keep their scale through many layers; others use Glorot (2 / (fan_in + units)).
        """
        if isinstance(self.activation, ReLU):
            std = np.sqrt(2.0 / fan_in)
        else:
            std = np.sqrt(2.0 / (fan_in + self.units))
        self.W = (rng.standard_normal((fan_in, self.units)) * std).astype(dtype)
        self.b = np.zeros(self.units, dtype=dtype)
        return self

    def forward(self, X):
        Z = X @ self.W + self.b
        A = self.activation.forward(Z)
        self.cache = Cache(X, Z, A)
        return A

    def backward(self, dA):
        X, Z, A = self.cache
        dZ = self.activation.backward(dA, Z, A)
        self.dW = X.T @ dZ
        self.db = dZ.sum(axis=0)
        return dZ @ self.W.T if self.need_dX else None

    def __repr__(self):
        return f"Dense(units={self.units}, activation={type(self.activation).__name__})"
