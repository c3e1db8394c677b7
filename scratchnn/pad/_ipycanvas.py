"""Every use of ipycanvas's (and ipywidgets') private internals, in one place.

The versions tested are ``TESTED`` (also the bounds in ``pyproject.toml`` and ``environment.yml``);
``tests/test_ipycanvas.py`` has one test per workaround below that fails if a new ipycanvas stops
honouring it. Public ipycanvas (``Canvas``, ``hold_canvas``, the ``on_*`` callbacks) is used
directly by ``pad.py``.

1. ``forget_current_canvas``: ipycanvas issue 322. All canvases draw through one shared
   ``_CanvasManager`` that remembers the last canvas drawn on and sends ``switchCanvas`` only when
   the target changes. A browser view that (re)connects (page reload, Voila's first render) has no
   current canvas, so its first command fails and every later one with it: no ink at all. Forget
   the remembered target before repainting, and the next command switches explicitly.
2. ``FilteredCanvas``: ipycanvas dispatches browser messages in ``Canvas._handle_frontend_event``
   and indexes ``content["x"]`` without looking. A malformed message (a missing, non-numeric or
   absurd coordinate) would raise inside ipywidgets, which logs a traceback per event. The
   override drops such messages before ipycanvas sees them.
3. ``send_event``: ``Widget._handle_custom_msg`` is where ipywidgets delivers a browser's custom
   message; calling it drives the exact path real mouse events take (``DrawingPad.draw_stroke``
   and the headless tests use it).
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from numbers import Real

from ipycanvas import Canvas, hold_canvas  # noqa: F401  (re-exported for pad.py)

#: The ipycanvas versions this module was tested with (pip's version specifier).
TESTED = ">=0.13,<0.15"

MOUSE_EVENTS = ("mouse_down", "mouse_move", "mouse_up", "mouse_out", "mouse_wheel")
TOUCH_EVENTS = ("touch_start", "touch_move", "touch_end", "touch_cancel")


def forget_current_canvas(canvas):
    """Make ipycanvas send ``switchCanvas`` before the next command to ``canvas`` (issue 322).

    Returns False if this ipycanvas has no remembered target to forget (then nothing is done).
    """
    manager = getattr(canvas, "_canvas_manager", None)
    if manager is None or not hasattr(manager, "_current_canvas"):
        return False
    manager._current_canvas = None
    return True


class FilteredCanvas(Canvas):
    """A ``Canvas`` that drops browser messages ``well_formed`` refuses, counting them in ``n_ignored``."""

    n_ignored = 0

    def _handle_frontend_event(self, _, content, buffers):
        if well_formed(content):
            super()._handle_frontend_event(_, content, buffers)
        else:
            self.n_ignored += 1


def send_event(canvas, content):
    """Deliver ``content`` to ``canvas`` as if the browser had sent it."""
    canvas._handle_custom_msg(content, [])


@contextmanager
def sent_commands(canvas):
    """Collect, instead of sending, the batches of draw commands ``canvas``'s manager sends.

    Yields a list; each item is one message to the browser (a command, or a list of commands for a
    ``hold_canvas`` batch), each command ``[name, args, ...]``. For tests.
    """
    manager, sent = canvas._canvas_manager, []
    original = manager._send_custom
    manager._send_custom = lambda command, buffers=[]: sent.append(command)
    try:
        yield sent
    finally:
        manager._send_custom = original


def command_name(command):
    """The name (``"switchCanvas"``, ``"strokeLines"``, ...) of one draw command."""
    from ipycanvas.canvas import COMMANDS

    names = {v: k for k, v in COMMANDS.items()}
    return names.get(command[0], command[0])


def well_formed(content):
    """True if a message from the browser is an event the pad understands, with valid coordinates."""
    if not isinstance(content, dict):
        return False
    event = content.get("event")
    if event == "client_ready":
        return True
    if event in MOUSE_EVENTS:
        return finite(content.get("x")) and finite(content.get("y"))
    if event in TOUCH_EVENTS:
        touches = content.get("touches")
        return isinstance(touches, list) and all(
            isinstance(t, dict) and finite(t.get("x")) and finite(t.get("y")) for t in touches)
    if event == "key_down":
        return all(k in content for k in ("key", "shift_key", "ctrl_key", "meta_key"))
    return False


def finite(v):
    """True for a finite real number (not a bool); a huge int that no float can hold is not."""
    if not isinstance(v, Real) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:            # int beyond float's range, e.g. a 400-digit coordinate
        return False
