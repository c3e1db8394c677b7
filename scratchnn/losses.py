"""Loss functions: a number that says how wrong the outputs ``A`` are for targets ``Y``.

``forward(A, Y)`` returns the mean loss over the batch; ``backward(A, Y)``
returns ``dA = dL/dA``. ``Y`` is always a float matrix shaped like ``A`` (one-hot
rows for classification); ``Net`` converts class indices before calling.
``SoftmaxCrossEntropy`` is the one that takes logits ``Z`` instead of outputs: softmax and
cross-entropy as one function, whose gradient ``dZ = (P - Y) / N`` is where ``Net`` starts
backprop when a softmax output meets cross-entropy.
"""
from __future__ import annotations

import math

import numpy as np

from .activations import Softmax
from .validation import resolve


class Loss:
    name = "loss"

    def forward(self, A, Y) -> float:
        raise NotImplementedError

    def backward(self, A, Y):
        raise NotImplementedError

    def __call__(self, A, Y):
        return self.forward(A, Y)

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    """Mean squared error over every entry: ``L = mean((A - Y)**2)``, so ``dA = 2 (A - Y) / A.size``.

    Same convention as ``torch.nn.MSELoss()``.
    """

    name = "mse"

    def forward(self, A, Y):
        return float(np.mean((A - Y) ** 2))

    def backward(self, A, Y):
        return 2 * (A - Y) / A.size


class CrossEntropyLoss(Loss):
    """Cross-entropy ``L = -(1/N) sum_i sum_k Y_ik log P_ik`` for probabilities ``P``.

    After a softmax output layer, ``Net`` computes this same loss from the layer's logits with
    ``SoftmaxCrossEntropy``, and starts backprop at its fused gradient ``(P - Y) / N``.
    """

    name = "cross_entropy"
    eps = 1e-12

    def forward(self, A, Y):
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = -float(np.vdot(Y, np.log(A))) / len(A)
        if not math.isfinite(loss) or A.max() > 1.0:
            # Not probabilities (an output <= 0, or > 1): clip them to [eps, 1], so the loss stays
            # finite. A probability that underflowed to 0 then costs -log(eps), about 27.6.
            loss = -float(np.vdot(Y, np.log(np.clip(A, self.eps, 1.0)))) / len(A)
        return loss

    def backward(self, A, Y):
        # The derivative of the clipped function: zero where the clip is active.
        inside = (A > self.eps) & (A <= 1.0)
        return np.where(inside, -Y / np.clip(A, self.eps, 1.0), 0) / len(A)


def log_softmax(Z):
    """``log(softmax(Z))`` without overflow: ``Z - max - log(sum(exp(Z - max)))``."""
    Z = Z - Z.max(axis=1, keepdims=True)
    return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))


class SoftmaxCrossEntropy(Loss):
    """Softmax and cross-entropy as one function of the logits ``Z``, like CS231n's ``softmax_loss``.

    ``forward(Z, Y)`` is the cross-entropy of ``P = softmax(Z)``; ``backward(Z, Y)`` its gradient
    with respect to the logits, ``dZ = (P - Y) / N``: the chain rule through the log and the
    softmax collapses to one subtraction (notebook 05 derives it), exact even where ``P``
    underflows to 0. ``Net`` uses it for an output ``Dense(k, activation=Softmax)`` trained with
    ``CrossEntropyLoss``: it reads that layer's ``Z`` (and passes its output ``P``, so that the
    softmax is not computed twice) and starts backprop at ``dZ``.
    """

    name = "softmax_cross_entropy"

    def forward(self, Z, Y, P=None):
        """The mean loss. ``P``, if given, is ``softmax(Z)`` already computed (``Net`` passes its output)."""
        P = Softmax().forward(Z) if P is None else P
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = -float(np.vdot(Y, np.log(P))) / len(Z)
        if not math.isfinite(loss):  # a probability underflowed to 0: log-sum-exp is exact where log(P) is not
            loss = -float(np.vdot(Y, log_softmax(Z))) / len(Z)
        return loss

    def backward(self, Z, Y, P=None):
        """``dZ = (P - Y) / N``, with ``P = softmax(Z)`` (or the ``P`` given)."""
        P = Softmax().forward(Z) if P is None else P
        return (P - Y) / len(Z)


LOSSES = {cls.name: cls for cls in (MSELoss, CrossEntropyLoss, SoftmaxCrossEntropy)}
_ALIASES = {
    "crossentropy": "cross_entropy", "crossentropyloss": "cross_entropy",
    "categorical_crossentropy": "cross_entropy", "ce": "cross_entropy",
    "mseloss": "mse", "mean_squared_error": "mse",
}


def get_loss(loss) -> Loss:
    """Turn a class (``CrossEntropyLoss``), an instance or a name (``"cross_entropy"``) into an instance.

    Your own loss works too: any object with ``forward(P, Y)`` and ``backward(P, Y)``, or, after a
    softmax, ``forward(P, Y)`` and ``backward_logits(P, Y)``, the fused gradient ``dZ`` (notebook 05's).
    """
    if all(callable(getattr(loss, m, None)) for m in ("forward", "backward_logits")):
        return loss() if isinstance(loss, type) else loss  # a fused softmax-cross-entropy needs no backward
    return resolve(loss, Loss, LOSSES, "loss", _ALIASES, duck=("forward", "backward"))
