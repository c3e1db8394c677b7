"""The gradient predicts the change: nudge one parameter, compare the loss's change with the prediction (02/04).

    from scratchnn.course.nudge import GradientNudge
    GradientNudge(lambda p: loss_tanh(1.5, p[0], p[1], 1.0), [0.5, -0.25],    # notebook 02's loss and
                  lambda p: tanh_grads(1.5, p[0], p[1], 1.0), names=["w", "b"])   # the learner's gradient

``f(p)`` is a loss of the parameter vector ``p`` and ``grad(p)`` the learner's analytic gradient
(any sequence of the same length). Pick a parameter and drag the nudge ``h``: the picture shows the
loss along that parameter (black), the straight line the gradient predicts, ``L + g h`` (red), and
the two points at ``h``; the text compares the actual change ``f(p + h e_i) - f(p)`` with ``g h``,
and the centred difference ``(f(p + h e_i) - f(p - h e_i)) / 2h`` with ``g``. Small nudges agree
to many digits when the gradient is right; a wrong gradient shows at once.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from ._parts import FigureImage, Paced, TeachingWidget, slider


class GradientNudge(TeachingWidget):
    """Nudge parameter ``param`` of ``f`` by ``h``; see the module docstring.

    ``nudge.set(param=..., h=...)`` is what the controls call; ``nudge.actual``, ``.predicted``,
    ``.numerical`` and ``.analytic`` hold the numbers shown. ``span`` is the largest nudge.
    ``hide`` takes ``"param"``, ``"h"``.
    """

    label = "nudge a parameter: the loss's change vs the gradient's prediction"

    def __init__(self, f, p, grad, names=None, span=1.0, h=0.1, hide=()):
        self.f, self.p = f, np.array(p, dtype=float).ravel()
        self.g = np.asarray(grad(self.p.copy()), dtype=float).ravel()
        if self.g.shape != self.p.shape:
            raise ValueError(f"grad(p) must have one entry per parameter, {self.p.size}; got shape {self.g.shape}")
        self.names = list(names or [f"p{i}" for i in range(self.p.size)])
        if len(self.names) != self.p.size:
            raise ValueError(f"names must name the {self.p.size} parameters, got {self.names}")
        self.span, self.param, self.h = float(span), self.names[0], float(h)
        self.L0 = float(f(self.p.copy()))
        self.picture = FigureImage(figsize=(4.2, 3.0))
        self._ax = self.picture.fig.add_axes([0.17, 0.16, 0.78, 0.76])
        self._points = self._ax.plot([], [], "o", color="k", ms=6, zorder=3)[0]
        self._prediction = self._ax.plot([], [], "o", color="crimson", mfc="none", mew=2, ms=9, zorder=3)[0]
        self.picture.animate([self._points, self._prediction])
        self._scene_artists = []
        self.status = widgets.HTML()
        self.status.add_class("scratchnn-nudge-status")
        self.controls = {"param": widgets.Dropdown(options=self.names, value=self.param, description="nudge"),
                         "h": slider("h", self.h, -self.span, self.span, self.span / 200)}
        self.controls["param"].observe(lambda change: self.set(param=change["new"]), "value")
        self.controls["h"].observe(lambda change: self.set(h=change["new"]), "value")
        self._redraw = Paced(self._show)
        self.set(param=self.param)
        self._build([widgets.HBox([widgets.VBox([self.controls["param"], self.controls["h"], self.status]),
                                   self.picture.image])], hide)

    def _at(self, i, h):
        q = self.p.copy()
        q[i] += h
        return float(self.f(q))

    def set(self, param=None, h=None):
        if param is not None:
            if param not in self.names:
                raise ValueError(f"param must be one of {self.names}, got {param!r}")
            self.param = param
            self.picture.scene(param, self._draw_curve)
        if h is not None:
            self.h = float(h)
        self._redraw()

    def _draw_curve(self):
        """The loss along the parameter and the gradient's line: the background of one parameter."""
        for artist in self._scene_artists:
            artist.remove()
        i = self.names.index(self.param)
        hs = np.linspace(-self.span, self.span, 121)
        losses = [self._at(i, h) for h in hs]
        self._scene_artists = [*self._ax.plot(self.p[i] + hs, losses, color="k", lw=1.5, label="the loss"),
                               *self._ax.plot(self.p[i] + hs, self.L0 + self.g[i] * hs, color="crimson", lw=1,
                                              ls="--", label="predicted: L + g·h")]
        low, high = min(losses), max(losses)
        pad = 0.15 * (high - low or 1.0)
        self._ax.set(xlim=(self.p[i] - self.span, self.p[i] + self.span), ylim=(low - pad, high + pad))
        self._ax.set_xlabel(f"{self.param} (now {self.p[i]:.4g})", fontsize=9)
        self._ax.set_ylabel("loss", fontsize=9)
        legend = self._ax.legend(fontsize=8, loc="upper center")
        self._scene_artists.append(legend)

    def _show(self):
        i, h = self.names.index(self.param), self.h
        self.analytic = self.g[i]
        self.actual = self._at(i, h) - self.L0
        self.predicted = self.analytic * h
        self.numerical = (self._at(i, h) - self._at(i, -h)) / (2 * h) if h else float("nan")
        self._points.set_data([self.p[i] + h], [self.L0 + self.actual])
        self._prediction.set_data([self.p[i] + h], [self.L0 + self.predicted])
        name = html.escape(self.param)
        self.status.value = (
            f"<table class='scratchnn-nudge' data-actual='{self.actual:.6g}' data-predicted='{self.predicted:.6g}'>"
            f"<tr><td>change of the loss</td><td>{self.actual:+.6g}</td></tr>"
            f"<tr><td>predicted, g·h</td><td>{self.predicted:+.6g}</td></tr>"
            f"<tr><td>centred difference</td><td>{self.numerical:+.8g}</td></tr>"
            f"<tr><td>your dL/d{name}</td><td>{self.analytic:+.8g}</td></tr></table>")
        self.picture.show()
