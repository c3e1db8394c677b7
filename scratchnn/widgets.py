"""Draw a digit and watch the net read it: ``DrawingPad``, ``ProbabilityBars``, ``DigitRecognizer``.

    from scratchnn.widgets import DigitRecognizer
    DigitRecognizer()              # the shipped model (load_pretrained()); or DigitRecognizer(net)

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
other use of ipycanvas's private parts, lives in ``scratchnn._ipycanvas``; the timing is
``scratchnn.pacing``.

DOM hooks (stable, for browser tests and styling)
-------------------------------------------------
- ``.scratchnn-pad``: the drawing canvas (the ``DrawingPad`` widget, a ``<canvas>`` inside it).
- ``.scratchnn-recognizer``: the whole ``DigitRecognizer`` box.
- ``.scratchnn-clear``: its Clear button.
- ``.scratchnn-preview``: the ``<img>`` showing the 28x28 the net sees (scaled up 5x, black ink on
  white, a faint grid between pixels).
- ``.scratchnn-bars-widget``: the ``ProbabilityBars`` HTML widget. Inside it, one element
  ``.scratchnn-bars`` carries ``data-top`` (the predicted digit, or ``""`` before anything is
  drawn), ``data-unsure`` (``"1"`` when the top probability is below ``unsure_below``, else
  ``"0"``), ``data-version`` (how many times the bars were updated: wait for it to change after
  drawing) and ``data-final`` (``"1"`` when the answer is for the drawing with the pen lifted,
  i.e. after ``mouse_up``/``mouse_out``/``touch_end`` or Clear; ``"0"`` for the throttled updates
  while a stroke is being drawn). After a stroke, ``data-final="1"`` with a new ``data-version``
  is the settled answer. It holds ten ``.scratchnn-bar`` rows, each with ``data-digit`` (0..9) and ``data-prob``
  (4 decimals); the top row also has the class ``scratchnn-top``. A ``.scratchnn-headline`` says
  what the net reads, and ``.scratchnn-unsure`` is the "not sure" note (present only when unsure).
- Teaching (``teach=True``, the default): ``.scratchnn-teach`` is the box under the bars. Its ten
  buttons "That's wrong, it is a d" carry ``.scratchnn-correct`` and ``.scratchnn-correct-d`` (d in
  0..9; ``<button>`` elements: mouse, touch, and keyboard with Tab then Enter or Space);
  ``.scratchnn-undo`` and ``.scratchnn-reset`` are Undo and Reset. ``.scratchnn-examples`` holds one
  ``.scratchnn-teach-state`` element with ``data-state`` (``idle``, ``learning``, ``learned``,
  ``kept``: the last run's update was not kept, ``error``: it failed), ``data-learned`` (fine-tuning runs finished: wait for it to change after a
  correction), ``data-total`` (examples kept), ten ``.scratchnn-count`` cells with ``data-digit``
  and ``data-n`` (examples of that digit) and a ``.scratchnn-teach-status`` sentence.
- ``.scratchnn-hidden``: the optional hidden-layer view (``show_hidden=True``), one
  ``.scratchnn-layer`` row per hidden layer with one ``span`` per unit.
"""
from __future__ import annotations

import html
import io

import numpy as np
import ipywidgets as widgets

from . import _ipycanvas
from ._ipycanvas import FilteredCanvas, hold_canvas
from .draw import CANVAS_SIZE, PEN_WIDTH, Ink
from .pacing import Throttle, Wakeup
from .validation import positive

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
        points = [(float(x), float(y)) for x, y in points]
        if not points:
            return
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


