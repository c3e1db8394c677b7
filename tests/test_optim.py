"""scratchnn.optim: the textbook update rules, bit for bit, and every setting checked."""
import math

import numpy as np
import pytest

import scratchnn as snn
from scratchnn.optim import DEFAULT_LR, get_optimizer


def parameters(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for shape in [(6, 4), (4,), (4, 3), (3,)]]


def run(optimizer, steps=30, dtype=np.float32):
    """``steps`` steps on fixed parameters with gradients that change sign and scale (so no rounding hides)."""
    params = parameters(dtype=dtype)
    for t in range(steps):
        grads = [np.sin(p * (t + 1)) * 10.0 ** (t % 5 - 2) for p in parameters(seed=t + 1, dtype=dtype)]
        optimizer.step(params, grads, progress=t / steps)
    return params


class TextbookAdam:
    """CS231n's ``adam`` (and notebook 06's), one array at a time, plus AdamW's decay and a schedule."""

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, schedule=lambda progress: 1.0):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.wd, self.schedule = weight_decay, schedule
        self.m = self.v = None
        self.t = 0

    def step(self, params, grads, progress):
        if self.m is None:
            self.m, self.v = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
        self.t += 1
        lr = self.lr * self.schedule(progress)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m[...] = self.beta1 * m + (1 - self.beta1) * g
            v[...] = self.beta2 * v + (1 - self.beta2) * g**2
            m_hat = m / (1 - self.beta1 ** self.t)
            v_hat = v / (1 - self.beta2 ** self.t)
            if p.ndim > 1:
                p *= 1 - lr * self.wd
            p -= lr * m_hat / (np.sqrt(v_hat) + self.eps)


class TextbookMomentum:
    def __init__(self, lr, beta=0.9, nesterov=False, weight_decay=0.0):
        self.lr, self.beta, self.nesterov, self.wd = lr, beta, nesterov, weight_decay
        self.v = None

    def step(self, params, grads, progress):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.v):
            if p.ndim > 1:
                g = g + self.wd * p
            v[...] = self.beta * v + g
            p -= self.lr * (g + self.beta * v) if self.nesterov else self.lr * v


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("settings", [{}, {"weight_decay": 0.05, "schedule": "cosine"}, {"beta2": 0.9, "eps": 1e-3}])
def test_adam_gives_the_textbook_numbers_bit_for_bit(settings, dtype):
    schedule = snn.optim.SCHEDULES[settings.pop("schedule", "constant")]
    steps = 400       # past t = 165 (float32) and 356 (float64), where 1 - beta1**t rounds to exactly 1
    mine = run(snn.Adam(lr=3e-3, schedule=schedule, **settings), steps, dtype)
    textbook = run(TextbookAdam(lr=3e-3, schedule=schedule, **settings), steps, dtype)
    assert all(np.array_equal(p, q) for p, q in zip(mine, textbook))


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_and_sgd_give_the_textbook_numbers_bit_for_bit(nesterov):
    mine = run(snn.Momentum(lr=0.05, nesterov=nesterov, weight_decay=0.01))
    textbook = run(TextbookMomentum(lr=0.05, nesterov=nesterov, weight_decay=0.01))
    assert all(np.array_equal(p, q) for p, q in zip(mine, textbook))
    sgd = run(snn.SGD(lr=0.1))
    textbook = run(TextbookMomentum(lr=0.1, beta=0.0))     # no momentum: v = g, the step is lr g
    assert all(np.array_equal(p, q) for p, q in zip(sgd, textbook))


def test_adams_state_is_the_textbooks_m_v_and_t():
    adam = snn.Adam()
    params = parameters()
    adam.step(params, [np.ones_like(p) for p in params])
    adam.step(params, [np.ones_like(p) for p in params])
    assert adam.t == 2 and np.allclose(adam.m, 0.19) and np.allclose(adam.v, 1 - 0.999**2)
    adam.reset()
    assert adam.t == 0 and adam.m is None


@pytest.mark.parametrize("make, message", [
    (lambda: snn.Adam(eps=0), "eps must be a positive number, got 0"),
    (lambda: snn.Adam(eps=-1), "eps must be a positive number, got -1"),
    (lambda: snn.Adam(eps=math.nan), "eps must be a positive number, got nan"),
    (lambda: snn.Adam(eps="1e-8"), "eps must be a positive number"),
    (lambda: snn.Adam(beta1=1.0), r"beta1 must be a number in \[0, 1\), got 1.0"),
    (lambda: snn.Adam(beta2=math.nan), r"beta2 must be a number in \[0, 1\), got nan"),
    (lambda: snn.Adam(beta1="0.9"), r"beta1 must be a number in \[0, 1\)"),
    (lambda: snn.Adam(lr=math.inf), "lr must be a positive number, got inf"),
    (lambda: snn.Adam(weight_decay=math.nan), "weight_decay must be a number >= 0, got nan"),
    (lambda: snn.Momentum(beta=-0.1), r"beta must be a number in \[0, 1\), got -0.1"),
    (lambda: snn.Momentum(nesterov="no"), "nesterov must be True or False, got 'no'"),
    (lambda: snn.SGD(lr=0), "lr must be a positive number, got 0"),
    (lambda: snn.SGD(schedule="linear"), "unknown schedule 'linear'"),
    (lambda: snn.SGD(schedule=3), "schedule must be one of"),
])
def test_every_optimizer_setting_is_checked_in_one_line_naming_it(make, message):
    with pytest.raises(ValueError, match=message) as error:
        make()
    assert "\n" not in str(error.value)


def test_get_optimizer_makes_each_one_by_name_with_its_default_learning_rate():
    for name in ("sgd", "momentum", "nesterov", "adam"):
        optimizer = get_optimizer(name)
        assert optimizer.lr == DEFAULT_LR[name] and optimizer.weight_decay == 0
    assert get_optimizer("nesterov").nesterov and not get_optimizer("Momentum").nesterov
    made = get_optimizer("adam", lr=3e-3, weight_decay=0.05, schedule="cosine")
    assert (made.lr, made.weight_decay, made.schedule) == (3e-3, 0.05, snn.optim.cosine)
    assert get_optimizer(snn.SGD, lr=0.5).lr == 0.5
    adam = snn.Adam()
    assert get_optimizer(adam) is adam
    with pytest.raises(ValueError, match="set them on it instead"):
        get_optimizer(adam, lr=0.1)
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'; expected one of"):
        get_optimizer("adamw")
