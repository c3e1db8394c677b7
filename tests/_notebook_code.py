"""Run chosen cells of a course notebook, so tests use the learner's code as the notebook writes it;
read the solution lines of a teacher's notebook."""
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def notebook_namespace(stem, wanted):
    """Execute, in order, the code cells of ``notebooks/<stem>*.ipynb`` that contain any string of
    ``wanted`` (a ``%%writefile`` cell runs as plain Python); return the namespace."""
    path = next(NOTEBOOKS.glob(stem + "*.ipynb"))
    import matplotlib
    matplotlib.use("Agg")
    namespace = {}
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and any(w in source for w in wanted):
            lines = [line for line in source.splitlines() if not line.startswith("%")]
            exec(compile("\n".join(lines), f"{path.name}", "exec"), namespace)
    return namespace


def solution_lines(notebook):
    """``(inside, outside)`` of a teacher's notebook: the code lines between nbgrader's solution markers
    (stripped, comments left out), and the set of every other line."""
    inside, outside, solving = [], set(), False
    for cell in json.loads(Path(notebook).read_text())["cells"]:
        for line in "".join(cell["source"]).splitlines():
            if "### BEGIN SOLUTION" in line:
                solving = True
            elif "### END SOLUTION" in line:
                solving = False
            elif solving and line.strip() and not line.strip().startswith("#"):
                inside.append(line.strip())
            else:
                outside.add(line.strip())
    return inside, outside
