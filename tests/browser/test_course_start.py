"""The README's first command, as a newcomer runs it: JupyterLab opens on their own student copy of 01.

``python -m scratchnn course`` runs in an empty folder (options after ``--`` go to JupyterLab: a test
port and token), with ``$BROWSER`` a script that only writes down what JupyterLab asked it to open;
then Chromium opens that. The page must show notebook 01 from the new ``student/`` folder, and its
first exercise as a stub, not solved.
"""
from __future__ import annotations

import re
import secrets
import shutil
import sys
import time
from pathlib import Path

import browser_harness as H
import pytest

pytestmark = pytest.mark.browser
#: The first exercise of notebook 01: its stub, and a line of its solution that must not be there.
STUB = "raise snn.checks.NotWritten()"
SOLUTION = "fan_in * fan_out + fan_out"


class CourseServer(H.Server):
    """The course command's JupyterLab; making the copy comes first, so allow it longer to answer."""

    def _wait_ready(self, path, timeout=240.0):
        super()._wait_ready(path, timeout)


@pytest.fixture
def course(chromium):
    root = H.make_root("scratchnn-course-")
    port, token = H.free_port(), secrets.token_hex(16)
    opened = root / "browser-opened.txt"
    browser = root / "browser.sh"                 # what Python's webbrowser runs for "$BROWSER url"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    env = {**H.quiet_jupyter_env(root), "BROWSER": str(browser)}
    argv = [sys.executable, "-m", "scratchnn", "course", "--", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True"]
    try:
        server = CourseServer(argv, env=env, cwd=root, log_path=root / "course.log",
                              url=f"http://127.0.0.1:{port}", ready_path="/api/status?token=" + token)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    yield root, server, token
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_the_readmes_first_command_opens_the_learners_own_copy_of_01(course, chromium):
    root, server, token = course
    assert (root / "student" / "01_neurons_and_forward_pass.ipynb").exists()
    opened = root / "browser-opened.txt"
    deadline = time.monotonic() + 60
    while not opened.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert opened.exists(), "JupyterLab opened no browser; log:\n" + server.log_tail(40)
    (target,) = opened.read_text().split()
    if target.startswith("file://"):                # JupyterLab's redirect page to the notebook's address
        target = re.search(r'url=([^"]+)"', Path(target[len("file://"):]).read_text()).group(1)
    assert "/lab/tree/01_neurons_and_forward_pass.ipynb" in target, target

    page = H.BrowserPage(chromium)
    try:
        page.page.goto(target + ("&" if "?" in target else "?") + "reset", timeout=90_000)
        page.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        H.wait_lab_notebook_ready(page.page)       # the kernel started in student/, the cells are there
        path = page.page.evaluate("() => jupyterapp.shell.currentWidget.context.path")
        assert path == "01_neurons_and_forward_pass.ipynb"       # relative to the server's root: student/
        # Scroll the first exercise into view (the notebook renders only what is near the viewport) and read it.
        index = page.page.evaluate(f"""() => {{
            const notebook = jupyterapp.shell.currentWidget.content;
            const i = notebook.widgets.findIndex(cell => cell.model.type === 'code'
                && cell.model.sharedModel.getSource().includes({STUB!r}));
            if (i >= 0) {{ notebook.activeCellIndex = i; notebook.scrollToItem(i); }}
            return i;
        }}""")
        assert index >= 0, "no exercise stub in the notebook JupyterLab opened"
        page.page.wait_for_function(f"() => [...document.querySelectorAll('.jp-Cell .jp-InputArea-editor')]"
                                    f".some(e => e.innerText.includes({STUB!r}))", timeout=60_000)
        shown = page.page.evaluate("() => [...document.querySelectorAll('.jp-Cell .jp-InputArea-editor')]"
                                   ".map(e => e.innerText).join('\\n')")
        assert "def count_params" in shown and SOLUTION not in shown
        whole = page.page.evaluate("() => jupyterapp.shell.currentWidget.content.widgets"
                                   ".map(cell => cell.model.sharedModel.getSource()).join('\\n')")
        assert SOLUTION not in whole and "teacher" not in whole.lower()
        H.ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.page.screenshot(path=str(H.ARTIFACTS / "course_start.png"))
        menus = page.page.evaluate("() => document.querySelector('#jp-MainMenu').innerText")
        assert "Nbgrader" not in menus, menus                    # nbgrader made the copy; its teacher's menus stay out
        assert not page.js_errors(), page.js_errors()
    finally:
        page.close()
