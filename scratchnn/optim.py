"""Optimizers: turn gradients into parameter updates, in place.

The contract (yours too): ``step(params, grads)`` updates each array of ``params`` in place from
the matching array of ``grads`` (``net.params()`` and ``net.grads()``). ``fit`` also sets
``optimizer.progress``, how far training is from 0 to 1, before each step, so that a
learning-rate ``schedule`` can decay.

Weight decay pulls weights towards zero. It applies to 2-D arrays (weight
matrices) only: shrinking biases does not regularise anything. ``SGD`` and
``Momentum`` add it to the gradient (L2); ``Adam`` decays the weights directly
("AdamW"), which works better with adaptive step sizes.
"""
from __future__ import annotations

import math

import numpy as np

from .validation import positive, resolve


def constant(progress: float) -> float:
    """Learning-rate factor 1 throughout."""
    return 1.0


def cosine(progress: float) -> float:
    """Learning-rate factor falling from 1 to 0 along half a cosine wave."""
    return 0.5 * (1.0 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


SCHEDULES = {"constant": constant, "cosine": cosine}


class Optimizer:
    """Base class: subclasses give ``direction``, the step to subtract, from one flat gradient.

    The library's optimizers work on one flat copy of all gradients (one NumPy call per operation
    instead of one per array), then subtract each array's slice of the step from it. The copy and
    the optimizer's state are private and rebuilt from whatever arrays come, so a layer may
    replace its arrays at any time.
    """

    name = "optimizer"
    decoupled_decay = False  # True: decay the weights directly (AdamW); False: add wd * W to the gradient

    def __init__(self, lr: float, weight_decay: float = 0.0, schedule="constant"):
        self.lr = positive(lr, "lr")
        self.weight_decay = positive(weight_decay, "weight_decay", minimum=0)
        if isinstance(schedule, str):
            if schedule not in SCHEDULES:
                raise ValueError(f"unknown schedule {schedule!r}; expected one of {sorted(SCHEDULES)} or a function")
            schedule = SCHEDULES[schedule]
        elif not callable(schedule):
            raise ValueError(f"schedule must be a name or a function of progress, got {schedule!r}")
        self.schedule = schedule
        self.progress = 0.0
        self.state = {}
        self._shapes = self._g = self._views = None  # the private flat gradient buffer, one view per array

    def current_lr(self, progress: float | None = None) -> float:
        return self.lr * self.schedule(self.progress if progress is None else progress)

    def step(self, params, grads, progress=None):
        """Update each array of ``params`` in place from the matching array of ``grads``.

        ``progress`` (0..1), if given, is stored in ``self.progress`` first (``fit`` sets it directly).
        """
        if progress is not None:
            self.progress = progress
        params, grads = list(params), list(grads)
        shapes = [p.shape for p in params]
        if [getattr(g, "shape", None) for g in grads] != shapes:
            raise ValueError(f"step needs one gradient per parameter with its shape; got parameters {shapes} "
                             f"and gradients {[getattr(g, 'shape', type(g).__name__) for g in grads]}")
        if shapes != self._shapes or self._g.dtype != params[0].dtype:  # new arrays: new buffer and state
            self._g = np.empty(sum(p.size for p in params), dtype=params[0].dtype)
            offsets = np.cumsum([0] + [p.size for p in params])
            self._views = [self._g[a:b].reshape(shape) for a, b, shape in zip(offsets, offsets[1:], shapes)]
            self._shapes = shapes
            self.reset()
        lr, wd = self.current_lr(), self.weight_decay
        g = np.concatenate([x.ravel() for x in grads], out=self._g)
        if wd and not self.decoupled_decay:  # L2: the gradient of (wd / 2) |W|^2 is wd * W
            for p, view in zip(params, self._views):
                if p.ndim > 1:
                    view += wd * p
        self.direction(g, lr)  # overwrites g with the step, so each view is its array's step
        for p, view in zip(params, self._views):
            if wd and self.decoupled_decay and p.ndim > 1:
                p *= 1 - lr * wd
            p -= view

    def direction(self, g, lr):
        """Overwrite the flat gradient ``g`` with the step to subtract (``p -= step``)."""
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

    def direction(self, g, lr):
        g *= lr


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

    def direction(self, g, lr):
        v = self.state.get("v")
        if v is None:
            v = self.state["v"] = np.zeros_like(g)
        v *= self.beta
        v += g
        if self.nesterov:  # lr (g + beta v)
            g += self.beta * v
            g *= lr
        else:              # lr v
            np.multiply(v, lr, out=g)

    def _config(self):
        return {"beta": self.beta, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam: per-parameter step sizes from running means of ``g`` and ``g**2``.

    ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g**2``, bias-corrected by
    ``1 - b**t``, then ``p -= lr m_hat / (sqrt(v_hat) + eps)``. Weight decay is
    decoupled (AdamW): ``p -= lr wd p``.
    """

    name = "adam"
    decoupled_decay = True

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0, schedule="constant"):
        super().__init__(lr, weight_decay, schedule)
        for nm, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= b < 1:
                raise ValueError(f"{nm} must be in [0, 1), got {b!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def direction(self, g, lr):
        if not self.state:
            self.state = {"t": 0, "m": np.zeros_like(g), "v": np.zeros_like(g)}
        self.state["t"] += 1
        t, m, v = self.state["t"], self.state["m"], self.state["v"]
        b1, b2 = self.beta1, self.beta2
        m *= b1
        m += (1 - b1) * g
        v *= b2
        g *= g              # g is the private flat copy: reuse it for g**2 and then for the step
        g *= 1 - b2
        v += g
        # Fold both bias corrections into one scalar step size.
        step = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        eps = self.eps * math.sqrt(1 - b2 ** t)
        np.sqrt(v, out=g)
        g += eps
        np.divide(m, g, out=g)
        g *= step

    @property
    def t(self):
        """Steps taken so far (for the bias corrections)."""
        return self.state.get("t", 0)

    def _config(self):
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adam)}


def get_optimizer(optimizer, **options):
    """An optimizer from an instance, a class or a name (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``).

    Your own works too: any object with ``step(params, grads)``. ``options`` (``lr=0.1``,
    ``weight_decay``, ``schedule``, ...) go to the constructor of a named optimizer.
    """
    if isinstance(optimizer, str) and optimizer.strip().lower() == "nesterov":
        return Momentum(nesterov=True, **options)
    if options and isinstance(optimizer, str) and optimizer.strip().lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.strip().lower()](**options)
    return resolve(optimizer, Optimizer, OPTIMIZERS, "optimizer", duck=("step",))
