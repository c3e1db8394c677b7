"""The training loop: mini-batches, forward, backward, step; everything else is a callback.

``fit`` is the loop of notebook 09 plus input checks. Progress bars, the live plot, the history
and the divergence stop are callbacks (``scratchnn.callbacks``): objects told about the run at its
start, around every epoch, batch and optimizer step, and at its end (``before_``/``after_`` pairs).
A callback ends part of the run early by raising ``CancelBatch``, ``CancelEpoch`` or ``CancelFit``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from . import validation
from .callbacks import CancelBatch, CancelEpoch, CancelFit, DivergenceStop, History, ProgressBar, call, check_callbacks
from .optim import Adam, get_optimizer
from .validation import positive


def default_optimizer():
    """The default recipe of ``fit`` and ``scratchnn train``: Adam, lr 3e-3 with cosine decay to 0,
    weight decay 0.05."""
    return Adam(lr=3e-3, weight_decay=0.05, schedule="cosine")


#: The rest of the default recipe (``benchmarks/accuracy.py`` measured it on the seed net).
DEFAULT_EPOCHS, DEFAULT_BATCH_SIZE = 20, 64


def fit(net, X, y, epochs=DEFAULT_EPOCHS, batch_size=DEFAULT_BATCH_SIZE, optimizer=None, validation_data=None,
        callbacks=None, seed=None, shuffle=True, verbose=False, augment=None):
    """Train ``net`` with mini-batches; return a ``History``.

    The defaults are the measured recipe: 20 epochs of batches of 64 with ``default_optimizer()``;
    ``optimizer`` may also be an instance (``Momentum(lr=0.05, nesterov=True)``), a name (``"sgd"``,
    with that optimizer's own defaults) or your own object with ``step(params, grads)``. ``seed``
    fixes the order of the batches (and any augmentation). ``augment`` is a function
    ``(X_batch, rng) -> X_batch`` applied to each training batch, e.g.
    ``scratchnn.augment.Augment()``. If the loss becomes NaN or inf, or grows far above where it
    started, training stops, the weights from the start of that epoch come back, and a warning
    says what to try; ``history.stopped`` says why.
    """
    X = net.inputs(X, name="X", warn_scale=True)
    Y = net.targets(y, len(X))
    epochs = positive(epochs, "epochs", integer=True, minimum=0)
    batch_size = positive(batch_size, "batch_size", integer=True)
    optimizer = default_optimizer() if optimizer is None else get_optimizer(optimizer)
    seed = validation.seed(seed)
    if augment is not None and not callable(augment):
        raise ValueError(f"augment must be a function (X_batch, rng) -> X_batch, got {augment!r}")
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise ValueError(f"callbacks must be a list of callback objects, got {callbacks!r}")
    val = None
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise ValueError(f"validation_data must be a pair (X_val, y_val), got {type(validation_data).__name__}")
        X_val = net.inputs(validation_data[0], name="X_val")
        val = (X_val, net.targets(validation_data[1], len(X_val), name="y_val"))
    history = History()
    callbacks = [history, DivergenceStop(), *(callbacks or []), *([ProgressBar()] if verbose else [])]
    check_callbacks(callbacks)
    run = Run(net, X, Y, epochs, batch_size, optimizer, callbacks, np.random.default_rng(seed), shuffle, val, augment)
    try:
        # Overflow is reported once, clearly, by DivergenceStop, not as a stream of NumPy
        # warnings. One BLAS thread: these matrices are too small to share out, and on a busy
        # machine (a class on one JupyterHub) extra BLAS threads spin and wait.
        with np.errstate(over="ignore", invalid="ignore"), threadpool_limits(1, user_api="blas"), \
                net.mode(training=True):
            call(callbacks, "before_fit", net, {"epochs": epochs, "steps_per_epoch": run.steps,
                                                "batch_size": batch_size, "optimizer": optimizer, "samples": len(X)})
            _loop(run)
    except CancelFit as stop:
        history.stopped = stop.reason
    finally:
        try:
            call(callbacks, "after_fit", history)
        except CancelFit as stop:  # nothing is left to cancel
            history.stopped = history.stopped or stop.reason
    return history


@dataclass
class Run:
    """What one call of ``fit`` trains with, all checked; ``_loop`` reads it."""

    net: object
    X: np.ndarray
    Y: np.ndarray              #: one-hot (or regression) targets, one row per row of X
    epochs: int
    batch_size: int
    optimizer: object
    callbacks: list
    rng: np.random.Generator   #: the order of the batches and any augmentation
    shuffle: bool = True
    validation_data: tuple | None = None   #: (X_val, Y_val), checked
    augment: object = None

    @property
    def steps(self):
        """Batches (and optimizer steps) per epoch."""
        return math.ceil(len(self.X) / self.batch_size)


def _loop(run):
    net, X, Y, optimizer, callbacks = run.net, run.X, run.Y, run.optimizer, run.callbacks
    n, steps = len(X), run.steps
    total = max(run.epochs * steps, 1)
    labels = Y.argmax(axis=1)
    # One-hot batches as rows of a small identity matrix (read from cache) rather than rows of Y.
    eye = np.eye(Y.shape[1], dtype=Y.dtype)
    one_hot = np.array_equal(eye[labels], Y)
    for epoch in range(1, run.epochs + 1):
        try:
            call(callbacks, "before_epoch", epoch)
            order = run.rng.permutation(n) if run.shuffle else np.arange(n)
            loss_sum = correct = 0.0
            seen = 0
            for batch in range(1, steps + 1):
                try:
                    call(callbacks, "before_batch", epoch, batch)
                    idx = order[(batch - 1) * run.batch_size: batch * run.batch_size]
                    yb = labels[idx]
                    Xb, Yb = X[idx], (eye[yb] if one_hot else Y[idx])
                    if run.augment is not None:
                        Xb = run.augment(Xb, run.rng)
                    P = net.forward(Xb)
                    loss = net.backward(Yb)
                    optimizer.progress = ((epoch - 1) * steps + batch - 1) / total
                    batch_correct = int(np.count_nonzero(P.argmax(1) == yb))
                    logs = {"loss": loss, "accuracy": batch_correct / len(idx), "lr": _lr(optimizer)}
                    call(callbacks, "before_step", epoch, batch, logs)
                    optimizer.step(net.params(), net.grads())
                    call(callbacks, "after_step", epoch, batch, logs)
                    loss_sum += loss * len(idx)
                    correct += batch_correct
                    seen += len(idx)
                    call(callbacks, "after_batch", epoch, batch, logs)
                except CancelBatch:
                    pass
            logs = {"loss": loss_sum / seen, "accuracy": correct / seen} if seen else {}
            if run.validation_data is not None:
                val = net.evaluate(*run.validation_data)
                logs.update({"val_" + k: v for k, v in val.items()})
            optimizer.progress = epoch * steps / total
            logs["lr"] = _lr(optimizer)
            if net.n_outputs == 1:  # one output: no classes, so no accuracy
                logs.pop("accuracy", None)
            call(callbacks, "after_epoch", epoch, logs)
        except CancelEpoch:
            pass


def _lr(optimizer):
    current = getattr(optimizer, "current_lr", None)
    return current() if callable(current) else getattr(optimizer, "lr", float("nan"))
