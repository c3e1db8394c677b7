"""Layers: ``InLayer`` declares the input width, ``Dense`` does the work.

A dense layer computes, for a batch ``X`` of shape ``(N, D)``::

    Z = X @ W + b          # (N, D) @ (D, H) + (H,)  ->  (N, H)
    A = activation(Z)

and, given the upstream gradient ``dA = dL/dA``, its backward pass is::

    dZ = activation.backward(dA, Z, A)
    dW = X.T @ dZ          # (D, N) @ (N, H)  ->  (D, H)
    db = dZ.sum(axis=0)    # (H,)
    dX = dZ @ W.T          # (N, H) @ (H, D)  ->  (N, D)

``forward`` keeps ``(X, Z, A)`` in ``self.cache`` for ``backward`` to consume,
the same pattern as CS231n's ``affine_forward``/``affine_backward``.
"""
from __future__ import annotations

import numpy as np

from .activations import ReLU, get_activation


class InLayer:
    """The input of the net: declares how many features each example has."""

    def __init__(self, units: int):
        self.units = _positive_int(units, "InLayer units")

    def __repr__(self):
        return f"InLayer(units={self.units})"


class Dense:
    """A fully connected layer ``A = activation(X @ W + b)``.

    ``activation`` may be a class (``ReLU``), an instance (``ReLU()``) or a name
    (``"relu"``). ``W`` and ``b`` are created when the layer joins a ``Net``.
    """

    def __init__(self, units: int, activation=None):
        self.units = _positive_int(units, "Dense units")
        self.activation = get_activation(activation)
        self.W = self.b = self.dW = self.db = None
        self.cache = None

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
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        return self

    def forward(self, X):
        Z = X @ self.W + self.b
        A = self.activation.forward(Z)
        self.cache = (X, Z, A)
        return A

    def backward(self, dA=None, *, dZ=None, need_dX=True):
        """Consume the cache; fill ``self.dW``, ``self.db``; return ``dX``.

        Pass ``dZ`` instead of ``dA`` when it is already known (the fused
        softmax + cross-entropy gradient). The first layer passes
        ``need_dX=False``: nobody needs the gradient of the input pixels, and
        skipping it saves the largest matrix product of the backward pass.
        """
        X, Z, A = self.cache
        if dZ is None:
            dZ = self.activation.backward(dA, Z, A)
        np.matmul(X.T, dZ, out=self.dW)
        dZ.sum(axis=0, out=self.db)
        return dZ @ self.W.T if need_dX else None

    @property
    def params(self):
        return [self.W, self.b]

    @property
    def grads(self):
        return [self.dW, self.db]

    def __repr__(self):
        return f"Dense(units={self.units}, activation={type(self.activation).__name__})"


def _positive_int(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return int(value)
