"""Notebook 13's pad in collect mode, in a real JupyterLab + Chromium: three digits drawn with the mouse
and labelled, the learner's net fine-tuned on them, saved as ``my_handwriting.npz``, and loaded by
notebook 12's own pad cell in a fresh kernel.
"""
from __future__ import annotations

import browser_harness as H
import pytest

pytestmark = pytest.mark.browser

TEACH = next((H.REPO / "notebooks").glob("13_*.ipynb"))
COLLECT = ".scratchnn-collect"
STATUS = ".scratchnn-collect-status"

# The index of the first cell (in the model, scrolled out of view or not) whose source holds `text`.
CELL_INDEX_JS = """([text]) => window.jupyterapp.shell.currentWidget.content.widgets.findIndex(c => {
    const s = c.model.toJSON().source;
    return (Array.isArray(s) ? s.join('') : s).includes(text);
})"""


def activate_cell(page, text):
    """Make the cell holding `text` the active one (JupyterLab then keeps it in view); return its index."""
    index = page.evaluate(CELL_INDEX_JS, [text])
    assert index > 0, f"notebook 13 has no cell holding {text!r}"
    page.evaluate(f"window.jupyterapp.shell.currentWidget.content.activeCellIndex = {index}")
    return index


@pytest.fixture()
def lab_13(chromium):
    """A JupyterLab serving a temp copy of notebooks 12 and 13 (nothing is written into the repo)."""
    with H.serving([TEACH, H.DRAW_NOTEBOOK]) as server:
        page = H.BrowserPage(chromium)
        try:
            yield server.root / "notebooks", server, page
        finally:
            page.close()


def run_and_wait(page, timeout_ms=240_000):
    H.wait_lab_kernel_idle(page, timeout_ms)
    error = page.evaluate(H.LAB_CELL_ERROR_JS)
    assert error is None, f"a cell of notebook 13 raised {error}"


def test_collect_three_mouse_drawn_digits_fine_tune_and_load_the_result_in_12(lab_13):
    folder, server, browser_page = lab_13
    page = browser_page.page
    H.run_all_in_lab(page, server, f"notebooks/{TEACH.name}", f"document.querySelector('{COLLECT} canvas')",
                     timeout_ms=240_000)

    activate_cell(page, "collector = Collector(net_augmented)")
    collector = page.locator(COLLECT).first
    pad = collector.locator(H.PAD).first
    canvas = pad if pad.evaluate("e => e.tagName") == "CANVAS" else pad.locator("canvas").first
    for n, digit in enumerate((1, 7, 0), 1):
        H.draw_on(page, canvas, H.digit_strokes(digit))
        page.wait_for_function(f"() => document.querySelector('{COLLECT} {STATUS}')"
                               ".textContent.includes('reads it as')",
                               timeout=30_000, polling=100)     # the strokes reached the kernel: the net read them
        collector.locator(f".scratchnn-label-{digit}").click()
        page.wait_for_selector(f'{COLLECT} {STATUS}[data-n="{n}"]', timeout=30_000)

    # Run the notebook again from the cell that takes the pad's digits: it must use these three, not stand-ins.
    activate_cell(page, "X_yours, y_yours = collector.data()")
    H.lab_execute(page, "notebook:run-all-below")
    saved = folder / "my_handwriting.npz"
    page.wait_for_function(f"() => ({H.LAB_CELL_ERROR_JS})() || [...document.querySelectorAll('.jp-OutputArea-output')]"
                           ".some(o => o.textContent.includes('saved my_handwriting.npz'))",
                           timeout=240_000, polling=200)
    run_and_wait(page)
    assert saved.exists()

    # Notebook 12's imports and its pad cell, in a fresh kernel in the same folder: the pad runs the saved net.
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    twelve = nbformat.read(folder / H.DRAW_NOTEBOOK.name, as_version=4)
    cells = [twelve.cells[1]] + [c for c in twelve.cells if "OWN_MODELS" in c.source]
    assert len(cells) == 2, "notebook 12 should have one cell choosing the pad's model (OWN_MODELS)"
    run = nbformat.v4.new_notebook(cells=cells, metadata=twelve.metadata)
    nbclient.NotebookClient(run, timeout=180, resources={"metadata": {"path": str(folder)}}).execute()
    printed = "".join(o.get("text", "") for o in run.cells[-1].outputs)
    assert "The pad runs the net notebook 13 fine-tuned (my_handwriting.npz)" in printed, printed
    assert "on your 3 drawings" in printed, printed
    assert browser_page.js_errors() == []
