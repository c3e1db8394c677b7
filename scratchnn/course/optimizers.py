"""Your optimizers racing on a loss landscape you can see (notebook 06).

    from scratchnn.course.optimizers import OptimizerPlayground
    OptimizerPlayground({"GD": MyGD, "momentum": MyMomentum, "Adam": MyAdam},      # notebook 06's classes
                        line_fit=lambda p: loss_and_grad(p, x, y), start=P0)       # and its line fit

Each optimizer class is built as the notebook builds it, ``MyGD(lr)``, ``MyMomentum(lr, beta=...)``,
``MyAdam(lr, beta1=..., beta2=...)`` (a keyword goes in only if its ``__init__`` takes it), and
steps a point ``p`` with ``step([p], [grad], progress)`` exactly as notebook 06's ``descend`` does.
One panel per optimizer shows its path over the landscape's contours; Play animates the steps side
by side, the step slider scrubs them. Every slider (each optimizer's lr, momentum's beta, Adam's
beta1 and beta2) recomputes the paths: drag an lr up until the path flies off, and the title says
at which step it diverged.

Landscapes: the notebook's line fit (when ``line_fit`` is given), a narrow ravine
(``L = (w^2 + 25 b^2) / 2``: GD's largest safe lr is 2/25) and a saddle
(``L = w^2/2 - b^2/2 + b^4/4``: flat in the middle, minima at ``b = +-1``).
"""
from __future__ import annotations

import html
import inspect
from typing import Callable, NamedTuple

import ipywidgets as widgets
import numpy as np

from ._parts import FigureImage, Paced, TeachingWidget, slider

COLORS = ["tab:blue", "tab:green", "tab:red", "tab:purple", "tab:orange"]
#: A path that goes this many window sizes away from the window's centre has diverged.
DIVERGED = 3


class Landscape(NamedTuple):
    """A loss of two parameters: ``loss_and_grad(p) -> (L, [dL/dp0, dL/dp1])``, where to start, the window."""
    loss_and_grad: Callable
    start: tuple
    xlim: tuple
    ylim: tuple
    labels: tuple = ("$p_0$", "$p_1$")


def ravine(p):
    return 0.5 * (p[0] ** 2 + 25 * p[1] ** 2), np.array([p[0], 25 * p[1]])


def saddle(p):
    return 0.5 * p[0] ** 2 - 0.5 * p[1] ** 2 + 0.25 * p[1] ** 4, np.array([p[0], -p[1] + p[1] ** 3])


LANDSCAPES = {
    "ravine": Landscape(ravine, (-4.0, 0.9), (-5, 5), (-1.2, 1.2)),
    "saddle": Landscape(saddle, (-2.0, 0.01), (-2.5, 2.5), (-1.8, 1.8)),
}
#: Notebook 06's window on its line fit: slope w and intercept b.
LINE_FIT_WINDOW = ((-0.2, 1.6), (-3, 5.5))


def build(cls, lr, beta, beta1, beta2):
    """``cls(lr, ...)`` with those of beta, beta1, beta2 that its ``__init__`` takes."""
    takes = inspect.signature(cls).parameters
    kwargs = {k: v for k, v in (("beta", beta), ("beta1", beta1), ("beta2", beta2)) if k in takes}
    return cls(lr, **kwargs)


