"""MNIST: find the four original IDX files, verify them, parse them into arrays.

Where the files are looked for, in order:

1. ``$SCRATCHNN_DATA`` (a directory), if set;
2. the files installed with the package: ``data/mnist/`` of the repository, shipped gzipped as the
   package data ``scratchnn.mnist`` (see ``pyproject.toml``), so a plain ``pip install`` has them;
3. the user cache, ``~/.cache/scratchnn/mnist`` (or ``$XDG_CACHE_HOME``);
4. a download from the public mirrors into that cache.

Only regular files are read (a directory or a FIFO named like an MNIST file is an
error naming it), and never more bytes than the original file has. Every file is
checked against the SHA-256 of the original (uncompressed) file, and parsed only
if its IDX header (magic number, dimensions) is what MNIST's is. Inflating a
gzipped file stops at the original's size, so a file that would inflate to more
(a "gzip bomb") costs nothing before it is refused.

The float32 images ``load_mnist()`` returns are shared: the first call on a
machine writes them once to a ``.npy`` cache file (``$SCRATCHNN_CACHE``, else the
user cache above) and every later call, in any notebook or process, maps that
file read-only. The operating system then keeps one copy in memory however many
kernels use MNIST, and a learner's ``X_train[0] = 0`` is an error instead of a
change to every other notebook's data.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import http.client
import importlib.util
import os
import time
import urllib.request
import warnings
import zlib
from importlib import resources
from pathlib import Path

import numpy as np

from ._io import NotRegularFile, atomic_write, open_regular, reason

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# (magic number, shape) of each file: 0x0803 = unsigned bytes, 3 dims; 0x0801 = 1 dim.
HEADERS = {
    "train-images-idx3-ubyte": (0x0803, (60000, 28, 28)),
    "train-labels-idx1-ubyte": (0x0801, (60000,)),
    "t10k-images-idx3-ubyte": (0x0803, (10000, 28, 28)),
    "t10k-labels-idx1-ubyte": (0x0801, (10000,)),
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
GZIP_MAGIC = b"\x1f\x8b"


def _packaged_dir() -> Path | None:
    """Where the MNIST files installed with the package are (the package data ``scratchnn.mnist``)."""
    try:
        spec = importlib.util.find_spec(f"{__package__}.mnist")
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


#: The MNIST files shipped with the package, or None if this install has none.
PACKAGED_DIR = _packaged_dir()


def checksums() -> dict[str, str]:
    """``{file name: sha256}`` of the original uncompressed files (shipped in the package)."""
    text = resources.files("scratchnn").joinpath("MNIST.sha256").read_text()
    return {name: digest for digest, name in (line.split() for line in text.splitlines() if line.strip())}


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "scratchnn" / "mnist"


def search_dirs() -> list[Path]:
    """The directories ``load_mnist`` reads from, in order."""
    dirs = []
    if os.environ.get("SCRATCHNN_DATA"):
        dirs.append(Path(os.environ["SCRATCHNN_DATA"]).expanduser())
    dirs += [d for d in (PACKAGED_DIR,) if d is not None] + [cache_dir()]
    return dirs


def load_mnist(flatten=True, normalize=True, dtype=np.float32, download=True, mirrors=MIRRORS):
    """Return ``(X_train, y_train), (X_test, y_test)``.

    ``X``: ``(n, 784)`` (or ``(n, 28, 28)`` with ``flatten=False``), ``dtype``,
    in [0, 1] (or raw 0..255 bytes with ``normalize=False``). ``y``: int64 in 0..9.
    60,000 training and 10,000 test examples.

    With the defaults (float32 in [0, 1]) the arrays are read-only views of one
    shared cache file (see the module docstring): ``X.copy()`` gives a private
    copy to change. Raw bytes and other dtypes are private, writable copies.
    """
    dtype = np.dtype(dtype)
    if normalize and dtype.kind != "f":
        raise ValueError(f"normalize=True needs a float dtype, got {dtype}; use normalize=False for raw bytes")
    if normalize and dtype == np.float32:
        images, labels = shared_arrays(download=download, mirrors=mirrors)
        n = HEADERS[FILES["train_images"]][1][0]
        X = images if flatten else images.reshape(len(images), 28, 28)
        return (X[:n], labels[:n]), (X[n:], labels[n:])
    arrays = {key: read_idx(find_file(name, download=download, mirrors=mirrors), name)
              for key, name in FILES.items()}

    def images(a):
        a = a.reshape(len(a), -1) if flatten else a
        return _scaled(a, dtype) if normalize else a.copy()  # the parsed bytes are a read-only view

    return ((images(arrays["train_images"]), arrays["train_labels"].astype(np.int64)),
            (images(arrays["test_images"]), arrays["test_labels"].astype(np.int64)))


# ------------------------------------------------------------ shared cache
class SharedArray(np.ndarray):
    """A read-only view of data other notebooks share: writing into it says so in plain words.

    Shows, computes and converts (``np.asarray``) like a plain ``ndarray``;
    results of arithmetic are plain arrays, and a copy (``X.copy()``,
    ``X[[0, 1]]``) is writable.
    """

    def __setitem__(self, key, value):
        if not self.flags.writeable:
            raise ValueError(READ_ONLY_MESSAGE)
        super().__setitem__(key, value)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if out is not None:
            if any(isinstance(o, SharedArray) and not o.flags.writeable for o in out):
                raise ValueError(READ_ONLY_MESSAGE)
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, SharedArray) else o for o in out)
        inputs = tuple(i.view(np.ndarray) if isinstance(i, SharedArray) else i for i in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def copy(self, order="C"):
        """A private, writable copy (a plain ``ndarray``)."""
        return self.view(np.ndarray).copy(order=order)

    def __repr__(self):
        return repr(self.view(np.ndarray))

    def __str__(self):
        return str(self.view(np.ndarray))

    def __reduce__(self):  # pickles (multiprocessing, joblib) as a plain array
        return self.view(np.ndarray).__reduce__()


READ_ONLY_MESSAGE = (
    "MNIST arrays from load_mnist() are read-only: every notebook on this machine shares them. "
    "Change a copy instead, e.g. X = X_train.copy() (or X_train[:100].copy() for a few images)")
#: Bumped whenever the cache files' layout changes; part of their folder's name.
CACHE_FORMAT = 1
#: SHA-256 of the cache's data (images: float32 bytes / 255, train then test; labels:
#: int64), so a cache file that was corrupted or replaced is never used.
CACHE_SHA256 = {
    "images": "d27fb91380ff036e93126fddb1fc6037e178683a6d3d702bd6655b27bcd0ac69",
    "labels": "818800b46032126b329f9306cb69a6842cc53ea30318374769bb6f46cc861467",
}
CACHE_LAYOUT = {"images": ("<f4", (70000, 784)), "labels": ("<i8", (70000,))}


def shared_cache_dir() -> Path:
    """Where the shared ``.npy`` files live: ``$SCRATCHNN_CACHE`` if set, else the user cache.

    The folder's name holds a digest of the source files' SHA-256s, so other
    sources (or another layout) can never be mistaken for these.
    """
    try:
        base = Path(os.environ["SCRATCHNN_CACHE"]).expanduser() if os.environ.get("SCRATCHNN_CACHE") else cache_dir()
    except RuntimeError as e:  # "~nobody/x": no such user, no home
        raise CacheUnusable(f"SCRATCHNN_CACHE={os.environ['SCRATCHNN_CACHE']}", e) from None
    key = hashlib.sha256(f"{CACHE_FORMAT}\n{sorted(checksums().items())}".encode()).hexdigest()[:16]
    return base / f"float32-{key}"


def shared_arrays(download=True, mirrors=MIRRORS):
    """``(images, labels)``: all 70,000 images (float32, [0, 1]) and labels, read-only and shared.

    Maps the cache if it is there and its data's SHA-256 is right; else builds it
    once (under a file lock, so eight kernels starting at once build it once) and
    maps it. If the cache cannot be used (a read-only folder, a full disk, a
    ``SCRATCHNN_CACHE`` that is a file or cannot be created, a cache file that is
    not a regular file) this warns and returns private in-memory arrays instead:
    slower to start and not shared, but the same numbers.
    """
    built = arrays = None
    try:
        folder = shared_cache_dir()
        arrays = _map_cache(folder)
        if arrays is None:
            with _locked(folder):
                arrays = _map_cache(folder)  # another process may have built it while we waited
                if arrays is None:
                    built = _build_arrays(download, mirrors)
                    _write_cache(folder, *built)
                    arrays = _map_cache(folder)
    except CacheUnusable as e:
        warnings.warn(f"{e}; using a private copy in memory instead (about 220 MB per notebook). {e.advice}",
                      UserWarning, stacklevel=3)
    if arrays is None:
        images, labels = built or _build_arrays(download, mirrors)
        arrays = _shared(images), _shared(labels)
    return arrays


class CacheUnusable(Exception):
    """The shared cache folder cannot be used: a sentence saying why, and ``advice``."""

    def __init__(self, where, error):
        super().__init__(f"could not write the shared MNIST cache in {where} ({reason(error)})")
        full = getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT)
        self.advice = ("Free some disk space, or point SCRATCHNN_CACHE at another folder." if full else
                       "Point SCRATCHNN_CACHE at a folder you can write to.")


def _shared(a: np.ndarray) -> SharedArray:
    view = a.view(SharedArray)
    view.flags.writeable = False
    return view


def _map_cache(folder: Path):
    """The cache's two arrays mapped read-only, or None if missing, malformed or not what was written."""
    arrays = []
    for part, (descr, shape) in CACHE_LAYOUT.items():
        try:
            a = _map_npy(folder / f"{part}.npy", np.dtype(descr), shape)
        except (OSError, ValueError):  # ValueError: not a regular file, or not this layout
            return None
        if hashlib.sha256(a.data).hexdigest() != CACHE_SHA256[part]:
            return None
        arrays.append(_shared(a))
    return tuple(arrays)


