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
    kinds = [set(o.get("data", {})) for o in cells[0]["outputs"] if o["output_type"] == "display_data"]
    assert {"application/vnd.jupyter.widget-view+json", "text/plain"} in kinds, (stem, widget, kinds)
    assert {"text/html", "image/png", "text/plain"} in kinds, (stem, widget, kinds)
    picture = next(o["data"] for o in cells[0]["outputs"] if "image/png" in o.get("data", {}))
    png = base64.b64decode("".join(picture["image/png"]))
    assert png.startswith(b"\x89PNG") and 5_000 < len(png) < 150_000, f"notebook {stem}: a {len(png):,}-byte picture"
    assert 'class="scratchnn-static"' in "".join(picture["text/html"])


def test_at_least_six_of_notebooks_01_to_11_hold_a_widget():
    with_widget = [stem for stem in (f"{k:02d}" for k in range(1, 12))
                   if any("scratchnn.course." in "".join(c["source"]) for c in code_cells(stem))]
    assert len(with_widget) >= 6, f"notebooks with a teaching widget: {with_widget}"


def test_notebook_10s_look_inside_lets_you_draw_a_digit_too():
    source = "".join(widget_cells("10", "ActivationExplorer")[0]["source"])
    assert "draw=True" in source, "notebook 10: 'pick a test digit (or draw one)' (issue 19), but no pad"