class ProbabilityBars(widgets.HTML):
    """Ten labelled bars, one per digit, in a single HTML widget: one message per update.

    ``bars.update(probs)`` shows ten probabilities (``None`` clears); the most likely digit is
    highlighted, and a "not sure" note appears when its probability is below ``unsure_below``.
    ``final=False`` marks an update made while a stroke is still being drawn (``data-final``).
    """

    def __init__(self, unsure_below=0.5, **kwargs):
        super().__init__(**kwargs)
        self.unsure_below = float(unsure_below)
        self.probs = self.message = None
        self.version = 0
        self.final = True
        self.add_class("scratchnn-bars-widget")
        self.update(None)

    @property
    def top(self):
        """The most likely digit, or None before any update with probabilities."""
        return None if self.probs is None else int(np.argmax(self.probs))

    @property
    def unsure(self):
        return self.probs is not None and float(np.max(self.probs)) < self.unsure_below

    def update(self, probs, final=True, message=None):
        """Show ``probs`` (ten numbers; None clears). ``message`` replaces the headline when cleared."""
        if probs is not None:
            probs = np.asarray(probs, dtype=np.float64).reshape(-1)
            if probs.shape != (10,) or not np.isfinite(probs).all():
                raise ValueError(f"probs must be 10 finite numbers, got shape {probs.shape}")
        self.probs, self.final, self.message = probs, bool(final), message
        self.version += 1
        self.value = self._html()

    def _html(self):
        p, top = self.probs, self.top
        rows = []
        for k in range(10):
            pk = 0.0 if p is None else float(p[k])
            hit = k == top
            color = ("#e08a1e" if self.unsure else "#1f77b4") if hit else "#b9c3cc"
            rows.append(
                f'<div class="scratchnn-bar{" scratchnn-top" if hit else ""}" data-digit="{k}" '
                f'data-prob="{pk:.4f}" style="display:flex;align-items:center;gap:6px;height:20px;'
                f'font-weight:{"bold" if hit else "normal"}">'
                f'<span style="width:12px;text-align:right">{k}</span>'
                f'<span style="flex:1;background:#eef1f4;height:14px;border-radius:2px">'
                f'<span style="display:block;height:14px;width:{100 * pk:.1f}%;background:{color};'
                f'border-radius:2px"></span></span>'
                f'<span style="width:40px;text-align:right;font-size:12px">{100 * pk:.0f}%</span></div>')
        if p is None:
            headline = self.message or "Draw a digit"
        else:
            headline = f"I read a {top} ({100 * p[top]:.0f}%)"
        note = ""
        if self.unsure:
            first, second = np.argsort(p)[::-1][:2]
            note = (f'<div class="scratchnn-unsure" style="color:#b15f00;margin-top:4px">Not sure: '
                    f'{first} ({100 * p[first]:.0f}%) or {second} ({100 * p[second]:.0f}%)?</div>')
        return (f'<div class="scratchnn-bars" data-top="{"" if top is None else top}" '
                f'data-unsure="{int(self.unsure)}" data-version="{self.version}" data-final="{int(self.final)}" '
                f'style="width:230px;font-family:sans-serif;font-size:13px">'
                f'<div class="scratchnn-headline" style="font-size:16px;margin-bottom:6px">'
                f'{html.escape(headline)}</div>{"".join(rows)}{note}</div>')


