"""Writing files so that a crash or an error never leaves half a file behind, nor litter.

``atomic_write`` writes to a temporary file beside the target and renames it over the target only
when the write finished (what SQLite and git do). The temporary name carries the writer's process
id, so the next write to the same path can remove what a killed writer left, and only that.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
from pathlib import Path

# File names are limited to 255 bytes on most file systems: long names are shortened in temp names.
_MAX_STEM = 100


def _stem(name):
    raw = name.encode()
    if len(raw) <= _MAX_STEM:
        return name
    return raw[:60].decode(errors="ignore") + "~" + hashlib.sha256(raw).hexdigest()[:16]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_stale_temps(path):
    """Remove temp files that dead processes left while writing ``path``; return how many."""
    path = Path(path)
    pattern = re.compile(re.escape(f".{_stem(path.name)}.") + r"(\d+)\.[0-9a-f]+\.tmp")
    removed = 0
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return 0
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.remove(entry.path)
                removed += 1
    return removed


_WHY = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied"}


@contextlib.contextmanager
def atomic_write(path):
    """Yield a binary file object; on success it replaces ``path`` in one step (``os.replace``).

    On any failure the temporary file is removed and ``path`` is left as it was; a full disk, a
    read-only folder or a missing permission is said in one sentence (still an ``OSError``).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path)
        tmp = path.parent / f".{_stem(path.name)}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the mode any new file gets (umask)
    except OSError as e:
        raise _explained(e, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        if isinstance(e, OSError) and e.errno in _WHY:
            raise _explained(e, path) from None
        raise


def _explained(error, path):
    why = _WHY.get(error.errno)
    if why is None:
        return error
    kept = "the existing file is unchanged" if path.exists() else "nothing was written"
    return OSError(error.errno, f"cannot write {path}: {why}; {kept}")
