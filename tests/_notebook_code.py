"""Run chosen cells of a course notebook, so tests use the learner's code as the notebook writes it."""
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
