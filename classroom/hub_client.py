"""Drive the class hub as learners would, through its REST API only (stdlib + tornado).

Used by the classroom tests (tests/test_classroom*.py) and the class load test
(benchmarks/class_load.py): real Unix accounts with passwords (``Accounts``, as root; removed
after), the hub started with ``classroom/start`` on 127.0.0.1 with its own PAM authenticator and
LocalProcessSpawner, learners logged in, their servers started, notebooks run in their kernels,
everything stopped. Every wait is bounded. Only 127.0.0.1 is ever contacted.
"""
from __future__ import annotations

import asyncio
import json
import os
import pwd
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from prepare import kill_processes_of  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, method="GET", body=None, token=None, timeout=30.0, form=None):
    """``(status, parsed JSON or None)`` of one HTTP request to the hub (127.0.0.1 only); ``form``: a
    form-encoded body."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"only 127.0.0.1 is contacted, not {url}")
    if form is not None:
        data, kind = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    else:
        data, kind = (None if body is None else json.dumps(body).encode()), "application/json"
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", kind)
    if token:
        req.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            text = response.read()
            return response.status, (json.loads(text) if text.strip() else None)
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text.decode(errors="replace")


def _descendants(pid):
    import psutil
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


class Accounts:
    """Real Unix accounts for a test or benchmark class, each with a random password (root only).

    ``remove()`` kills every process they have and deletes them with their homes; call it in a
    ``finally``. Names must not exist before: an existing account is never touched.
    """

    def __init__(self):
        self.passwords = {}

    def add(self, name, home=True, password=True):
        if _account(name) is not None:
            raise RuntimeError(f"the account {name} exists already: remove it (userdel -r {name}) or pick another name")
        subprocess.run(["useradd", *(["--create-home"] if home else []), "--shell", "/bin/bash", name], check=True)
        self.passwords[name] = None
        if password:
            self.set_password(name)
        return name

    def adopt(self, name):
        """An account someone else made (the hub, classroom/start): removed with the others."""
        self.passwords.setdefault(name, None)
        return name

    def set_password(self, name):
        self.passwords[name] = secrets.token_urlsafe(12)
        subprocess.run(["chpasswd"], input=f"{name}:{self.passwords[name]}\n", text=True, check=True)
        return self.passwords[name]

    def run(self, name, argv, timeout=60, **kwargs):
        """Run ``argv`` as ``name`` (their uid and group only) in their home if they have one."""
        user = pwd.getpwnam(name)
        cwd = user.pw_dir if os.path.isdir(user.pw_dir) else "/"
        return subprocess.run(argv, user=user.pw_uid, group=user.pw_gid, extra_groups=[], cwd=cwd,
                              env={"HOME": user.pw_dir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                              capture_output=True, text=True, timeout=timeout, **kwargs)

    def remove(self):
        for name in list(self.passwords):
            user = _account(name)
            if user is not None:
                kill_processes_of(user.pw_uid)
                subprocess.run(["userdel", "--remove", name], capture_output=True)
            self.passwords.pop(name)


def _account(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


class Hub:
    """``classroom/start`` on 127.0.0.1 (free ports) for the class in ``root`` (``SCRATCHNN_CLASSROOM``),
    with its own PAM authenticator and LocalProcessSpawner; ``passwords`` maps user names to
    passwords for ``login``. Needs root, ``classroom/install`` done, and the teacher's account."""

    def __init__(self, root: Path, passwords: dict, extra_args=(), env=None, log=None):
        self.root = Path(root)
        self.passwords = passwords
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = ["bash", str(HERE / "start"),
                f"--JupyterHub.hub_bind_url=http://127.0.0.1:{free_port()}",
                f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}",
                *extra_args]
        self.log_path = Path(f"{self.root}.hub.log")
        self._log = open(self.log_path, "ab") if log is None else log
        self.started = time.monotonic()
        self.env = {**os.environ, "SCRATCHNN_CLASSROOM": str(self.root), "SCRATCHNN_HUB_URL": self.url, **(env or {})}
        self.process = subprocess.Popen(argv, env=self.env,
                                        stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self._seen = []  # every process found below the hub, to kill on stop

    def wait_ready(self, timeout=300.0) -> float:
        """Seconds from start until the hub's API answers through the proxy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _ = request(f"{self.url}/hub/api/", timeout=5)
                if status == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"the hub did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def remember_processes(self):
        self._seen += _descendants(self.process.pid)

    def stop(self, timeout=60.0) -> float:
        """SIGTERM the hub (it stops the proxy and every learner's server), then kill what is left.

        Returns the seconds the hub took to exit by itself (``timeout`` if it had to be killed)."""
        import psutil
        self.remember_processes()
        begun = time.monotonic()
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        took = time.monotonic() - begun if self.process.poll() is not None else timeout
        if self.process.poll() is None:
            with _suppress():
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        for proc in self._seen:
            with _suppress():
                if proc.is_running():
                    proc.kill()
        psutil.wait_procs([p for p in self._seen], timeout=10)
        if self._log is not None and not self._log.closed:
            self._log.close()
        return took

    # -- a learner, through the REST API
    def login(self, user, password=None) -> str:
        """Log ``user`` in with their password through PAM (the API's body authentication); returns their API token."""
        password = self.passwords[user] if password is None else password
        status, body = request(f"{self.url}/hub/api/users/{user}/tokens", "POST",
                               {"auth": {"username": user, "password": password}, "note": "class test",
                                "expires_in": 3600})
        if status not in (200, 201):
            raise RuntimeError(f"login of {user} failed: {status} {body}")
        return body["token"]

    def start_server(self, user, token, timeout=180.0) -> float:
        """Start ``user``'s server and wait until it is ready; returns the seconds it took."""
        begun = time.monotonic()
        status, body = request(f"{self.url}/hub/api/users/{user}/server", "POST", token=token, timeout=timeout)
        if status not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"starting {user}'s server failed: {status} {body}")
        deadline = begun + timeout
        while time.monotonic() < deadline:
            status, model = request(f"{self.url}/hub/api/users/{user}", token=token)
            server = (model or {}).get("servers", {}).get("") if status == 200 else None
            if server and server.get("ready"):
                return time.monotonic() - begun
            if status == 200 and not server:
                raise RuntimeError(f"{user}'s server did not start:\n{self.log_tail()}")
            time.sleep(0.25)
        raise TimeoutError(f"{user}'s server was not ready within {timeout:.0f} s:\n{self.log_tail()}")

    def stop_server(self, user, token, timeout=60.0):
        request(f"{self.url}/hub/api/users/{user}/server", "DELETE", token=token)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, model = request(f"{self.url}/hub/api/users/{user}", token=token)
            if status == 200 and not model.get("servers"):
                return
            time.sleep(0.25)

    def run_notebook(self, user, token, notebook: Path, timeout=900.0, cell_timeout=600.0):
        """Run every code cell of ``notebook`` (a local file) in a new kernel on ``user``'s server.

        Returns ``{"seconds", "errors"}``; ``errors`` lists each cell that raised
        (cells marked ``NBVAL_RAISES_EXCEPTION`` are meant to). The kernel is shut down after.
        """
        base = f"{self.url}/user/{user}"
        status, kernel = request(f"{base}/api/kernels", "POST", {"name": "python3"}, token=token)
        if status not in (200, 201):
            raise RuntimeError(f"no kernel for {user}: {status} {kernel}")
        try:
            return asyncio.run(asyncio.wait_for(
                _run_cells(f"ws://127.0.0.1:{self.port}/user/{user}/api/kernels/{kernel['id']}/channels",
                           token, _code_cells(notebook), cell_timeout), timeout))
        finally:
            request(f"{base}/api/kernels/{kernel['id']}", "DELETE", token=token)


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        return kind is not None and issubclass(kind, Exception)


def _code_cells(notebook: Path):
    nb = json.loads(Path(notebook).read_text())
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cells.append((source, "NBVAL_RAISES_EXCEPTION" in source))
    return cells


async def _run_cells(url, token, cells, cell_timeout):
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}),
                                   max_message_size=256 << 20)
    session, errors = uuid.uuid4().hex, []
    begun = time.monotonic()
    try:
        for index, (code, may_raise) in enumerate(cells):
            msg_id = uuid.uuid4().hex
            conn.write_message(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "learner",
                           "session": session, "date": "", "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True}}))
            replied = idle = False
            deadline = time.monotonic() + cell_timeout
            while not (replied and idle):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"cell {index} did not finish within {cell_timeout:.0f} s")
                raw = await asyncio.wait_for(conn.read_message(), left)
                if raw is None:
                    raise ConnectionError("the kernel's websocket closed")
                if isinstance(raw, bytes):
                    continue  # a binary frame (widget buffers): not ours to read
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "execute_reply":
                    replied = True
                    if msg["content"]["status"] == "error" and not may_raise:
                        errors.append(f"cell {index}: {msg['content'].get('ename')}: {msg['content'].get('evalue')}")
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
        return {"seconds": time.monotonic() - begun, "errors": errors}
    finally:
        conn.close()
