"""Plots for notebooks: a live training plot, image grids, a confusion matrix.

Everything here draws on matplotlib ``Figure``/``Axes`` and returns them, so a
notebook can add labels or save the figure.
"""
from __future__ import annotations

import time

import numpy as np

from .callbacks import Callback


class LivePlot(Callback):
    """Loss and accuracy curves redrawn while ``fit`` runs: ``net.fit(..., callbacks=[LivePlot()])``.

    One figure is shown with ``display(fig, display_id=True)`` and refreshed in
    place with ``handle.update(fig)`` at most every ``every`` seconds; at the end
    it is drawn once more and closed. That leaves exactly one final figure in the
    saved notebook (no ``clear_output`` flicker).

    Rendering the figure to PNG is what costs time, so redraws are spaced at least
    4x the last redraw's duration apart (the plot takes at most ~20% of training
    time), and lines show at most ``max_points`` points (thinned evenly).
    """

    def __init__(self, every: float = 0.5, smooth: int = 20, figsize=(9, 3.2), dpi=80, max_points: int = 1000):
        self.every, self.smooth, self.figsize, self.dpi = every, smooth, figsize, dpi
        self.max_points = max_points
        self.fig = self.handle = None
        self.cost = 0.0

    def before_fit(self, net, params):
        import matplotlib.pyplot as plt
        from IPython.display import display

        self.steps_per_epoch = params["steps_per_epoch"]
        self.epochs = params["epochs"]
        self.loss_name = {"cross_entropy": "cross-entropy loss", "softmax_cross_entropy": "cross-entropy loss",
                          "mse": "mean squared error"}.get(getattr(net.loss, "name", None), "loss")
        self.step_loss, self.epoch_logs = [], []
        self.fig, (self.ax_loss, self.ax_acc) = plt.subplots(1, 2, figsize=self.figsize, dpi=self.dpi)
        self._draw()
        self.handle = display(self.fig, display_id=True)
        self.last = time.monotonic()

    def after_batch(self, epoch, batch, logs):
        self.step_loss.append(logs["loss"])
        self._maybe_refresh()

    def after_epoch(self, epoch, logs):
        self.epoch_logs.append(logs)
        self._maybe_refresh()

    def _maybe_refresh(self):
        if time.monotonic() - self.last >= max(self.every, 4 * self.cost):
            self._refresh()

    def after_fit(self, history):
        import matplotlib.pyplot as plt

        if self.fig is not None:
            self._refresh()
            plt.close(self.fig)

    def _refresh(self):
        began = time.monotonic()
        self._draw()
        if self.handle is not None:
            self.handle.update(self.fig)
        self.last = time.monotonic()
        self.cost = self.last - began

    def _draw(self):
        ax, bx = self.ax_loss, self.ax_acc
        ax.clear()
        bx.clear()
        spe = max(self.steps_per_epoch, 1)
        if self.step_loss:
            loss = np.asarray(self.step_loss)
            steps = np.arange(1, len(loss) + 1) / spe
            k = min(self.smooth, len(loss))
            smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
            thin = -(-len(loss) // self.max_points)  # ceil: at most max_points points
            ax.plot(steps[::thin], loss[::thin], color="tab:blue", alpha=0.25, lw=0.8)
            ax.plot(steps[k - 1:][::thin], smooth[::thin], color="tab:blue", lw=1.5, label="train (batches)")
        epochs = np.arange(1, len(self.epoch_logs) + 1)
        for key, color, label in (("val_loss", "tab:orange", "validation"),):
            vals = [log[key] for log in self.epoch_logs if key in log]
            if vals:
                ax.plot(epochs[:len(vals)], vals, "o-", color=color, ms=3, label=label)
        for key, color, label in (("accuracy", "tab:blue", "train"), ("val_accuracy", "tab:orange", "validation")):
            vals = [100 * log[key] for log in self.epoch_logs if key in log]
            if vals:
                bx.plot(epochs[:len(vals)], vals, "o-", color=color, ms=3, label=label)
        # Log scale: the first batches' loss (ln 10 = 2.3) would otherwise flatten the rest.
        ax.set(xlabel="epoch", ylabel=f"{self.loss_name} (log scale)", title="loss", xlim=(0, max(self.epochs, 1)),
               yscale="log" if self.step_loss and min(self.step_loss) > 0 else "linear")
        bx.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy", xlim=(0, max(self.epochs, 1)))
        for a in (ax, bx):
            a.grid(alpha=0.3)
            if a.get_legend_handles_labels()[0]:
                a.legend(loc="best", fontsize=8)
        self.fig.tight_layout()


def show_images(images, labels=None, ncols=10, size=1.0, cmap="gray_r", title=None):
    """A grid of 28x28 images (rows of ``(n, 784)`` or ``(n, 28, 28)``) with optional captions."""
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    n = len(images)
    side = int(round(np.sqrt(images[0].size)))
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * (1.25 if labels is not None else 1)),
                             dpi=80, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i].reshape(side, side), cmap=cmap, vmin=0, vmax=images.max() or 1)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, n_classes=10):
    """``C[i, j]`` = how many examples of class ``i`` were predicted as ``j``."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return np.bincount(n_classes * y_true + y_pred, minlength=n_classes ** 2).reshape(n_classes, n_classes)


def plot_confusion_matrix(C, ax=None):
    """Draw a confusion matrix with counts in the cells; the diagonal is what went right."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5), dpi=80)
    k = len(C)
    off = C.astype(float)
    np.fill_diagonal(off, np.nan)
    shade = ax.imshow(off, cmap="Reds").norm         # maps a count to 0..1 of the colour scale
    for i in range(k):
        for j in range(k):
            if i == j:
                color = "tab:green"                    # on white: the diagonal is not coloured
            else:
                color = "white" if shade(off[i, j]) > 0.55 else "black"   # readable on dark red
            ax.text(j, i, str(C[i, j]), ha="center", va="center", fontsize=7, color=color)
    ax.set(xticks=range(k), yticks=range(k), xlabel="predicted digit", ylabel="true digit",
           title="confusion matrix (off-diagonal = mistakes)")
    return ax


