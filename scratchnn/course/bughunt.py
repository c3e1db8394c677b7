"""Notebook 08's blind hunt: seven parts of a small net, some with a planted bug, none labelled.

Three layers, two activations and two optimizers, each plugging into ``Net`` through the usual
contract. Find which are wrong, and where, with the tools of notebook 08: ``check_gradients`` on a
net built around a part (``net_with``), the ratio numerical / analytic, and the step check. Write
your findings as ``{part: finding}`` and grade them with ``check_findings``, which knows the answers
only as digests: this file holds the parts, not the answers.
"""
from __future__ import annotations

import hashlib

import numpy as np

from ..activations import Softmax, Tanh
from ..layers import Dense, InLayer
from ..net import Net

LAYERS = ("LayerA", "LayerB", "LayerC")
ACTIVATIONS = ("ActivationA", "ActivationB")
OPTIMIZERS = ("OptimizerA", "OptimizerB")
#: What a finding may say, per kind of part: where the bug is, and for a layer whether the gradient
#: is off by a constant factor (the same ratio numerical / analytic everywhere) or by a wrong formula.
FINDINGS = {
    "layer": ["right"] + [f"{array} {kind}" for array in ("dW", "db", "dX") for kind in ("factor", "formula")],
    "activation": ["right", "backward"],
    "optimizer": ["right", "step"],
}


class LayerA(Dense):
    def backward(self, dA):
        X, Z, A = self.cache
        dZ = self.activation.backward(dA, Z, A)
        self.dW = X.T @ dZ
        self.db = dZ.mean(axis=0)
        return dZ @ self.W.T


class LayerB(Dense):
    def backward(self, dA):
        X, Z, A = self.cache
        dZ = self.activation.backward(dA, Z, A)
        self.dW = X.T @ dZ
        self.db = dZ.sum(axis=0)
        return dZ @ self.W.T


class LayerC(Dense):
    def backward(self, dA):
        X, Z, A = self.cache
        dZ = self.activation.backward(dA, Z, A)
        self.dW = X.T @ dZ
        self.db = dZ.sum(axis=0)
        return dA @ self.W.T


class ActivationA:
    init = "glorot"

    def forward(self, Z):
        return np.tanh(Z)

    def backward(self, dA, Z, A):
        return dA * (1 - A ** 2)


class ActivationB:
    init = "glorot"

    def forward(self, Z):
        return 1 / (1 + np.exp(-Z))

    def backward(self, dA, Z, A):
        return dA * A * (1 - Z)


class OptimizerA:
    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        for p, g in zip(params, grads):
            p -= self.lr * g


class OptimizerB:
    def __init__(self, lr):
        self.lr, self.previous = lr, None

    def step(self, params, grads):
        if self.previous is None:
            self.previous = [np.zeros_like(g) for g in grads]
        for p, g, g_before in zip(params, grads, self.previous):
            p -= self.lr * g_before
            g_before[...] = g


def net_with(part, seed=0):
    """A float64 net 6-8-8-4 whose middle layer is ``part`` (a layer class or an activation class).

    The part sits in the middle so that a wrong ``dX`` shows in the first layer's gradients. A layer
    part gets tanh (smooth: no kink for the numerical gradient to straddle); an activation part sits
    in a library ``Dense``.
    """
    part = globals()[part] if isinstance(part, str) else part
    middle = part(8, Tanh()) if isinstance(part, type) and issubclass(part, Dense) else Dense(8, part())
    net = Net([InLayer(6), Dense(8, Tanh()), middle, Dense(4, Softmax)], seed=seed, dtype=np.float64)
    for param in net.params()[1::2]:              # non-zero biases: nothing hides behind a zero
        param[...] = np.random.default_rng(seed + 1).normal(0, 0.5, param.shape)
    return net


def _digest(part, finding):
    return hashlib.sha256(f"scratchnn bughunt|{part}|{finding}".encode()).hexdigest()[:16]


_ANSWERS = {
    "LayerA": "6d6531c079f49c48", "LayerB": "c1988b80f48b45bb", "LayerC": "6d7b415cbf1c8be8",
    "ActivationA": "0b586c8a30be6d3a", "ActivationB": "d849b4677be94c2a",
    "OptimizerA": "b533d1e9efa719c8", "OptimizerB": "eb6582473176fd9a",
}

_HOW = {
    "layer": 'check_gradients on bughunt.net_with("{part}") says which arrays are off (the middle layer\'s own, or '
             "the first layer's, which only the middle layer's dX reaches); the ratio numerical / analytic of that "
             "array says factor (one value everywhere) or formula (it varies).",
    "activation": "compare numerical_gradient(act.forward, Z, df=dA) with act.backward(dA, Z, act.forward(Z)), "
                  'or run check_gradients on bughunt.net_with("{part}").',
    "optimizer": "run the step check of section 6 over two steps: the loss change against -lr·|g|² of the step's "
                 "own gradient.",
}


def kind(part):
    return "layer" if part in LAYERS else "activation" if part in ACTIVATIONS else "optimizer"


def check_findings(findings):
    """Grade ``{part: finding}``, every part: one ✅, or one ❌ line counting the right parts, naming the wrong
    ones, and saying which tool tests the first of them."""
    from . import checks
    check = checks.check
    if not isinstance(findings, dict):
        check("findings", False, f"It should be a dict {{part: finding}}, got {type(findings).__name__}.")
    parts = LAYERS + ACTIVATIONS + OPTIMIZERS
    for part in parts:
        allowed = FINDINGS[kind(part)]
        if findings.get(part) not in allowed:
            check(f"findings[{part!r}]", False, f"It should be one of {allowed}, got {findings.get(part)!r}.")
    wrong = [part for part in parts if _digest(part, findings[part]) != _ANSWERS[part]]
    hint = (f"Not what the tools say for {', '.join(wrong)}. For {wrong[0]}, "
            f"{_HOW[kind(wrong[0])].format(part=wrong[0])}" if wrong else "")
    return check(f"findings: {len(parts) - len(wrong)} of {len(parts)} parts right", not wrong, hint)
