"""The training loop: mini-batches, forward, backward, step; everything else is a callback.

``fit`` is the loop of notebook 09 plus input checks. Progress bars, the live plot, the history
and the divergence stop are callbacks (``scratchnn.callbacks``): objects told about the run at its
start, after every step and epoch, and at its end. A callback ends training early by raising
``StopTraining``.
"""
from __future__ import annotations

import math

import numpy as np
from threadpoolctl import threadpool_limits

from .callbacks import DivergenceStop, History, ProgressBar, StopTraining, call
from .optim import Adam, get_optimizer
from . import validation
from .validation import positive


def default_optimizer():
    """The default recipe of ``fit`` and ``scratchnn train``: Adam, lr 3e-3 with cosine decay to 0, weight decay 0.05."""
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
    X = net._inputs(X, name="X", warn_scale=True)
    Y = net.targets(y, len(X))
    epochs = positive(epochs, "epochs", integer=True, minimum=0)
    batch_size = positive(batch_size, "batch_size", integer=True)
    optimizer = default_optimizer() if optimizer is None else get_optimizer(optimizer)
    seed = validation.seed(seed)
    if augment is not None and not callable(augment):
        raise ValueError(f"augment must be a function (X_batch, rng) -> X_batch, got {augment!r}")
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise ValueError(f"callbacks must be a list of callback objects, got {callbacks!r}")
    checked_val = None
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise ValueError(f"validation_data must be a pair (X_val, y_val), got {type(validation_data).__name__}")
        X_val = net._inputs(validation_data[0], name="X_val")
        checked_val = (X_val, net.targets(validation_data[1], len(X_val), name="y_val"))
    history = History()
    callbacks = [history, DivergenceStop(), *(callbacks or []), *([ProgressBar()] if verbose else [])]
    steps = math.ceil(len(X) / batch_size)
    call(callbacks, "on_train_begin", net, {"epochs": epochs, "steps_per_epoch": steps, "batch_size": batch_size,
                                            "optimizer": optimizer, "samples": len(X)})
    try:
        # Overflow is reported once, clearly, by DivergenceStop, not as a stream of NumPy
        # warnings. One BLAS thread: these matrices are too small to share out, and on a busy
        # machine (a class on one JupyterHub) extra BLAS threads spin and wait.
        with np.errstate(over="ignore", invalid="ignore"), threadpool_limits(1, user_api="blas"):
            _loop(net, X, Y, epochs, batch_size, optimizer, callbacks, np.random.default_rng(seed), shuffle,
                  checked_val, augment)
    except StopTraining as stop:
        history.stopped = stop.reason
    finally:
        call(callbacks, "on_train_end", history)
    return history


def _loop(net, X, Y, epochs, batch_size, optimizer, callbacks, rng, shuffle, validation, augment):
    n = len(X)
    steps = math.ceil(n / batch_size)
    total = max(epochs * steps, 1)
    labels = Y.argmax(axis=1)
    # One-hot batches as rows of a small identity matrix (read from cache) rather than rows of Y.
    eye = np.eye(Y.shape[1], dtype=Y.dtype)
    one_hot = np.array_equal(eye[labels], Y)
    for epoch in range(1, epochs + 1):
        call(callbacks, "on_epoch_begin", epoch)
        order = rng.permutation(n) if shuffle else np.arange(n)
        loss_sum = correct = 0.0
        for step in range(1, steps + 1):
            idx = order[(step - 1) * batch_size: step * batch_size]
            yb = labels[idx]
            Xb, Yb = X[idx], (eye[yb] if one_hot else Y[idx])
            if augment is not None:
                Xb = augment(Xb, rng)
            P = net.forward(Xb)
            loss = net.backward(Yb)
            optimizer.progress = ((epoch - 1) * steps + step - 1) / total
            batch_correct = int(np.count_nonzero(P.argmax(1) == yb))
            call(callbacks, "on_step_end", epoch, step,
                 {"loss": loss, "accuracy": batch_correct / len(idx), "lr": _lr(optimizer)})
            optimizer.step(net.params(), net.grads())
            loss_sum += loss * len(idx)
            correct += batch_correct
        logs = {"loss": loss_sum / n, "accuracy": correct / n}
        if validation is not None:
            val = net._evaluate(*validation)
            logs.update({"val_" + k: v for k, v in val.items()})
        optimizer.progress = epoch * steps / total
        logs["lr"] = _lr(optimizer)
        if net.n_outputs == 1:  # one output: no classes, so no accuracy
            logs.pop("accuracy")
        call(callbacks, "on_epoch_end", epoch, logs)


def _lr(optimizer):
    current = getattr(optimizer, "current_lr", None)
    return current() if callable(current) else getattr(optimizer, "lr", float("nan"))
