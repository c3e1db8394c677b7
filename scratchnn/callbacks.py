"""Training callbacks: objects ``Net.fit`` tells about its progress.

A callback is any object with some of these methods (the rest are skipped)::

    on_train_begin(net, params)        params: epochs, steps_per_epoch, batch_size, optimizer, samples
    on_epoch_begin(epoch)
    on_step_end(epoch, step, logs)     logs: {"loss", "accuracy", "lr"} for this batch, before the update
    on_epoch_end(epoch, logs)          logs: epoch means, plus val_loss/val_accuracy
    on_train_end(history)

Epochs and steps count from 1. ``Callback`` is a convenient base class. Raising ``StopTraining``
from a callback ends training; its reason lands in ``history.stopped``.
"""
from __future__ import annotations

import math

from .optim import DEFAULT_LR
from .validation import warn


class StopTraining(Exception):
    """Raised by a callback to end ``fit`` early; ``reason`` is one sentence saying why."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class Callback:
    def on_train_begin(self, net, params):
        pass

    def on_epoch_begin(self, epoch):
        pass

    def on_step_end(self, epoch, step, logs):
        pass

    def on_epoch_end(self, epoch, logs):
        pass

    def on_train_end(self, history):
        pass


class History(Callback):
    """What ``fit`` returns: ``history.history["loss"]`` etc., one float per epoch.

    ``history.step_loss`` keeps every batch's loss, for plots finer than an epoch.
    ``history.stopped`` is None after a full run, else the sentence saying why training stopped.
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.step_loss: list[float] = []
        self.params: dict = {}
        self.stopped: str | None = None

    def on_train_begin(self, net, params):
        self.params = dict(params)

    def on_step_end(self, epoch, step, logs):
        self.step_loss.append(logs["loss"])

    def on_epoch_end(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        stopped = f", stopped={self.stopped!r}" if self.stopped else ""
        return f"History(epochs={len(self.epoch)}, last={last}{stopped})"


#: Learning rates that work on MNIST, suggested when a run diverges: the optimizers' defaults.
GOOD_LR = {"SGD": DEFAULT_LR["sgd"], "Momentum": DEFAULT_LR["momentum"], "Adam": DEFAULT_LR["adam"]}


class DivergenceStop(Callback):
    """Stops training when the loss becomes NaN/inf or grows ``factor`` times above where it started.

    ``fit`` always uses one. The weights from the start of the epoch come back, ``history.stopped``
    says what happened and a warning says what to try (Keras's ``TerminateOnNaN``, plus the
    exploding-but-finite losses that a too-large learning rate gives first).
    """

    def __init__(self, factor=10.0):
        self.factor = factor

    def on_train_begin(self, net, params):
        self.net, self.optimizer, self.first, self.saved = net, params.get("optimizer"), None, None

    def on_epoch_begin(self, epoch):
        self.saved = [p.copy() for p in self.net.params()]

    def on_step_end(self, epoch, step, logs):
        loss = logs["loss"]
        if self.first is None and math.isfinite(loss):
            self.first = loss
            return
        # The floor of 1 keeps a run that starts near 0 (fine-tuning) from stopping at noise.
        if math.isfinite(loss) and loss <= self.factor * max(self.first or 0.0, 1.0):
            return
        for p, saved in zip(self.net.params(), self.saved or []):
            p[...] = saved
        what = f"became {loss}" if not math.isfinite(loss) else f"grew from {self.first:.3g} to {loss:.3g}"
        reason = (f"loss {what} at epoch {epoch}, step {step}: {self._advice()} "
                  f"Training stopped; the weights from the start of epoch {epoch} are restored.")
        raise StopTraining(reason)

    def _advice(self):
        opt = self.optimizer
        name, lr = type(opt).__name__, getattr(opt, "lr", None)
        good = GOOD_LR.get(name)
        if not isinstance(lr, (int, float)):
            return "the learning rate is probably too large; try one 10 times smaller."
        if good is not None and lr > good:
            return f"the learning rate {lr:g} is too large for {name}; try {good:g}."
        return (f"the learning rate {lr:g} may be too large for this net; try {lr / 10:g}, "
                "and check that the inputs are scaled (MNIST pixels: X / 255).")

    def on_train_end(self, history):
        if history.stopped:
            warn(history.stopped, RuntimeWarning)


class ProgressBar(Callback):
    """A tqdm bar over the batches of all epochs, with the latest metrics."""

    def __init__(self, **tqdm_kwargs):
        self.tqdm_kwargs = tqdm_kwargs
        self.bar = None

    def on_train_begin(self, net, params):
        from tqdm.auto import tqdm

        kwargs = {"unit": "batch", "dynamic_ncols": True, **self.tqdm_kwargs}
        self.bar = tqdm(total=params["epochs"] * params["steps_per_epoch"], **kwargs)

    def on_step_end(self, epoch, step, logs):
        self.bar.update(1)
        if step % 50 == 0:
            self.bar.set_postfix(epoch=epoch, loss=f"{logs['loss']:.4f}", refresh=False)

    def on_epoch_end(self, epoch, logs):
        self.bar.set_postfix({"epoch": epoch, **{k: f"{v:.4f}" for k, v in logs.items() if k != "lr"}})

    def on_train_end(self, history):
        self.bar.close()


def call(callbacks, event, *args):
    for cb in callbacks:
        method = getattr(cb, event, None)
        if method is not None:
            method(*args)
