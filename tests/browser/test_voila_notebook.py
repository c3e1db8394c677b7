"""The course's drawing notebook rendered by Voila (as `voila notebooks/08_draw_a_digit.ipynb` would):
prose and outputs, no code, and a pad that works. Served by the session's JupyterLab server through
Voila's server extension (`/voila/render/...`), so no extra server is started."""
from __future__ import annotations

import pytest

import browser_harness as H

pytestmark = pytest.mark.browser


def test_voila_renders_the_drawing_notebook_without_code_and_its_pad_works(chromium, lab_server):
    page = H.BrowserPage(chromium)
    try:
        rel = H.DRAW_NOTEBOOK.relative_to(H.REPO).as_posix()
        page.page.goto(f"{lab_server.url}/voila/render/{rel}?token={lab_server.token}")
        pad = H.PadDriver(page.page, index=0, timeout_ms=120_000)
        assert page.page.locator(".jp-InputArea-editor, .CodeMirror, .cm-editor").count() == 0
        assert "DigitRecognizer(" not in page.page.inner_text("body"), "Voila should strip the code"
        pad.clear()
        drawn = pad.draw(H.digit_strokes(1))
        pad.answer(1)
        ink = pad.wait_ink(drawn, path=H.ARTIFACTS / "voila_notebook_pad_1.png")
        assert ink >= 0.9, f"only {ink:.0%} of the stroke is inked in the Voila-rendered notebook"
        assert page.js_errors() == []
    finally:
        page.close()