def _map_npy(path: Path, dtype, shape):
    """The C-ordered ``dtype`` array of ``shape`` in the .npy file ``path``, mapped read-only;
    a ValueError if the file's header says anything else (nothing beyond the header is read)."""
    with open_regular(path, "a cache file") as f:
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        got_shape, fortran, got_dtype = read_header(f)
        if (got_shape, fortran, got_dtype) != (shape, False, dtype):
            raise ValueError(f"{path}: holds {got_dtype} {got_shape}, expected {dtype} {shape}")
        return np.memmap(f, dtype, mode="r", offset=f.tell(), shape=shape)


def _scaled(u8, dtype):
    """uint8 pixels as ``dtype`` in [0, 1], divided straight into the result (one pass, no temporaries)."""
    X = np.empty(u8.shape, dtype)
    np.divide(u8, dtype.type(255), out=X)
    return X


def _build_arrays(download, mirrors):
    """All images as float32 in [0, 1] and all labels as int64, from the verified IDX files."""
    raw = {key: read_idx(find_file(name, download=download, mirrors=mirrors), name) for key, name in FILES.items()}
    u8 = np.concatenate([raw["train_images"], raw["test_images"]]).reshape(-1, 784)
    return _scaled(u8, np.dtype(np.float32)), np.concatenate([raw["train_labels"], raw["test_labels"]]).astype(np.int64)


