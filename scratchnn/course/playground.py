"""A playground for small nets on 2-D points: the decision boundary moves as the net trains.

    from scratchnn.course.playground import Playground2D
    Playground2D()                                                   # scratchnn's Dense and activations
    Playground2D(dense=MyDense, activations={"relu": MyReLU, "tanh": snn.Tanh})   # notebook 04's parts

Pick a data set (moons, circles, XOR, spiral, or your own: click points onto the picture, in the
class chosen beside it), the hidden layers ("8, 8"), the activation, the learning rate, the batch
size and the weight decay, then Train (Pause stops, Step trains one epoch). The net is
``Net([InLayer(2), dense(h, activation()) ..., dense(2, Softmax())], CrossEntropyLoss)`` trained by
``Net.fit``, one epoch per call, with ``optimizer(lr, weight_decay=...)`` (scratchnn's ``Adam`` by
default; weight decay only if the class takes it). You see the probability of each class over the
plane with the points on it, the loss per epoch, and one small map per hidden unit: its activation
over the same plane (red positive, blue negative).

A teacher shapes a lesson with ``hide=[...]`` (e.g. ``hide=["activation", "weight decay"]``) and
the starting values (``hidden=(4,)``, ``dataset="xor"``, ...).

How it stays responsive: Train runs epochs in chunks of at most ``TRAIN_BUDGET`` seconds from a
timer on the kernel's event loop (``scratchnn.pacing.Wakeup``), redraws, and yields to the loop
between chunks, so clicks (Pause, a new point) are handled within one chunk. Nothing runs in
another thread, so no widget is touched from one. The picture of the points is an ipycanvas canvas
(it takes the clicks); after a page reload it repaints itself (``scratchnn._ipycanvas``).
"""
from __future__ import annotations

import html
import inspect
import io
import time

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw

from ..activations import ReLU, Sigmoid, Softmax, Tanh
from ..layers import Dense, InLayer
from ..losses import CrossEntropyLoss
from ..net import Net
from ..optim import Adam
from ..pacing import Wakeup
from ..pad import _ipycanvas
from ..pad._ipycanvas import FilteredCanvas, hold_canvas
from ._parts import FigureImage, Paced, Picture, TeachingWidget, button, png_bytes, slider

#: Seconds of training per chunk while Train runs (the kernel answers clicks between chunks).
TRAIN_BUDGET = 0.03
#: The plane shown: [-EXTENT, EXTENT] on both axes.
EXTENT = 1.5
CANVAS = 300
GRID = 60                       # the boundary's resolution: GRID x GRID points, drawn CANVAS px wide
UNIT_GRID, UNITS_SHOWN = 30, 8  # each hidden unit's map, and how many units per layer are shown
COLORS = np.array([[245, 147, 34], [8, 119, 189]], dtype=float)   # class 0 orange, class 1 blue
DATASETS = ("moons", "circles", "xor", "spiral", "your own")


def make_dataset(name, n=200, noise=0.1, seed=0):
    """``(X, y)``: ``n`` points of two classes in about [-1.2, 1.2]^2; ``"your own"`` is empty."""
    rng = np.random.default_rng(seed)
    half = n // 2
    y = np.repeat([0, 1], [half, n - half])
    if name == "moons":
        t = rng.uniform(0, np.pi, n)
        X = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
        X = (X - [0.5, 0.25]) * 0.8
    elif name == "circles":
        t, r = rng.uniform(0, 2 * np.pi, n), np.where(y == 0, 1.0, 0.45)
        X = r[:, None] * np.c_[np.cos(t), np.sin(t)]
    elif name == "xor":
        X = rng.uniform(-1, 1, (n, 2))
        X += 0.1 * np.sign(X)                               # a margin around the axes
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
    elif name == "spiral":
        t = rng.uniform(0.05, 1, n)
        angle = 3.5 * np.pi * t + np.pi * y
        X = 1.1 * t[:, None] * np.c_[np.cos(angle), np.sin(angle)]
        noise = noise / 2
    elif name == "your own":
        return np.zeros((0, 2)), np.zeros(0, dtype=int)
    else:
        raise ValueError(f"dataset must be one of {list(DATASETS)}, got {name!r}")
    return (X + rng.normal(0, noise, X.shape)).astype(np.float32), y.astype(int)


def parse_hidden(text):
    """ "8, 8" or (8, 8) -> (8, 8); "" -> () (no hidden layer: a straight boundary)."""
    parts = text.replace(",", " ").split() if isinstance(text, str) else text
    try:
        sizes = tuple(int(s) for s in parts)
    except ValueError:
        sizes = None
    if sizes is None or any(not 1 <= s <= 64 for s in sizes) or len(sizes) > 4:
        raise ValueError(f"hidden must be up to 4 layer sizes in 1..64 like '8, 8', got {text!r}")
    return sizes