class DigitRecognizer(widgets.HBox):
    """The drawing pad, the 28x28 the net sees, and the net's probabilities, updating as you draw.

    ``net`` is a ``Net`` (anything with ``predict_proba``) taking 784 inputs and giving 10 class
    probabilities (a softmax output); ``None`` loads the shipped model with ``load_pretrained()``.
    ``show_hidden=True`` adds a view of the hidden layers' activations (``net.activations``).
    ``recognizer.prediction`` and ``recognizer.probs`` hold the latest answer (None when empty);
    ``recognizer.n_predictions`` counts how many times the net ran.

    Teaching it (``teach=True``, the default): when it misreads your drawing, press the digit it
    really is under "That's wrong, it is a". The drawing's 28x28 is kept as an example with that
    label and a copy of the net is fine-tuned on your examples mixed with a replay of MNIST
    (``scratchnn.finetune.FineTuner``), in a worker thread so the pad stays live; then the bars are
    redrawn for the drawing on the pad. Undo forgets your last example, Reset goes back to the
    model you started from, ``recognizer.save(path)`` saves the fine-tuned net (load it back with
    ``DigitRecognizer(Net.load(path))``). The same as methods: ``correct(digit)``, ``undo()``,
    ``reset()``, ``save(path)``; ``counts()`` gives your examples per digit and ``tuner`` the
    ``FineTuner`` (made at the first correction; pass ``tuner=`` to use your own, fine-tuning a
    copy of the net: ``FineTuner(net.copy())``). A run that fails, or whose update the tuner does
    not keep (it made the net read MNIST worse), says so in one line on the pad, which stays usable.

    The pad never changes ``net``, the net you gave it: your cells can read and train it while the
    pad is being taught. ``recognizer.net`` is the net the pad reads: ``net`` itself until the first
    correction, then the pad's own copy. Fine-tuning trains a third copy, the tuner's, in the worker;
    when a run is done, its weights are copied into ``recognizer.net`` in one go on the kernel's own
    thread, between two cells or events: a cell reading ``recognizer.net`` never sees it half-trained.
    So two pads on one net are two separate students, and the taught net is ``recognizer.net``.
    """

    def __init__(self, net=None, size=CANVAS_SIZE, pen_width=PEN_WIDTH, unsure_below=0.5,
                 show_hidden=False, throttle=THROTTLE, teach=True, tuner=None):
        if net is None:
            from .pretrained import load_pretrained

            net = load_pretrained()
        _check_net(net)
        if tuner is not None and getattr(tuner, "net", None) is net:
            raise ValueError("tuner must fine-tune its own copy of the net (FineTuner(net.copy())): "
                             "the pad never changes the net you give it")
        self.net = self._given_net = net
        self.pad = DrawingPad(size=size, pen_width=pen_width, throttle=throttle)
        self.bars = ProbabilityBars(unsure_below=unsure_below)
        self.preview = widgets.Image(format="png", value=_preview_png(np.zeros((28, 28))),
                                     layout=widgets.Layout(width="140px", height="140px"))
        self.preview.add_class("scratchnn-preview")
        self.clear_button = widgets.Button(description="Clear", icon="eraser", layout=widgets.Layout(width="90px"))
        self.clear_button.add_class("scratchnn-clear")
        self.clear_button.on_click(lambda _: self.pad.clear())
        self.hidden = None
        if show_hidden:
            self.hidden = widgets.HTML(layout=widgets.Layout(max_width="300px"))
            self.hidden.add_class("scratchnn-hidden")
        self.probs = self.prediction = None
        self.n_predictions = 0
        self.tuner = tuner
        self.learning = False            # True while a fine-tuning run is going on
        self.n_learned = 0               # fine-tuning runs finished, or failed
        self.last_learn = None           # what the last run returned ({"seconds", "steps", "kept"}) or its error
        self._queued = []                # corrections, undos and resets made while learning
        middle = [widgets.HTML('<div style="font-size:12px;color:#555">what the net sees (28x28)</div>'),
                  self.preview]
        if self.hidden is not None:
            middle.append(self.hidden)
        right = [self.bars]
        self.teach_box = None
        if teach:
            self.teach_box = self._teach_widgets()
            right.append(self.teach_box)
        super().__init__([
            widgets.VBox([self.pad, self.clear_button]),
            widgets.VBox(middle, layout=widgets.Layout(margin="0 12px")),
            widgets.VBox(right),
        ])
        self.add_class("scratchnn-recognizer")
        self.pad.observe_drawing(self._on_drawing)
        self._update()

    def __repr__(self):
        arch = getattr(self.net, "architecture", None)
        net = "-".join(map(str, arch())) if callable(arch) else type(self.net).__name__
        return f"DigitRecognizer(net={net}, prediction={self.prediction})"

    # ------------------------------------------------------------ reading
    def _on_drawing(self, pad, final):
        self._update(final)

    def _update(self, final=True):
        X = self.pad.image()
        probs = hidden = message = None
        if X.any():                                         # nothing drawn: nothing to predict
            x = X.reshape(1, -1)
            if self.hidden is not None and callable(getattr(self.net, "activations", None)):
                *hidden, probs = self.net.activations(x)    # one forward pass for the bars and the view
            else:
                probs = self.net.predict_proba(x)
            probs = np.asarray(probs, dtype=np.float64)[0]
            self.n_predictions += 1
            if not np.isfinite(probs).all():
                probs, message = None, "The net's outputs are not numbers (NaN or inf): its weights are broken"
        self.probs, self.prediction = probs, None if probs is None else int(np.argmax(probs))
        self.bars.update(probs, final=final, message=message)
        self.preview.value = _preview_png(X)
        if self.hidden is not None:
            self.hidden.value = _hidden_html(hidden)

    # ----------------------------------------------------------- teaching
    def correct(self, digit, background=False):
        """Say the drawing on the pad is ``digit``: keep it as an example and fine-tune on it.

        Returns False (and says so) when the pad is empty. Called from a cell it returns when the
        net has learned; the buttons pass ``background=True``: the run goes to a worker thread
        (when the kernel's event loop runs) and the pad keeps answering meanwhile. While a run is
        going on, a correction waits for it and the next run includes it.
        """
        if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit <= 9:
            raise ValueError(f"digit must be an int in 0..9, got {digit!r}")
        X = self.pad.image()
        if not X.any():
            self._say("Draw the digit first, then say which it is.")
            return False
        X = X.copy()
        self._change(lambda tuner: tuner.add(X, int(digit)), learn=True, background=background)
        return True

    def undo(self, background=False):
        """Forget the last example you gave: the net learns again from the rest (from its start)."""
        self._change(lambda tuner: tuner.undo(), learn=True, background=background)

    def reset(self):
        """Forget every example and go back to the net you started from."""
        def forget_all(tuner):
            for i in list(tuner.indices):
                tuner.remove(i)
            tuner.reset()

        self._change(forget_all, learn=False)

    def counts(self):
        """Your examples per digit, ``{digit: n}`` (digits you gave none of are left out)."""
        return {} if self.tuner is None else dict(self.tuner.counts())

    def save(self, path):
        """Save the net as it reads now (fine-tuned or not) to ``path`` (scratchnn's npz format).

        Load it back with ``DigitRecognizer(Net.load(path))``. A fine-tuned net's metadata says
        which examples it was fine-tuned on.
        """
        if self.learning:
            raise RuntimeError("the net is being fine-tuned right now; save when the status says it has learned")
        if self.tuner is not None:
            return self.tuner.save(path)
        return self.net.save(path)

    # The teaching controller. Everything here runs on the kernel's thread except ``tuner.learn()``,
    # which runs in a worker; the worker only touches the tuner, never ``self.net``. Any exception
    # on the way ends in ``_failed``: one line on the pad, and the pad idle again.
    def _change(self, change, learn, background=False):
        if self.learning:
            self._queued.append((change, learn))
            self._show_examples()
            return
        try:
            if self.tuner is None:
                self.tuner = self._make_tuner()
            change(self.tuner)
            if learn and self.tuner.examples:
                self._learn(background)
                return
            if not self.tuner.examples:
                self.tuner.reset()               # no examples left: the net it started from
            self._show_tuned()
        except Exception as e:  # noqa: BLE001 (shown on the pad, not lost in a log)
            self._failed(e)
            return
        self._show_examples()
        self._update()

    def _make_tuner(self):
        from .finetune import FineTuner, copy_net

        return FineTuner(copy_net(self._given_net), seed=0)

    def _show_tuned(self):
        """Copy the tuner's weights into the net the pad reads (its own copy, made here the first time)."""
        from .finetune import copy_net

        if self.net is self._given_net:
            self.net = copy_net(self._given_net)
        for p, q in zip(self.net.params(), self.tuner.net.params()):
            p[...] = q

    def _learn(self, background):
        """Fine-tune, in a worker thread if ``background`` and the kernel's event loop runs."""
        import asyncio

        self.learning = True
        self._show_examples()
        try:
            loop = asyncio.get_running_loop() if background else None
        except RuntimeError:
            loop = None
        if loop is None:
            try:
                result = self._run_tuner()
            except BaseException as e:   # the cell was interrupted: the pad goes idle, the interrupt goes on
                self._failed(e)
                raise
            self._learned(result)
            return
        future = loop.run_in_executor(None, self._run_tuner)
        future.add_done_callback(lambda f: self._learned(f.exception() or f.result()))   # on the kernel's thread

    def _run_tuner(self):
        """``tuner.learn()``, or the exception it raised (shown to the learner, not lost in a log)."""
        from threadpoolctl import threadpool_limits

        try:
            # Small matrices: BLAS threads only fight each other (21 s instead of 2 s on a busy
            # 2-core machine), and the kernel's own thread needs a core for the pad meanwhile.
            with threadpool_limits(1, user_api="blas"):
                return self.tuner.learn()
        except Exception as e:  # noqa: BLE001
            return e

    def _learned(self, result):
        """A run is over (on the kernel's thread): show its net, or its error; then apply what was
        queued meanwhile, so that no correction is lost."""
        if not isinstance(result, BaseException):
            try:
                self._show_tuned()
            except Exception as e:  # noqa: BLE001
                result = e
        if isinstance(result, BaseException):
            self._put_back()
        self.learning, self.last_learn = False, result
        self.n_learned += 1
        queued, self._queued = self._queued, []
        if queued:
            def apply(tuner):
                for change, _ in queued:
                    change(tuner)

            self._change(apply, learn=any(learn for _, learn in queued), background=True)
            return
        self._show_examples()
        self._update()

    def _failed(self, error):
        """Say ``error`` in one line on the pad and go back to idle, reading the net it read before."""
        self._put_back()
        self.learning, self.last_learn = False, error
        self.n_learned += 1
        self._show_examples()
        self._update()

    def _put_back(self):
        """After a failure: the tuner's net back to the weights the pad reads (never half-trained)."""
        try:
            for p, q in zip(self.tuner.net.params(), self.net.params()):
                p[...] = q
        except Exception:  # noqa: BLE001, S110 (no tuner yet, or one without a Net: nothing to put back)
            pass

    # ------------------------------------------------------- teaching UI
    def _teach_widgets(self):
        label = widgets.HTML('<div style="font-size:13px;margin-top:10px">That\'s wrong, it is a</div>')
        self.correct_buttons = []
        for d in range(10):
            b = widgets.Button(description=str(d), tooltip=f"It is a {d}: learn this drawing as a {d}",
                               layout=widgets.Layout(width="34px", padding="0"))
            b.add_class("scratchnn-correct")
            b.add_class(f"scratchnn-correct-{d}")
            b.on_click(lambda _, d=d: self.correct(d, background=True))
            self.correct_buttons.append(b)
        self.undo_button = widgets.Button(description="Undo", icon="undo", tooltip="Forget the last example",
                                          layout=widgets.Layout(width="80px"))
        self.undo_button.add_class("scratchnn-undo")
        self.undo_button.on_click(lambda _: self.undo(background=True))
        self.reset_button = widgets.Button(description="Reset", icon="refresh",
                                           tooltip="Forget every example: back to the model you started from",
                                           layout=widgets.Layout(width="80px"))
        self.reset_button.add_class("scratchnn-reset")
        self.reset_button.on_click(lambda _: self.reset())
        self.examples_view = widgets.HTML()
        self.examples_view.add_class("scratchnn-examples")
        self._note = ""
        box = widgets.VBox([
            label,
            widgets.HBox(self.correct_buttons[:5]), widgets.HBox(self.correct_buttons[5:]),
            widgets.HBox([self.undo_button, self.reset_button]),
            self.examples_view,
        ], layout=widgets.Layout(width="240px"))
        box.add_class("scratchnn-teach")
        self._show_examples()
        return box

    def _say(self, note):
        self._note = note
        self._show_examples()

    def _show_examples(self):
        if not hasattr(self, "examples_view"):
            return                                       # teach=False
        counts = self.counts()
        total = sum(counts.values())
        state = "learning" if self.learning else "learned" if self.n_learned else "idle"
        kept = isinstance(self.last_learn, dict) and self.last_learn.get("kept")
        if self.learning:
            text = f"Learning from your {total} example{'s' * (total != 1)}&hellip;"
            if self._queued:
                text += f" ({len(self._queued)} more waiting)"
        elif isinstance(self.last_learn, BaseException):
            state = "error"
            text = f"Could not learn: {html.escape(_one_line(self.last_learn))}"
        elif kept:
            state = "kept"
            text = f"Kept the net as it was: {html.escape(_one_line(kept))}"
        elif total and isinstance(self.last_learn, dict):
            text = f"Learned from your {total} example{'s' * (total != 1)} in {self.last_learn.get('seconds', 0):.1f} s."
        else:
            text = self._note or "Your examples teach the net your handwriting."
        self._note = ""
        cells = "".join(
            f'<span class="scratchnn-count" data-digit="{d}" data-n="{counts.get(d, 0)}" '
            f'style="display:inline-block;width:22px;text-align:center;'
            f'color:{"#222" if counts.get(d, 0) else "#bbb"}">{d}<br><b>{counts.get(d, 0)}</b></span>'
            for d in range(10))
        self.examples_view.value = (
            f'<div class="scratchnn-teach-state" data-state="{state}" data-learned="{self.n_learned}" '
            f'data-total="{total}" style="font-family:sans-serif;font-size:12px;color:#444">'
            f'<div style="margin:4px 0">Your examples per digit:</div><div>{cells}</div>'
            f'<div class="scratchnn-teach-status" style="margin-top:4px">{text}</div></div>')
        for b in (self.undo_button, self.reset_button):
            b.disabled = self.learning