def _write_cache(folder: Path, images, labels):
    """Write the two cache files, both or none; a CacheUnusable error if the folder refuses them."""
    written = []
    try:
        for part, a in (("images", images), ("labels", labels)):
            with atomic_write(folder / f"{part}.npy") as f:
                _write_npy(f, a)
                f.flush()
                os.fsync(f.fileno())
            written.append(folder / f"{part}.npy")
    except (OSError, NotRegularFile) as e:
        for path in written:  # a cache is both files or none
            with contextlib.suppress(OSError):
                path.unlink()
        raise CacheUnusable(folder, e) from None


def _write_npy(f, a):
    """``a`` as a .npy file through ``f.write`` (a full disk is then an OSError with errno ENOSPC;
    ``np.save``'s ``tofile`` says only "N requested and M written")."""
    np.lib.format.write_array_header_1_0(f, np.lib.format.header_data_from_array_1_0(a))
    f.write(memoryview(np.ascontiguousarray(a)).cast("B"))


@contextlib.contextmanager
def _locked(folder: Path, timeout=600.0):
    """Hold an exclusive lock on ``folder`` while building the cache (``flock`` on the folder itself,
    so no lock file is left behind).

    Waits at most ``timeout`` seconds for another process that is building it.
    Where ``flock`` is not available (Windows) it only relies on the atomic renames.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # SCRATCHNN_CACHE is a file, in /proc, read-only, ...
        raise CacheUnusable(folder, e) from None
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise CacheUnusable(folder, e) from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another process has been building the MNIST cache in {folder} for "
                                       f"{timeout:.0f} s; if none is, delete that folder") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _is_write_error(e: OSError) -> bool:
    return isinstance(e, PermissionError) or e.errno in _WRITE_ERRNOS


def locate(name) -> Path | None:
    """Where ``load_mnist`` would read MNIST file ``name`` from (not yet verified), or None.

    The first path that exists wins, even if it is not a regular file: reading it then says so.
    """
    for directory in search_dirs():
        for candidate in (directory / name, directory / f"{name}.gz"):
            if candidate.exists():
                return candidate
    return None


def read_file(path: Path, name: str) -> bytes:
    """The bytes of ``path``, which should hold MNIST file ``name`` (plain or gzipped): a ValueError
    if it is not a regular file or is bigger than the original, before anything is read."""
    limit = original_size(name)
    with open_regular(path, f"the MNIST file {name}") as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:  # gzipped, MNIST's files are far smaller than the originals
            raise ValueError(f"{path}: {size:,} bytes, more than the {limit:,} bytes of the original {name}; "
                             "it is not MNIST's file. Delete it and load again")
        return f.read(limit + 1)


def find_file(name, download=True, mirrors=MIRRORS) -> bytes:
    """The verified, uncompressed bytes of MNIST file ``name`` from the first place that has it."""
    candidate = locate(name)
    if candidate is not None:
        return verify(name, decompress(read_file(candidate, name), candidate, limit=original_size(name)), candidate)
    if not download:
        raise FileNotFoundError(f"{name} not found in {', '.join(map(str, search_dirs()))} and download=False")
    return download_file(name, mirrors)


def original_size(name: str) -> int:
    """Bytes in the original (uncompressed) MNIST file ``name``: its IDX header plus one byte per value."""
    _, shape = HEADERS[name]
    return 4 + 4 * len(shape) + int(np.prod(shape))


def decompress(data: bytes, source, limit=None) -> bytes:
    """Gunzip ``data`` (or return it as is if it is not gzip); a corrupt stream is a ValueError naming ``source``.

    With ``limit``, inflating stops after ``limit`` bytes: a file that would inflate
    to more is refused as a ValueError before it can fill the memory.
    """
    if data[:2] != GZIP_MAGIC:
        return data
    # zlib checks the gzip header and trailer (CRC-32, length) itself, in one
    # pass; gzip.decompress would compute the CRC again in Python's module.
    parts, total, rest = [], 0, data
    try:
        while rest:  # one gzip member after another (almost always just one)
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            room = 0 if limit is None else limit - total + 1  # one byte more than allowed shows an overflow
            out = inflater.decompress(rest, room)
            total += len(out)
            if limit is not None and (total > limit or inflater.unconsumed_tail):
                raise ValueError(
                    f"{source}: inflates to more than {limit:,} bytes, the size of the original file; "
                    "it is not the original (a damaged file or a 'gzip bomb'). Delete it and load again")
            if not inflater.eof:
                raise EOFError("stream ends before the end of the gzip member")
            parts.append(out)
            rest = inflater.unused_data
            if rest[:2] != GZIP_MAGIC and not rest.strip(b"\0"):
                break  # zero padding after the last member, as gzip tolerates
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{source}: corrupt gzip data ({e}); delete the file and load again") from None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def verify(name: str, data: bytes, source) -> bytes:
    """Return ``data`` if its SHA-256 is the original file's; else raise ValueError naming ``source``."""
    expected = checksums()[name]
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ValueError(
            f"{source}: SHA-256 mismatch for {name}: expected {expected}, got {actual} "
            f"({len(data):,} bytes). The file is corrupt or not the original MNIST file."
        )
    return data


