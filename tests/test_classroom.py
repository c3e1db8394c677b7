"""The class hub of classroom/ really starts, lets a learner in and runs a notebook in their kernel.

Starts ``classroom/start`` on 127.0.0.1 with a test-only authenticator (DummyAuthenticator with a
password) and spawner (SimpleLocalProcessSpawner), logs one learner in through the REST API,
starts their server, runs the forward-pass notebook in a kernel of theirs, and stops everything
it started. Needs jupyterhub, jupyterhub-idle-culler and configurable-http-proxy (npm); without
them it is skipped with the reason (in CI, ``CI=true``, it fails instead).
"""
import importlib.util
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "classroom"))

MISSING = [name for name in ("jupyterhub", "jupyterhub_idle_culler", "psutil") if importlib.util.find_spec(name) is None]
if shutil.which("configurable-http-proxy") is None:
    MISSING.append("configurable-http-proxy (npm install -g configurable-http-proxy)")
if MISSING and os.environ.get("CI") != "true":
    pytest.skip(f"needs {', '.join(MISSING)}", allow_module_level=True)


def test_hub_from_classroom_lets_a_learner_in_and_runs_the_forward_pass_notebook(tmp_path):
    assert not MISSING, f"CI must install {', '.join(MISSING)} (.ci/run)"
    import hub_client

    notebook = next(REPO.glob("notebooks/*neurons_and_forward_pass*.ipynb"))
    (tmp_path / "course").mkdir()
    shutil.copy(notebook, tmp_path / "course")  # the course folder, as the student release makes it
    hub = hub_client.Hub(tmp_path, ["learner1"])
    try:
        hub.wait_ready(timeout=180)
        token = hub.login("learner1")
        hub.start_server("learner1", token, timeout=180)
        hub.remember_processes()
        assert (tmp_path / "home" / "learner1" / "scratchnn-course" / notebook.name).exists()
        result = hub.run_notebook("learner1", token, notebook, timeout=600)
        assert result["errors"] == []
        assert list((tmp_path / "mnist-cache").glob("float32-*/images.npy")), "the shared MNIST cache was not made"
        with pytest.raises(RuntimeError, match="login of learner1 failed: 403"):
            hub.PASSWORD, real = "wrong", hub.PASSWORD
            try:
                hub.login("learner1")
            finally:
                hub.PASSWORD = real
    finally:
        begun = time.monotonic()
        hub.stop(timeout=30)
        stopped_in = time.monotonic() - begun
    assert hub.process.poll() is not None and stopped_in < 60
    assert not [p for p in hub._seen if _alive(p)], "processes left running"


def _alive(proc):
    import psutil
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
