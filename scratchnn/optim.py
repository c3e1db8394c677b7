"""Optimizers: turn gradients into parameter updates, in place.

The contract (yours too): ``step(params, grads)`` updates each array of ``params`` in place from
the matching array of ``grads`` (``net.params()`` and ``net.grads()``). ``fit`` also sets
``optimizer.progress``, how far training is from 0 to 1, before each step, so that a
learning-rate ``schedule`` can decay.

Each update rule is one small function, written as the textbook (and CS231n's ``optim.py``)
writes it, with its state in view: ``sgd``, ``momentum``, ``adam``. Each returns the step to
subtract, ``p -= step``. The classes keep the settings and the state, and add what all the rules
share: the learning-rate schedule and weight decay.

Two speed tricks, which change no result (``tests/test_optim.py`` checks the bits). Every rule works
element by element, so the classes run it once on all the parameters laid end to end (one flat
gradient, one flat ``m`` and ``v``) instead of once per array: the same arithmetic on the same
numbers, with about eight times fewer NumPy calls. And the rules write into arrays they are given
(``out=``) instead of making new ones each step.

Weight decay pulls weights towards zero. It applies to 2-D arrays (weight matrices) only:
shrinking biases does not regularise anything. ``SGD`` and ``Momentum`` add it to the gradient
(L2); ``Adam`` decays the weights directly ("AdamW"), which works better with adaptive step sizes.
"""
from __future__ import annotations

import math
from numbers import Real

import numpy as np

from .validation import positive, resolve

#: The learning rate each optimizer starts from when none is given (its constructor's default);
#: rates that work for the seed net on MNIST, and what the divergence stop suggests.
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adam": 1e-3}


# ------------------------------------------------------------------ the update rules
# ``out`` is where the step goes (a new array if None). It may be ``g`` itself: the classes pass
# their own flat copy of the gradient, so a step allocates nothing, which matters once the
# parameters run to megabytes.
def sgd(g, lr, out=None):
    """Plain gradient descent: the step is ``lr g``."""
    return np.multiply(g, lr, out=out)


def momentum(g, v, lr, beta, nesterov=False, out=None):
    """Momentum: ``v = beta v + g``, step ``lr v``; Nesterov looks ahead: step ``lr (g + beta v)``.

    Updates the velocity ``v`` in place."""
    v *= beta
    v += g                                   # v = beta v + g
    if nesterov:
        out = np.add(g, beta * v, out=out)   # g + beta v
        out *= lr
        return out
    return np.multiply(v, lr, out=out)       # lr v


def adam(g, m, v, t, lr, beta1, beta2, eps, out=None, scratch=None):
    """Adam at step ``t`` (1, 2, ...): updates the moments ``m`` and ``v`` in place, returns the step::

        m = b1 m + (1-b1) g            v = b2 v + (1-b2) g**2
        m_hat = m / (1-b1**t)          v_hat = v / (1-b2**t)
        step = lr m_hat / (sqrt(v_hat) + eps)

    Below, the same formulas one operation at a time, with the same roundings, in place: into
    ``m``, ``v``, ``out`` and ``scratch`` (an array shaped like ``g``), so that no new arrays are made.
    """
    out = np.empty_like(g) if out is None else out
    s = np.empty_like(g) if scratch is None else scratch
    np.multiply(g, 1 - beta1, out=s)
    m *= beta1
    m += s                                   # m = b1 m + (1-b1) g
    np.square(g, out=s)
    s *= 1 - beta2
    v *= beta2
    v += s                                   # v = b2 v + (1-b2) g**2      (g is not needed after this)
    # Once beta1**t is below the float's precision (t > 165 in float32), 1 - beta1**t is exactly 1
    # and m / 1 is m to the bit: skip that division.
    c1 = 1 - beta1**t
    m_hat = m if m.dtype.type(c1) == 1 else np.divide(m, c1, out=out)
    v_hat = np.divide(v, 1 - beta2**t, out=s)
    lr_m_hat = np.multiply(m_hat, lr, out=out)
    np.sqrt(v_hat, out=v_hat)
    v_hat += eps                             # sqrt(v_hat) + eps
    return np.divide(lr_m_hat, v_hat, out=out)   # lr m_hat / (sqrt(v_hat) + eps)


# ------------------------------------------------------------------ schedules
def constant(progress: float) -> float:
    """Learning-rate factor 1 throughout."""
    return 1.0


