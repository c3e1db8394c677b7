"""The course notebooks as committed: executed in order, clean, small, and self-contained.

nbval (run on ``notebooks/``) re-executes each notebook and compares outputs; it cannot see an
unexecuted cell or a notebook run out of order, which these tests catch.
"""
import base64
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
COURSE = ["01_neurons_and_forward_pass", "02_loss_and_the_chain_rule", "03_computational_graphs",
          "04_backprop_through_a_dense_layer", "05_softmax_and_cross_entropy", "06_gradient_descent_and_optimizers",
          "07_optimizers_on_mnist", "08_debug_the_gradient", "09_training_the_mnist_net", "10_what_the_net_learned",
          "11_look_at_training", "12_draw_a_digit", "13_teach_it_your_handwriting"]


def cells(nb_path, kind="code"):
    return [c for c in json.loads(nb_path.read_text())["cells"] if c["cell_type"] == kind]


def test_the_course_is_all_there_in_order():
    assert [p.stem for p in NOTEBOOKS] == COURSE


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_was_executed_once_in_order(nb):
    counts = [c["execution_count"] for c in cells(nb)]
    unexecuted = [i for i, c in enumerate(counts) if c is None]
    assert not unexecuted, f"{nb.name}: unexecuted code cells at positions {unexecuted}"
    assert counts == list(range(1, len(counts) + 1)), f"{nb.name}: execution counts {counts} are not 1..n"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_starts_with_import_scratchnn_and_loads_its_own_data(nb):
    first = "".join(cells(nb)[0]["source"])
    assert "import scratchnn" in first.splitlines()[0], f"{nb.name}: first code line is {first.splitlines()[0]!r}"
    text = nb.read_text()
    assert "%run" not in text and "%store" not in text, f"{nb.name} must not depend on another notebook"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_hold_no_errors_or_warnings(nb):
    for i, cell in enumerate(cells(nb)):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{nb.name} cell {i}: {out.get('ename')}: {out.get('evalue')}"
            if out["output_type"] == "stream" and out["name"] == "stderr":
                pytest.fail(f"{nb.name} cell {i} wrote to stderr: {''.join(out['text'])[:300]}")
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            assert "Warning" not in text, f"{nb.name} cell {i} shows a warning: {text[:300]}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_images_are_small(nb):
    for i, cell in enumerate(cells(nb)):
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                size = len(base64.b64decode("".join(png)))
                assert size < 150_000, f"{nb.name} cell {i}: a {size:,}-byte PNG; save figures at dpi 80-100"
    assert nb.stat().st_size < 2_000_000, f"{nb.name} is {nb.stat().st_size:,} bytes"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_uses_the_standard_python3_kernel(nb):
    spec = json.loads(nb.read_text())["metadata"]["kernelspec"]
    assert spec["name"] == "python3", f"{nb.name}: kernel {spec}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_nbval_markers_are_alone_on_their_line(nb):
    # nbval honours "# NBVAL_IGNORE_OUTPUT" only as the whole comment; with text after it the marker
    # is silently ignored and the cell's output compared digit for digit.
    from nbval.plugin import comment_markers
    for i, cell in enumerate(cells(nb)):
        for line in "".join(cell["source"]).splitlines():
            comment = line.strip().lstrip("#").strip()
            if line.strip().startswith("#") and comment.upper().startswith(("NBVAL", "PYTEST_VALIDATE")):
                assert comment in comment_markers, (f"{nb.name} cell {i}: {line.strip()!r} is not a marker nbval "
                                                    "knows; put the explanation on the next line")
