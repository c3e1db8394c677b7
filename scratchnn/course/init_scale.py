"""Per-layer statistics of a deep net at its start, live as the init scale moves (notebook 11).

    from scratchnn.course.init_scale import InitScaleExplorer
    InitScaleExplorer(X_fit[:256], y_fit[:256])               # notebook 11's data; scratchnn's Dense
    InitScaleExplorer(X_fit[:256], y_fit[:256], dense=MyDense, activations={"relu": MyReLU})

The net is notebook 11's ``deep_net``: ``depth`` hidden layers of ``width`` units and a softmax,
each hidden ``W`` drawn from ``N(0, (scale * sqrt(2 / fan_in))^2)``, so ``scale = 1`` is He's start.
For one batch, it shows per hidden layer (makemore part 3's statistics): the standard deviation of
the activations ``A``, of the weight gradients ``dW``, and the fraction of the layer that passes no
gradient (ReLU units dead on the whole batch; sigmoid or tanh entries saturated, local slope below
0.01). Drag the scale: too small and the signal and the gradients fade layer by layer, too large
and sigmoids saturate.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from threadpoolctl import threadpool_limits

from ..activations import ReLU, Sigmoid, Softmax, Tanh
from ..layers import Dense, InLayer
from ..losses import CrossEntropyLoss
from ..net import Net
from ._parts import FigureImage, Paced, TeachingWidget, slider


def blocked_fraction(Z, A, activation):
    """How much of a layer passes no gradient: dead units (all-zero columns) for a ReLU-like
    activation, else entries whose local slope is below 0.01 (measured by the activation's own backward)."""
    slope = activation.backward(np.ones_like(Z), Z, A)
    if np.all((A == 0) | (slope == 1)):                     # ReLU-like: a unit is dead if 0 on every example
        return float(np.mean(np.all(A == 0, axis=0)))
    return float(np.mean(np.abs(slope) < 0.01))


class InitScaleExplorer(TeachingWidget):
    """See the module docstring. ``explorer.set(scale=..., activation=...)`` is what the controls
    call; ``explorer.stats`` holds, per hidden layer, ``(std A, std dW, blocked fraction)``.
    ``hide`` takes ``"scale"``, ``"activation"``."""

    label = "per-layer statistics as the init scale moves"

    def __init__(self, X, y, dense=Dense, activations=None, depth=6, width=64, scale=1.0, seed=0, hide=()):
        self.X, self.y, self.dense, self.depth, self.width, self.seed = X, y, dense, depth, width, seed
        self.activations = dict(activations or {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh})
        self.activation, self.scale = next(iter(self.activations)), float(scale)
        self.picture = FigureImage(figsize=(9.0, 2.6))
        axes = self.picture.fig.subplots(1, 3)
        self.picture.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.86, wspace=0.35)
        layers = np.arange(1, depth + 1)
        self._lines = []
        for ax, title, ylim, log in zip(axes, ("std of A", "std of dW", "fraction passing no gradient"),
                                        ((1e-4, 1e3), (1e-10, 1e1), (-0.02, 1.02)), (True, True, False)):
            self._lines.append(ax.plot(layers, np.ones(depth), "o-", color="tab:blue")[0])
            ax.set(xlabel="hidden layer", ylim=ylim, xticks=layers, yscale="log" if log else "linear")
            ax.set_title(title, fontsize=9)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
        self.picture.animate(self._lines)
        self._redraw = Paced(self._show)
        self.controls = {"scale": slider("scale × He", self.scale, -2, 1, 0.02, log=True),
                         "activation": widgets.Dropdown(options=list(self.activations), value=self.activation,
                                                        description="activation")}
        self.controls["scale"].observe(lambda change: self.set(scale=change["new"]), "value")
        self.controls["activation"].observe(lambda change: self.set(activation=change["new"]), "value")
        self._show()
        self._build([widgets.HBox([self.controls["scale"], self.controls["activation"]]), self.picture.image], hide)

    def set(self, scale=None, activation=None):
        if activation is not None:
            if activation not in self.activations:
                raise ValueError(f"activation must be one of {list(self.activations)}, got {activation!r}")
            self.activation = activation
        if scale is not None:
            self.scale = float(scale)
        self._redraw()

    def net(self):
        """Notebook 11's deep net with hidden weights drawn at ``scale`` times He's standard deviation."""
        hidden = [self.dense(self.width, self.activations[self.activation]()) for _ in range(self.depth)]
        net = Net([InLayer(self.X.shape[1]), *hidden, self.dense(10, Softmax())], cost_function=CrossEntropyLoss,
                  seed=self.seed)
        rng = np.random.default_rng(self.seed)
        for layer in net.dense[:-1]:                            # Net trains copies of the layers it is given
            layer.W[...] = rng.normal(0, self.scale * np.sqrt(2 / layer.W.shape[0]), layer.W.shape)
        return net

    def _show(self):
        net = self.net()
        # One BLAS thread, as fit: these matrices are small, and extra threads only wait on a busy machine.
        with np.errstate(over="ignore", invalid="ignore"), threadpool_limits(1, user_api="blas"):
            net.loss_and_grads(self.X, self.y)                  # sets every layer's dW and cache
        self.stats = []
        for layer in net.dense[:-1]:
            _, Z, A = layer.cache                               # (X, Z, A): scratchnn's Dense and notebook 04's keep it
            self.stats.append((float(A.std()), float(layer.dW.std()), blocked_fraction(Z, A, layer.activation)))
        for line, column in zip(self._lines, zip(*self.stats)):
            line.set_ydata(np.maximum(column, 1e-12))         # a log axis cannot show 0
        self.picture.show()
