"""The class's settings, read from the environment, each checked with a one-line error.

Every variable that ``classroom/install``, ``classroom/start``, ``classroom/grade`` and
``classroom/jupyterhub_config.py`` read (the README's teacher section lists them too):

=========================  ==============================  ============================================
variable                   default                         what it is
=========================  ==============================  ============================================
SCRATCHNN_CLASSROOM        /srv/scratchnn                  the class's folder (absolute path)
SCRATCHNN_VENV             /opt/scratchnn/venv             the venv ``classroom/install`` made
SCRATCHNN_TEACHER          teacher                         the hub's admin (a Unix account)
SCRATCHNN_GRADER           grader                          the account that grades (never root)
SCRATCHNN_HUB_URL          http://127.0.0.1:8000           where the hub listens
SCRATCHNN_MEM_LIMIT        2G                              per server, as MEM_LIMIT (see README)
SCRATCHNN_CPU_LIMIT        1                               per server, in cores, as CPU_LIMIT
SCRATCHNN_MAX_SERVERS      0                               servers at once (0: no limit)
SCRATCHNN_IDLE_TIMEOUT     3600                            seconds before an idle server is stopped
SCRATCHNN_GRADE_TIMEOUT    600                             seconds one learner's grading may take
SCRATCHNN_NOTEBOOKS        (all)                           only the notebooks starting with these
=========================  ==============================  ============================================

``python3 classroom/settings.py`` checks them all and prints the first wrong one.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

#: Debian's NAME_REGEX for user names (adduser.conf), which is also what useradd accepts here.
USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


class SettingError(ValueError):
    """A setting with a wrong value; its message is one line naming the setting, what was expected and what came."""


def _raw(env, name, default):
    value = env.get(name, "")
    return value.strip() if value.strip() else default


def whole_seconds(env, name, default):
    value = _raw(env, name, default)
    if not re.fullmatch(r"[0-9]+", value) or int(value) == 0:
        raise SettingError(f"{name} must be a whole number of seconds above 0 like {default}, got {value!r}")
    return int(value)


def cores(env, name, default):
    value = _raw(env, name, default)
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number > 0 or number == float("inf"):
        raise SettingError(f"{name} must be a number of cores above 0 like 1 or 0.5, got {value!r}")
    return number


def absolute_path(env, name, default):
    value = _raw(env, name, default)
    if not value.startswith("/"):
        raise SettingError(f"{name} must be an absolute path like {default}, got {value!r}")
    return Path(os.path.normpath(value))


def user_name(env, name, default):
    value = _raw(env, name, default)
    if not USER_NAME.match(value):
        raise SettingError(f"{name} must be a user name (lower-case letters, digits, _ or -), got {value!r}")
    return value


def read_learners(path: Path) -> list[str]:
    """The user names in ``learners.txt``: one per line; blank lines and ``#`` comments (indented or not) skipped.

    A byte-order mark (as Windows editors write) is ignored; any other line that is not a user name
    is an error naming the line, never a silently wrong user.
    """
    if not path.exists():
        return []
    names = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        name = line.split("#", 1)[0].strip()
        if not name:
            continue
        if not USER_NAME.match(name):
            raise SettingError(f"{path} line {number}: {name!r} is not a user name "
                               "(one per line: lower-case letters, digits, _ or -)")
        names.append(name)
    return names


@dataclass(frozen=True)
class Settings:
    root: Path
    venv: Path
    teacher: str
    grader: str
    hub_url: str
    mem_limit: str
    cpu_limit: float
    max_servers: int
    idle_timeout: int
    grade_timeout: int
    notebooks: tuple

    # the class folder's parts (README: "What lives where")
    @property
    def hub(self):        # root 0700: database, cookie secret, pid files
        return self.root / "hub"

    @property
    def grading(self):    # the grader's nbgrader course folder, 0700
        return self.root / "grading"

    @property
    def exchange(self):   # nbgrader's exchange
        return self.root / "exchange"

    @property
    def shared(self):     # read-only for learners: MNIST, its cache, the server's start-up
        return self.root / "shared"

    @property
    def learners_file(self):
        return self.root / "learners.txt"

    def learners(self):
        return read_learners(self.learners_file)


def load(env=None) -> Settings:
    """Every setting from ``env`` (default ``os.environ``); raises SettingError on the first wrong one."""
    env = os.environ if env is None else env
    max_servers = _raw(env, "SCRATCHNN_MAX_SERVERS", "0")
    if not re.fullmatch(r"[0-9]+", max_servers):
        raise SettingError(f"SCRATCHNN_MAX_SERVERS must be a whole number (0: no limit), got {max_servers!r}")
    mem = _raw(env, "SCRATCHNN_MEM_LIMIT", "2G")
    if not re.fullmatch(r"[0-9]+[KMGT]?", mem):
        raise SettingError(f"SCRATCHNN_MEM_LIMIT must be bytes with an optional K, M, G or T like 2G, got {mem!r}")
    url = _raw(env, "SCRATCHNN_HUB_URL", "http://127.0.0.1:8000")
    if not re.fullmatch(r"https?://[^/\s]+/?", url):
        raise SettingError(f"SCRATCHNN_HUB_URL must be like http://127.0.0.1:8000, got {url!r}")
    notebooks = tuple(_raw(env, "SCRATCHNN_NOTEBOOKS", "").replace(",", " ").split())
    settings = Settings(
        root=absolute_path(env, "SCRATCHNN_CLASSROOM", "/srv/scratchnn"),
        venv=absolute_path(env, "SCRATCHNN_VENV", "/opt/scratchnn/venv"),
        teacher=user_name(env, "SCRATCHNN_TEACHER", "teacher"),
        grader=user_name(env, "SCRATCHNN_GRADER", "grader"),
        hub_url=url, mem_limit=mem,
        cpu_limit=cores(env, "SCRATCHNN_CPU_LIMIT", "1"),
        max_servers=int(max_servers),
        idle_timeout=whole_seconds(env, "SCRATCHNN_IDLE_TIMEOUT", "3600"),
        grade_timeout=whole_seconds(env, "SCRATCHNN_GRADE_TIMEOUT", "600"),
        notebooks=notebooks)
    if settings.teacher == settings.grader:
        raise SettingError("SCRATCHNN_TEACHER and SCRATCHNN_GRADER must be two accounts, "
                          f"both are {settings.teacher!r}")
    settings.learners()  # a wrong line in learners.txt is found now, not at a learner's login
    return settings


if __name__ == "__main__":
    try:
        load()
    except SettingError as e:
        sys.exit(f"classroom: {e}")
