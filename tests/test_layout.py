"""The layout draws the architecture: the core on top of scratchnn/, the course in scratchnn/course/,
the pad in scratchnn/pad/ (issue 17, item 4). ``import scratchnn`` loads the core only, and package
code reads no repository folder."""
import subprocess
import sys
from pathlib import Path

import scratchnn as snn

PACKAGE = Path(snn.__file__).parent


def run(code):
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_import_scratchnn_loads_neither_the_course_nor_the_pad_nor_their_libraries():
    run("import sys, scratchnn as snn\n"
        "outside = [m for m in sys.modules if m.startswith(('scratchnn.course', 'scratchnn.pad'))\n"
        "           or m.split('.')[0] in ('ipywidgets', 'ipycanvas', 'matplotlib', 'PIL', 'IPython')]\n"
        "assert not outside, outside\n"
        "assert snn.checks.__name__ == 'scratchnn.course.checks', snn.checks.__name__\n"
        "assert 'ipywidgets' not in sys.modules\n")


def test_in_ipython_import_scratchnn_switches_the_one_line_errors_on():
    """Notebooks show a learner's error as one ❌ line from their first cell, before any check ran."""
    run("from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "import scratchnn\n"
        "assert shell.custom_exceptions == (Exception,), shell.custom_exceptions\n")


def test_the_drawn_digit_set_is_package_data_not_a_tests_folder():
    from scratchnn.course import drawn

    assert drawn.TEST_SET.parent == PACKAGE / "course" and drawn.TEST_SET.is_file()
    assert len(drawn.load()["digits"]) == 600


def test_reveal_without_the_teachers_notebooks_says_the_solutions_come_from_the_teacher(tmp_path, capsys):
    snn.checks.reveal("dense_layer", folder=tmp_path)
    out = capsys.readouterr().out
    assert out.startswith("The solutions come from your teacher") and out.count("\n") == 1, out
