"""App mode: the drawing pad alone, served by Voila, with no code on the page.

``python -m scratchnn draw`` calls :func:`launch`, which starts Voila on ``draw.ipynb`` (shipped in
this package: one cell that shows a ``DigitRecognizer``), waits until it answers, prints the
address and opens it in your browser. Voila runs the notebook in a fresh kernel for every visitor
and shows only its outputs. The server listens on 127.0.0.1 with a random token, so only you can
reach it; the token goes to Voila in its environment, never on its command line, which every local
user can read (``ps``). Ctrl-C stops it, and Voila shuts its kernels down as it stops
(``scratchnn.pad.app.process`` starts and stops it).
"""
from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import webbrowser
from importlib import resources
from pathlib import Path

from . import process as processes

#: The app notebook, a file inside the installed package.
NOTEBOOK = Path(str(resources.files(__name__).joinpath("draw.ipynb")))


#: The environment variable through which ``launch(model=...)`` tells the app notebook which model to run.
MODEL_VARIABLE = "SCRATCHNN_PAD_MODEL"


def chosen_model():
    """The net the app notebook runs: the model file ``launch`` was given, else None (the shipped one)."""
    path = os.environ.get(MODEL_VARIABLE)
    if not path:
        return None
    from ...net import Net

    return Net.load(path)


#: The only JupyterLab extensions the app page loads: Voila's widget manager, the widgets' shared
#: modules and the canvas. Others installed next to them are not needed, and some fail in Voila
#: (Notebook 7's lab-extension logs "The getter for the shared module is not a function").
LAB_EXTENSIONS = ("@voila-dashboards/widgets-manager8", "@jupyter-widgets/jupyterlab-manager", "ipycanvas")


def _usable_port(ip, port):
    """``port`` if it is a port number nothing listens on at ``ip``; else a ValueError saying why."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"port must be a number from 1 to 65535, got {port!r}")
    with socket.socket() as s:
        try:
            s.bind((ip, port))
        except OSError as e:
            raise ValueError(f"cannot serve on {ip}:{port} ({e.strerror or e}): another program uses it "
                             "or it needs privileges; choose another --port or leave it out for a free one") from None
    return port


def _free_port(ip):
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


class AppServer:
    """A running Voila process serving the pad; ``url`` carries the token. ``stop()`` ends it
    (Voila shuts its kernels down). Usable as a context manager."""

    def __init__(self, process, url):
        self.process, self.url = process, url

    def stop(self, timeout=10.0):
        """Stop Voila: terminate, wait up to ``timeout`` seconds, then kill; its kernels too (they
        run in sessions of their own). Returns its exit code. See ``process.stop``."""
        return processes.stop(self.process, timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        state = "running" if self.process.poll() is None else f"exited {self.process.returncode}"
        return f"AppServer({self.url!r}, {state})"


def launch(port=None, open_browser=True, *, ip="127.0.0.1", wait=True, timeout=60.0, log=None, model=None):
    """Serve the drawing pad with Voila at ``http://ip:port/?token=...``.

    ``model`` is a model file for the pad to run (your ``my_handwriting.npz``); None runs the shipped one.

    ``port=None`` picks a free port. With ``wait=True`` (the command line) this blocks until Ctrl-C,
    then stops the server; with ``wait=False`` it returns the running :class:`AppServer` at once
    (tests, or your own script). ``log`` is a file for Voila's messages (default: this terminal).
    """
    if importlib.util.find_spec("voila") is None:
        raise RuntimeError("app mode needs Voila, which is not installed; "
                           "pip install 'scratchnn[lab]' (or pip install voila)")
    port = _free_port(ip) if port is None else _usable_port(ip, port)
    token = secrets.token_urlsafe(16)
    # auto_token: Voila's identity provider takes the token from JUPYTER_TOKEN in its environment
    # (readable by this user and root only), not from its command line (readable by everyone).
    argv = [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", "--theme=light",
            f"--Voila.ip={ip}", f"--port={port}", "--Voila.port_retries=0", "--Voila.auto_token=True",
            *(f"--VoilaConfiguration.extension_allowlist={name}" for name in LAB_EXTENSIONS)]
    env = {**os.environ, "JUPYTER_TOKEN": token}
    env.pop(MODEL_VARIABLE, None)
    if model is not None:
        env[MODEL_VARIABLE] = str(Path(model).resolve())
    env.pop("JUPYTER_TOKEN_FILE", None)
    # Blocking (the command line), a `kill` (SIGTERM) or a closed terminal (SIGHUP) stops Voila
    # too, like Ctrl-C: Voila runs in its own process group, so it would outlive us. Whoever reads
    # the URL may signal at once, so the handlers go in before Voila starts. Until `server` holds
    # the process a signal is only noted: raised inside Popen (after the fork) or before the
    # assignment, it would lose the process and leave Voila running with nobody to stop it. The
    # same while stopping: a second Ctrl-C must not cut `server.stop()` short (it is bounded).
    signalled = []

    def note(signum, frame):
        signalled.append(signum)

    previous = _on_stop_signals(note) if wait else {}
    try:
        process = processes.start(argv, env=env, stdout=log, stderr=None if log is None else subprocess.STDOUT)
        base = f"http://{ip}:{port}"
        server = AppServer(process, f"{base}/?token={token}")
        try:
            if previous:
                _on_stop_signals(_raise_keyboard_interrupt)
                if signalled:
                    raise KeyboardInterrupt
            processes.wait_until_serving(process, base + "/voila/static/favicon.ico", timeout,
                                         what="Voila (see its messages above)")
        except BaseException:
            if previous:
                _on_stop_signals(note)
            server.stop()
            raise
        if not wait:
            return server
        try:
            print(f"scratchnn drawing pad: {server.url}\n(Ctrl-C to stop)", flush=True)
            if open_browser:
                webbrowser.open(server.url)
            process.wait()
        except KeyboardInterrupt:
            print("stopping the drawing pad", flush=True)
        finally:
            if previous:
                _on_stop_signals(note)
            server.stop()
    finally:
        _restore_signals(previous)
    return server


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


#: The signals that stop the blocking command line (SIGHUP: the terminal closed). SIGINT (Ctrl-C) is
#: among them because a process started in the background by a shell without job control (a CI
#: script, `cmd &` in a script) inherits SIGINT *ignored*, and Python then never raises
#: KeyboardInterrupt: `scratchnn draw` would outlive every Ctrl-C sent to it.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _on_stop_signals(handler):
    """Install ``handler`` for STOP_SIGNALS where that is possible (the main thread); return the old ones."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}


def _restore_signals(previous):
    for signum, handler in previous.items():
        if handler is not None:      # None: the old handler was not set from Python
            signal.signal(signum, handler)