def cosine(progress: float) -> float:
    """Learning-rate factor falling from 1 to 0 along half a cosine wave."""
    return 0.5 * (1.0 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


SCHEDULES = {"constant": constant, "cosine": cosine}


# ------------------------------------------------------------------ the classes
class Optimizer:
    """Base class: a subclass gives ``update(g, lr)``, the step for the flat gradient ``g``, and
    ``reset()``, which forgets its state. The state is rebuilt whenever the parameters' shapes or
    dtype change, so a layer may replace its arrays at any time.
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
            raise ValueError(f"schedule must be one of {sorted(SCHEDULES)} or a function of progress, got {schedule!r}")
        self.schedule = schedule
        self.progress = 0.0
        # The parameters' shapes; the flat gradient (then the step), and its parts, one view per parameter.
        self._shapes = self._g = self._g_parts = None

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
            self._g_parts = _parts(self._g, shapes)
            self._shapes = shapes
            self.reset()
        lr, wd = self.current_lr(), self.weight_decay
        g = np.concatenate([x.ravel() for x in grads], out=self._g)
        if wd and not self.decoupled_decay:  # L2: the gradient of (wd / 2) |W|^2 is wd * W
            for p, g_p in zip(params, self._g_parts):
                if p.ndim > 1:
                    g_p += wd * p
        step = self.update(g, lr)
        if step is not g:                    # a rule of your own may return a new array
            np.copyto(g, step)
        for p, step in zip(params, self._g_parts):
            if wd and self.decoupled_decay and p.ndim > 1:
                p *= 1 - lr * wd
            p -= step

    def update(self, g, lr):
        """The step to subtract (``p -= step``) for the flat gradient ``g``, the optimizer's own
        copy: the rule may write the step into it (``out=g``) and return it."""
        raise NotImplementedError

    def reset(self):
        """Forget the rule's state (momentum, moments), e.g. before training a new net."""

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self._config().items())
        sched = getattr(self.schedule, "__name__", repr(self.schedule))
        return f"{type(self).__name__}(lr={self.lr!r}{extra}, weight_decay={self.weight_decay!r}, schedule={sched!r})"

    def _config(self):
        return {}


class SGD(Optimizer):
    """Plain gradient descent: ``p -= lr * g``."""

    name = "sgd"

    def __init__(self, lr: float = DEFAULT_LR["sgd"], weight_decay: float = 0.0, schedule="constant"):
        super().__init__(lr, weight_decay, schedule)

    def update(self, g, lr):
        return sgd(g, lr, out=g)


class Momentum(Optimizer):
    """SGD with momentum: ``v = beta v + g; p -= lr v``.

    With ``nesterov=True`` the step looks ahead along the velocity: ``p -= lr (g + beta v)``.
    ``v`` is the velocity of every parameter, end to end (None before the first step).
    """

    name = "momentum"

    def __init__(self, lr: float = DEFAULT_LR["momentum"], beta: float = 0.9, nesterov: bool = False,
                 weight_decay: float = 0.0, schedule="constant"):
        super().__init__(lr, weight_decay, schedule)
        self.beta = _fraction(beta, "beta")
        if not isinstance(nesterov, (bool, np.bool_)):
            raise ValueError(f"nesterov must be True or False, got {nesterov!r}")
        self.nesterov = bool(nesterov)
        self.v = None

    def update(self, g, lr):
        if self.v is None:
            self.v = np.zeros_like(g)
        return momentum(g, self.v, lr, self.beta, self.nesterov, out=g)

    def reset(self):
        self.v = None

    def _config(self):
        return {"beta": self.beta, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam: per-parameter step sizes from running means of ``g`` and ``g**2`` (see ``adam``).

    ``m`` and ``v`` are the moments of every parameter, end to end, and ``t`` the steps taken,
    for the bias corrections. Weight decay is decoupled (AdamW): ``p -= lr wd p``.
    """

    name = "adam"
    decoupled_decay = True

    def __init__(self, lr: float = DEFAULT_LR["adam"], beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0, schedule="constant"):
        super().__init__(lr, weight_decay, schedule)
        self.beta1, self.beta2 = _fraction(beta1, "beta1"), _fraction(beta2, "beta2")
        # eps keeps sqrt(v_hat) + eps from being 0: a 0 or negative eps divides by zero.
        self.eps = positive(eps, "eps")
        self.reset()

    def update(self, g, lr):
        if self.m is None:
            self.m, self.v, self._scratch = np.zeros_like(g), np.zeros_like(g), np.empty_like(g)
        self.t += 1
        return adam(g, self.m, self.v, self.t, lr, self.beta1, self.beta2, self.eps, out=g, scratch=self._scratch)

    def reset(self):
        self.m = self.v = self._scratch = None
        self.t = 0

    def _config(self):
        return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


def _parts(flat, shapes):
    """Views of ``flat`` cut into consecutive arrays of ``shapes``."""
    ends = np.cumsum([math.prod(shape) for shape in shapes]).tolist()
    return [flat[a:b].reshape(shape) for a, b, shape in zip([0] + ends, ends, shapes)]


def _fraction(value, name):
    """``value`` as a float if it is a number in [0, 1) (a decay rate such as beta), else a ValueError naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.floating)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _nesterov(**settings):
    return Momentum(nesterov=True, **settings)


#: The optimizers by name, as ``get_optimizer`` and ``scratchnn train --optimizer`` take them.
OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": _nesterov, "adam": Adam}


def get_optimizer(optimizer="adam", lr=None, weight_decay=None, schedule=None):
    """An optimizer from a name (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``), a class, or an instance.

    ``lr``, ``weight_decay`` and ``schedule`` set up one made from a name or a class; None keeps its
    default (``DEFAULT_LR``, no weight decay, a constant rate). An instance comes back as it is,
    and so does your own object with ``step(params, grads)``.
    """
    settings = {k: v for k, v in (("lr", lr), ("weight_decay", weight_decay), ("schedule", schedule)) if v is not None}
    if isinstance(optimizer, str):
        make = OPTIMIZERS.get(optimizer.strip().lower())
        if make is None:
            raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {sorted(OPTIMIZERS)}")
        return make(**settings)
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer(**settings)
    if settings:
        raise ValueError(f"lr, weight_decay and schedule set up an optimizer made from a name or a class, "
                         f"not {optimizer!r}: set them on it instead")
    return resolve(optimizer, Optimizer, OPTIMIZERS, "optimizer", duck=("step",))
