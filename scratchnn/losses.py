"""Loss functions: a number that says how wrong the outputs ``A`` are for targets ``Y``.

``forward(A, Y)`` returns the mean loss over the batch; ``backward(A, Y)``
returns ``dA = dL/dA``. ``Y`` is always a float matrix shaped like ``A`` (one-hot
rows for classification); ``Net`` converts class indices before calling.
"""
from __future__ import annotations

import math

import numpy as np


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

    After a softmax layer the net never calls ``forward``/``backward`` here: its gradient is
    the fused ``backward_logits`` = ``(P - Y) / N``, which is what the chain rule through
    softmax and log collapses to; its loss is ``forward_logits`` (log-softmax via
    log-sum-exp, finite for any logits) in ``evaluate``, and the cheaper
    ``forward_softmax`` in each training step. After any other activation (e.g. sigmoid
    outputs) the plain formulas are used, with ``P`` clipped away from 0.
    """

    name = "cross_entropy"
    eps = 1e-12

    def forward(self, A, Y):
        P = np.clip(A, self.eps, 1.0)
        return float(-np.sum(Y * np.log(P)) / len(A))

    def backward(self, A, Y):
        # The derivative of the clipped function: zero where the clip is active.
        inside = (A > self.eps) & (A <= 1.0)
        return np.where(inside, -Y / np.clip(A, self.eps, 1.0), 0) / len(A)

    @staticmethod
    def log_softmax(Z):
        """``log(softmax(Z))`` without overflow: ``Z - max - log(sum(exp(Z - max)))``."""
        Z = Z - Z.max(axis=1, keepdims=True)
        return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))

    def forward_logits(self, Z, Y):
        return float(-np.sum(Y * self.log_softmax(Z)) / len(Z))

    def forward_softmax(self, P, Z, Y):
        """The same loss, from the softmax ``P = softmax(Z)`` a forward pass already made.

        ``-sum(Y log P) / N`` is three NumPy calls instead of ``forward_logits``'s eight, and
        training computes the loss at every step. It agrees with ``forward_logits`` to float
        rounding. Where ``P`` underflowed to 0 (logits very far apart) ``log P`` is -inf; then
        the log-sum-exp form of ``forward_logits`` gives the finite value.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = float(-np.sum(Y * np.log(P)) / len(P))
        return loss if math.isfinite(loss) else self.forward_logits(Z, Y)

    @staticmethod
    def backward_logits(P, Y):
        """The fused softmax + cross-entropy gradient ``dZ = (P - Y) / N``."""
        return (P - Y) / len(P)


LOSSES = {cls.name: cls for cls in (MSELoss, CrossEntropyLoss)}
_ALIASES = {
    "crossentropy": "cross_entropy", "crossentropyloss": "cross_entropy",
    "categorical_crossentropy": "cross_entropy", "ce": "cross_entropy",
    "mseloss": "mse", "mean_squared_error": "mse",
}


def get_loss(loss) -> Loss:
    """Turn a class (``CrossEntropyLoss``), an instance or a name (``"cross_entropy"``) into an instance."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, type) and issubclass(loss, Loss):
        return loss()
    if isinstance(loss, str):
        key = loss.strip().lower()
        key = _ALIASES.get(key, key)
        if key in LOSSES:
            return LOSSES[key]()
        raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)}")
    raise ValueError(
        "cost_function must be a Loss class, instance or name such as 'cross_entropy', "
        f"got {loss!r} of type {type(loss).__name__}"
    )
