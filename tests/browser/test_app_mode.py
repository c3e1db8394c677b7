"""App mode in a real Chromium: `python -m scratchnn draw` serves the pad alone through Voila.

Starts the server the way the command line does (`scratchnn.app.launch`, without blocking), opens
it, checks that no code is on the page, draws, and reads the bars.
"""
from __future__ import annotations

import pytest

import browser_harness as H

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(chromium, tmp_path_factory):
    """`scratchnn.app.launch(wait=False)` in a quiet environment, and a page open on it."""
    from scratchnn import app as app_mode

    root = tmp_path_factory.mktemp("voila-app")
    env = H.quiet_jupyter_env(root)
    log = open(root / "voila.log", "wb")
    # launch() starts Voila as a child process; give it the temp runtime dirs through our env.
    with pytest.MonkeyPatch.context() as mp:
        for key in ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLBACKEND"):
            mp.setenv(key, env[key])
        server = app_mode.launch(open_browser=False, wait=False, log=log)
    page = H.BrowserPage(chromium)
    try:
        page.page.goto(server.url)
        yield server, page, H.PadDriver(page.page)
    finally:
        page.close()
        server.stop()
        log.close()


def test_app_mode_serves_the_pad_without_any_code(app):
    server, page, pad = app
    assert server.url.startswith("http://127.0.0.1:") and "token=" in server.url
    html = page.page.content()
    assert "DigitRecognizer" not in html and "import" not in page.page.inner_text("body"), \
        "app mode should show the pad, not the notebook's code"
    assert page.page.locator(".jp-InputArea-editor, .CodeMirror, .cm-editor").count() == 0
    assert page.page.locator(H.PAD).count() == 1


@pytest.mark.parametrize("digit", [7, 1])
def test_app_mode_reads_a_drawn_digit_and_inks_the_pad(app, digit):
    server, page, pad = app
    pad.clear()
    drawn = pad.draw(H.digit_strokes(digit))
    pad.answer(digit)
    ink = pad.wait_ink(drawn, path=H.ARTIFACTS / f"voila_app_pad_{digit}.png")
    assert ink >= 0.9, f"only {ink:.0%} of the stroke is inked under Voila"
    page.page.screenshot(path=str(H.ARTIFACTS / f"voila_app_page_{digit}.png"))
    assert page.js_errors() == []
