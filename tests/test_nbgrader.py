"""The student release, graded by the real nbgrader in a temporary course directory.

``nbgrader generate_assignment`` makes the student version of every notebook (no solution line may
survive in it); ``nbgrader autograde`` then grades two submissions of the notebooks in GRADED: the
teacher's notebooks as committed (full marks) and the untouched student version (zero, and every
error in it is the one-line ❌ of a check or stub, never a stack dump or a cell broken by a stub).
GRADED holds the notebooks whose exercises are the course's core (the dense layer, softmax and
cross-entropy); they run in a few seconds each, so the autograde of both submissions stays under a
minute. Set SCRATCHNN_GRADE_ALL=1 to grade every notebook (about 2 minutes more).
"""
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from _notebook_code import solution_lines

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import student_release  # noqa: E402

pytest.importorskip("nbgrader")

GRADED = ("04_backprop", "05_softmax")
#: The errors an untouched student notebook may show, each as one ❌ line matching its pattern: a stub or a
#: check says "not yet" (or names the my_*.py file an earlier notebook writes); a cell that uses what a failed cell
#: above should have defined says to run that first.
ONE_LINE_ERRORS = {"NotWritten": r"not (written )?yet", "CheckFailed": r"not (written )?yet|\.py is missing",
                   "NameError": r"run the cells above this one first"}
#: The core the learner writes (issue 9): each a stub in the student version with a graded check.
CORE = {"dense_layer", "relu", "my_layers", "net_backward", "softmax", "SoftmaxCrossEntropy",
        "MyGD", "MyMomentum", "MyAdam"}


def only_in_solutions(nb_path):
    """The code lines inside the solution regions of a teacher's notebook and nowhere else in it."""
    inside, outside = solution_lines(nb_path)
    return [line for line in inside if line not in outside]


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    course = student_release.make_course(tmp_path_factory.mktemp("course"), student_release.course_notebooks())
    return course, student_release.generate(course)


def test_every_notebook_has_graded_exercises_and_the_release_leaks_no_solution(release):
    _, folder = release
    for teacher in student_release.course_notebooks():
        student = folder / teacher.name
        text = "\n".join("".join(c["source"]) for c in json.loads(student.read_text())["cells"])
        solutions = only_in_solutions(teacher)
        assert "BEGIN SOLUTION" not in text
        if not solutions:                      # a notebook without exercises (13 · teach it your handwriting)
            continue
        student_lines = {line.strip() for line in text.splitlines()}
        leaked = [line for line in solutions if line in student_lines]
        assert not leaked, f"{teacher.name}: solution lines left in the student version: {leaked[:3]}"
        assert "BEGIN SOLUTION" not in text and "NotWritten()" in text
        cells = json.loads(student.read_text())["cells"]
        assert not any(c.get("outputs") for c in cells if c["cell_type"] == "code"), f"{student.name} keeps outputs"
        points = sum(c["metadata"].get("nbgrader", {}).get("points", 0) for c in cells)
        assert points > 0, f"{teacher.name} has no graded check cells"


def test_the_core_exercises_are_stubs_with_graded_checks(release):
    _, folder = release
    solutions, graded = set(), set()
    for student in folder.glob("*.ipynb"):
        for cell in json.loads(student.read_text())["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("solution") and "NotWritten()" in "".join(cell["source"]):
                solutions.add(meta["grade_id"])
            if meta.get("grade") and meta.get("points", 0) > 0:
                graded.add(meta["grade_id"])
    assert CORE <= solutions, f"not stubs in the student version: {sorted(CORE - solutions)}"
    assert {f"check_{name}" for name in CORE} <= graded, sorted({f"check_{n}" for n in CORE} - graded)


def test_autograde_gives_the_teacher_full_marks_and_the_untouched_student_version_zero(release):
    course, folder = release
    grade_all = os.environ.get("SCRATCHNN_GRADE_ALL") == "1"
    graded = [p for p in student_release.course_notebooks() if grade_all or p.name.startswith(GRADED)]
    for who, source in [("teacher", student_release.NOTEBOOKS), ("student", folder)]:
        submitted = course / "submitted" / who / student_release.ASSIGNMENT
        submitted.mkdir(parents=True)
        for path in graded:
            shutil.copy2(source / path.name, submitted / path.name)
    for path in (course / "source" / student_release.ASSIGNMENT).glob("*.ipynb"):
        if path.name not in {p.name for p in graded}:
            path.unlink()
    student_release.nbgrader(course, "generate_assignment", student_release.ASSIGNMENT, "--force")
    student_release.nbgrader(course, "autograde", student_release.ASSIGNMENT, "--force", "--create")

    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        teacher = gradebook.find_submission(student_release.ASSIGNMENT, "teacher")
        student = gradebook.find_submission(student_release.ASSIGNMENT, "student")
        assert teacher.max_score > 0 and teacher.score == teacher.max_score, (teacher.score, teacher.max_score)
        assert student.score == 0, student.score

    for path in graded:
        autograded = course / "autograded" / "student" / student_release.ASSIGNMENT / path.name
        for i, cell in enumerate(json.loads(autograded.read_text())["cells"]):
            for out in cell.get("outputs", []):
                if out["output_type"] == "error":
                    where = f"{path.name} cell {i}"
                    assert out["ename"] in ONE_LINE_ERRORS, f"{where}: {out['ename']}: {out['evalue']}"
                    assert len(out["traceback"]) == 1 and out["traceback"][0].startswith("❌"), where
                    assert re.search(ONE_LINE_ERRORS[out["ename"]], out["traceback"][0]), where


def test_a_second_release_keeps_the_learners_work_and_names_notebooks_the_course_dropped(release, tmp_path):
    _, folder = release
    out = tmp_path / "student"
    first = student_release.deliver(folder, out)
    assert len(first) == len(list(folder.glob("*.ipynb"))) and not any("kept" in line for line in first)
    mine = sorted(out.glob("*.ipynb"))[0]
    mine.write_text(mine.read_text().replace("NotWritten()", "NotWritten()  # my work"))
    (out / "07_debug_the_gradient.ipynb").write_text("{}")            # an old number of a renumbered notebook
    again = student_release.deliver(folder, out)
    assert f"kept {mine}" in "\n".join(again) and "# my work" in mine.read_text()
    assert again[-1].startswith("not in the course any more") and "07_debug_the_gradient.ipynb" in again[-1]
    student_release.deliver(folder, out, force=True)
    assert "# my work" not in mine.read_text()
