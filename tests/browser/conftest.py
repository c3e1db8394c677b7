"""Fixtures for the real-browser tests: one JupyterLab server and one Chromium per session.

The tests skip, with the reason, when Playwright, Chromium, JupyterLab or Voila is missing; with
``CI=true`` a missing piece is an error instead, so CI can never pass by skipping them. Screenshots
go to ``test-artifacts/browser/`` (git-ignored); on a failure every open page is captured there too.
"""
from __future__ import annotations

import importlib.util
import os

import browser_harness as H
import pytest


def _missing_pieces():
    missing = []
    for module, hint in [("playwright", "pip install playwright"), ("jupyterlab", "pip install jupyterlab"),
                         ("notebook", "pip install notebook"), ("voila", "pip install voila")]:
        if importlib.util.find_spec(module) is None:
            missing.append(f"{module} ({hint})")
    if not os.access(H.CHROMIUM, os.X_OK):
        missing.append(f"{H.CHROMIUM} (apt-get install chromium; never `playwright install`)")
    return missing


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium driven by Playwright, closed at the end of the session."""
    missing = _missing_pieces()
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
    assert H.DRAW_NOTEBOOK.exists(), f"expected the drawing notebook at {H.DRAW_NOTEBOOK}"
    with H.serving([H.DRAW_NOTEBOOK]) as server:
        yield server


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when in ("setup", "call"):
        for i, page in enumerate(list(H.OPEN_PAGES)):
            page.save_failure(f"{item.name}-{report.when}-{i}")


def pytest_terminal_summary(terminalreporter):
    if H.SUMMARY:
        terminalreporter.section("browser: drawing-pad latency (printed, not asserted)")
        for line in H.SUMMARY:
            terminalreporter.write_line(line)
