"""The drawing notebook in Notebook 7 (`jupyter notebook`), the other front end learners use: run it,
draw with the mouse, read the bars."""
from __future__ import annotations

import re

import browser_harness as H
import pytest

pytestmark = pytest.mark.browser

REL_PATH = H.DRAW_NOTEBOOK.relative_to(H.REPO).as_posix()
# Notebook 7.6.5 itself throws this while loading any notebook page, an empty one too (checked with
# no scratchnn code involved and with each installed extension disabled in turn): not ours to fix,
# so it is the one error allowed here.
NOTEBOOK7_OWN_ERROR = re.compile(r"^pageerror: Cannot read properties of undefined \(reading 'schema'\)$")


@pytest.fixture(scope="module")
def notebook7(chromium):
    """Notebook 7 serving a temp copy of the drawing notebook, opened and run top to bottom."""
    with H.serving([H.DRAW_NOTEBOOK], frontend="notebook7") as server:
        page = H.BrowserPage(chromium)
        try:
            H.open_and_run_in_lab(page.page, server, REL_PATH)
            yield page, H.PadDriver(page.page)
        except BaseException:
            page.save_failure("notebook7-setup")
            raise
        finally:
            page.close()


@pytest.mark.parametrize("digit", [1, 7])
def test_notebook7_drawing_a_digit_shows_it_on_top_of_the_bars_and_inks_the_pad(notebook7, digit):
    page, pad = notebook7
    pad.clear()
    drawn = pad.draw(H.digit_strokes(digit))
    pad.answer(digit)
    ink = pad.wait_ink(drawn, path=H.ARTIFACTS / f"notebook7_pad_{digit}.png")
    assert ink >= 0.9, f"only {ink:.0%} of the stroke is inked on screen (see {H.ARTIFACTS}/notebook7_pad_{digit}.png)"
    assert [e for e in page.js_errors() if not NOTEBOOK7_OWN_ERROR.match(e)] == []


def test_notebook7_correcting_a_digit_with_the_mouse_changes_the_answer_and_undo_works_by_keyboard(notebook7):
    page, pad = notebook7
    pad.teach(0, as_digit=6)
    # the teaching buttons work from the keyboard too: Undo focused, Enter (no example left: the
    # starting net, at once)
    pad.root.locator(".scratchnn-undo").first.focus()
    page.page.keyboard.press("Enter")
    page.page.wait_for_function(
        "() => document.querySelector('[data-scratchnn-driver=\"0\"] .scratchnn-teach-state').dataset.total === '0'",
        timeout=10_000, polling=100)
    pad.wait_top(0)
    assert [e for e in page.js_errors() if not NOTEBOOK7_OWN_ERROR.match(e)] == []
