"""The course's drawing notebook rendered by Voila: prose and outputs, no code, and a pad that works.

Twice: as the README's `voila notebooks/12_draw_a_digit.ipynb`, run from a folder laid out like the
repository (so Voila reads its `voila.json`), and through the session's JupyterLab server's Voila
server extension (`/voila/render/...`), as on Binder."""
from __future__ import annotations

import secrets
import shutil
import sys

import browser_harness as H
import pytest

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
        # the correction flow works here too: a 0 "is a 6", clicked with the mouse; the net learns
        pad.teach(0, as_digit=6)
        assert page.js_errors() == []
    finally:
        page.close()


def test_voila_command_of_the_readme_shows_the_lesson_without_code_or_exercises(chromium):
    root = H.make_root()
    notebook = H.copy_notebook(H.DRAW_NOTEBOOK, root)
    shutil.copy2(H.REPO / "voila.json", root / "voila.json")
    port, token = H.free_port(), secrets.token_hex(16)
    argv = [sys.executable, "-m", "voila", str(notebook.relative_to(root)), "--no-browser",
            "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0", f"--token={token}"]
    server = H.Server(argv, env=H.quiet_jupyter_env(root), cwd=root, log_path=root / "voila.log",
                      url=f"http://127.0.0.1:{port}", ready_path="/voila/static/favicon.ico")
    page = H.BrowserPage(chromium)
    try:
        page.page.goto(f"{server.url}/?token={token}")
        pad = H.PadDriver(page.page, index=0, timeout_ms=120_000)
        body = page.page.inner_text("body")
        assert "DigitRecognizer(" not in body, "Voila should strip the code"
        assert "centre of mass" in body, "the lesson's prose should be on the page"
        assert "Your turn" not in body, "voila.json drops the cells tagged 'exercise': there is no code to edit here"
        pad.clear()
        pad.draw(H.digit_strokes(7))
        pad.answer(7)
        assert page.js_errors() == []
    finally:
        page.close()
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
