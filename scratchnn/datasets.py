"""MNIST: find the four original IDX files, verify them, parse them into arrays.

Where the files are looked for, in order:

1. ``$SCRATCHNN_DATA`` (a directory), if set;
2. ``data/mnist/`` of the repository (the files ship with it, gzipped);
3. the user cache, ``~/.cache/scratchnn/mnist`` (or ``$XDG_CACHE_HOME``);
4. a download from the public mirrors into that cache.

Every file is checked against the SHA-256 of the original (uncompressed) file,
and parsed only if its IDX header (magic number, dimensions) is what MNIST's is.
"""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import urllib.request
import zlib
from importlib import resources
from pathlib import Path

import numpy as np

from ._io import atomic_write

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
REPO_DIR = Path(__file__).resolve().parent.parent / "data" / "mnist"


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
    dirs += [REPO_DIR, cache_dir()]
    return dirs


def load_mnist(flatten=True, normalize=True, dtype=np.float32, download=True, mirrors=MIRRORS):
    """Return ``(X_train, y_train), (X_test, y_test)``.

    ``X``: ``(n, 784)`` (or ``(n, 28, 28)`` with ``flatten=False``), ``dtype``,
    in [0, 1] (or raw 0..255 bytes with ``normalize=False``). ``y``: int64 in 0..9.
    60,000 training and 10,000 test examples.
    """
    dtype = np.dtype(dtype)
    if normalize and dtype.kind != "f":
        raise ValueError(f"normalize=True needs a float dtype, got {dtype}; use normalize=False for raw bytes")
    arrays = {key: read_idx(find_file(name, download=download, mirrors=mirrors), name)
              for key, name in FILES.items()}

    def images(a):
        a = a.reshape(len(a), -1) if flatten else a
        if not normalize:
            return a.copy()  # the parsed bytes are a read-only view of the file
        # Divide straight into the result: one pass, no float temporaries.
        X = np.empty(a.shape, dtype)
        np.divide(a, dtype.type(255), out=X)
        return X

    return ((images(arrays["train_images"]), arrays["train_labels"].astype(np.int64)),
            (images(arrays["test_images"]), arrays["test_labels"].astype(np.int64)))


def locate(name) -> Path | None:
    """Where ``load_mnist`` would read MNIST file ``name`` from (not yet verified), or None."""
    for directory in search_dirs():
        for candidate in (directory / name, directory / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def find_file(name, download=True, mirrors=MIRRORS) -> bytes:
    """The verified, uncompressed bytes of MNIST file ``name`` from the first place that has it."""
    candidate = locate(name)
    if candidate is not None:
        return verify(name, decompress(candidate.read_bytes(), candidate), candidate)
    if not download:
        raise FileNotFoundError(f"{name} not found in {', '.join(map(str, search_dirs()))} and download=False")
    return download_file(name, mirrors)


def decompress(data: bytes, source) -> bytes:
    """Gunzip ``data`` (or return it as is if it is not gzip); a corrupt stream is a ValueError naming ``source``."""
    if data[:2] != GZIP_MAGIC:
        return data
    # zlib checks the gzip header and trailer (CRC-32, length) itself, in one
    # pass; gzip.decompress would compute the CRC again in Python's module.
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data)
        if not inflater.eof:
            raise EOFError("stream ends before the end of the gzip member")
        if inflater.unused_data:  # several gzip members in a row: rare, let gzip join them
            out = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{source}: corrupt gzip data ({e}); delete the file and load again") from None
    return out


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
    for base in mirrors:
        url = base.rstrip("/") + f"/{name}.gz"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                payload = response.read()
        # URLError, HTTPError, refused connections and timeouts are OSErrors; a
        # connection cut mid-body is http.client.IncompleteRead, an HTTPException.
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{url}: {e}")
            continue
        try:
            data = verify(name, decompress(payload, url), url)
        except ValueError as e:
            errors.append(str(e))
            continue
        target = cache_dir() / (f"{name}.gz" if payload[:2] == GZIP_MAGIC else name)
        with atomic_write(target) as f:
            f.write(payload)
        return data
    raise ValueError(
        f"could not get {name}: " + "; ".join(errors) +
        ". Put the MNIST files in a directory and point SCRATCHNN_DATA at it."
    )
