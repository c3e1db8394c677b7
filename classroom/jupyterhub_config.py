"""JupyterHub for a class taking the scratchnn course on one machine.

Start it with ``classroom/start`` (it prepares the folders below, then runs
``jupyterhub -f classroom/jupyterhub_config.py``). Everything lives under
``$SCRATCHNN_CLASSROOM`` (default ``/srv/scratchnn``):

- ``learners.txt``  one learner's user name per line (the teacher can also add users on the
  hub's Admin page); ``teacher`` (or ``$SCRATCHNN_TEACHER``) is the admin;
- ``course/``       the student release of the notebooks (made once with nbgrader), copied into
  each learner's home as ``scratchnn-course/`` the first time their server starts;
- ``mnist-cache/``  MNIST as one float32 file that every learner's kernels map read-only
  (one copy in memory for the whole class);
- ``hub/``          the hub's database, cookie secret and pid files.

Learners log in with their Unix account and password (PAM); the hub creates the accounts of
users added on the Admin page. Each learner's Jupyter server runs as that user
(``LocalProcessSpawner``). Idle servers are stopped by ``jupyterhub-idle-culler`` after
``$SCRATCHNN_IDLE_TIMEOUT`` seconds (default one hour), and idle kernels inside a server after
30 minutes. Any of these settings can be overridden on the command line of ``classroom/start``
(``--JupyterHub.bind_url=...``), which wins over this file.
"""
import os
import pwd
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub defines it when it reads this file)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ROOT = Path(os.environ.get("SCRATCHNN_CLASSROOM", "/srv/scratchnn"))
STATE, COURSE, CACHE = ROOT / "hub", ROOT / "course", ROOT / "mnist-cache"
STATE.mkdir(parents=True, exist_ok=True)

# -- where it listens. Learners on other machines need a public address and TLS
#    (--JupyterHub.bind_url=https://0.0.0.0:443 --JupyterHub.ssl_cert=... --JupyterHub.ssl_key=...).
c.JupyterHub.bind_url = os.environ.get("SCRATCHNN_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server too

# -- who may log in
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.create_system_users = True  # users added on the Admin page get an account
c.Authenticator.admin_users = {os.environ.get("SCRATCHNN_TEACHER", "teacher")}
learners = ROOT / "learners.txt"
if learners.exists():
    c.Authenticator.allowed_users = {line.strip() for line in learners.read_text().splitlines()
                                     if line.strip() and not line.startswith("#")}

# -- each learner's server
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.default_url = "/lab/tree/scratchnn-course"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "SCRATCHNN_CACHE": str(CACHE),               # the shared read-only MNIST
    "SCRATCHNN_DATA": str(REPO / "data" / "mnist"),
    "OMP_NUM_THREADS": "1",                      # one core per learner's kernel: no thread fights
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
# Local processes cannot be held to a memory or CPU limit by JupyterHub itself: these are passed
# to the server as MEM_LIMIT / CPU_LIMIT (shown by jupyter-resource-usage, if installed). For
# limits the kernel enforces, use jupyterhub-systemdspawner (cgroups), which reads the same two.
c.Spawner.mem_limit = os.environ.get("SCRATCHNN_MEM_LIMIT", "2G")
c.Spawner.cpu_limit = float(os.environ.get("SCRATCHNN_CPU_LIMIT", "1"))
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=1800",   # a kernel idle 30 min is shut down
    "--MappingKernelManager.cull_interval=300",
]
# The test-only SimpleLocalProcessSpawner runs learners as the hub's own user (root in CI).
c.SimpleLocalProcessSpawner.args = [*c.Spawner.args, "--allow-root"]
c.JupyterHub.concurrent_spawn_limit = 20              # a whole class logging in at 9:00
c.JupyterHub.active_server_limit = int(os.environ.get("SCRATCHNN_MAX_SERVERS", "0"))  # 0: no limit


def copy_course(spawner):
    """Give a learner their own copy of the student notebooks, once (their work is never overwritten)."""
    home = Path(getattr(spawner, "home_dir", "") or pwd.getpwnam(spawner.user.name).pw_dir)
    target = home / "scratchnn-course"
    if not COURSE.is_dir() or target.exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    shutil.copytree(COURSE, target)
    if os.geteuid() == 0 and type(spawner).__name__ == "LocalProcessSpawner":
        user = pwd.getpwnam(spawner.user.name)
        for path in [target, *target.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)


c.Spawner.pre_spawn_hook = copy_course

# -- stop servers nobody used for a while (frees their memory for the others)
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={int(os.environ.get('SCRATCHNN_IDLE_TIMEOUT', '3600'))}", "--cull-every=300"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
