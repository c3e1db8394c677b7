"""The learner's own copy (``python -m scratchnn course``): made once, never over their work, and it gives nothing away.

Its text never mentions a teacher's version, its check cells hold no line of a solution (a hint names
the idea), every exercise's cell shows the name that ``snn.checks.reveal`` takes, and those names are
unique across the course.
"""
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from _notebook_code import solution_lines

pytest.importorskip("nbgrader")

import scratchnn as snn
from scratchnn.course import student

ROOT = Path(__file__).resolve().parents[1]
#: Notebooks another helper is rewriting this round: they get the exercise-name line and lose the mention of a
#: teacher's version there (then drop them from here).
PENDING = ()


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course") / "student"
    run = subprocess.run([sys.executable, "-m", "scratchnn", "course", "--dir", str(folder), "--no-lab"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "13 notebooks new" in run.stdout, run.stdout
    return folder


def cells(path):
    return json.loads(Path(path).read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def test_the_course_command_keeps_the_learners_work(copy):
    mine = copy / "04_backprop_through_a_dense_layer.ipynb"
    mine.write_text(mine.read_text().replace("NotWritten()", "NotWritten()  # my work"))
    run = subprocess.run([sys.executable, "-m", "scratchnn", "course", "--dir", str(copy), "--no-lab"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "0 notebooks new, 13 kept" in run.stdout, run.stdout + run.stderr
    assert "# my work" in mine.read_text()


def test_the_student_copy_has_stubs_no_outputs_and_never_mentions_a_teachers_version(copy):
    for path in sorted(copy.glob("*.ipynb")):
        text = "\n".join(source(c) for c in cells(path))
        assert path.name.startswith(PENDING) or "teacher" not in text.lower(), \
            f"{path.name} mentions a teacher's version"
        assert "BEGIN SOLUTION" not in text
        assert not any(c.get("outputs") for c in cells(path) if c["cell_type"] == "code"), path.name
        if any(c["metadata"].get("nbgrader", {}).get("solution") for c in cells(path)):
            assert "raise snn.checks.NotWritten()" in text, path.name


def strings(code):
    """The text of every string literal (f-strings included) in a cell's code."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
    return found


def code_of(line):
    """A solution line without its trailing comment and its `return `, as it would be quoted in a hint."""
    return line.split("  #")[0].strip().removeprefix("return ").strip()


@pytest.mark.parametrize("teacher", student.course_notebooks(), ids=lambda p: p.name[:2])
def test_no_check_cell_quotes_a_solution(teacher, copy):
    quoted = [code_of(line) for line in solution_lines(teacher)[0] if len(code_of(line)) >= 12]
    for cell in cells(copy / teacher.name):
        if not cell["metadata"].get("nbgrader", {}).get("grade"):
            continue
        text = " ".join(strings(source(cell)))
        leaked = [line for line in quoted if line in text]
        assert not leaked, f"{teacher.name} {cell['metadata']['nbgrader']['grade_id']}: a hint quotes {leaked}"


def test_every_exercise_shows_its_reveal_name_and_names_are_unique(copy):
    names = []
    for path in sorted(copy.glob("*.ipynb")):
        for cell in cells(path):
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("solution"):
                names.append(meta["grade_id"])
                if not path.name.startswith(PENDING):
                    assert f'snn.checks.reveal("{meta["grade_id"]}")' in source(cell), (path.name, meta["grade_id"])
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_reveal_takes_an_exercise_name_and_asks_when_a_function_name_is_in_two(capsys):
    snn.checks.reveal("dense_layer")
    out = capsys.readouterr().out
    assert "exercise 'dense_layer', from 04_" in out and "dX = dZ @ W.T" in out
    snn.checks.reveal("dense_backward")                   # written in 04 (dense_layer) and fixed in 08
    out = capsys.readouterr().out
    assert "'dense_layer' (04)" in out and "'fix_dense_backward' (08)" in out and "def " not in out
    snn.checks.reveal("count_params")                     # a function of one exercise only
    assert "def count_params" in capsys.readouterr().out


def test_every_cell_draws_from_a_generator_it_makes_itself():
    """Re-running a cell gives the same data: no cell draws from a generator another cell made (the walk: 08's
    cells shared one `rng`, so running one again changed the data of the next)."""
    shared = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for number, cell in enumerate(cells(path)):
            text = "".join(cell["source"])
            if cell["cell_type"] != "code" or text.startswith("%"):
                continue
            tree = ast.parse(text)
            made = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            made |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments)
                     for a in n.args + n.kwonlyargs + n.posonlyargs}
            used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id.startswith("rng")}
            shared += [f"{path.name} cell {number}: {name}" for name in sorted(used - made)]
    assert not shared, shared
