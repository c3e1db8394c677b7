"""A learner's course sync (classroom/singleuser.py, run as the learner at each server start):
course fixes reach them, their own work is never touched [issue 16, finding 10]."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "classroom"))
import singleuser  # noqa: E402


def release(folder: Path, **notebooks):
    folder.mkdir(exist_ok=True)
    for name, text in notebooks.items():
        (folder / f"{name}.ipynb").write_text(text)
    return folder


def test_a_course_fix_reaches_notebooks_the_learner_left_alone_and_never_their_work(tmp_path):
    course, mine = tmp_path / "release", tmp_path / "home" / "scratchnn-course"
    mine.parent.mkdir()
    release(course, n01="v1", n02="v1")
    assert len(singleuser.sync_course(course, mine)) == 2
    (mine / "n02.ipynb").write_text("v1 + my work")
    release(course, n01="v2 (fixed)", n02="v2 (fixed)", n03="new")
    said = singleuser.sync_course(course, mine)
    assert (mine / "n01.ipynb").read_text() == "v2 (fixed)"          # untouched by the learner: updated
    assert (mine / "n02.ipynb").read_text() == "v1 + my work"        # the learner's work: kept
    assert (mine / "n03.ipynb").read_text() == "new"                 # new: added
    assert said == [f"updated {mine / 'n01.ipynb'}", f"added {mine / 'n03.ipynb'}"]
    assert singleuser.sync_course(course, mine) == []                # nothing new: nothing done


def test_a_notebook_the_learner_made_before_the_course_had_it_is_kept(tmp_path):
    course, mine = release(tmp_path / "release", n01="course"), tmp_path / "scratchnn-course"
    mine.mkdir()
    (mine / "n01.ipynb").write_text("the learner's own")
    singleuser.sync_course(course, mine)
    assert (mine / "n01.ipynb").read_text() == "the learner's own"


def test_a_course_folder_that_is_a_symlink_or_a_file_is_left_alone(tmp_path):
    course = release(tmp_path / "release", n01="course")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "scratchnn-course"
    link.symlink_to(elsewhere)
    assert "is not a folder" in singleuser.sync_course(course, link)[0]
    assert list(elsewhere.iterdir()) == []
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "n01.ipynb").symlink_to(tmp_path / "target")
    singleuser.sync_course(course, mine)
    assert not (tmp_path / "target").exists() and (mine / "n01.ipynb").is_symlink()
