"""Optimizers: turn gradients into parameter updates, in place.

Every optimizer has ``step(params, grads, progress=0.0)``: ``params`` and
``grads`` are matching lists of arrays and ``progress`` in [0, 1] is how far
training is (``Net.fit`` passes it) so a learning-rate ``schedule`` can decay.

Weight decay pulls weights towards zero. It applies to 2-D arrays (weight
matrices) only: shrinking biases does not regularise anything. ``SGD`` and
``Momentum`` add it to the gradient (L2); ``Adam`` decays the weights directly
("AdamW"), which works better with adaptive step sizes.
"""
from __future__ import annotations

import math

import numpy as np


def constant(progress: float) -> float:
    """Learning-rate factor 1 throughout."""
    return 1.0


def cosine(progress: float) -> float:
    """Learning-rate factor falling from 1 to 0 along half a cosine wave."""
    return 0.5 * (1.0 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


SCHEDULES = {"constant": constant, "cosine": cosine}


class Optimizer:
    name = "optimizer"

    def __init__(self, lr: float, weight_decay: float = 0.0, schedule="constant"):
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive number, got {lr!r}")
        if not (isinstance(weight_decay, (int, float)) and weight_decay >= 0):
            raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay!r}")
        if isinstance(schedule, str):
            if schedule not in SCHEDULES:
                raise ValueError(f"unknown schedule {schedule!r}; expected one of {sorted(SCHEDULES)} or a function")
            schedule = SCHEDULES[schedule]
        elif not callable(schedule):
            raise ValueError(f"schedule must be a name or a function of progress, got {schedule!r}")
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.schedule = schedule
        self.state = {}  # per-parameter buffers, keyed by position in the params list

    def current_lr(self, progress: float = 0.0) -> float:
        return self.lr * self.schedule(progress)

    def step(self, params, grads, progress: float = 0.0, decay=None):
        """Update each array of ``params`` in place from the matching ``grads``.

        ``decay`` says which arrays get weight decay: by default the 2-D ones
        (weight matrices, not biases). An entry may also be a ``slice`` of its
        array: ``Net.fit`` passes one flat array, weights first, and the slice
        that holds the weights.
        """
        lr = self.current_lr(progress)
        if decay is None:
            decay = [p.ndim > 1 for p in params]
        for i, (p, g, d) in enumerate(zip(params, grads, decay)):
            where = d if isinstance(d, slice) else slice(None)
            self.update(i, p, g, lr, self.weight_decay if d else 0.0, where)

    def update(self, i, p, g, lr, wd, where):
        """Update ``p`` from ``g``; weight decay ``wd`` (0 for none) applies to ``p[where]``."""
        raise NotImplementedError

    def reset(self):
        """Forget momentum/moment buffers (e.g. before training a new net)."""
        self.state = {}

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self._config().items())
        sched = getattr(self.schedule, "__name__", repr(self.schedule))
        return f"{type(self).__name__}(lr={self.lr!r}{extra}, weight_decay={self.weight_decay!r}, schedule={sched!r})"

    def _config(self):
        return {}


class SGD(Optimizer):
    """Plain gradient descent: ``p -= lr * g``."""

    name = "sgd"

    def __init__(self, lr: float = 0.1, weight_decay: float = 0.0, schedule="constant"):
        super().__init__(lr, weight_decay, schedule)

    def update(self, i, p, g, lr, wd, where):
        if wd:
            g = g.copy()
            g[where] += wd * p[where]
        p -= lr * g


class Momentum(Optimizer):
    """SGD with momentum: ``v = beta v + g; p -= lr v``.

    With ``nesterov=True`` the step looks ahead along the velocity:
    ``p -= lr (g + beta v)``.
    """

    name = "momentum"

    def __init__(self, lr: float = 0.05, beta: float = 0.9, nesterov: bool = False,
                 weight_decay: float = 0.0, schedule="constant"):
        super().__init__(lr, weight_decay, schedule)
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1), got {beta!r}")
        self.beta = float(beta)
        self.nesterov = bool(nesterov)

    def update(self, i, p, g, lr, wd, where):
        if wd:
            g = g.copy()
            g[where] += wd * p[where]
        v = self.state.get(i)
        if v is None or v.shape != p.shape:
            v = self.state[i] = np.zeros_like(p)
        v *= self.beta
        v += g
        p -= lr * (g + self.beta * v) if self.nesterov else lr * v

    def _config(self):
        return {"beta": self.beta, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam: per-parameter step sizes from running means of ``g`` and ``g**2``.

    ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g**2``, bias-corrected by
    ``1 - b**t``, then ``p -= lr m_hat / (sqrt(v_hat) + eps)``. Weight decay is
    decoupled (AdamW): ``p -= lr wd p``.
    """

    name = "adam"

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0, schedule="constant"):
        super().__init__(lr, weight_decay, schedule)
        for nm, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= b < 1:
                raise ValueError(f"{nm} must be in [0, 1), got {b!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.t = 0

    def step(self, params, grads, progress: float = 0.0, decay=None):
        self.t += 1
        super().step(params, grads, progress, decay)

    def update(self, i, p, g, lr, wd, where):
        state = self.state.get(i)
        if state is None or state[0].shape != p.shape:
            state = self.state[i] = (np.zeros_like(p), np.zeros_like(p), np.empty_like(p))
        m, v, tmp = state
        b1, b2 = self.beta1, self.beta2
        m *= b1
        m += (1 - b1) * g
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v += tmp
        # Fold both bias corrections into one scalar step size.
        step = lr * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        eps = self.eps * math.sqrt(1 - b2 ** self.t)
        if wd:
            p[where] *= 1 - lr * wd
        np.sqrt(v, out=tmp)
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= step
        p -= tmp

    def reset(self):
        super().reset()
        self.t = 0

    def _config(self):
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adam)}


def get_optimizer(optimizer) -> Optimizer:
    """An ``Optimizer`` instance, class or name (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``)."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer()
    if isinstance(optimizer, str):
        key = optimizer.strip().lower()
        if key == "nesterov":
            return Momentum(nesterov=True)
        if key in OPTIMIZERS:
            return OPTIMIZERS[key]()
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {sorted(OPTIMIZERS) + ['nesterov']}")
    raise ValueError(f"optimizer must be an Optimizer, class or name such as 'adam', got {optimizer!r}")