def _one_line(what, limit=300):
    """An exception or a message as one line of at most ``limit`` characters."""
    text = str(what).strip()
    if isinstance(what, BaseException) and not text:
        text = type(what).__name__
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[:limit - 1] + "\u2026"


def _check_net(net):
    """Refuse, in one sentence, a net that cannot read a 28x28 drawing into 10 probabilities."""
    if not callable(getattr(net, "predict_proba", None)):
        raise ValueError(f"net must have a predict_proba method (a scratchnn Net), got {type(net).__name__}")
    for attr, want, what in (("n_inputs", 784, "take 784 inputs (28x28 pixels)"),
                             ("n_outputs", 10, "give 10 outputs (one per digit)")):
        have = getattr(net, attr, None)
        if isinstance(have, (int, np.integer)) and have != want:
            raise ValueError(f"DigitRecognizer needs a net that can {what}; this one has {attr}={have}")
    probe = np.zeros((2, 784), np.float32)
    probe[1, 300:500] = 1.0                             # a blank image and a blob of ink
    try:
        P = np.asarray(net.predict_proba(probe), dtype=np.float64)
    except Exception as e:
        raise ValueError(f"DigitRecognizer needs a net that takes 784 inputs (28x28 pixels); "
                         f"this net failed on them: {type(e).__name__}: {e}") from e
    if P.shape != (2, 10):
        raise ValueError(f"DigitRecognizer needs a net that gives 10 probabilities per image; "
                         f"this one gave shape {P.shape[1:]} per image")
    # The bars show probabilities. Outputs that are not (no softmax) would be shown as "3188%";
    # softmaxing them here would invent confidences the net never learned, so refuse instead.
    if not (np.isfinite(P).all() and (P >= 0).all() and np.allclose(P.sum(axis=1), 1, atol=1e-3)):
        raise ValueError("DigitRecognizer shows probabilities, so the net's last layer must be a softmax "
                         "(Dense(10, activation=Softmax)); this net's 10 outputs for a test image sum to "
                         f"{P[1].sum():.4g}, not 1")


