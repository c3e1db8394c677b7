"""Doing something at most every so often, and catching up later: the drawing pad's timing.

The browser sends one message per mouse move and nothing throttles them, so the pad echoes ink and
predicts at most every so many seconds (a ``Throttle`` each). What a throttle holds back goes out
with a later event, or, when the pen rests and no event comes, from a ``Wakeup`` on the kernel's
event loop. Plain Python, no widgets: ``tests/test_pacing.py`` checks them with a hand-moved clock.
"""
from __future__ import annotations

import asyncio
import math
import time


class Throttle:
    """Lets an action through at most every ``interval`` seconds of ``clock``.

    ``wait()`` returns 0 and counts the action as done now if the interval has passed since the
    last one, else the seconds still to wait (and the caller does not act). ``wait(force=True)``
    always lets it through. ``interval`` 0 lets everything through; ``math.inf`` only forced ones.
    """

    def __init__(self, interval, clock=time.monotonic):
        self.interval, self.clock = float(interval), clock
        self.last = -math.inf

    def wait(self, force=False):
        now = self.clock()
        if not force and now - self.last < self.interval:
            return self.interval - (now - self.last)
        self.last = now
        return 0.0


class Wakeup:
    """Calls ``callback()`` once, after the shortest delay asked for since it last ran.

    ``after(seconds)`` schedules it on the running asyncio loop (the kernel's, in Jupyter); a
    later ``after`` with a longer delay keeps the earlier call, a shorter one moves it earlier.
    Without a running loop (a plain script) nothing is scheduled and ``after`` returns False.
    """

    def __init__(self, callback):
        self.callback = callback
        self._handle = None

    @property
    def pending(self):
        return self._handle is not None

    @property
    def due(self):
        """The event loop's time (``loop.time()``) at which the callback runs, or None if none is pending."""
        return None if self._handle is None else self._handle.when()

    def after(self, seconds):
        if not math.isfinite(seconds):
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        due = loop.time() + max(0.0, seconds)
        if self._handle is not None:
            if self._handle.when() <= due:
                return True              # the pending call comes soon enough
            self._handle.cancel()
        self._handle = loop.call_at(due, self._run)
        return True

    def cancel(self):
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _run(self):
        self._handle = None
        self.callback()
