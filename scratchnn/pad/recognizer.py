"""Draw a digit and watch the net read it: ``DigitRecognizer`` (pad, preview, bars, teaching).

    from scratchnn.pad.recognizer import DigitRecognizer
    DigitRecognizer()              # the shipped model (load_pretrained()); or DigitRecognizer(net)

The pad is ``scratchnn.pad.pad.DrawingPad`` (how it stays fast is in its module), the bars
``scratchnn.pad.bars.ProbabilityBars``, the fine-tuning ``scratchnn.pad.finetune.FineTuner``.

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
  ``kept``: the last run's update was not kept, ``error``: it failed), ``data-learned`` (fine-tuning runs finished:
  wait for it to change after a correction), ``data-total`` (examples kept), ten ``.scratchnn-count`` cells with
  ``data-digit`` and ``data-n`` (examples of that digit) and a ``.scratchnn-teach-status`` sentence.
- ``.scratchnn-hidden``: the optional hidden-layer view (``show_hidden=True``), one
  ``.scratchnn-layer`` row per hidden layer with one ``span`` per unit.
"""
from __future__ import annotations

import html
import io

import ipywidgets as widgets
import numpy as np

from ..draw import CANVAS_SIZE, PEN_WIDTH
from .bars import ProbabilityBars
from .pad import THROTTLE, DrawingPad, check_digit, digit_buttons


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
    (``scratchnn.pad.finetune.FineTuner``), in a worker thread so the pad stays live; then the bars are
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
            from ..pretrained import load_pretrained

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
        digit = check_digit(digit)
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
        except Exception as e:  # shown on the pad, not lost in a log
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
        except Exception as e:
            return e

    def _learned(self, result):
        """A run is over (on the kernel's thread): show its net, or its error; then apply what was
        queued meanwhile, so that no correction is lost."""
        if not isinstance(result, BaseException):
            try:
                self._show_tuned()
            except Exception as e:
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
        except Exception:  # no tuner yet, or one without a Net: nothing to put back
            pass

    # ------------------------------------------------------- teaching UI
    def _teach_widgets(self):
        label = widgets.HTML('<div style="font-size:13px;margin-top:10px">That\'s wrong, it is a</div>')
        self.correct_buttons = digit_buttons("scratchnn-correct", "It is a {d}: learn this drawing as a {d}",
                                             lambda d: self.correct(d, background=True))
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
            text = (f"Learned from your {total} example{'s' * (total != 1)} "
                    f"in {self.last_learn.get('seconds', 0):.1f} s.")
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