# ---------------------------------------------------------------------- helpers
def _preview_png(X, scale=5):
    """28x28 in [0, 1] -> PNG bytes: black ink on white, each pixel a ``scale``-px square, faint grid."""
    from PIL import Image

    img = (255 - np.rint(np.asarray(X) * 255)).astype(np.uint8)
    big = np.repeat(np.repeat(img, scale, axis=0), scale, axis=1)
    big[::scale, :] = np.minimum(big[::scale, :], 225)
    big[:, ::scale] = np.minimum(big[:, ::scale], 225)
    buf = io.BytesIO()
    Image.fromarray(big).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def _hidden_html(activations):
    """One row of squares per hidden layer, darker for more active units."""
    rows = []
    for i, A in enumerate(activations or [], start=1):
        A = np.asarray(A, dtype=np.float64).reshape(-1)
        scale = float(A.max()) or 1.0
        cells = "".join(
            f'<span title="unit {j}: {a:.2f}" style="display:inline-block;width:9px;height:9px;margin:1px;'
            f'background:rgba(31,119,180,{max(0.0, a / scale):.2f});border:1px solid #dde"></span>'
            for j, a in enumerate(A.tolist()))
        rows.append(f'<div class="scratchnn-layer" data-layer="{i}" style="margin-top:6px">'
                    f'<div style="font-size:11px;color:#555">hidden layer {i} ({len(A)} units)</div>{cells}</div>')
    if not rows:
        rows.append('<div style="font-size:11px;color:#555">hidden layers: draw something</div>')
    return "".join(rows)
