"""What every teaching widget is made of: paced events, a figure shown as a picture, controls a
teacher can hide, and a static picture for the saved notebook.

- ``Paced(action, interval)`` runs ``action()`` for a stream of events (a dragged slider sends one
  per pixel) at most every ``interval`` seconds, and always once more after the last event, from a
  ``scratchnn.pacing.Wakeup`` on the kernel's event loop. Without a running loop (a plain script, a
  test) every event runs the action at once.
- ``FigureImage`` is a matplotlib ``Figure`` made without pyplot (nothing leaks into the notebook's
  own plots) and rendered by Agg into PNG bytes for one ``Picture`` (an ``ipywidgets.Image`` sent
  as a ``data:`` URL): one message per picture.
- ``TeachingWidget`` is the base class: ``self.view`` is what the browser shows, ``hide=[...]``
  hides controls by name, and displaying the widget also leaves a static picture.

The static picture. ``nbconvert --to html`` (and nbviewer) render a widget output only from widget
state saved in the notebook, otherwise nothing; GitHub never runs widgets. So displaying a widget
writes two outputs: the live view, then an ``image/png`` picture of the widget's state at that moment
(the one copy of it in the saved notebook; ``tools/execute_notebooks.py`` saves no widget state, which
would hold the picture again, and a ``text/html`` copy would be a third one). The live view carries
a one-line style rule that hides the output right after its own (CSS ``:has``: Chromium 105, Firefox
121, Safari 15.4), so a live notebook shows the widget once; a saved one read without a kernel shows
the picture.
"""
from __future__ import annotations

import base64
import io
import time

import ipywidgets as widgets
import numpy as np
from ipywidgets.widgets.trait_types import CByteMemoryView
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from traitlets import Unicode

from ..pacing import Throttle, Wakeup

#: Seconds between pictures while a slider is dragged or training runs (about 20 a second).
REDRAW_INTERVAL = 0.05

#: Hides the static picture, the output right after a live widget that has rendered (JupyterLab,
#: Notebook 7 and Voila lay outputs out as ``.jp-OutputArea-child``, classic templates as ``.output_area``).
HIDE_STATIC_CSS = ("<style>.jp-OutputArea-child:has(.scratchnn-live) + .jp-OutputArea-child .jp-RenderedImage,"
                   ".output_area:has(.scratchnn-live) + .output_area .output_png {display: none}</style>")


class Paced:
    """Calls ``action()`` at most once per ``interval`` seconds of ``clock``, counted from the end of the
    last call, while events come, and once after the last one (no event is left unanswered, however fast
    they come)."""

    def __init__(self, action, interval=REDRAW_INTERVAL, clock=time.monotonic):
        self.action = action
        self.throttle = Throttle(interval, clock)
        self._wakeup = Wakeup(self.flush)
        self.pending = False

    def __call__(self, *_event):
        self.pending = True
        wait = self.throttle.wait()
        if wait == 0:
            self._run()
        elif not self._wakeup.after(wait):   # no event loop: nothing would come back later
            self.flush()

    def flush(self):
        """Run now if an event is still waiting (tests and scripts call it; so does the wakeup)."""
        if self.pending:
            self.throttle.wait(force=True)
            self._run()

    def _run(self):
        self.pending = False
        self.action()
        # The interval counts from the end of the action, not its start: when a picture takes longer
        # than the interval (a busy machine), the next event would otherwise draw at once, every event
        # would cost a picture, and the kernel would fall seconds behind a dragged slider or a pen.
        self.throttle.wait(force=True)


def png_bytes(rgb):
    """An ``(H, W, 3)`` uint8 array as a PNG of 256 colours, compressed fast.

    The widgets' pictures (lines, text, colour maps) hold a few hundred colours; a palette of 256
    (Pillow's fast octree, no dithering: each channel within 14 of the original, mostly within 2)
    makes the PNG 2-5 times smaller and twice as fast to make, and the browser decodes it faster.
    """
    out = io.BytesIO()
    palette = Image.fromarray(rgb).quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    palette.save(out, format="png", compress_level=1)
    return out.getvalue()


def _data_url(png, _widget):
    return None if png is None else memoryview(b"data:image/png;base64," + base64.b64encode(png))


class Picture(widgets.Image):
    """An ``ipywidgets.Image`` of PNG bytes (``value``, as for any Image) that reaches the browser as a
    ``data:`` URL (``format="url"``). The stock Image view shows PNG bytes through a ``blob:`` URL,
    which Chromium fetches through its browser process before decoding: a median of 5-8 ms per picture
    in an idle page, against 0.4-2 ms for a data URL of the same picture. The value travels as a
    binary buffer either way."""

    format = Unicode("url").tag(sync=True)
    value = CByteMemoryView(help="PNG bytes").tag(sync=True, to_json=_data_url)


