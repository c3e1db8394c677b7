"""Training callbacks: objects ``Net.fit`` tells about its progress, through events in pairs.

A callback is any object with some of these methods (the rest are skipped). Each ``before_``
and ``after_`` pair surrounds the thing it names, as in fastai's miniai learner::

    before_fit(net, params)            params: epochs, steps_per_epoch, batch_size, optimizer, samples
      before_epoch(epoch)
        before_batch(epoch, batch)
          (forward, loss, backward: the gradients are ready)
          before_step(epoch, batch, logs)   logs: {"loss", "accuracy", "lr"} of this batch
          (the optimizer's step: the weights move)
          after_step(epoch, batch, logs)
        after_batch(epoch, batch, logs)
      after_epoch(epoch, logs)         logs: epoch means, plus val_loss/val_accuracy
    after_fit(history)                 always, even when training stopped or failed

Epochs and batches count from 1; there is one step per batch. A callback cancels part of the run
by raising a named exception: ``CancelBatch`` skips the rest of this batch (raised before the
step, the step too), ``CancelEpoch`` the rest of this epoch, ``CancelFit`` the rest of training
(``StopTraining`` is the same class, its older name); a reason given to it lands in
``history.stopped``. ``Callback`` is a convenient base class.
"""
from __future__ import annotations

import inspect
import math

from .optim import Optimizer
from .validation import warn


class CancelFit(Exception):
    """Raised by a callback to end ``fit`` early; ``reason`` is one sentence saying why (``history.stopped``)."""

    def __init__(self, reason="a callback cancelled training"):
        super().__init__(reason)
        self.reason = reason


#: The older name of ``CancelFit``.
StopTraining = CancelFit


class CancelEpoch(Exception):
    """Raised by a callback to skip the rest of this epoch (its ``after_epoch`` too); training goes on."""


class CancelBatch(Exception):
    """Raised by a callback to skip the rest of this batch (its step, if not taken yet, and ``after_batch``)."""


#: Names of events that ``fit`` no longer sends, and what replaced them.
RENAMED = {"on_train_begin": "before_fit", "on_epoch_begin": "before_epoch",
           "on_step_end": "before_step (before the optimizer's update) or after_step (after it)",
           "on_epoch_end": "after_epoch", "on_train_end": "after_fit"}


class Callback:
    """A callback that does nothing: subclass it and write the events you need."""

    def before_fit(self, net, params):
        pass

    def before_epoch(self, epoch):
        pass

    def before_batch(self, epoch, batch):
        pass

    def before_step(self, epoch, batch, logs):
        pass

    def after_step(self, epoch, batch, logs):
        pass

    def after_batch(self, epoch, batch, logs):
        pass

    def after_epoch(self, epoch, logs):
        pass

    def after_fit(self, history):
        pass


