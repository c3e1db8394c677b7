"""``ProbabilityBars``: the net's ten probabilities as bars, in one HTML widget (one message per update).

Ten ``FloatProgress`` widgets would be ten messages per update; one ``ipywidgets.HTML`` with inline-CSS
bars reaches the browser about 8x faster. Its DOM hooks are listed in ``scratchnn.pad.recognizer``.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np


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
