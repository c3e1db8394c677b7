"""Training callbacks: objects ``Net.fit`` tells about its progress.

A callback is any object with some of these methods (the rest are skipped)::

    on_train_begin(net, params)        params: epochs, steps_per_epoch, batch_size, optimizer
    on_step_end(epoch, step, logs)     logs: {"loss", "accuracy", "lr"} for this batch
    on_epoch_end(epoch, logs)          logs: epoch means, plus val_loss/val_accuracy
    on_train_end(history)

Epochs and steps count from 1. ``Callback`` is a convenient base class.
"""
from __future__ import annotations


class Callback:
    def on_train_begin(self, net, params):
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
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.step_loss: list[float] = []
        self.params: dict = {}

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
        return f"History(epochs={len(self.epoch)}, last={last})"


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
