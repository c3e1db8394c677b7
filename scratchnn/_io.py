"""Files: read only regular files, and write so that a crash never leaves half a file, nor litter.

``open_regular`` opens a file for reading only if it is a regular file (checked on the open
descriptor, so nothing can be swapped in between; a FIFO is opened without blocking). A
directory, FIFO, device or socket where a file is expected is a ``NotRegularFile`` error naming
the path and what it is.

``atomic_write`` writes to a temporary file beside the target and renames it over the target only
when the write finished (what SQLite and git do). It never replaces anything but a regular file
the caller may write, and the new file keeps the old one's permissions. Its writer holds a lock
(``flock``) on the temporary file until the rename, so the next write to the same path removes
exactly the temporary files whose writers are gone: no process id is trusted, so a writer in
another PID namespace (a container) or on another host (NFS) is never mistaken for a dead one.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks, so no cleanup of other writers' files
    fcntl = None

# File names are limited to 255 bytes on most file systems: long names are shortened in temp names.
_MAX_STEM = 100
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"))
_REASONS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied"}


class NotRegularFile(ValueError):
    """A directory, FIFO, device, socket or symbolic link where a regular file is expected."""


def kind(mode) -> str:
    """What a file of ``st_mode`` ``mode`` is, in words: "a directory", "a FIFO (named pipe)", ..."""
    return next((name for test, name in _KINDS if test(mode)), "a regular file" if stat.S_ISREG(mode) else
                "not a regular file")


def reason(error: Exception) -> str:
    """Why a write failed, in a few words ("the disk is full"), for messages."""
    return _REASONS.get(getattr(error, "errno", None)) or getattr(error, "strerror", None) or str(error)


def open_regular(path, expected="a regular file"):
    """``path`` opened for binary reading if it is a regular file (a symlink to one is followed).

    Anything else raises ``NotRegularFile`` saying what the path is and what was ``expected``,
    without blocking: a FIFO is opened non-blocking, a device is never opened.
    """
    def refuse(mode):
        return NotRegularFile(f"{path} is {kind(mode)}, expected {expected}")

    st = os.stat(path)  # FileNotFoundError passes through as is
    if not stat.S_ISREG(st.st_mode):
        raise refuse(st.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:  # swapped for a socket (ENXIO) or a directory since the stat
        with contextlib.suppress(OSError):
            raise refuse(os.stat(path).st_mode) from None
        raise e
    mode = os.fstat(fd).st_mode  # what was opened, whatever the name points to now
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise refuse(mode)
    return open(path, "rb", opener=lambda *_: fd)  # the file object keeps the path as its name


def replaceable(path: Path):
    """The permission bits of the regular file ``path`` (None if nothing is there), or an error
    saying why ``atomic_write`` must not replace it: not a regular file, or read-only."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFile(f"{path} is {kind(st.st_mode)}, not a regular file: not replaced")
    # Root may write anything, so the mode bits are read as well as access().
    if not st.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, f"cannot write {path}: it is read-only (mode "
                                            f"{stat.S_IMODE(st.st_mode):04o}); the existing file is unchanged")
    return stat.S_IMODE(st.st_mode)


def _stem(name):
    raw = name.encode()
    if len(raw) <= _MAX_STEM:
        return name
    return raw[:60].decode(errors="ignore") + "~" + hashlib.sha256(raw).hexdigest()[:16]


def _temp_pattern(path: Path):
    return re.compile(re.escape(f".{_stem(path.name)}.") + r"[0-9a-f.]+\.tmp")


def _try_lock(fd):
    """True if this process now holds ``fd``'s lock, False if another does, None if the file
    system has no locks (then nobody can tell a live writer from a dead one)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


def remove_stale_temps(path):
    """Remove the temp files that writers of ``path`` left when they died; return how many.

    A live writer holds a lock on its temp file: only files this process can lock are removed.
    """
    if fcntl is None:
        return 0
    path = Path(path)
    pattern = _temp_pattern(path)
    removed = 0
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return 0
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and _try_lock(fd) is True and os.lstat(entry.path).st_ino == st.st_ino:
                os.remove(entry.path)
                removed += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def _locked_temp(path: Path):
    """``(temp path, descriptor)``: a new temp file beside ``path``, locked by this process."""
    while True:
        tmp = path.parent / f".{_stem(path.name)}.{secrets.token_hex(8)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
        if fcntl is None:
            return tmp, fd
        # Between the create and the lock a cleaner may have taken the file: then it is its to delete.
        with contextlib.suppress(OSError):
            if _try_lock(fd) is not False and os.lstat(tmp).st_ino == os.fstat(fd).st_ino:
                return tmp, fd
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path):
    """Yield a binary file object; on success it replaces ``path`` in one step (``os.replace``).

    Only a regular file the caller may write is replaced, keeping its permission bits; anything
    else is refused before a byte is written. On any failure the temporary file is removed and
    ``path`` is left as it was; a full disk, a read-only folder or a missing permission is said in
    one sentence (still an ``OSError``).
    """
    path = Path(path)
    try:
        mode = replaceable(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path)
        tmp, fd = _locked_temp(path)
    except NotRegularFile:
        raise
    except OSError as e:
        raise _explained(e, path) from None
    f = os.fdopen(fd, "wb")
    try:
        if mode is not None and hasattr(os, "fchmod"):  # POSIX (Windows has no permission bits to keep)
            os.fchmod(fd, mode)
        yield f
        f.flush()
        os.replace(tmp, path)  # still locked: no cleaner can take the finished file before the rename
    except BaseException as e:
        with contextlib.suppress(OSError):  # flushing what is left would fail the same way again
            f.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        if isinstance(e, OSError) and e.errno in _REASONS:
            raise _explained(e, path) from None
        raise
    f.close()


def _explained(error, path):
    if error.errno not in _REASONS or str(path) in str(error.strerror):
        return error
    kept = "the existing file is unchanged" if path.exists() else "nothing was written"
    return OSError(error.errno, f"cannot write {path}: {reason(error)}; {kept}")
