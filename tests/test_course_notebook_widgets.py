"""The course notebooks hold the teaching widgets (issue 19): each wired cell hands a widget the learner's
own code and was saved with both the live view and a static picture, so the course reads with and
without a kernel (GitHub, nbviewer, ``jupyter nbconvert --to html``)."""
import base64
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: notebook -> (widget, a name of the learner's code that the widget's cell hands it)
WIRED = {
    "01": [("NeuronExplorer", "sigmoid"), ("ActivationExplorer", "dense_forward")],
    "02": [("GradientNudge", "tanh_grads")],
    "03": [("BackwardStepper", "topological_order")],
    "06": [("OptimizerPlayground", "MyAdam")],
    "07": [("Playground2D", "MyDense")],
    "10": [("ActivationExplorer", "net.params()")],
}


def code_cells(stem):
    path = next(NOTEBOOKS.glob(stem + "_*.ipynb"))
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def widget_cells(stem, widget):
    return [c for c in code_cells(stem) if f"{widget}(" in "".join(c["source"])]


@pytest.mark.parametrize("stem, widget, learners_code",
                         [(stem, w, code) for stem, pairs in WIRED.items() for w, code in pairs])
def test_the_notebook_hands_the_widget_the_learners_code_and_saved_its_picture(stem, widget, learners_code):
    cells = widget_cells(stem, widget)
    assert len(cells) == 1, f"notebook {stem}: expected one cell calling {widget}(...), got {len(cells)}"
    source = "".join(cells[0]["source"])
    assert learners_code in source, f"notebook {stem}: the {widget} cell does not use {learners_code}"
    outputs = [o for o in cells[0]["outputs"] if o["output_type"] == "display_data"]
    kinds = [set(o["data"]) for o in outputs]
    view_kind = {"application/vnd.jupyter.widget-view+json", "text/plain"}
    assert view_kind in kinds, (stem, widget, kinds)
    view = kinds.index(view_kind)
    # the picture right after the view (the view hides that one output), stored once: no text/html copy
    assert kinds[view + 1:view + 2] == [{"image/png", "text/plain"}], (stem, widget, kinds)
    png = base64.b64decode("".join(outputs[view + 1]["data"]["image/png"]))
    assert png.startswith(b"\x89PNG") and 2_000 < len(png) < 150_000, f"notebook {stem}: a {len(png):,}-byte picture"


def test_the_notebooks_are_saved_without_widget_state():
    """The static pictures are what a reader without a kernel sees; widget state would store each
    picture again (tools/execute_notebooks.py saves none)."""
    with_state = [p.name for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
                  if json.loads(p.read_text())["metadata"].get("widgets")]
    assert not with_state, f"notebooks saved with widget state: {with_state}"


def test_at_least_six_of_notebooks_01_to_11_hold_a_widget():
    with_widget = [stem for stem in (f"{k:02d}" for k in range(1, 12))
                   if any("scratchnn.course." in "".join(c["source"]) for c in code_cells(stem))]
    assert len(with_widget) >= 6, f"notebooks with a teaching widget: {with_widget}"


def test_notebook_10s_look_inside_lets_you_draw_a_digit_too():
    source = "".join(widget_cells("10", "ActivationExplorer")[0]["source"])
    assert "draw=True" in source, "notebook 10: 'pick a test digit (or draw one)' (issue 19), but no pad"
