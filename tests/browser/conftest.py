"""Fixtures for the real-browser tests: one JupyterLab server and one Chromium per session.

The tests skip, with the reason, when Playwright, Chromium, JupyterLab or Voila is missing; with
``CI=true`` a missing piece is an error instead, so CI can never pass by skipping them. Screenshots
go to ``test-artifacts/browser/`` (git-ignored); on a failure every open page is captured there too.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil

import pytest

import browser_harness as H

ARTIFACTS = H.ARTIFACTS / "browser"
NOTEBOOK = H.REPO / "notebooks" / "08_draw_a_digit.ipynb"

#: Lines for the end-of-run summary (latency numbers), filled by the tests.
SUMMARY: list[str] = []
_OPEN_PAGES: list = []


def _missing_pieces():
    missing = []
    for module, hint in [("playwright", "pip install playwright"), ("jupyterlab", "pip install jupyterlab"),
                         ("voila", "pip install voila")]:
        if importlib.util.find_spec(module) is None:
            missing.append(f"{module} ({hint})")
    if not os.access(H.CHROMIUM, os.X_OK):
        missing.append(f"{H.CHROMIUM} (apt-get install chromium; never `playwright install`)")
    return missing


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium driven by Playwright, closed at the end of the session."""
    missing = _missing_pieces()
    # TEMPORARY while the widgets helper writes them; removed once they are in git.
    if not NOTEBOOK.exists() or not (H.REPO / "scratchnn" / "widgets.py").exists():
        pytest.skip("drawing notebook / scratchnn.widgets not written yet")
    if missing:
        reason = "real-browser tests need " + ", ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " -- CI=true, so this is a failure, not a skip")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = H.launch_chromium(pw)
    except BaseException:
        pw.stop()
        raise
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture(scope="session")
def lab_server(chromium):
    """JupyterLab on 127.0.0.1 (random port and token) serving a temp copy of the course notebook,
    so running it never writes into the repo. Stopped with its kernels at the end of the session."""
    assert NOTEBOOK.exists(), f"expected the drawing notebook at {NOTEBOOK}"
    root = H.make_root()
    H.copy_notebook(NOTEBOOK, root)
    try:
        server = H.start_jupyterlab(root)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


class Page:
    """A Playwright page plus the JavaScript errors it logged."""

    IGNORED = re.compile(r"Failed to load resource|favicon|ERR_CONNECTION_REFUSED")

    def __init__(self, browser, viewport=(1280, 1000)):
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: self.errors.append(f"console.error: {m.text}")
                     if m.type == "error" and not self.IGNORED.search(m.text) else None)
        _OPEN_PAGES.append(self.page)

    def js_errors(self):
        return list(self.errors)

    def close(self):
        if self.page in _OPEN_PAGES:
            _OPEN_PAGES.remove(self.page)
        self.context.close()


@pytest.fixture
def new_page(chromium):
    """Factory for fresh pages (own browser context) closed after the test."""
    made = []

    def make(**kw):
        made.append(Page(chromium, **kw))
        return made[-1]

    yield make
    for p in made:
        p.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and _OPEN_PAGES:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(list(_OPEN_PAGES)):
            try:
                page.screenshot(path=str(ARTIFACTS / f"FAILED-{item.name}-{i}.png"), full_page=True)
            except Exception:  # a crashed page must not hide the real failure
                pass


def pytest_terminal_summary(terminalreporter):
    if SUMMARY:
        terminalreporter.section("browser: drawing-pad latency (printed, not asserted)")
        for line in SUMMARY:
            terminalreporter.write_line(line)