def check_callbacks(callbacks):
    """A ValueError for a callback that defines an event under a name ``fit`` no longer sends."""
    for cb in callbacks:
        for old, new in RENAMED.items():
            if callable(getattr(cb, old, None)):
                raise ValueError(f"callback {type(cb).__name__} defines {old}, which fit no longer calls: "
                                 f"rename it {new} (see scratchnn.callbacks)")


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

    def before_fit(self, net, params):
        self.params = dict(params)

    def before_step(self, epoch, batch, logs):  # first in fit's list: it records a loss that stops training too
        self.step_loss.append(logs["loss"])

    def after_epoch(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        stopped = f", stopped={self.stopped!r}" if self.stopped else ""
        return f"History(epochs={len(self.epoch)}, last={last}{stopped})"


class DivergenceStop(Callback):
    """Stops training when the loss becomes NaN/inf or grows ``factor`` times above where it started.

    ``fit`` always uses one. The weights from the start of the epoch come back, ``history.stopped``
    says what happened and a warning says what to try (Keras's ``TerminateOnNaN``, plus the
    exploding-but-finite losses that a too-large learning rate gives first).
    """

    def __init__(self, factor=10.0):
        self.factor = factor

    def before_fit(self, net, params):
        self.net, self.optimizer, self.first, self.saved = net, params.get("optimizer"), None, None
        self.reason = None

    def before_epoch(self, epoch):
        self.saved = [p.copy() for p in self.net.params()]

    def before_step(self, epoch, batch, logs):
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
        reason = (f"loss {what} at epoch {epoch}, step {batch}: {self._advice()} "
                  f"Training stopped; the weights from the start of epoch {epoch} are restored.")
        self.reason = reason
        raise CancelFit(reason)

    def _advice(self):
        opt = self.optimizer
        name, lr = type(opt).__name__, getattr(opt, "lr", None)
        good = suggested_lr(opt)
        if not isinstance(lr, (int, float)):
            return "the learning rate is probably too large; try one 10 times smaller."
        if good is not None and lr > good:
            return f"the learning rate {lr:g} is too large for {name}; try {good:g}."
        return (f"the learning rate {lr:g} may be too large for this net; try {lr / 10:g}, "
                "and check that the inputs are scaled (MNIST pixels: X / 255).")

    def after_fit(self, history):
        if self.reason:
            warn(self.reason, RuntimeWarning)


class ProgressBar(Callback):
    """A tqdm bar over the batches of all epochs, with the latest metrics."""

    def __init__(self, **tqdm_kwargs):
        self.tqdm_kwargs = tqdm_kwargs
        self.bar = None

    def before_fit(self, net, params):
        from tqdm.auto import tqdm

        kwargs = {"unit": "batch", "dynamic_ncols": True, **self.tqdm_kwargs}
        self.bar = tqdm(total=params["epochs"] * params["steps_per_epoch"], **kwargs)

    def after_batch(self, epoch, batch, logs):
        self.bar.update(1)
        if batch % 50 == 0:
            self.bar.set_postfix(epoch=epoch, loss=f"{logs['loss']:.4f}", refresh=False)

    def after_epoch(self, epoch, logs):
        self.bar.set_postfix({"epoch": epoch, **{k: f"{v:.4f}" for k, v in logs.items() if k != "lr"}})

    def after_fit(self, history):
        self.bar.close()


class LRFinder(Callback):
    """The learning-rate range test (Smith 2015; fastai's ``lr_find``): one short run at rising rates.

    Step ``t`` (from 0) of the run uses the rate ``lr_min * (lr_max / lr_min) ** (t / (steps - 1))``,
    so each step multiplies it by the same factor and the last of ``steps`` steps uses ``lr_max``.
    ``rates`` and ``losses`` get each step's rate and batch loss. The run stops (``CancelFit``)
    after ``steps`` steps, or as soon as a loss passes ``stop_factor`` times the lowest so far.
    Use it with a constant schedule and enough epochs for ``steps`` steps::

        finder = LRFinder(1e-4, 1.0, steps=100)
        net.fit(X, y, epochs=2, optimizer=SGD(lr=1e-4), callbacks=[finder], seed=0)
        plt.semilogx(finder.rates, finder.losses)
    """

    def __init__(self, lr_min, lr_max, steps=100, stop_factor=4.0):
        if not 0 < lr_min < lr_max:
            raise ValueError(f"LRFinder needs 0 < lr_min < lr_max, got lr_min={lr_min!r}, lr_max={lr_max!r}")
        if not (isinstance(steps, int) and steps >= 2):
            raise ValueError(f"LRFinder needs steps, an integer >= 2, got {steps!r}")
        self.lr_min, self.lr_max, self.steps, self.stop_factor = lr_min, lr_max, steps, stop_factor
        self.rates, self.losses = [], []

    def rate(self, t):
        """The rate of step ``t`` (from 0)."""
        return self.lr_min * (self.lr_max / self.lr_min) ** (t / (self.steps - 1))

    def before_fit(self, net, params):
        self.optimizer = params["optimizer"]

    def before_batch(self, epoch, batch):
        self.optimizer.lr = self.rate(len(self.rates))

    def before_step(self, epoch, batch, logs):
        self.rates.append(logs["lr"])
        self.losses.append(logs["loss"])
        if logs["loss"] > self.stop_factor * min(self.losses):
            raise CancelFit(f"LRFinder: the loss passed {self.stop_factor:g} times its lowest at rate {logs['lr']:.3g}")
        if len(self.rates) == self.steps:
            raise CancelFit(f"LRFinder: {self.steps} steps done")


def suggested_lr(optimizer):
    """The learning rate to suggest when a run diverges: the default of the library optimizer's constructor
    (each default is a rate that works on MNIST), else None."""
    if not isinstance(optimizer, Optimizer):
        return None
    default = inspect.signature(type(optimizer)).parameters.get("lr")
    return default.default if default is not None and isinstance(default.default, (int, float)) else None


def call(callbacks, event, *args):
    for cb in callbacks:
        method = getattr(cb, event, None)
        if method is not None:
            method(*args)