def read_idx(data: bytes, name: str) -> np.ndarray:
    """Parse an IDX file (big-endian header, then unsigned bytes), checking it is MNIST's ``name``."""
    magic, shape = HEADERS[name]
    header_len = 4 + 4 * len(shape)
    if len(data) < header_len:
        raise ValueError(f"{name}: truncated, {len(data)} bytes is shorter than its {header_len}-byte header")
    got_magic = int.from_bytes(data[:4], "big")
    if got_magic != magic:
        raise ValueError(f"{name}: magic number {got_magic:#06x}, expected {magic:#06x}")
    got_shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(len(shape)))
    if got_shape != shape:
        raise ValueError(f"{name}: header says shape {got_shape}, expected {shape}")
    size = int(np.prod(shape))
    if len(data) != header_len + size:
        raise ValueError(f"{name}: expected {header_len + size:,} bytes, got {len(data):,} (truncated or padded)")
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape)


def download_file(name: str, mirrors=MIRRORS, timeout=60) -> bytes:
    """Fetch ``name.gz`` from the first mirror that answers; store it in the cache once verified.

    The file is written to a temporary name in the cache directory and renamed
    only after its checksum matched, so the cache never holds a bad file.
    """
    if isinstance(mirrors, str):  # one mirror given as a plain URL
        mirrors = [mirrors]
    errors = []
    limit = original_size(name)
    for base in mirrors:
        url = base.rstrip("/") + f"/{name}.gz"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                payload = response.read(limit + 1)  # a gzip is smaller than its original; more is wrong
                if len(payload) <= limit and response.length:  # read(n) returns short where read() raises
                    raise http.client.IncompleteRead(payload, response.length)
            if len(payload) > limit:
                errors.append(f"{url}: sends more than {limit:,} bytes, the size of the original file")
                continue
        # URLError, HTTPError, refused connections and timeouts are OSErrors; a
        # connection cut mid-body is http.client.IncompleteRead, an HTTPException.
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{url}: {e}")
            continue
        try:
            data = verify(name, decompress(payload, url, limit=limit), url)
        except ValueError as e:
            errors.append(str(e))
            continue
        target = cache_dir() / (f"{name}.gz" if payload[:2] == GZIP_MAGIC else name)
        try:
            with atomic_write(target) as f:  # also removes temp files that killed downloads left
                f.write(payload)
        except (OSError, NotRegularFile) as e:
            if isinstance(e, OSError) and not _is_write_error(e):
                raise
            warnings.warn(f"downloaded and verified {name}, but could not keep it ({reason(e)}): "
                          "the next load downloads it again. Point XDG_CACHE_HOME "
                          "or SCRATCHNN_DATA at a writable folder to keep it.", UserWarning, stacklevel=2)
        return data
    raise ValueError(
        f"could not get {name}: " + "; ".join(errors) +
        ". Put the MNIST files in a directory and point SCRATCHNN_DATA at it."
    )