def _grid(n):
    ticks = np.linspace(-EXTENT, EXTENT, n)
    gx, gy = np.meshgrid(ticks, ticks[::-1])                 # row 0 is the top: y = +EXTENT
    return np.c_[gx.ravel(), gy.ravel()].astype(np.float32)


class Playground2D(TeachingWidget):
    """Train a small net on 2-D points and watch it; see the module docstring.

    What the buttons and controls call: ``train()`` / ``pause()`` (needs the kernel's event loop),
    ``step(epochs=1)`` (trains now, also from a script), ``reset()`` (new weights), ``add_point(x, y,
    label)``, ``set(...)`` with any of ``dataset``, ``hidden``, ``activation``, ``lr``,
    ``batch_size``, ``weight_decay``. State: ``net``, ``X``, ``y``, ``losses`` (one per epoch).
    ``hide`` takes control names: ``dataset``, ``hidden``, ``activation``, ``lr``, ``batch size``,
    ``weight decay``, ``class``, ``train``, ``pause``, ``step``, ``reset``.
    """

    label = "train a small net on 2-D points"

    def __init__(self, dense=Dense, activations=None, optimizer=Adam, dataset="moons", hidden=(8, 8),
                 activation=None, lr=0.03, batch_size=16, weight_decay=0.0, n_points=200, seed=0,
                 clock=time.monotonic, hide=()):
        self.dense, self.optimizer_class, self.seed, self.clock = dense, optimizer, seed, clock
        self.activations = dict(activations or {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid})
        self.activation = activation or next(iter(self.activations))
        self.takes_weight_decay = "weight_decay" in inspect.signature(optimizer).parameters
        self.n_points, self.lr, self.batch_size, self.weight_decay = n_points, lr, batch_size, weight_decay
        self.hidden = parse_hidden(hidden)
        self.dataset = dataset
        self.X, self.y = make_dataset(dataset, n_points, seed=seed)
        self.running = False
        self._wakeup = Wakeup(self._chunk)
        self._redraw = Paced(self._show)
        self._grid, self._unit_grid = _grid(GRID), _grid(UNIT_GRID)
        self._make_views()
        self._make_controls()
        self.reset()
        self._build([widgets.HBox([self.controls[k] for k in ("train", "pause", "step", "reset")] + [self.status]),
                     widgets.HBox([widgets.VBox([self.controls[k] for k in ("dataset", "class", "hidden", "activation",
                                                                             "lr", "batch size", "weight decay")]),
                                   self.canvas, self.picture.image]),
                     self.units],
                    list(hide) + ([] if self.takes_weight_decay or "weight decay" in hide else ["weight decay"]))

    # ------------------------------------------------------------------ the parts
    def _make_views(self):
        self.canvas = FilteredCanvas(width=CANVAS, height=CANVAS,
                                     layout=widgets.Layout(width=f"{CANVAS}px", height=f"{CANVAS}px", flex="0 0 auto"))
        self.canvas.add_class("scratchnn-playground-canvas")
        self.canvas.on_mouse_down(self._click)
        self.canvas.on_client_ready(self._on_client_ready)
        self.picture = FigureImage(figsize=(3.2, 1.9))      # the loss per epoch
        ax = self.picture.fig.add_axes([0.2, 0.24, 0.75, 0.66])
        ax.set(yscale="log", ylim=(1e-3, 2), xlim=(0, 50), xlabel="epoch")
        ax.set_title("training loss", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.label.set_size(8)
        self._loss_ax, self._loss_line = ax, ax.plot([], [], ".-", color="k", lw=1.2, ms=3)[0]  # dots: epoch 1 shows
        self.picture.animate([self._loss_line])
        self.units = Picture()
        self.units.add_class("scratchnn-picture")
        self.status = widgets.HTML()
        self.status.add_class("scratchnn-playground-status")
        self._unit_cmap = (colormaps["RdBu_r"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)

    def _make_controls(self):
        c = self.controls = {
            "dataset": widgets.Dropdown(options=list(DATASETS), value=self.dataset, description="data"),
            "class": widgets.ToggleButtons(options=[("orange", 0), ("blue", 1)], value=1, description="click adds",
                                           style={"button_width": "60px"}),
            "hidden": widgets.Text(value=", ".join(map(str, self.hidden)), description="hidden",
                                   continuous_update=False),
            "activation": widgets.Dropdown(options=list(self.activations), value=self.activation,
                                           description="activation"),
            "lr": slider("lr", self.lr, -4, 0, 0.05, log=True),
            "batch size": widgets.IntSlider(value=self.batch_size, min=1, max=128, description="batch size",
                                            style={"description_width": "70px"}, layout=widgets.Layout(width="260px")),
            "weight decay": slider("weight decay", self.weight_decay, 0, 0.1, 0.001),
            "train": button("Train"), "pause": button("Pause"), "step": button("Step", "train one epoch"),
            "reset": button("Reset", "new random weights"),
        }
        for name in ("dataset", "activation", "lr", "batch size", "weight decay"):
            c[name].observe(lambda change, name=name: self.set(**{name.replace(" ", "_"): change["new"]}), "value")
        c["hidden"].observe(lambda change: self._set_hidden_text(change["new"]), "value")
        c["train"].on_click(lambda _: self.train())
        c["pause"].on_click(lambda _: self.pause())
        c["step"].on_click(lambda _: self.step())
        c["reset"].on_click(lambda _: self.reset())

    # ------------------------------------------------------------------ what the controls do
    def set(self, dataset=None, hidden=None, activation=None, lr=None, batch_size=None, weight_decay=None):
        rebuild = False
        if dataset is not None:
            self.X, self.y = make_dataset(dataset, self.n_points, seed=self.seed)
            self.dataset, rebuild = dataset, True
        if hidden is not None:
            self.hidden, rebuild = parse_hidden(hidden), True
        if activation is not None:
            if activation not in self.activations:
                raise ValueError(f"activation must be one of {list(self.activations)}, got {activation!r}")
            self.activation, rebuild = activation, True
        if lr is not None:
            self.lr = self.optimizer.lr = float(lr)
        if weight_decay is not None:
            self.weight_decay = float(weight_decay)
            if self.takes_weight_decay:
                self.optimizer.weight_decay = self.weight_decay
        if batch_size is not None:
            self.batch_size = int(batch_size)
        if rebuild:
            self.reset()
        else:
            self._redraw()

    def _set_hidden_text(self, text):
        try:
            self.set(hidden=text)
        except ValueError as e:
            self.status.value = f"<span style='color:crimson'>{html.escape(str(e))}</span>"

    def reset(self):
        """New random weights (seeded), a new optimizer, no epochs yet."""
        layers = [InLayer(2), *[self.dense(h, self.activations[self.activation]()) for h in self.hidden],
                  self.dense(2, Softmax())]
        self.net = Net(layers, cost_function=CrossEntropyLoss, seed=self.seed)
        kwargs = {"weight_decay": self.weight_decay} if self.takes_weight_decay else {}
        self.optimizer = self.optimizer_class(self.lr, **kwargs)
        self.losses = []
        if self._loss_ax.get_xlim() != (0, 50):            # new ticks: the background is drawn again
            self._loss_ax.set_xlim(0, 50)
            self.picture.invalidate()
        self._redraw()

    def add_point(self, x, y, label):
        """Add a point (plane coordinates) of class ``label`` (0 orange, 1 blue) to the data."""
        self.X = np.vstack([self.X, np.float32([[x, y]])])
        self.y = np.append(self.y, int(label))
        self._redraw()

    def _click(self, px, py):
        x, y = px / CANVAS * 2 * EXTENT - EXTENT, EXTENT - py / CANVAS * 2 * EXTENT
        self.add_point(x, y, self.controls["class"].value)

    def step(self, epochs=1):
        """Train ``epochs`` epochs now (Step's button: one), then redraw."""
        for _ in range(epochs):
            self._epoch()
        self._redraw()

    def train(self):
        """Train in chunks until ``pause()``; needs the kernel's event loop (in a notebook it runs)."""
        self.running = True
        if not self._wakeup.after(0):
            self.running = False
            raise RuntimeError("train() needs a running event loop (a Jupyter kernel); use step(epochs) in a script")
        self._redraw()

    def pause(self):
        self.running = False
        self._wakeup.cancel()
        self._redraw()

    def _epoch(self):
        if len(self.X) == 0:
            return
        history = self.net.fit(self.X, self.y, epochs=1, batch_size=min(self.batch_size, len(self.X)),
                               optimizer=self.optimizer, seed=self.seed + len(self.losses))
        self.losses.append(history.history["loss"][-1] if history.history["loss"] else float("nan"))

    def _chunk(self):
        """One chunk of training while Train runs: epochs for up to TRAIN_BUDGET s, then a picture."""
        if not self.running:
            return
        start = self.clock()
        while self.clock() - start < TRAIN_BUDGET and len(self.X):
            self._epoch()
        self._show()
        if len(self.X) == 0:
            self.running = False
        else:
            self._wakeup.after(0.01)         # let the kernel answer clicks before the next chunk

    # ------------------------------------------------------------------ the pictures
    def _boundary_rgb(self):
        """The plane coloured by the probability of each class (light), ``(CANVAS, CANVAS, 3)`` uint8."""
        p = self.net.predict_proba(self._grid)[:, 1].reshape(GRID, GRID, 1)
        rgb = (1 - p) * COLORS[0] + p * COLORS[1]
        rgb = 255 - 0.45 * (255 - rgb)                       # lighter, so the points stand out
        return np.repeat(np.repeat(rgb, CANVAS // GRID, 0), CANVAS // GRID, 1).astype(np.uint8)

    def _units_rgb(self):
        """One map per hidden unit (up to UNITS_SHOWN per layer), a row per hidden layer."""
        hidden = self.net.activations(self._unit_grid)[:-1]
        if not hidden:
            return np.full((UNIT_GRID, UNIT_GRID, 3), 255, np.uint8)
        gap, n = 3, max(min(A.shape[1], UNITS_SHOWN) for A in hidden)
        out = np.full((len(hidden) * (UNIT_GRID + gap), n * (UNIT_GRID + gap), 3), 255, np.uint8)
        for row, A in enumerate(hidden):
            for col in range(min(A.shape[1], UNITS_SHOWN)):
                a = A[:, col].reshape(UNIT_GRID, UNIT_GRID)
                scale = np.abs(a).max() or 1.0
                tile = self._unit_cmap[np.clip(((a / scale + 1) * 127.5).astype(int), 0, 255)]
                y0, x0 = row * (UNIT_GRID + gap), col * (UNIT_GRID + gap)
                out[y0:y0 + UNIT_GRID, x0:x0 + UNIT_GRID] = tile
        return np.repeat(np.repeat(out, 2, 0), 2, 1)

    def _points_px(self):
        return (self.X[:, 0] + EXTENT) / (2 * EXTENT) * CANVAS, (EXTENT - self.X[:, 1]) / (2 * EXTENT) * CANVAS

    def _paint_canvas(self):
        xs, ys = self._points_px()
        with hold_canvas():
            self.canvas.put_image_data(self._rgb, 0, 0)
            self.canvas.stroke_style, self.canvas.line_width = "white", 1
            for label in (0, 1):
                mine = self.y == label
                if mine.any():
                    self.canvas.fill_style = "rgb({}, {}, {})".format(*COLORS[label].astype(int))
                    self.canvas.fill_circles(xs[mine], ys[mine], 4)
                    self.canvas.stroke_circles(xs[mine], ys[mine], 4)

    def _on_client_ready(self):
        _ipycanvas.forget_current_canvas(self.canvas)     # ipycanvas issue 322: see scratchnn._ipycanvas
        self._paint_canvas()

    def _show(self):
        self._rgb = self._boundary_rgb()
        self._paint_canvas()
        self.units.value = png_bytes(self._units_rgb())
        epochs = len(self.losses)
        if epochs > self._loss_ax.get_xlim()[1]:
            self._loss_ax.set_xlim(0, 2 * epochs)
            self.picture.invalidate()
        self._loss_line.set_data(np.arange(1, epochs + 1), self.losses)
        self.picture.show()
        loss = f"{self.losses[-1]:.4f}" if self.losses else "-"
        accuracy = f"{np.mean(self.net.predict(self.X) == self.y):.0%}" if len(self.X) else "-"
        hint = "" if len(self.X) else " (click the picture to add points)"
        self.status.value = (f"<span data-epoch='{epochs}' data-points='{len(self.X)}' "
                             f"data-running='{int(self.running)}'>"
                             f"epoch {epochs}, loss {loss}, accuracy {accuracy}{hint}</span>")

    def static_png(self):
        """The boundary with its points, the loss curve and the unit maps, side by side."""
        img = Image.fromarray(self._rgb)
        draw = ImageDraw.Draw(img)
        for x, y, label in zip(*self._points_px(), self.y):
            draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=tuple(COLORS[label].astype(int)), outline="white")
        parts = [img, Image.open(io.BytesIO(self.picture.image.value)).convert("RGB"),
                 Image.open(io.BytesIO(self.units.value)).convert("RGB")]
        out = Image.new("RGB", (sum(p.width for p in parts) + 20, max(p.height for p in parts)), "white")
        x = 0
        for p in parts:
            out.paste(p, (x, 0))
            x += p.width + 10
        return png_bytes(np.asarray(out))
