"""The pad in collect mode: draw your own digits, label each, and keep them as examples to learn from.

Notebook 13 uses it to gather the digits a net misreads, then fine-tunes the learner's net on them::

    collector = Collector(net)       # net (optional): shows what it reads each drawing as
    collector                        # draw a digit, press the digit it is; repeat
    X, y = collector.data()          # (n, 784) float32 in [0, 1], (n,) int64

Pressing a label keeps the pad's 28x28 (``DrawingPad.image()``, the MNIST-style preprocessing) with
that label and clears the pad for the next digit; Undo forgets the last one. Like the recognizer's,
the buttons carry CSS classes for tests: ``.scratchnn-label`` and ``.scratchnn-label-d`` (d the
digit), ``.scratchnn-collect-undo``; the status line ``.scratchnn-collect-status`` has
``data-n`` (examples kept).
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from ..draw import CANVAS_SIZE, PEN_WIDTH
from .pad import DrawingPad, check_digit, digit_buttons


class Collector(widgets.HBox):
    """A drawing pad with ten label buttons: each press keeps the drawing as an example of that digit.

    ``net`` (anything with ``predict_proba``), when given, reads each drawing as you lift the pen,
    so you can keep the digits it gets wrong. ``images`` and ``labels`` hold what was kept, and
    ``read_as`` what ``net`` read each one as (None without a net).
    """

    def __init__(self, net=None, size=CANVAS_SIZE, pen_width=PEN_WIDTH):
        self.net = net
        self.images, self.labels, self.read_as = [], [], []
        self.pad = DrawingPad(size=size, pen_width=pen_width)
        self.status = widgets.HTML()
        self.status.add_class("scratchnn-collect-status")
        self.buttons = digit_buttons("scratchnn-label", "This is a {d}: keep it as an example", self.label)
        self.undo_button = widgets.Button(description="Undo", icon="undo", tooltip="Forget the last example",
                                          layout=widgets.Layout(width="80px"))
        self.undo_button.add_class("scratchnn-collect-undo")
        self.undo_button.on_click(lambda _: self.undo())
        clear = widgets.Button(description="Clear", icon="eraser", layout=widgets.Layout(width="80px"))
        clear.on_click(lambda _: self.pad.clear())
        super().__init__([
            self.pad,
            widgets.VBox([widgets.HTML('<div style="font-size:13px">This is a</div>'),
                          widgets.HBox(self.buttons[:5]), widgets.HBox(self.buttons[5:]),
                          widgets.HBox([self.undo_button, clear]), self.status],
                         layout=widgets.Layout(width="240px", margin="0 12px")),
        ])
        self.add_class("scratchnn-collect")
        self.pad.observe_drawing(lambda pad, final: final and self._show())
        self._show()

    def __repr__(self):
        return f"Collector(examples={len(self.labels)})"

    def _reading(self):
        """What ``net`` reads the drawing on the pad as: ``(digit, probability)``, or None."""
        image = self.pad.image()
        if self.net is None or not image.any():
            return None
        p = np.asarray(self.net.predict_proba(image.reshape(1, -1)))[0]
        return int(p.argmax()), float(p.max())

    def label(self, digit):
        """Keep the drawing on the pad as an example of ``digit`` and clear the pad; False if it is empty."""
        digit = check_digit(digit)
        image = self.pad.image()
        if not image.any():
            self._show("Draw a digit first, then press what it is.")
            return False
        reading = self._reading()
        self.images.append(image.reshape(-1).astype(np.float32))
        self.labels.append(int(digit))
        self.read_as.append(None if reading is None else reading[0])
        self.pad.clear()
        self._show()
        return True

    def undo(self):
        """Forget the example kept last."""
        if self.labels:
            self.images.pop(), self.labels.pop(), self.read_as.pop()
        self._show()

    def data(self):
        """Your examples: ``X`` (n, 784) float32 in [0, 1] and ``y`` (n,) int64 (empty arrays if none)."""
        X = np.stack(self.images) if self.images else np.zeros((0, 784), np.float32)
        return X, np.array(self.labels, dtype=np.int64)

    def _show(self, note=""):
        reading = self._reading()
        if note:
            text = note
        elif reading is not None:
            text = f"The net reads it as {reading[0]} ({reading[1]:.0%}). What is it?"
        else:
            text = "Draw a digit, then press what it is."
        wrong = sum(r is not None and r != y for r, y in zip(self.read_as, self.labels))
        kept = (f"{len(self.labels)} example{'s' * (len(self.labels) != 1)} kept"
                + (f", {wrong} of them misread" if self.net is not None else "") + ": "
                + (" ".join(map(str, self.labels)) or "none yet"))
        self.status.value = (f'<div class="scratchnn-collect-status" data-n="{len(self.labels)}" '
                             f'style="font-family:sans-serif;font-size:12px;color:#444;margin-top:6px">'
                             f'{html.escape(text)}<br>{html.escape(kept)}</div>')
