"""The class's settings (classroom/settings.py): a wrong value is one line naming it, never a crash or a wrong user."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "classroom"))
import settings  # noqa: E402


@pytest.mark.parametrize("name, value, says", [
    ("SCRATCHNN_CPU_LIMIT", "abc", "SCRATCHNN_CPU_LIMIT must be a number of cores above 0 like 1 or 0.5, got 'abc'"),
    ("SCRATCHNN_CPU_LIMIT", "-1", "got '-1'"),
    ("SCRATCHNN_IDLE_TIMEOUT", "1.5",
     "SCRATCHNN_IDLE_TIMEOUT must be a whole number of seconds above 0 like 3600, got '1.5'"),
    ("SCRATCHNN_GRADE_TIMEOUT", "10m", "got '10m'"),
    ("SCRATCHNN_CLASSROOM", "class", "SCRATCHNN_CLASSROOM must be an absolute path like /srv/scratchnn, got 'class'"),
    ("SCRATCHNN_VENV", "venv", "SCRATCHNN_VENV must be an absolute path"),
    ("SCRATCHNN_TEACHER", "Mrs Smith", "SCRATCHNN_TEACHER must be a user name"),
    ("SCRATCHNN_MEM_LIMIT", "2 GB", "SCRATCHNN_MEM_LIMIT must be bytes"),
    ("SCRATCHNN_MAX_SERVERS", "ten", "SCRATCHNN_MAX_SERVERS must be a whole number"),
    ("SCRATCHNN_HUB_URL", "127.0.0.1:8000", "SCRATCHNN_HUB_URL must be like http://127.0.0.1:8000"),
])
def test_a_wrong_setting_is_one_line_naming_it(tmp_path, name, value, says):
    env = {"SCRATCHNN_CLASSROOM": str(tmp_path), name: value}
    with pytest.raises(settings.SettingError) as e:
        settings.load(env)
    assert says in str(e.value) and "\n" not in str(e.value)


def test_the_defaults_are_the_documented_ones(tmp_path):
    s = settings.load({"SCRATCHNN_CLASSROOM": str(tmp_path)})
    assert (s.venv, s.teacher, s.grader, s.cpu_limit, s.idle_timeout, s.mem_limit) == \
        (Path("/opt/scratchnn/venv"), "teacher", "grader", 1.0, 3600, "2G")
    assert settings.load({}).root == Path("/srv/scratchnn")


def test_learners_txt_with_a_bom_and_indented_comments_gives_exactly_the_learners(tmp_path):
    (tmp_path / "learners.txt").write_bytes("\ufeffada\n  # the second group\n\tbob  # came late\n\n  carl\n".encode())
    assert settings.load({"SCRATCHNN_CLASSROOM": str(tmp_path)}).learners() == ["ada", "bob", "carl"]


@pytest.mark.parametrize("line", ["Bob Smith", "ada,bob", "bob@school.org", "-x"])
def test_a_line_of_learners_txt_that_is_no_user_name_is_named(tmp_path, line):
    (tmp_path / "learners.txt").write_text(f"ada\n{line}\n")
    with pytest.raises(settings.SettingError, match=r"learners.txt line 2: .* is not a user name"):
        settings.load({"SCRATCHNN_CLASSROOM": str(tmp_path)})


@pytest.mark.parametrize("script", ["start", "grade"])
def test_start_and_grade_say_a_wrong_setting_in_one_line_and_do_nothing(tmp_path, script):
    env = {**os.environ, "SCRATCHNN_CLASSROOM": str(tmp_path / "class"), "SCRATCHNN_IDLE_TIMEOUT": "1.5"}
    run = subprocess.run(["bash", str(REPO / "classroom" / script)], env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode != 0
    assert run.stderr.strip().splitlines() == [
        "classroom: SCRATCHNN_IDLE_TIMEOUT must be a whole number of seconds above 0 like 3600, got '1.5'"]
    assert not (tmp_path / "class").exists()


def test_reveal_on_the_hub_says_the_solutions_come_from_the_teacher(tmp_path, monkeypatch, capsys):
    import scratchnn as snn
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    snn.checks.reveal("dense_layer", folder=tmp_path)   # on the hub the package has no teacher's notebooks
    said = capsys.readouterr().out
    assert "solutions come from your teacher" in said and "notebooks/" not in said
