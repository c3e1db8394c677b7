"""``DrawingPad``: an ipycanvas canvas you draw a digit on, the strokes kept in Python.

How it stays fast. Every mouse move is one message from the browser to the kernel, and nothing in
the browser throttles them, so the kernel does as little as possible per event: it appends the
point to the stroke and to a Pillow image of the ink (``scratchnn.draw.Ink``). The ink is echoed
back to the browser at most every ``ECHO_INTERVAL`` seconds (one ``stroke_lines`` message for all
new points), and a prediction (crop, fit, centre, ``net.predict_proba``, one HTML message for the
ten bars, one PNG for the preview) runs at most every ``throttle`` seconds while you draw, and
always when the pen lifts (``mouse_up``, ``mouse_out``, ``touch_end``) or the pad is cleared. If
the pen rests mid-stroke, no event comes to carry what the intervals held back, so a timer on the
kernel's event loop sends it when they are over. A burst of thousands of queued events is
therefore a few hundred microseconds of work per hundred events, not a queue of predictions.
Strokes live in Python: pixels are never read back from the browser (``get_image_data`` is
asynchronous and fails headless).

After a page reload (or when Voila first shows the page) ipycanvas forgets which canvas the browser
is drawing on (ipycanvas issue 322), so the pad's ``on_client_ready`` handler resets ipycanvas's
remembered canvas and repaints every stroke in one ``hold_canvas()`` batch. That reset, and every
other use of ipycanvas's private parts, lives in ``scratchnn.pad._ipycanvas``; the timing is
``scratchnn.pacing``.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..draw import CANVAS_SIZE, PEN_WIDTH, Ink, check_strokes
from ..pacing import Throttle, Wakeup
from ..validation import positive
from . import _ipycanvas
from ._ipycanvas import FilteredCanvas, hold_canvas

#: Seconds between ink echoes to the browser while drawing (about 50 frames a second).
ECHO_INTERVAL = 0.02
#: Default seconds between predictions while the pen is down.
THROTTLE = 0.075
#: The largest pad side in pixels: bigger than any screen, and its ink image stays at 4 MB.
MAX_SIZE = 2048


class DrawingPad(FilteredCanvas):
    """An ipycanvas ``Canvas`` you draw on with the mouse or a finger; the strokes stay in Python.

    ``pad.strokes`` is the drawing as a list of strokes, each a list of ``(x, y)`` canvas pixels;
    ``pad.image()`` is what a net sees (28x28 float32, ``scratchnn.draw``'s preprocessing);
    ``pad.clear()`` wipes it. ``pad.observe_drawing(callback)`` calls ``callback(pad, final)`` while
    you draw, at most every ``throttle`` seconds (and once more if the pen rests mid-stroke), and
    always with ``final=True`` when the pen lifts or the pad is cleared. ``pad.draw_stroke(points)``
    draws through the same event handlers the browser's mouse events go through (for tests and
    demos).
    """

    def __init__(self, size=CANVAS_SIZE, pen_width=PEN_WIDTH, throttle=THROTTLE, **kwargs):
        size = positive(size, "size", integer=True, maximum=MAX_SIZE)
        # A pen wider than the pad inks all of it at the first touch, and Pillow's cost grows
        # with the pen's area (pen_width=1e9 took 89 s): the pad's side bounds it.
        self.pen_width = positive(pen_width, "pen_width", maximum=size)
        throttle = positive(throttle, "throttle", minimum=0, allow_inf=True)
        self.size = size
        layout = kwargs.pop("layout", None) or widgets.Layout(width=f"{size}px", height=f"{size}px",
                                                               border="1px solid #999", flex="0 0 auto")
        super().__init__(width=size, height=size, layout=layout, **kwargs)
        self.add_class("scratchnn-pad")
        self._echo_throttle = Throttle(ECHO_INTERVAL)
        self._notify_throttle = Throttle(throttle)
        self._wakeup = Wakeup(self._catch_up)   # sends what the throttles held back if the pen rests
        self.ink = Ink(size, self.pen_width)
        self._strokes = []               # list of lists of (x, y); the last one grows while drawing
        self._drawing = False
        self._echoed = 0                 # points of the current stroke already sent to the browser
        self._stale = False              # points added since the observers were last told
        self._observers = []
        self._image = None
        self.n_echoes = 0                # ink messages sent while drawing (not counting repaints)
        self.n_ignored = 0               # malformed or unknown events dropped
        self.on_mouse_down(self._pen_down)
        self.on_mouse_move(self._pen_move)
        self.on_mouse_up(self._pen_up)
        self.on_mouse_out(self._pen_up)
        self.on_touch_start(lambda touches: self._pen_down(*touches[0]) if touches else None)
        self.on_touch_move(lambda touches: self._pen_move(*touches[0]) if touches else None)
        self.on_touch_end(lambda touches: self._pen_up())
        self.on_touch_cancel(lambda touches: self._pen_up())
        self.on_client_ready(self._on_client_ready)
        self.redraw()

    @property
    def throttle(self):
        """Seconds between predictions while the pen is down."""
        return self._notify_throttle.interval

    @property
    def clock(self):
        """The clock the throttles read (``time.monotonic``); tests replace it to control time."""
        return self._notify_throttle.clock

    @clock.setter
    def clock(self, clock):
        self._echo_throttle.clock = self._notify_throttle.clock = clock

    def __repr__(self):
        return f"DrawingPad(size={self.size}, pen_width={self.pen_width:g}, strokes={len(self._strokes)})"

    # ------------------------------------------------------------------ public
    @property
    def strokes(self):
        """The drawing: a list of strokes, each a list of ``(x, y)`` in canvas pixels (a copy)."""
        return [list(stroke) for stroke in self._strokes]

    @property
    def drawing(self):
        """True while the pen is down."""
        return self._drawing

    def image(self):
        """The drawing as MNIST sees digits: ``(28, 28)`` float32 in ``[0, 1]``, zeros if empty."""
        if self._image is None:
            self._image = self.ink.to_mnist()
        return self._image

    def clear(self):
        """Wipe the drawing (the Clear button calls this) and tell the observers."""
        self._strokes, self._drawing, self._image = [], False, None
        self.ink.clear()
        self.redraw()
        self._notify(final=True)

    def observe_drawing(self, callback, remove=False):
        """Call ``callback(pad, final)`` as the drawing changes (see the class docstring)."""
        if remove:
            if callback in self._observers:
                self._observers.remove(callback)
        elif callback not in self._observers:
            self._observers.append(callback)

    def draw_stroke(self, points):
        """Draw one stroke through the pad's own event handlers: mouse down, moves, mouse up."""
        strokes = check_strokes([points])   # a ValueError for a point that is not a finite (x, y) pair
        if not strokes:
            return
        points = [(float(x), float(y)) for x, y in strokes[0]]
        events = [("mouse_down", points[0])] + [("mouse_move", p) for p in points[1:]] + [("mouse_up", points[-1])]
        for event, (x, y) in events:
            _ipycanvas.send_event(self, {"event": event, "x": x, "y": y})

    def redraw(self):
        """Repaint the whole drawing in the browser, in one message."""
        with hold_canvas():
            self._repaint()

    # ------------------------------------------------------------ the events
    # Malformed messages from the browser never get here: FilteredCanvas drops them first.
    def _pen_down(self, x, y):
        if self._drawing:
            self._pen_up()
        self._drawing = True
        self._strokes.append([])
        self._echoed = 0
        self._add(x, y)
        self._catch_up()

    def _pen_move(self, x, y):
        if not self._drawing:
            return                       # the mouse is only hovering
        if self._add(x, y):
            self._catch_up()

    def _pen_up(self, x=None, y=None):
        if not self._drawing:
            return
        if x is not None:
            self._add(x, y)
        self._drawing = False
        self.ink.end_stroke()
        self._echo(force=True)
        self._notify(final=True)

    def _add(self, x, y):
        """Append a point (clamped to the canvas) to the current stroke; False if it is a repeat."""
        p = (min(max(float(x), 0.0), self.size), min(max(float(y), 0.0), self.size))
        stroke = self._strokes[-1]
        if stroke and stroke[-1] == p:
            return False
        stroke.append(p)
        self.ink.add_point(*p)
        self._image = None
        self._stale = True
        return True

    def _catch_up(self):
        """While drawing: echo the new ink and tell the observers, each if its interval has passed.

        What an interval holds back goes out with a later event, or, if none comes (the pen rests
        mid-stroke), from the wakeup on the kernel's event loop when the interval is over. Without
        a running loop (a plain script) there is no wakeup; lifting the pen still sends everything.
        """
        if not self._drawing:
            return                       # the pen lifted first: _pen_up sent everything
        waits = [w for w in (self._echo(force=False), self._notify(final=False) if self._stale else 0) if w > 0]
        if waits:
            self._wakeup.after(min(waits))

    def _echo(self, force):
        """Send the current stroke's new points to the browser, at most every ECHO_INTERVAL.

        Returns 0 when nothing is left to send, else the seconds until the interval allows it.
        """
        stroke = self._strokes[-1] if self._strokes else []
        if self._echoed >= len(stroke):
            return 0.0
        wait = self._echo_throttle.wait(force)
        if wait:
            return wait
        self._paint_stroke(stroke[max(0, self._echoed - 1):], dot=self._echoed == 0)
        self._echoed = len(stroke)
        self.n_echoes += 1
        return 0.0

    def _notify(self, final):
        """Call the observers (at most every ``throttle`` seconds unless ``final``).

        Returns 0 when they were called, else the seconds until the throttle allows it.
        """
        wait = self._notify_throttle.wait(force=final)
        if wait:
            return wait
        self._stale = False
        for callback in list(self._observers):
            callback(self, final)
        return 0.0

    # -------------------------------------------------------------- painting
    def _paint_stroke(self, points, dot):
        if len(points) == 1 or dot:
            x, y = points[0]
            self.fill_circle(x, y, self.pen_width / 2)
        if len(points) > 1:
            self.stroke_lines(points)

    def _repaint(self):
        """Clear the browser's canvas and paint every stroke (call inside ``hold_canvas()``)."""
        super().clear()                  # Canvas.clear: wipe the browser's pixels only
        self.fill_style = "white"
        self.fill_rect(0, 0, self.size, self.size)
        self.fill_style = self.stroke_style = "black"
        self.line_width = self.pen_width
        self.line_cap = self.line_join = "round"
        for stroke in self._strokes:
            if stroke:
                self._paint_stroke(stroke, dot=True)
        if self._strokes:
            self._echoed = len(self._strokes[-1])

    def _on_client_ready(self):
        # A new browser view starts with a blank canvas and no "current canvas"; ipycanvas only
        # sends switchCanvas when the target changes, so forget the target, then repaint.
        _ipycanvas.forget_current_canvas(self)
        self.redraw()


def digit_buttons(css_class, tooltip, on_digit):
    """Ten small buttons, 0 to 9, for beside the pad: each has the CSS classes ``css_class`` and
    ``css_class-d``, the tooltip ``tooltip.format(d=d)``, and calls ``on_digit(d)`` when clicked."""
    buttons = []
    for d in range(10):
        b = widgets.Button(description=str(d), tooltip=tooltip.format(d=d),
                           layout=widgets.Layout(width="34px", padding="0"))
        b.add_class(css_class)
        b.add_class(f"{css_class}-{d}")
        b.on_click(lambda _, d=d: on_digit(d))
        buttons.append(b)
    return buttons


def check_digit(digit):
    """``digit`` as an int if it is one of 0..9 (not a bool), else a ValueError saying what came."""
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit <= 9:
        raise ValueError(f"digit must be an int in 0..9, got {digit!r}")
    return int(digit)
