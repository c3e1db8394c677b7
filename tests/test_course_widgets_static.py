"""A notebook with the teaching widgets, executed and exported with ``jupyter nbconvert --to html``,
shows a picture of every widget: without a kernel (GitHub, nbviewer, an HTML export) a widget view
renders from saved widget state or not at all, so each widget leaves a static picture beside it."""
import base64
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "tests" / "data" / "widgets_demo.ipynb"
WIDGETS = ["BackwardStepper", "OptimizerPlayground", "Playground2D", "NeuronExplorer", "ActivationExplorer",
           "GradientNudge", "InitScaleExplorer"]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The demo notebook executed by nbconvert in a copy of the files it reads."""
    root = tmp_path_factory.mktemp("static")
    for path in [DEMO, REPO / "tests" / "_notebook_code.py", *(REPO / "notebooks").glob("0[12346]_*.ipynb")]:
        (root / path.relative_to(REPO)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, root / path.relative_to(REPO))
    notebook = root / DEMO.relative_to(REPO)
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                    "--ExecutePreprocessor.timeout=300", str(notebook)], check=True, capture_output=True, timeout=600)
    return notebook


def to_html(notebook):
    out = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--stdout", str(notebook)],
                         check=True, capture_output=True, timeout=300)
    return out.stdout.decode()


def pictures(page):
    return [base64.b64decode(b64) for b64 in
            re.findall(r'<div class="scratchnn-static"><img alt="\w+" '
                       r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


def test_each_widget_cell_saves_its_view_and_a_static_picture(executed):
    cells = [c for c in json.loads(executed.read_text())["cells"] if c["cell_type"] == "code"]
    widget_cells = [c for c in cells if any(n + "(" in "".join(c["source"]) for n in WIDGETS)]
    assert len(widget_cells) == len(WIDGETS)
    for cell, name in zip(widget_cells, WIDGETS):
        kinds = [set(o.get("data", {})) for o in cell["outputs"] if o["output_type"] == "display_data"]
        assert {"application/vnd.jupyter.widget-view+json", "text/plain"} in kinds, (name, kinds)
        assert {"text/html", "image/png", "text/plain"} in kinds, (name, kinds)


def test_the_html_export_shows_a_picture_per_widget_with_or_without_saved_widget_state(executed, tmp_path):
    with_state = to_html(executed)
    nb = json.loads(executed.read_text())
    nb["metadata"].pop("widgets", None)                  # as a notebook saved without widget state
    bare = tmp_path / "bare.ipynb"
    bare.write_text(json.dumps(nb))
    without_state = to_html(bare)
    for page in (with_state, without_state):
        pngs = pictures(page)
        assert len(pngs) == len(WIDGETS) and all(p.startswith(b"\x89PNG") and len(p) > 5000 for p in pngs)
    # Without saved state the export has nothing to build a widget from: the pictures are all it shows.
    assert '<script type="application/vnd.jupyter.widget-state+json">' in with_state
    assert '<script type="application/vnd.jupyter.widget-state+json">' not in without_state
