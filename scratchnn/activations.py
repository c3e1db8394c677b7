"""Activation functions: ``A = f(Z)`` forward, ``dZ = dA * f'(Z)`` backward.

Each activation is a tiny stateless object. ``forward(Z)`` returns ``A``;
``backward(dA, Z, A)`` returns ``dZ``, the gradient of the loss with respect to
the pre-activation ``Z``. Both ``Z`` and ``A`` are passed to ``backward`` because
some derivatives are cheapest written in terms of the output (sigmoid, tanh,
softmax) and others in terms of the input (ReLU).
"""
from __future__ import annotations

import numpy as np

from .validation import resolve


class Activation:
    """Base class. Subclasses set ``name`` and implement forward/backward.

    ``init`` names the rule ``Dense`` uses for the initial weights of a layer with this activation
    (see ``scratchnn.layers``): Glorot's keeps the variance of saturating and linear units.
    """

    name = "activation"
    init = "glorot"

    def forward(self, Z):
        raise NotImplementedError

    def backward(self, dA, Z, A):
        raise NotImplementedError

    def __call__(self, Z):
        return self.forward(Z)

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))


class Identity(Activation):
    """``A = Z``: a linear layer (regression outputs, or logits you inspect)."""

    name = "identity"

    def forward(self, Z):
        return Z

    def backward(self, dA, Z, A):
        return dA


class ReLU(Activation):
    """``A = max(0, Z)``. Its gradient is a mask: 1 where ``Z > 0``, else 0.

    ``init = "he"``: a ReLU zeroes half of its inputs, so He's rule doubles the variance of the
    weights (2 / fan_in) to keep the activations' scale through many layers.
    """

    name = "relu"
    init = "he"

    def forward(self, Z):
        return np.maximum(Z, 0)

    def backward(self, dA, Z, A):
        return dA * (Z > 0)


class Sigmoid(Activation):
    """``A = 1 / (1 + exp(-Z))``; ``dA/dZ = A (1 - A)``."""

    name = "sigmoid"

    def forward(self, Z):
        # exp of a negative number never overflows: split on the sign of Z.
        E = np.exp(-np.abs(Z))
        return np.where(Z >= 0, 1 / (1 + E), E / (1 + E))

    def backward(self, dA, Z, A):
        return dA * A * (1 - A)


class Tanh(Activation):
    """``A = tanh(Z)``; ``dA/dZ = 1 - A**2``."""

    name = "tanh"

    def forward(self, Z):
        return np.tanh(Z)

    def backward(self, dA, Z, A):
        return dA * (1 - A * A)


class Softmax(Activation):
    """``A_ij = exp(Z_ij) / sum_k exp(Z_ik)``, row by row.

    Subtracting the row maximum first changes nothing mathematically (it cancels
    in the ratio) but keeps ``exp`` from overflowing. The backward pass is the
    Jacobian-vector product ``dZ = A * (dA - sum(dA * A))``.

    Followed by cross-entropy, the two are differentiated as one, from the logits:
    ``losses.SoftmaxCrossEntropy``, where ``Net`` starts backprop at ``dZ = (P - Y) / N``.
    """

    name = "softmax"

    def forward(self, Z):
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        E /= E.sum(axis=1, keepdims=True)
        return E

    def backward(self, dA, Z, A):
        return A * (dA - (dA * A).sum(axis=1, keepdims=True))


ACTIVATIONS = {cls.name: cls for cls in (Identity, ReLU, Sigmoid, Tanh, Softmax)}
# Spellings users of the seed project and of other libraries reach for.
_ALIASES = {"linear": "identity", "none": "identity", "logistic": "sigmoid"}


def get_activation(activation) -> Activation:
    """Turn a class (``ReLU``), an instance (``ReLU()``) or a name (``"relu"``) into an instance.

    Your own activation works too: any object with ``forward(Z)`` and ``backward(dA, Z, A)``.
    """
    if activation is None:
        return Identity()
    return resolve(activation, Activation, ACTIVATIONS, "activation", _ALIASES, duck=("forward", "backward"))
