"""The learner's own copy of the course: the teacher's notebooks with every solution replaced by a stub.

``python -m scratchnn course`` calls ``make_student_copy`` and opens JupyterLab on the copy of 01.
The solutions are removed by nbgrader's own preprocessors (``ClearSolutions``, ``ClearOutput``), run
in this interpreter: the same stub as a class's ``nbgrader generate_assignment``
(``tools/student_release.py``), without its gradebook, so no course directory and no ``alembic``
command are needed. A notebook already in the copy holds the learner's work and is never overwritten.
"""
from __future__ import annotations

from pathlib import Path

#: What replaces each solution; every notebook imports scratchnn as snn first, and the stub then fails
#: as one line naming the exercise (``snn.checks.NotWritten``).
STUB = "# YOUR CODE HERE\nraise snn.checks.NotWritten()"
TEACHER_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"   # of an editable clone


def course_notebooks(folder=TEACHER_NOTEBOOKS):
    """The teacher's notebooks, in course order."""
    paths = sorted(Path(folder).glob("[0-9][0-9]*_*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no course notebooks in {folder}: the course needs the repository's notebooks/ "
                                "folder (clone the repository and install it with pip install -e).")
    return paths


def student_notebook(path):
    """The student version of the teacher's notebook at ``path``: solutions stubbed, outputs cleared."""
    import nbformat
    from nbgrader.preprocessors import ClearOutput, ClearSolutions

    nb = nbformat.read(path, as_version=4)
    resources = {}
    nb, resources = ClearSolutions(code_stub={"python": STUB}, enforce_metadata=True).preprocess(nb, resources)
    nb, resources = ClearOutput().preprocess(nb, resources)
    return nb


def make_student_copy(out, notebooks=None):
    """Write the student version of each course notebook into ``out``, keeping any already there.

    Returns ``(written, kept)``, two lists of paths: a notebook already in ``out`` may hold the
    learner's work, so it is kept as it is; only notebooks new to ``out`` are written.
    """
    import nbformat

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    for path in notebooks or course_notebooks():
        target = out / path.name
        if target.exists():
            kept.append(target)
            continue
        nbformat.write(student_notebook(path), target)
        written.append(target)
    return written, kept
