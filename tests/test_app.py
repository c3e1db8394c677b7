"""`scratchnn.pad.app` without a browser: what ships, and how launching fails. (The browser tests in
`tests/browser/test_app_mode.py` run the app for real.)"""
import importlib.util
import json
import socket
from pathlib import Path

import pytest

from scratchnn.pad import app
from scratchnn.pad.app import process as process_helper


def test_app_notebook_ships_with_the_package_and_shows_only_the_recognizer():
    nb = json.loads(app.NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) == 1
    source = "".join(code[0]["source"])
    assert source.strip().endswith("DigitRecognizer(chosen_model())"), source
    assert code[0]["outputs"] == [], "Voila runs the app notebook itself; store it without outputs"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_launch_without_voila_says_how_to_install_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "voila" else real(name, *a))
    with pytest.raises(RuntimeError, match=r"pip install 'scratchnn\[lab\]'"):
        app.launch(open_browser=False, wait=False)


@pytest.mark.skipif(importlib.util.find_spec("voila") is None, reason="needs voila")
def test_launch_on_a_busy_or_impossible_port_is_refused_before_voila_starts(monkeypatch):
    import subprocess

    def no_voila(*args, **kwargs):
        raise AssertionError("Voila was started")

    monkeypatch.setattr(subprocess, "Popen", no_voila)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ValueError, match=f"cannot serve on 127.0.0.1:{port} .*another program uses it"):
            app.launch(port=port, open_browser=False, wait=False)
    for bad in (99999, 0, -1, "8866", True):
        with pytest.raises(ValueError, match=f"port must be a number from 1 to 65535, got {bad!r}"):
            app.launch(port=bad, open_browser=False, wait=False)


@pytest.mark.skipif(importlib.util.find_spec("voila") is None, reason="needs voila")
def test_draw_with_port_99999_says_so_and_starts_nothing(tmp_path):
    import subprocess
    import sys

    cli = subprocess.run([sys.executable, "-m", "scratchnn", "draw", "--no-browser", "--port", "99999"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 2 and cli.stdout == ""
    assert cli.stderr.strip() == ("scratchnn: error: argument --port: expected a port number from 1 to 65535, "
                                  "got '99999' (see `scratchnn draw --help`)")


@pytest.mark.skipif(importlib.util.find_spec("voila") is None, reason="needs voila")
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_draw_stopped_with_sigterm_or_sighup_takes_voila_down_too(tmp_path, signame):
    """`kill` (SIGTERM) or a closed terminal (SIGHUP), not just Ctrl-C, must not leave Voila, which
    has its own process group, behind. SIGINT is sent to a CLI started with SIGINT ignored, as a
    shell without job control starts background commands (CI): Ctrl-C must stop it all the same."""
    import signal
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    def ignore_sigint():
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    cli = subprocess.Popen([sys.executable, "-m", "scratchnn", "draw", "--no-browser"], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           preexec_fn=ignore_sigint if signame == "SIGINT" else None)
    try:
        assert cli.stdout.readline().startswith("the pad runs the shipped model")   # no my_handwriting.npz here
        line = cli.stdout.readline()
        assert line.startswith("scratchnn drawing pad: http://127.0.0.1:"), line
        url = line.split()[-1]
        cli.send_signal(getattr(signal, signame))
        assert cli.wait(timeout=30) == 0
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(url, timeout=5)
    finally:
        if cli.poll() is None:   # a failed assertion above: SIGTERM lets the CLI stop its Voila too
            cli.terminate()
            try:
                cli.wait(timeout=30)
            except subprocess.TimeoutExpired:
                cli.kill()


def _processes_with(text):
    """Pids of live processes whose command line contains ``text`` (Linux /proc)."""
    from pathlib import Path
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                pids.append(int(cmdline.parent.name))
        except OSError:  # the process ended while we looked
            pass
    return pids


@pytest.mark.skipif(importlib.util.find_spec("voila") is None, reason="needs voila")
@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGTERM") or __import__("os").name != "posix",
                    reason="needs POSIX signals")
def test_a_kill_that_lands_inside_popen_still_stops_what_it_started(monkeypatch):
    """The window the CLI test below hits only now and then under load, made certain: SIGTERM
    arrives after the fork, before Popen returns. Raised there, it lost the process (Voila ran on)."""
    import os
    import signal
    import subprocess
    import sys

    started, real_popen = [], subprocess.Popen

    def popen_then_kill(argv, **kwargs):
        started.append(real_popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                        start_new_session=True))
        os.kill(os.getpid(), signal.SIGTERM)      # our handler runs here, inside "Popen"
        return started[0]

    monkeypatch.setattr(app.subprocess, "Popen", popen_then_kill)
    before = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(KeyboardInterrupt):
            app.launch(open_browser=False, wait=True, timeout=30)
        assert started[0].poll() is not None, "the started process outlived launch()"
        assert signal.getsignal(signal.SIGTERM) is before
    finally:
        if started and started[0].poll() is None:
            started[0].kill()