def descend(optimizer, landscape, steps):
    """Notebook 06's ``descend``: the path of ``p`` (``(steps + 1, 2)``) and the step at which it
    diverged, i.e. went ``DIVERGED`` window sizes away from the window (None if it never did)."""
    lo, hi = np.array([landscape.xlim[0], landscape.ylim[0]]), np.array([landscape.xlim[1], landscape.ylim[1]])
    centre, far = (lo + hi) / 2, DIVERGED * (hi - lo)
    loss_and_grad = landscape.loss_and_grad
    p = np.array(landscape.start, dtype=float)
    path = [p.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            _, g = loss_and_grad(p)
            optimizer.step([p], [g], progress=t / steps)
            path.append(p.copy())
            if not np.all(np.abs(p - centre) < far):         # also catches inf and NaN
                return np.array(path), t + 1
    return np.array(path), None


class OptimizerPlayground(TeachingWidget):
    """The paths of ``optimizers`` (name -> class) on a landscape, side by side; see the module docstring.

    ``lr`` gives each optimizer's starting learning rate (name -> float; default 0.01, and 0.1 for a
    name containing "adam"). ``playground.set(...)`` is what the sliders do (``landscape``, ``lr``
    as name -> float, ``beta``, ``beta1``, ``beta2``, ``step``); ``playground.paths`` and
    ``.diverged`` hold the results. ``hide`` hides controls by name: ``"landscape"``, ``"lr <name>"``,
    ``"beta"``, ``"beta1"``, ``"beta2"``, ``"play"``, ``"step"``.
    """

    label = "optimizers on a loss landscape"

    def __init__(self, optimizers, line_fit=None, start=None, line_fit_window=LINE_FIT_WINDOW, steps=100,
                 lr=None, hide=()):
        if not isinstance(optimizers, dict) or not optimizers or not all(callable(c) for c in optimizers.values()):
            raise ValueError(f"optimizers must be a dict name -> optimizer class, e.g. {{'GD': MyGD}}, "
                             f"got {optimizers!r}")
        self.optimizers, self.steps = dict(optimizers), int(steps)
        self.landscapes = {}
        if line_fit is not None:
            if start is None:
                raise ValueError("line_fit needs start=, the point every optimizer starts from (notebook 06's P0)")
            self.landscapes["line fit"] = Landscape(line_fit, tuple(np.asarray(start, float)), *line_fit_window,
                                                    labels=("slope $w$", "intercept $b$"))
        self.landscapes.update(LANDSCAPES)
        lr = dict(lr or {})
        self.lr = {name: float(lr.get(name, 0.1 if "adam" in name.lower() else 0.01)) for name in self.optimizers}
        self.landscape, self.step = next(iter(self.landscapes)), steps
        self.beta, self.beta1, self.beta2 = 0.9, 0.9, 0.999
        self._make_picture()
        self._redraw = Paced(self._show)
        self.controls = {"landscape": widgets.Dropdown(options=list(self.landscapes), value=self.landscape,
                                                       description="landscape", layout=widgets.Layout(width="230px"))}
        for name in self.optimizers:
            self.controls[f"lr {name}"] = slider(f"lr {name}", self.lr[name], -4, 0.5, 0.01, log=True)
        self.controls["beta"] = slider("β momentum", self.beta, 0, 0.99, 0.01)
        self.controls["beta1"] = slider("β1 Adam", self.beta1, 0, 0.99, 0.01)
        self.controls["beta2"] = slider("β2 Adam", self.beta2, 0.5, 0.9999, 0.0001, readout_format=".4f")
        self.controls["play"] = widgets.Play(value=steps, min=0, max=steps, step=1, interval=50, description="play")
        self.controls["step"] = widgets.IntSlider(value=steps, min=0, max=steps, description="step",
                                                  layout=widgets.Layout(width="400px"))
        self.controls["step"].add_class("scratchnn-step-slider")
        # Play moves the slider in the browser; where a dragged slider went, Play learns from here
        # (set() below): a drag sends the kernel one message per move, not one per widget (jslink).
        widgets.jsdlink((self.controls["play"], "value"), (self.controls["step"], "value"))
        for name, control in self.controls.items():
            if name != "play":
                control.observe(lambda change, name=name: self._on_control(name, change["new"]), "value")
        self.paths, self.diverged = {}, {}
        self._recompute(self.optimizers)
        self._show()
        sliders = [c for n, c in self.controls.items() if n not in ("landscape", "play", "step")]
        self._build([widgets.HBox([self.controls["landscape"], self.controls["play"], self.controls["step"]]),
                     widgets.GridBox(sliders, layout=widgets.Layout(grid_template_columns="repeat(3, 270px)")),
                     self.status, self.picture.image], hide)

    # ------------------------------------------------------------------ the controls
    def set(self, landscape=None, lr=None, beta=None, beta1=None, beta2=None, step=None):
        """Change what the controls change (they call this too) and redraw, paced."""
        if landscape is not None:
            if landscape not in self.landscapes:
                raise ValueError(f"landscape must be one of {list(self.landscapes)}, got {landscape!r}")
            self._switch(landscape)
        for name, value in (lr or {}).items():
            if name not in self.lr:
                raise ValueError(f"lr names an optimizer: expected one of {list(self.lr)}, got {name!r}")
            self.lr[name] = float(value)
        for name, value in (("beta", beta), ("beta1", beta1), ("beta2", beta2)):
            if value is not None:
                setattr(self, name, float(value))
        if step is not None:
            self.step = self.controls["play"].value = int(min(max(step, 0), self.steps))
        if any(v is not None for v in (landscape, beta, beta1, beta2)):
            self._recompute(self.optimizers)
        elif lr:
            self._recompute(lr)                   # a learning rate moves only its optimizer's path
        self._redraw()

    def _on_control(self, name, value):
        if name.startswith("lr "):
            self.set(lr={name[3:]: value})
        else:
            self.set(**{name: value})

    def _recompute(self, names):
        land = self.landscapes[self.landscape]
        for name in names:
            optimizer = build(self.optimizers[name], self.lr[name], self.beta, self.beta1, self.beta2)
            self.paths[name], self.diverged[name] = descend(optimizer, land, self.steps)

    # ------------------------------------------------------------------ the picture
    def _make_picture(self):
        n = len(self.optimizers)
        self.picture = FigureImage(figsize=(3.0 * n, 3.0))
        self.axes = self.picture.fig.subplots(1, n, squeeze=False)[0]
        self.picture.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
        self._lines, self._dots = [], []
        for ax, color, name in zip(self.axes, COLORS * n, self.optimizers):
            self._lines.append(ax.plot([], [], ".-", color=color, ms=3, lw=0.9)[0])
            self._dots.append(ax.plot([], [], "o", color=color, mec="k", ms=7)[0])
            ax.set_title(name, fontsize=10)
        self.picture.animate(self._lines + self._dots)
        # What each path did so far, as HTML above the panels: text in Agg costs ~10 ms a line.
        self.status = widgets.HTML(layout=widgets.Layout(width=f"{round(240 * n)}px"))
        self.status.add_class("scratchnn-optimizer-status")
        self._contours, self._grids = [], {}
        for name, land in self.landscapes.items():             # once: the line fit's takes a moment
            ws, bs = np.linspace(*land.xlim, 50), np.linspace(*land.ylim, 50)
            grid = np.array([[land.loss_and_grad(np.array([w, b]))[0] for w in ws] for b in bs])
            self._grids[name] = ws, bs, np.log10(grid - grid.min() + 1e-3)   # evenly in log of the gap, as notebook 06
        for name in [*self.landscapes][::-1]:                  # every background now, the first one last
            self._switch(name)

    def _switch(self, name):
        self.landscape = name
        self.picture.scene(name, self._draw_landscape)

    def _draw_landscape(self):
        land = self.landscapes[self.landscape]
        ws, bs, levels = self._grids[self.landscape]
        for c in self._contours:
            c.remove()
        self._contours = []
        for ax in self.axes:
            for artist in ax.lines[2:]:                         # the start marker of the previous landscape
                artist.remove()
            self._contours.append(ax.contour(ws, bs, levels, levels=14, colors="0.75", linewidths=0.7,
                                             linestyles="solid"))
            ax.plot(*land.start, "ko", ms=4)
            ax.set(xlim=land.xlim, ylim=land.ylim)
            ax.set_xlabel(land.labels[0], fontsize=8)
            ax.tick_params(labelsize=7)
        self.axes[0].set_ylabel(land.labels[1], fontsize=8)

    def _show(self):
        land = self.landscapes[self.landscape]
        cells = []
        for i, name in enumerate(self.optimizers):
            path, diverged = self.paths[name], self.diverged[name]
            shown = path[:self.step + 1]
            self._lines[i].set_data(*shown.T)
            self._dots[i].set_data([shown[-1, 0]], [shown[-1, 1]])
            if diverged is not None and self.step >= diverged:
                text = f"<b style='color:crimson'>diverged at step {diverged}</b>"
            else:
                text = f"step {len(shown) - 1}, loss {land.loss_and_grad(shown[-1])[0]:.4g}"
            cells.append(f"<span style='display:inline-block;width:240px;text-align:center;font-size:12px' "
                         f"data-name='{html.escape(name)}' data-diverged='{'' if diverged is None else diverged}'>"
                         f"lr {self.lr[name]:.3g}: {text}</span>")
        self.status.value = "".join(cells)
        self.picture.show()