class FigureImage:
    """A matplotlib figure shown in an ``ipywidgets.Image``; ``show()`` renders it and sends the PNG.

    ``animate(artists)`` marks the artists that change from picture to picture: the rest (axes,
    contours, labels) is drawn once into a background that later pictures copy (matplotlib's
    blitting), so a picture costs only what changed. ``invalidate()`` after changing the rest.
    """

    def __init__(self, figsize, dpi=80):
        self.fig = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.fig)
        width, height = (round(s * dpi) for s in figsize)
        self.image = Picture(layout=widgets.Layout(width=f"{width}px", height=f"{height}px"))
        self.image.add_class("scratchnn-picture")
        self.animated, self._background, self._scenes = [], None, {}

    def animate(self, artists):
        for artist in artists:
            artist.set_animated(True)
            self.animated.append(artist)
        self._background = None

    def invalidate(self):
        self._background = None
        self._scenes.clear()

    def scene(self, key, draw):
        """Switch to background ``key``; the axes get back the limits they had when it was drawn
        (the animated artists are drawn in them)."""
        if key not in self._scenes:
            draw()
            self.fig.canvas.draw()
            limits = [(ax, ax.get_xlim(), ax.get_ylim()) for ax in self.fig.axes]
            self._scenes[key] = self.fig.canvas.copy_from_bbox(self.fig.bbox), limits
        self._background, limits = self._scenes[key]
        for ax, xlim, ylim in limits:
            ax.set(xlim=xlim, ylim=ylim)

    def png(self):
        """The figure as PNG bytes (Agg, fast compression: the browser decodes it either way)."""
        canvas = self.fig.canvas
        if self._background is None:
            canvas.draw()                      # everything but the animated artists
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self.animated:
            (artist.axes or self.fig).draw_artist(artist)
        return png_bytes(np.asarray(canvas.buffer_rgba())[..., :3])

    def show(self):
        self.image.value = self.png()


class Panel(widgets.VBox):
    """The widget's box; its ``repr`` is one fixed line, so nbval compares a stable text."""

    def __init__(self, children, label):
        super().__init__(children)
        self.label = label

    def __repr__(self):
        return self.label


class TeachingWidget:
    """Base class: subclasses set ``self.picture`` (a ``FigureImage``) and ``self.controls`` (name ->
    widget), then call ``self._build(rows)`` with the rows of the view."""

    label = "a scratchnn widget"

    def _build(self, rows, hide=()):
        hide = list(hide or [])
        unknown = [name for name in hide if name not in self.controls]
        if unknown:
            raise ValueError(f"hide names controls of {type(self).__name__}: expected some of "
                             f"{sorted(self.controls)}, got {unknown}")
        for name in hide:
            self.controls[name].layout.display = "none"
        self.view = Panel([widgets.HTML(HIDE_STATIC_CSS, layout=widgets.Layout(display="none")), *rows],
                          label=f"{type(self).__name__}: {self.label}")
        self.view.add_class("scratchnn-live")
        self.view.add_class("scratchnn-" + type(self).__name__.lower())

    def __repr__(self):
        return f"{type(self).__name__}: {self.label}"

    def static_png(self):
        """PNG bytes of what the widget shows now (its picture; a widget with more views overrides it)."""
        return self.picture.image.value

    def static_bundle(self):
        """The picture's current state as a display bundle: ``image/png`` (base64) and ``text/plain``."""
        return {"image/png": base64.b64encode(self.static_png()).decode("ascii"),
                "text/plain": f"{type(self).__name__}: a picture of its first state (run the cell for the live widget)"}

    def _ipython_display_(self):
        from IPython.display import display

        display(self.view)
        display(self.static_bundle(), raw=True)


def button(description, tooltip=""):
    """A button with the class ``scratchnn-<description>`` (lower case, dashes), for tests and styles."""
    b = widgets.Button(description=description, tooltip=tooltip or description,
                       layout=widgets.Layout(width="auto"))
    b.add_class("scratchnn-" + description.lower().replace(" ", "-"))
    return b


def slider(description, value, lo, hi, step, log=False, readout_format=".3g", width="260px"):
    """A float slider (``log=True``: logarithmic, ``lo`` and ``hi`` as exponents of 10) that sends
    every move while dragged (``continuous_update``); the widget paces its redraws with ``Paced``."""
    cls = widgets.FloatLogSlider if log else widgets.FloatSlider
    s = cls(value=value, min=lo, max=hi, step=step, description=description, readout_format=readout_format,
            continuous_update=True, style={"description_width": "70px"}, layout=widgets.Layout(width=width))
    s.add_class("scratchnn-" + "".join(c for c in description.lower() if c.isalnum()))
    return s