@pytest.mark.skipif(importlib.util.find_spec("voila") is None, reason="needs voila")
@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self"), reason="needs Linux /proc")
def test_draw_stopped_with_sigterm_while_voila_starts_leaves_nothing_behind(tmp_path):
    """A `kill` that lands while Voila is still starting (before the address is printed)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    marker = f"--port={port}"
    cli = subprocess.Popen([sys.executable, "-m", "scratchnn", "draw", "--no-browser", "--port", str(port)],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 60
        while not [p for p in _processes_with(marker) if p != cli.pid] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _processes_with(marker), "Voila did not start"
        cli.send_signal(signal.SIGTERM)
        assert cli.wait(timeout=30) == 130
        assert [p for p in _processes_with(marker) if p != os.getpid()] == [], "Voila outlived the CLI"
        out, _ = cli.communicate(timeout=10)   # bounded: an orphaned Voila would hold the pipe open
        assert "scratchnn drawing pad" not in out
    finally:
        if cli.poll() is None:
            cli.kill()
        for pid in _processes_with(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.mark.skipif(importlib.util.find_spec("voila") is None, reason="needs voila")
def test_the_app_allows_only_installed_lab_extensions_and_voila_json_allows_the_same():
    """The allowlist keeps other extensions (e.g. Notebook 7's, which fails in Voila) off the page;
    a renamed extension in it would leave the pad blank, so check each one is installed."""
    from pathlib import Path

    from jupyterlab_server.config import get_federated_extensions
    from voila.utils import get_voila_labextensions_path

    installed = get_federated_extensions(get_voila_labextensions_path())
    assert set(app.LAB_EXTENSIONS) <= set(installed), sorted(installed)
    repo_config = json.loads((Path(__file__).parents[1] / "voila.json").read_text())
    assert tuple(repo_config["VoilaConfiguration"]["extension_allowlist"]) == app.LAB_EXTENSIONS


@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self"), reason="needs Linux /proc")
def test_stop_is_bounded_when_voila_hangs_and_kills_its_kernels_in_their_own_sessions():
    """A Voila that ignores SIGTERM (busy, or stuck shutting kernels down) is killed after the
    timeout, and the kernels it started in sessions of their own (as jupyter_client does) too."""
    import subprocess
    import sys
    import time

    hung_voila = ("import signal, subprocess, sys, time\n"
                  "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                  "kernel = subprocess.Popen([sys.executable, '-c', 'import signal, time\\n"
                  "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\ntime.sleep(120)'], start_new_session=True)\n"
                  "print(kernel.pid, flush=True)\ntime.sleep(120)\n")
    process = subprocess.Popen([sys.executable, "-c", hung_voila], stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    kernel = int(process.stdout.readline())
    started = process_helper.start_time(kernel)
    begun = time.monotonic()
    app.AppServer(process, "http://127.0.0.1:1/").stop(timeout=1.0)
    assert time.monotonic() - begun < 10
    assert process.poll() is not None and not process_helper.same_process(kernel, started)


@pytest.mark.skipif(importlib.util.find_spec("voila") is None, reason="needs voila")
@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self"), reason="needs Linux /proc")
def test_the_token_is_on_no_command_line_and_still_guards_the_pad():
    """`scratchnn draw` put --token=... on Voila's command line, which every local user reads with `ps`."""
    import urllib.parse
    import urllib.request
    from pathlib import Path

    server = app.launch(open_browser=False, wait=False, log=__import__("subprocess").DEVNULL)
    try:
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(server.url).query)["token"][0]
        pids = [server.process.pid] + [pid for pid, _ in process_helper.descendants(server.process.pid)]
        for pid in pids:
            assert token not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        assert token not in Path("/proc/self/cmdline").read_bytes().decode(errors="replace")
        assert _processes_with(token) == []
        with urllib.request.urlopen(server.url, timeout=30) as page:  # the token opens the pad
            assert page.status == 200 and "/login" not in page.url
        with urllib.request.urlopen(server.url.split("?")[0], timeout=30) as page:  # no token: the login page
            assert "/login" in page.url
    finally:
        server.stop()


def test_the_app_notebook_runs_the_model_launch_was_given(tmp_path, monkeypatch):
    """Issue 18: the pad of `scratchnn draw` runs the learner's my_handwriting.npz; the app notebook
    reads the file launch() names in its environment, and the shipped model without it."""
    import scratchnn as snn

    own = snn.Net([snn.InLayer(784), snn.Dense(10, "softmax")], seed=3)
    own.save(tmp_path / "my_handwriting.npz")
    monkeypatch.delenv(app.MODEL_VARIABLE, raising=False)
    assert app.chosen_model() is None
    monkeypatch.setenv(app.MODEL_VARIABLE, str(tmp_path / "my_handwriting.npz"))
    assert app.chosen_model().architecture() == [784, 10]


def test_scratchnn_draw_picks_up_my_handwriting_here_or_in_student(tmp_path, monkeypatch):
    from scratchnn.__main__ import draw_model

    monkeypatch.chdir(tmp_path)
    assert draw_model(None) is None                                   # nothing: the shipped model
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "my_handwriting.npz").write_bytes(b"")
    assert draw_model(None) == Path("student/my_handwriting.npz")
    (tmp_path / "my_handwriting.npz").write_bytes(b"")
    assert draw_model(None) == Path("my_handwriting.npz")            # the current folder first
    assert draw_model(Path("other.npz")) == Path("other.npz")        # --model wins