#: The smallest height of the label's outline in ``show_predictions``: a confident mistake gives the
#: label a probability near 0, and a zero-height outline would be invisible.
LABEL_BOX = 0.12


def show_predictions(images, probs, labels=None, ncols=None, size=1.3):
    """Each digit above a bar chart of the net's ten probabilities.

    The predicted class is orange, or green when it equals ``labels[i]``; the
    true class is outlined in black, as a box at least ``LABEL_BOX`` high so that it shows even
    when the net gave it almost nothing, and its digit under the axis is bold. Returns the figure.
    """
    import matplotlib.pyplot as plt

    images, probs = np.asarray(images), np.asarray(probs)
    n, k = probs.shape
    if len(images) != n:
        raise ValueError(f"need one row of probabilities per image, got {len(images)} images and {n} rows")
    ncols = min(ncols or n, n)
    nrows = int(np.ceil(n / ncols))
    side = int(round(np.sqrt(images[0].size)))
    fig, axes = plt.subplots(2 * nrows, ncols, figsize=(ncols * size, nrows * size * 1.9), dpi=80,
                             squeeze=False, gridspec_kw={"height_ratios": [1, 0.8] * nrows})
    for i in range(nrows * ncols):
        ax_img, ax_bar = axes[2 * (i // ncols), i % ncols], axes[2 * (i // ncols) + 1, i % ncols]
        ax_img.axis("off")
        if i >= n:
            ax_bar.axis("off")
            continue
        ax_img.imshow(images[i].reshape(side, side), cmap="gray_r", vmin=0, vmax=1)
        pred = int(probs[i].argmax())
        right = labels is not None and pred == labels[i]
        colors = ["tab:gray"] * k
        colors[pred] = "tab:green" if right else "tab:orange"
        ax_bar.bar(range(k), probs[i], color=colors)
        ax_bar.set_xticks(range(k), labels=[str(d) for d in range(k)])
        if labels is not None:
            label = int(labels[i])
            ax_img.set_title(f"label {label}", fontsize=9)
            ax_bar.bar(label, max(float(probs[i, label]), LABEL_BOX), fill=False, edgecolor="black", linewidth=1.2)
            ax_bar.get_xticklabels()[label].set_fontweight("bold")
        ax_bar.set_ylim(0, 1)
        ax_bar.tick_params(labelsize=6)
        if i % ncols == 0:
            ax_bar.set_ylabel("probability", fontsize=8)
        else:
            ax_bar.set_yticklabels([])
        ax_bar.set_xlabel("digit", fontsize=8)
    fig.tight_layout()
    return fig
