"""JupyterHub for a class taking the scratchnn course on one machine.

``classroom/start`` prepares ``$SCRATCHNN_CLASSROOM`` (see classroom/settings.py for every
variable) and runs the venv's ``jupyterhub -f classroom/jupyterhub_config.py``; options after
``classroom/start`` go to JupyterHub and win over this file.

Learners log in with their Unix account and password (PAM). Each learner's server runs as that
user (``LocalProcessSpawner``) from the venv by absolute path, with no path into the repository:
``shared/singleuser.py`` first makes the home 0700 and syncs the course, as the learner, then
becomes ``jupyterhub-singleuser``. Kernels talk over Unix sockets in the learner's own runtime folder
(``--KernelManager.transport=ipc``), never over TCP ports a classmate could reach. When a server
stops, every process the learner still has is killed. Idle servers are stopped after
``$SCRATCHNN_IDLE_TIMEOUT`` seconds, idle kernels after 30 minutes.
"""
import os
import pwd
import stat
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import settings as class_settings
from prepare import kill_processes_of

c = get_config()  # noqa: F821 (JupyterHub defines it when it reads this file)

try:
    S = class_settings.load()
except class_settings.SettingError as e:
    sys.exit(f"classroom: {e}")
VENV_BIN = S.venv / "bin"

# -- where it listens. Learners on other machines need a public address and TLS
#    (--JupyterHub.bind_url=https://0.0.0.0:443 --JupyterHub.ssl_cert=... --JupyterHub.ssl_key=...).
c.JupyterHub.bind_url = S.hub_url
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = f"sqlite:///{S.hub / 'jupyterhub.sqlite'}"   # hub/ is root's, 0700
c.JupyterHub.cookie_secret_file = str(S.hub / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(S.hub / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(S.hub / "proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server too

# -- who may log in: the teacher always (JupyterHub >= 5 lets nobody in when allowed_users is
#    empty), the learners in learners.txt, and users added on the Admin page (kept in the database).
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.admin_users = {S.teacher}
c.Authenticator.allowed_users = {S.teacher, *S.learners()}
c.Authenticator.allow_existing_users = True
# Users added on the Admin page get an account with a 0700 home (they still need a password:
# chpasswd or passwd NAME, README).
c.LocalAuthenticator.create_system_users = True
c.LocalAuthenticator.add_user_cmd = ["useradd", "--create-home", "--key", "HOME_MODE=0700", "--shell", "/bin/bash"]

# -- each learner's server
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV_BIN / "python"), str(S.shared / "singleuser.py")]
c.Spawner.default_url = "/lab/tree/scratchnn-course"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.env_keep = ["LANG", "LC_ALL"]          # not the hub's PATH or PYTHONPATH: nothing of the repository
c.Spawner.environment = {
    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
    "SCRATCHNN_DATA": str(S.shared / "mnist"),         # the MNIST files, copied out of the repository
    "SCRATCHNN_CACHE": str(S.shared / "mnist-cache"),  # the shared read-only float32 MNIST
    "SCRATCHNN_COURSE_RELEASE": str(S.exchange / "scratchnn" / "outbound" / "scratchnn-course"),
    "JUPYTER_CONFIG_PATH": str(S.shared / "jupyter"),  # nbgrader's exchange, for the Assignments tab
    "OMP_NUM_THREADS": "1",                            # one core per learner's kernel: no thread fights
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
# Local processes cannot be held to a memory or CPU limit by JupyterHub itself: these are passed
# to the server as MEM_LIMIT / CPU_LIMIT (shown by jupyter-resource-usage, if installed). For
# limits the kernel enforces, use jupyterhub-systemdspawner (cgroups), which reads the same two.
c.Spawner.mem_limit = S.mem_limit
c.Spawner.cpu_limit = S.cpu_limit
c.Spawner.args = [
    "--KernelManager.transport=ipc",                   # kernels on Unix sockets in ~/.local/share/jupyter/runtime
    "--MappingKernelManager.cull_idle_timeout=1800",   # a kernel idle 30 min is shut down
    "--MappingKernelManager.cull_interval=300",
]
c.LocalProcessSpawner.interrupt_timeout = 3           # a server gets 3 s to stop on SIGINT, then SIGTERM
c.LocalProcessSpawner.term_timeout = 2
c.JupyterHub.concurrent_spawn_limit = 20              # a whole class logging in at 9:00
c.JupyterHub.active_server_limit = S.max_servers      # 0: no limit


def close_home(name):
    """Make ``name``'s home 0700 (a home ``useradd -m`` made is 0755). Never creates one.

    Opened with O_NOFOLLOW and changed through the descriptor: root acts on the home folder
    itself (its parent is root's), never on a path a learner could swap.
    """
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        raise RuntimeError(f"{name} has no Unix account: add it with "
                           f"useradd --create-home --key HOME_MODE=0700 {name}") from None
    try:
        fd = os.open(user.pw_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise RuntimeError(f"{name} has no home folder {user.pw_dir}: make it with "
                           f"mkhomedir_helper {name} 0077 (the hub never makes homes)") from None
    except OSError as e:
        raise RuntimeError(f"{name}'s home {user.pw_dir} is not a plain folder ({e.strerror})") from None
    try:
        st = os.fstat(fd)
        if st.st_uid != user.pw_uid:
            raise RuntimeError(f"{name}'s home {user.pw_dir} belongs to uid {st.st_uid}, not {name} ({user.pw_uid})")
        if stat.S_IMODE(st.st_mode) & 0o077:
            os.fchmod(fd, 0o700)
    finally:
        os.close(fd)


def before_start(spawner):
    close_home(spawner.user.name)


def kill_leftovers(spawner):
    """Kill every process the learner still has once their server stopped (a ``setsid`` loop too)."""
    uid = pwd.getpwnam(spawner.user.name).pw_uid
    if uid != 0 and uid != os.getuid():
        kill_processes_of(uid)


c.Spawner.pre_spawn_hook = before_start
c.Spawner.post_stop_hook = kill_leftovers

# Close the homes of everyone in learners.txt now, not only at their first login.
for _name in S.learners():
    try:
        close_home(_name)
    except RuntimeError:
        pass  # no account or home yet: said at their login

# -- stop servers nobody used for a while (frees their memory for the others)
#    JupyterHub stops a service with SIGINT and waits 30 s (not configurable for services) before
#    SIGTERM; the culler ignores SIGINT, so the culler here dies on it at once (nothing to save).
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [str(VENV_BIN / "python"), "-c",
                "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                "sys.argv[0] = 'jupyterhub-idle-culler'; "
                "runpy.run_module('jupyterhub_idle_culler', run_name='__main__')",
                f"--timeout={S.idle_timeout}", "--cull-every=300"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
