"""A notebook with the teaching widgets, executed and exported with ``jupyter nbconvert --to html``,
shows a picture of every widget: without a kernel (GitHub, nbviewer, an HTML export) a widget view
renders from saved widget state or not at all, so each widget leaves a static picture beside it."""
import base64
import importlib.util
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
    """The PNGs an HTML export shows as images (the static pictures are the widget cells' ones)."""
    return [base64.b64decode(b64)
            for b64 in re.findall(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


def widget_outputs(notebook):
    """Per widget cell, its display_data outputs, in order."""
    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    widget_cells = [c for c in cells if any(n + "(" in "".join(c["source"]) for n in WIDGETS)]
    assert len(widget_cells) == len(WIDGETS)
    return [[o for o in c["outputs"] if o["output_type"] == "display_data"] for c in widget_cells]


def test_each_widget_cell_saves_its_view_then_a_static_picture(executed):
    for outputs, name in zip(widget_outputs(executed), WIDGETS):
        kinds = [set(o["data"]) for o in outputs]
        # the picture right after the view: the view's style rule hides that one output
        assert kinds == [{"application/vnd.jupyter.widget-view+json", "text/plain"}, {"image/png", "text/plain"}], \
            (name, kinds)


def test_the_html_export_shows_a_picture_per_widget_with_or_without_saved_widget_state(executed, tmp_path):
    with_state = to_html(executed)
    nb = json.loads(executed.read_text())
    nb["metadata"].pop("widgets", None)                  # as a notebook saved without widget state
    bare = tmp_path / "bare.ipynb"
    bare.write_text(json.dumps(nb))
    without_state = to_html(bare)
    static = [base64.b64decode(outputs[1]["data"]["image/png"]) for outputs in widget_outputs(executed)]
    assert all(p.startswith(b"\x89PNG") and len(p) > 2000 for p in static)
    for page in (with_state, without_state):
        assert all(p in pictures(page) for p in static)
    # Without saved state the export has nothing to build a widget from: the pictures are all it shows.
    assert '<script type="application/vnd.jupyter.widget-state+json">' in with_state
    assert '<script type="application/vnd.jupyter.widget-state+json">' not in without_state


def test_the_course_notebooks_are_saved_with_one_copy_of_each_picture(executed, tmp_path):
    """tools/execute_notebooks.py saves no widget state (it would hold each picture again, as the
    Image's value), and the static picture is an image/png alone (no text/html copy)."""
    spec = importlib.util.spec_from_file_location("execute_notebooks", REPO / "tools" / "execute_notebooks.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    notebook = tmp_path / executed.relative_to(executed.parents[2])
    shutil.copytree(executed.parents[2], tmp_path, dirs_exist_ok=True)
    nb = json.loads(notebook.read_text())
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}   # from an old run
    notebook.write_text(json.dumps(nb))
    tool.execute(notebook)
    text = notebook.read_text()
    assert "widgets" not in json.loads(text)["metadata"]
    for outputs in widget_outputs(notebook):
        b64 = outputs[1]["data"]["image/png"]
        assert text.count(b64[:2000]) == 1
