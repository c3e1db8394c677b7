"""A neuron and a net you can touch (notebook 01).

    from scratchnn.course.neuron import NeuronExplorer, ActivationExplorer
    NeuronExplorer(sigmoid)                        # notebook 01's sigmoid (or relu): sliders w1, w2, b
    ActivationExplorer(X_test, y_test, params, dense_forward, relu, softmax)   # notebook 01's functions
    ActivationExplorer(X_test, y_test, net.params(), dense_forward, relu, softmax)   # 10: the trained net
    ActivationExplorer(..., draw=True)             # 10: or draw your own digit on a pad beside the slider

``NeuronExplorer(activation)`` shows ``a = activation(w1 x1 + w2 x2 + b)`` over the plane as a
colour map, with the decision line ``w1 x1 + w2 x2 + b = 0`` on it: move a weight and the line
turns, move the bias and it shifts. ``ActivationExplorer`` runs one digit through the learner's
layers, ``A_l = relu(dense_forward(A_{l-1}, W_l, b_l))`` with ``softmax`` at the end, exactly as
notebook 01 prints its shapes, and shows every layer's activations as bars; a slider picks the digit,
or (``draw=True``) you draw one on a ``DrawingPad``, made MNIST-like as the pad does for a net.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..draw import CANVAS_SIZE, PEN_WIDTH
from ..pad.pad import DrawingPad
from ._parts import FigureImage, Paced, TeachingWidget, button, slider

EXTENT = 3.0
#: The look-inside pad's side in pixels; its pen keeps the course pad's width-to-side ratio.
PAD_SIZE = 168


def _nice(v):
    """The smallest of 1, 2, 5, 10, 20, ... at least ``v``: a colour scale that changes rarely."""
    if v <= 0:
        return 1.0
    decade = 10.0 ** np.floor(np.log10(v))
    return float(next(m * decade for m in (1, 2, 5, 10) if m * decade >= v))


class NeuronExplorer(TeachingWidget):
    """Sliders ``w1``, ``w2``, ``b`` for a two-input neuron ``activation(w1 x1 + w2 x2 + b)``.

    ``explorer.set(w1=..., w2=..., b=...)`` is what the sliders call; ``explorer.output`` is the
    activation over the plane shown. ``hide`` takes ``"w1"``, ``"w2"``, ``"b"``.
    """

    label = "a two-input neuron"

    def __init__(self, activation, w1=1.0, w2=-0.5, b=0.0, hide=()):
        if not callable(activation):
            raise ValueError(f"activation must be a function of an array, like notebook 01's sigmoid, "
                             f"got {activation!r}")
        self.activation, self.w = activation, {"w1": float(w1), "w2": float(w2), "b": float(b)}
        ticks = np.linspace(-EXTENT, EXTENT, 80)
        self._x1, self._x2 = np.meshgrid(ticks, ticks[::-1])
        self.picture = FigureImage(figsize=(3.8, 3.2))
        ax = self.picture.fig.add_axes([0.14, 0.14, 0.66, 0.8])
        self._image = ax.imshow(np.zeros((80, 80)), extent=(-EXTENT, EXTENT, -EXTENT, EXTENT), cmap="viridis",
                                aspect="auto")
        self._cbar_ax = self.picture.fig.add_axes([0.84, 0.14, 0.04, 0.8])
        self._line = ax.plot([], [], color="white", lw=2)[0]
        ax.set(xlim=(-EXTENT, EXTENT), ylim=(-EXTENT, EXTENT), xlabel="$x_1$", ylabel="$x_2$")
        self._ax = ax
        self.picture.animate([self._image, self._line])
        self._colorbar_range = None
        self.status = widgets.HTML()
        self.status.add_class("scratchnn-neuron-status")
        self._redraw = Paced(self._show)
        self.controls = {name: slider(name, value, -3, 3, 0.05) for name, value in self.w.items()}
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self.set(**{name: change["new"]}), "value")
        self._show()
        controls = widgets.VBox(list(self.controls.values()) + [self.status])
        self._build([widgets.HBox([controls, self.picture.image])], hide)

    def set(self, **weights):
        for name, value in weights.items():
            if name not in self.w:
                raise ValueError(f"expected w1, w2 or b, got {name!r}")
            self.w[name] = float(value)
        self._redraw()

    def _show(self):
        w1, w2, b = self.w["w1"], self.w["w2"], self.w["b"]
        self.output = np.asarray(self.activation(w1 * self._x1 + w2 * self._x2 + b), dtype=float)
        lo, hi = float(self.output.min()), float(self.output.max())
        colour_range = (0.0, 1.0) if lo >= 0 and hi <= 1 else (-_nice(-lo) if lo < 0 else 0.0, _nice(hi))
        if colour_range != self._colorbar_range:              # a ReLU's range changes: redraw the scale
            self._colorbar_range = colour_range
            self._image.set_clim(*colour_range)
            self._cbar_ax.clear()
            self.picture.fig.colorbar(self._image, cax=self._cbar_ax, label="a")
            self.picture.invalidate()
        self._image.set_data(self.output)
        # The line w1 x1 + w2 x2 + b = 0, clipped to the square by drawing it long.
        if abs(w2) > 1e-9:
            xs = np.array([-EXTENT, EXTENT])
            self._line.set_data(xs, -(w1 * xs + b) / w2)
        elif abs(w1) > 1e-9:
            self._line.set_data([-b / w1] * 2, [-EXTENT, EXTENT])
        else:
            self._line.set_data([], [])                         # no weights: no line, a flat output
        self.status.value = (f"<span data-w='{w1:.2f},{w2:.2f},{b:.2f}'>a = f({w1:.2f}·x₁ + {w2:.2f}·x₂ + {b:.2f})"
                             f"<br>white line: the weighted sum is 0</span>")
        self.picture.show()


class ActivationExplorer(TeachingWidget):
    """One digit through the learner's layers; every layer's activations as bars.

    ``params`` is ``[W1, b1, W2, b2, ...]`` (notebook 01's ``init_params``, or ``net.params()``);
    ``dense_forward(X, W, b)``, ``relu(Z)`` and ``softmax(Z)`` are the learner's functions.
    ``explorer.show_digit(i)`` is what the slider calls; ``explorer.activations`` holds
    ``[x, A1, ..., P]`` for the digit shown. Beside the digit, a look inside (notebook 10): what
    each pixel gave the most active first-layer unit, ``x_i * W1[i, j]`` (``explorer.contributions``,
    red pushes it up, blue down). With ``draw=True`` a drawing pad sits beside the slider:
    ``explorer.pad`` (a ``DrawingPad``), whose 28x28 image replaces the test digit while it holds
    ink (``explorer.drawn`` is True); its Clear button, or moving the slider, brings the test digit
    back. ``hide`` takes ``"digit"`` (and ``"draw"``, the pad with its button).
    """

    label = "a digit's activations, layer by layer"

    def __init__(self, X, y, params, dense_forward, relu, softmax, index=0, draw=False, hide=()):
        if len(params) % 2 or not params:
            raise ValueError(f"params must be [W1, b1, W2, b2, ...], got {len(params)} arrays")
        self.X, self.y, self.params = np.asarray(X), np.asarray(y), list(params)
        self.dense_forward, self.relu, self.softmax = dense_forward, relu, softmax
        sizes = [W.shape[1] for W in self.params[0::2]]
        sample = self._forward(self.X[:500])                  # a scale per layer that fits most digits
        self.picture = FigureImage(figsize=(3.8 + 1.6 * len(sizes), 2.6))
        fig = self.picture.fig
        grid = fig.add_gridspec(1, len(sizes) + 2, width_ratios=[1.2, 1.2] + [1.0] * len(sizes),
                                left=0.02, right=0.98, bottom=0.16, top=0.84, wspace=0.35)
        ax = fig.add_subplot(grid[0])
        self._digit = ax.imshow(np.zeros((28, 28)), cmap="gray_r", vmin=0, vmax=1)
        ax.axis("off")
        self._title = ax.set_title("", fontsize=9)
        # Look inside: what each pixel gave the most active first-layer unit, x_i * W1[i, j].
        ax = fig.add_subplot(grid[1])
        self._inside = ax.imshow(np.zeros((28, 28)), cmap="RdBu_r", vmin=-1, vmax=1)
        ax.axis("off")
        self._inside_title = ax.set_title("", fontsize=8)
        self._bars, artists = [], [self._digit, self._title, self._inside, self._inside_title]
        for layer, (size, A) in enumerate(zip(sizes, sample[1:]), start=1):
            ax = fig.add_subplot(grid[layer + 1])
            last = layer == len(sizes)
            bars = ax.bar(np.arange(size), np.zeros(size), color="tab:green" if last else "tab:blue")
            top = 1.0 if last else float(np.percentile(A.max(axis=1), 95)) or 1.0
            ax.set(ylim=(0, top), xlim=(-0.7, size - 0.3))
            ax.set_title("P (softmax)" if last else f"A{layer} = relu(Z{layer}), {size} units", fontsize=8)
            ax.tick_params(labelsize=6)
            if last:
                ax.set_xticks(range(size))
            self._bars.append(bars)
            artists += list(bars)
        self.picture.animate(artists)
        self.controls = {"digit": widgets.IntSlider(value=index, min=0, max=len(self.X) - 1, description="digit",
                                                    continuous_update=True, layout=widgets.Layout(width="400px"))}
        self.controls["digit"].add_class("scratchnn-digit-slider")
        self.controls["digit"].observe(lambda change: self.show_digit(change["new"]), "value")
        self._redraw = Paced(self._show)
        self.index, self.drawn, self.pad, self._pen_up = index, False, None, True
        # What is shown, as data attributes for tests: data-source (test or drawing), data-index, data-says,
        # data-final (0 while the pen is down: the picture of a drawing still growing).
        self.status = widgets.HTML()
        self.status.add_class("scratchnn-activation-status")
        rows = [self.controls["digit"], self.status, self.picture.image]
        if draw:
            self.pad = DrawingPad(size=PAD_SIZE, pen_width=PEN_WIDTH * PAD_SIZE / CANVAS_SIZE)
            self.pad.observe_drawing(self._on_drawing)
            clear = button("Clear", "wipe your drawing and show the test digit again")
            clear.on_click(lambda _: self.pad.clear())
            self.controls["draw"] = widgets.VBox([widgets.HTML("or draw a digit:"), self.pad, clear])
            rows = [widgets.HBox([self.controls["draw"], widgets.VBox(rows)])]
        self._show()
        self._build(rows, hide)

    def _forward(self, X):
        """``[X, A1, ..., P]``: notebook 01's loop, ReLU after each layer but the last, softmax there."""
        out, A = [X], X.astype(np.float64)
        pairs = list(zip(self.params[0::2], self.params[1::2]))
        for layer, (W, b) in enumerate(pairs, start=1):
            Z = self.dense_forward(A, W, b)
            A = self.relu(Z) if layer < len(pairs) else self.softmax(Z)
            out.append(np.asarray(A))
        return out

    def show_digit(self, index):
        if not 0 <= int(index) < len(self.X):
            raise ValueError(f"index must be in 0..{len(self.X) - 1}, got {index}")
        self.index, self.drawn, self._pen_up = int(index), False, True
        self._redraw()

    def _on_drawing(self, pad, final):
        """The pad's observer (it calls at most every ``pad.throttle`` seconds, and when the pen
        lifts): show the drawing while it holds ink, the slider's test digit once it is cleared."""
        self.drawn, self._pen_up = bool(pad.strokes), final
        self._redraw()

    def _show(self):
        x = self.pad.image().reshape(1, 784) if self.drawn else self.X[self.index:self.index + 1]
        self.activations = [a[0] for a in self._forward(x)]
        self._digit.set_data(x.reshape(28, 28))
        P = self.activations[-1]
        says = int(P.argmax())
        seen = "your drawing" if self.drawn else f"label {self.y[self.index]}"
        self._title.set_text(f"{seen}, net says {says}")
        self.top_unit = int(np.argmax(self.activations[1]))
        self.contributions = (x[0] * self.params[0][:, self.top_unit]).reshape(28, 28)
        scale = float(np.abs(self.contributions).max()) or 1.0
        self._inside.set_data(self.contributions)
        self._inside.set_clim(-scale, scale)
        self._inside_title.set_text(f"pixel × weight into A1[{self.top_unit}]\n(its most active unit)")
        for bars, A in zip(self._bars, self.activations[1:]):
            for bar, a in zip(bars, A):
                bar.set_height(a)
        self.picture.show()
        source = "drawing" if self.drawn else "test"
        self.status.value = (f"<span data-source='{source}' data-index='{self.index}' data-says='{says}' "
                             f"data-final='{int(self._pen_up)}'>{seen}: the net says {says} "
                             f"(p = {float(P[says]):.2f})</span>")
