"""App mode in a real Chromium: `python -m scratchnn draw` serves the pad alone through Voila.

Runs the real command (`--no-browser`), reads the address it prints, opens it, checks that no code
is on the page, draws, and reads the bars; at the end presses "Ctrl-C" (SIGINT) and checks that the
command and its Voila server are gone.
"""
from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time

import browser_harness as H
import pytest

pytestmark = pytest.mark.browser


def read_url(proc, timeout_s=90.0):
    """The address `scratchnn draw` prints once Voila answers."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline, seen = time.monotonic() + timeout_s, []
    while time.monotonic() < deadline and proc.poll() is None:
        if sel.select(timeout=0.5):
            line = proc.stdout.readline()
            seen.append(line)
            m = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line)
            if m:
                return m.group(1)
    raise AssertionError(f"`scratchnn draw` printed no address (exit code {proc.poll()}); stdout: {seen}")


@pytest.fixture(scope="module")
def app(chromium, tmp_path_factory):
    """`python -m scratchnn draw --no-browser` running, and a page open on the address it printed."""
    root = tmp_path_factory.mktemp("voila-app")
    env = H.quiet_jupyter_env(root)
    with open(root / "voila.log", "wb") as log:
        cli = subprocess.Popen([sys.executable, "-m", "scratchnn", "draw", "--no-browser"], env=env,
                               cwd=root, stdout=subprocess.PIPE, stderr=log, text=True,
                               start_new_session=True)
    voila = []
    page = None
    try:
        url = read_url(cli)
        page = H.BrowserPage(chromium)
        page.page.goto(url)
        try:
            pad = H.PadDriver(page.page)
        except BaseException:
            page.save_failure("voila-app-setup")
            raise
        voila = H._descendants(cli.pid)             # Voila and the page's kernel
        yield {"url": url, "page": page, "pad": pad, "cli": cli, "voila": voila}
    finally:
        if page is not None:
            page.close()
        if cli.poll() is None:
            cli.send_signal(signal.SIGINT)          # what Ctrl-C in the terminal does
            try:
                cli.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(cli.pid, signal.SIGKILL)
                cli.wait()
        for pid, started in voila:                  # never leave a server behind, even on failure
            if H.still_running(pid, started):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def test_app_mode_serves_the_pad_without_any_code(app):
    page = app["page"].page
    assert "token=" in app["url"], "the app should be protected by a token"
    assert "DigitRecognizer" not in page.content(), "app mode should show the pad, not the notebook's code"
    assert "import" not in page.inner_text("body")
    assert page.locator(".jp-InputArea-editor, .CodeMirror, .cm-editor").count() == 0
    assert page.locator(H.PAD).count() == 1


@pytest.mark.parametrize("digit", [7, 1])
def test_app_mode_reads_a_drawn_digit_and_inks_the_pad(app, digit):
    page, pad = app["page"], app["pad"]
    pad.clear()
    drawn = pad.draw(H.digit_strokes(digit))
    pad.answer(digit)
    ink = pad.wait_ink(drawn, path=H.ARTIFACTS / f"voila_app_pad_{digit}.png")
    assert ink >= 0.9, f"only {ink:.0%} of the stroke is inked under Voila"
    page.page.screenshot(path=str(H.ARTIFACTS / f"voila_app_page_{digit}.png"))
    assert page.js_errors() == []


def test_ctrl_c_stops_the_app_and_its_server(app):
    """Last in this module: SIGINT ends `scratchnn draw` with exit code 0 and takes Voila with it."""
    cli = app["cli"]
    app["page"].close()
    assert len(app["voila"]) >= 2, f"expected Voila and the page's kernel below `scratchnn draw`: {app['voila']}"
    cli.send_signal(signal.SIGINT)
    assert cli.wait(30) == 0, f"`scratchnn draw` exited with {cli.returncode} after Ctrl-C"
    deadline = time.monotonic() + 10                # the kernel may take a moment to notice
    while (alive := [pid for pid, started in app["voila"] if H.still_running(pid, started)]) \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive == [], f"processes left running after Ctrl-C: {alive}"
