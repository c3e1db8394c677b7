"""Make the student version of the course notebooks with nbgrader, and grade notebooks with it.

    python tools/student_release.py                  # student/ <- every notebook, solutions removed
    python tools/student_release.py --out DIR 03 04  # only the notebooks whose names start with these

A notebook already in the output folder is kept (it holds the learner's work): run it again after
a course update and only new notebooks are added; ``--force`` overwrites.

The committed notebooks in notebooks/ are the teacher's: each exercise's answer cell holds one
solution between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` and each check cell is an nbgrader
test cell with points. This runs the real ``nbgrader generate_assignment`` in a temporary course
directory; nbgrader replaces each solution with ``raise snn.checks.NotWritten()`` (one-line ❌ when
a check calls it) and clears all outputs. The student notebooks then go to ``--out`` (default
``student/`` at the repository's root, which git ignores). Open them there; the teacher's notebooks
stay in notebooks/, and ``snn.checks.reveal("name")`` prints one solution after you tried.

For a class on the hub, ``classroom/start`` keeps a persistent nbgrader course folder (owned by the
grader account, see classroom/prepare.py) with the config of ``course_config``, and
``classroom/grade`` grades in it; ``make_course`` writes such a folder for a one-off use.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: nbgrader's assignment id, which is also the folder learners get (``~/scratchnn-course``, where
#: nbgrader's fetch puts it and its submit reads it), and the course id of the class's exchange.
ASSIGNMENT = "scratchnn-course"
COURSE_ID = "scratchnn"
STUB = "# YOUR CODE HERE\nraise snn.checks.NotWritten()"
CONFIG = f'''c = get_config()
c.CourseDirectory.root = {{root!r}}
c.CourseDirectory.course_id = {{course_id!r}}
# every notebook imports scratchnn as snn first; the stub then fails as one line naming the exercise
c.ClearSolutions.code_stub = {{{{"python": {STUB!r}}}}}
c.ClearSolutions.enforce_metadata = True
c.Execute.timeout = 300
'''


def course_notebooks(prefixes=()):
    paths = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb")
                   if not prefixes or any(p.name.startswith(x) for x in prefixes))
    if not paths:
        sys.exit(f"no notebook in {NOTEBOOKS} starts with {list(prefixes)}")
    return paths


def course_config(course: Path, exchange: Path | None = None) -> str:
    """The ``nbgrader_config.py`` of a course folder at ``course`` (with the class's exchange, if any)."""
    text = CONFIG.format(root=str(course), course_id=COURSE_ID)
    if exchange is not None:
        text += (f"c.Exchange.root = {str(exchange)!r}\n"
                 "# the kernels grading runs talk over Unix sockets in the grader's own folder, not TCP; the\n"
                 "# path must be absolute, or the kernel (in the notebook's folder) and nbgrader miss each other\n"
                 'c.KernelManager.transport = "ipc"\n'
                 f"c.KernelManager.ip = {str(course / '.kernel-ipc')!r}\n")
    return text


def make_course(course: Path, notebooks) -> Path:
    """An nbgrader course directory at ``course`` with ``notebooks`` as the assignment's source."""
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    for path in notebooks:
        shutil.copy2(path, source / path.name)
    (course / "nbgrader_config.py").write_text(course_config(course))
    return course


def nbgrader(course: Path, *args, timeout=900):
    """Run ``nbgrader ARGS`` in ``course``; raise with nbgrader's own log if it fails."""
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True,
                         text=True, timeout=timeout)
    if run.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return run


def generate(course: Path) -> Path:
    """``nbgrader generate_assignment``; returns the folder of the student notebooks."""
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return course / "release" / ASSIGNMENT


def deliver(release: Path, out: Path, force=False) -> list[str]:
    """Copy the student notebooks of ``release`` into ``out``; returns what to tell the user.

    A notebook already in ``out`` holds a learner's work, so it is kept unless ``force``: running
    the tool again (after a course update) only adds the notebooks that are new. A numbered
    notebook in ``out`` that the course no longer has (renamed or renumbered) is named, not removed.
    """
    out.mkdir(parents=True, exist_ok=True)
    said = []
    for path in sorted(release.glob("*.ipynb")):
        target = out / path.name
        if target.exists() and not force:
            said.append(f"kept {target}: it may hold your work (delete it, or use --force, for a fresh copy)")
            continue
        shutil.copy2(path, target)
        said.append(str(target))
    course = {p.name for p in course_notebooks()}
    gone = sorted(p.name for p in out.glob("[0-9][0-9]_*.ipynb") if p.name not in course)
    if gone:
        said.append(f"not in the course any more (renamed or renumbered), left as they are: {', '.join(gone)}")
    return said


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("prefixes", nargs="*", help="only notebooks whose names start with these")
    ap.add_argument("--out", type=Path, default=ROOT / "student", help="where the student notebooks go")
    ap.add_argument("--force", action="store_true", help="overwrite notebooks already in --out (and the work in them)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scratchnn-course-") as tmp:
        release = generate(make_course(Path(tmp), course_notebooks(args.prefixes)))
        print("\n".join(deliver(release, args.out, args.force)))


if __name__ == "__main__":
    main()
