"""Starting a server process and stopping it with everything it started.

One helper for every server the project runs: the drawing app's Voila (``scratchnn.pad.app``), the
browser tests' JupyterLab and Voila (``tests/browser/browser_harness.py``), and any other
Jupyter-family server (a class hub). A server starts in a session of its own, so Ctrl-C in a
terminal reaches only its parent, which stops it in order: SIGTERM to its group (it shuts its
kernels down), SIGKILL if it does not exit in time. Jupyter starts kernels in sessions of their
own, so the ones that outlive the server are found beforehand as its descendants (Linux
``/proc``) and killed by pid, checked against their start time so a reused pid is never hit.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

# A process group of its own (POSIX: a new session; Windows: a new process group).
OWN_GROUP = ({"start_new_session": True} if os.name == "posix"
             else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)})


def start(argv, **popen_options) -> subprocess.Popen:
    """``subprocess.Popen(argv, **popen_options)`` in a process group of its own."""
    return subprocess.Popen(argv, **popen_options, **OWN_GROUP)


def wait_until_serving(process, url, timeout, what="the server"):
    """Poll ``url`` until it answers 200; a RuntimeError if ``process`` exits first or ``timeout``
    seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer at {url} within {timeout:.0f} s")


def stop(process, timeout=10.0, kernel_grace=2.0):
    """Stop ``process`` (started by ``start``) and whatever it started; return its exit code.

    SIGTERM to its group, up to ``timeout`` seconds to exit, then SIGKILL. Descendants in sessions
    of their own (kernels) get ``kernel_grace`` seconds to exit by themselves once it is gone,
    then SIGKILL. Bounded however busy the machine is; safe to call twice.
    """
    posix = os.name == "posix"
    children = descendants(process.pid)
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM) if posix else process.terminate()
            process.wait(timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL) if posix else process.kill()
        except (ProcessLookupError, PermissionError):
            pass
    process.wait()
    deadline = time.monotonic() + kernel_grace  # a kernel whose server is gone exits by itself soon
    while (alive := [c for c in children if same_process(*c)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid, _ in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + 1.0  # SIGKILL is not instant either
    while any(same_process(*c) for c in alive) and time.monotonic() < deadline:
        time.sleep(0.02)
    return process.returncode


def start_time(pid):
    """The start time of process ``pid`` (Linux /proc, in clock ticks), or None if it is gone (or a zombie)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def same_process(pid, started):
    """True while ``pid`` is the live process that started at ``started`` (not a reused pid)."""
    return started is not None and start_time(pid) == started


def descendants(pid):
    """``[(pid, start time)]`` of every process below ``pid`` (Linux /proc; elsewhere none)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append((int(stat.parent.name), fields[19]))
        except (OSError, IndexError, ValueError):  # gone meanwhile, or a malformed line
            continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found
