"""MNIST loading: parsing, checksums, where files are found, and downloading from mirrors.

Downloads are tested against a real HTTP server on 127.0.0.1 (stdlib ``http.server``
in a thread) serving the vendored files, corrupted copies and broken responses.
Every test that could touch a cache points ``XDG_CACHE_HOME`` at a temporary
directory and hides the repository's ``data/mnist`` so the code path under test
is the only place the files can come from.
"""
import functools
import gzip
import hashlib
import http.server
import shutil
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

import scratchnn as snn
from scratchnn import datasets

VENDORED = Path(__file__).resolve().parents[1] / "data" / "mnist"  # the repository's copy
LABELS = "t10k-labels-idx1-ubyte"  # the smallest file (4.5 KB gzipped): quick to serve and corrupt


def files_under(path):
    """Every file below ``path`` (relative paths), to prove nothing else was left there."""
    path = Path(path)
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()) if path.exists() else []


def idx_bytes(magic, shape, payload=None):
    """A synthetic IDX file: big-endian magic and dimensions, then unsigned bytes."""
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)
    if payload is None:
        payload = bytes(int(np.prod(shape)))
    return header + payload


def corrupted(data: bytes) -> bytes:
    """``data`` with one byte near the end changed: still parses, but the checksum is wrong."""
    data = bytearray(data)
    data[-1] = (data[-1] + 1) % 10
    return bytes(data)


# ----------------------------------------------------------------- parsing
def test_load_mnist_shapes_dtypes_and_ranges(mnist):
    (X_train, y_train), (X_test, y_test) = mnist
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert y_train.dtype == y_test.dtype == np.int64
    for X in (X_train, X_test):
        assert X.min() == 0.0 and X.max() == 1.0
    for y in (y_train, y_test):
        assert sorted(np.unique(y)) == list(range(10))
    # Known facts about the original files: the test set's class counts, and its first label.
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]


def test_raw_bytes_and_unflattened_images_match_the_normalized_ones(mnist):
    (X_train, y_train), (X_test, _) = mnist
    (R_train, r_train), (R_test, _) = snn.load_mnist(flatten=False, normalize=False)
    assert R_train.shape == (60000, 28, 28) and R_test.shape == (10000, 28, 28)
    assert R_train.dtype == np.uint8 and R_train.max() == 255
    assert np.array_equal(r_train, y_train)
    # Normalizing is exactly bytes / 255 in float32, the same numbers as the naive formula.
    assert np.array_equal(X_test, R_test.reshape(10000, 784).astype(np.float32) / 255)
    assert np.array_equal(X_train[-5000:], R_train[-5000:].reshape(5000, 784).astype(np.float32) / 255)
    # A learner may paint on an image: the arrays must not be read-only views of the file.
    R_train[0, 0, 0] = 7
    r_train[0] = 3
    assert R_train[0, 0, 0] == 7


def test_float64_images_hold_the_same_pixels(mnist):
    (X64, y), (Xt64, _) = snn.load_mnist(dtype=np.float64)
    assert X64.dtype == Xt64.dtype == np.float64 and X64.shape == (60000, 784)
    assert np.array_equal(X64[:500].astype(np.float32), mnist[0][0][:500])
    assert np.array_equal(y, mnist[0][1])


def test_normalize_needs_a_float_dtype():
    with pytest.raises(ValueError, match="float dtype, got uint8"):
        snn.load_mnist(dtype=np.uint8)


def test_read_idx_parses_a_well_formed_file():
    payload = bytes(range(10))
    assert datasets.read_idx(idx_bytes(0x0801, (10000,), payload * 1000), LABELS)[:10].tolist() == list(range(10))


@pytest.mark.parametrize("data, match", [
    (b"\x00\x00\x08", "truncated, 3 bytes is shorter than its 8-byte header"),
    (idx_bytes(0x0803, (10000,)), r"magic number 0x0803, expected 0x0801"),
    (idx_bytes(0x0801, (9999,)), r"header says shape \(9999,\), expected \(10000,\)"),
    (idx_bytes(0x0801, (10000,))[:-1], "expected 10,008 bytes, got 10,007"),
    (idx_bytes(0x0801, (10000,)) + b"\x00", "expected 10,008 bytes, got 10,009"),
])
def test_read_idx_rejects_bad_headers_and_sizes(data, match):
    with pytest.raises(ValueError, match=match) as info:
        datasets.read_idx(data, LABELS)
    assert LABELS in str(info.value)


def test_bad_magic_number_is_caught_even_when_the_checksum_matches(monkeypatch, tmp_path):
    # Checksums come first; a file that passes them must still have MNIST's header.
    bad = idx_bytes(0x0802, (10000,))
    (tmp_path / LABELS).write_bytes(bad)
    real = datasets.checksums()
    monkeypatch.setattr(datasets, "checksums", lambda: {**real, LABELS: hashlib.sha256(bad).hexdigest()})
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path))
    with pytest.raises(ValueError, match=f"{LABELS}: magic number 0x0802, expected 0x0801"):
        snn.load_mnist()


def test_gzip_stream_is_checked(tmp_path):
    good = gzip.compress(b"hello" * 100)
    assert datasets.decompress(good, "x") == b"hello" * 100
    assert datasets.decompress(gzip.compress(b"ab") + gzip.compress(b"cd"), "x") == b"abcd"  # multi-member
    assert datasets.decompress(b"plain bytes", "x") == b"plain bytes"
    truncated, bad_crc, garbage = good[: len(good) // 2], good[:-8] + bytes(8), good[:10] + b"\xff" * 40
    for broken in (truncated, bad_crc, garbage):
        with pytest.raises(ValueError, match=r"somefile\.gz: corrupt gzip data"):
            datasets.decompress(broken, "somefile.gz")


# --------------------------------------------------- where files are found
@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No repository data, no $SCRATCHNN_DATA, an empty cache in tmp; returns the cache dir."""
    empty = tmp_path / "empty_repo"
    empty.mkdir()
    monkeypatch.setattr(datasets, "PACKAGED_DIR", empty)
    monkeypatch.delenv("SCRATCHNN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("SCRATCHNN_CACHE", str(tmp_path / "shared"))
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return tmp_path / "xdg" / "scratchnn" / "mnist"


def test_search_order_is_env_then_package_then_cache(isolated, monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path / "mine"))
    assert datasets.search_dirs() == [tmp_path / "mine", datasets.PACKAGED_DIR, isolated]
    monkeypatch.delenv("SCRATCHNN_DATA")
    assert datasets.search_dirs() == [datasets.PACKAGED_DIR, isolated]


def test_locate_finds_the_first_place_holding_a_file(isolated, monkeypatch, tmp_path):
    assert datasets.locate(LABELS) is None
    isolated.mkdir(parents=True)
    (isolated / f"{LABELS}.gz").write_bytes(b"in the cache")
    assert datasets.locate(LABELS) == isolated / f"{LABELS}.gz"
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path))
    (tmp_path / LABELS).write_bytes(b"uncompressed, in $SCRATCHNN_DATA")
    assert datasets.locate(LABELS) == tmp_path / LABELS


def test_scratchnn_data_directory_is_used_and_may_hold_uncompressed_files(isolated, monkeypatch, tmp_path, mnist):
    mine = tmp_path / "mine"
    mine.mkdir()
    for name in datasets.FILES.values():
        gz = VENDORED / f"{name}.gz"
        if "labels" in name:
            (mine / name).write_bytes(gzip.decompress(gz.read_bytes()))
        else:
            shutil.copy(gz, mine / gz.name)
    monkeypatch.setenv("SCRATCHNN_DATA", str(mine))
    (X, y), (Xt, yt) = snn.load_mnist(download=False, mirrors=[])
    assert np.array_equal(y, mnist[0][1]) and np.array_equal(Xt, mnist[1][0])
    assert files_under(isolated) == []


def test_scratchnn_data_comes_before_the_repo_and_a_bad_checksum_names_the_file(monkeypatch, tmp_path):
    labels = gzip.decompress((VENDORED / f"{LABELS}.gz").read_bytes())
    (tmp_path / f"{LABELS}.gz").write_bytes(gzip.compress(corrupted(labels)))
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="SHA-256 mismatch") as info:
        datasets.find_file(LABELS, download=False)
    message = str(info.value)
    assert str(tmp_path / f"{LABELS}.gz") in message and datasets.checksums()[LABELS] in message
    assert files_under(tmp_path) == [f"{LABELS}.gz"]  # reported, not deleted or rewritten


def test_corrupt_gzip_in_the_cache_is_a_clear_error(isolated):
    isolated.mkdir(parents=True)
    bad = isolated / f"{LABELS}.gz"
    bad.write_bytes((VENDORED / f"{LABELS}.gz").read_bytes()[:2000])
    with pytest.raises(ValueError, match=f"{bad}: corrupt gzip data.*delete the file"):
        datasets.find_file(LABELS, download=False)


def test_missing_files_without_download_list_where_they_were_looked_for(isolated):
    with pytest.raises(FileNotFoundError, match=f"train-images-idx3-ubyte not found in .*{isolated}.*download=False"):
        snn.load_mnist(download=False)
    assert files_under(isolated.parent.parent) == []


# -------------------------------------------------------------- downloads
class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files from the served root; ``/cut/...`` drops the connection mid-body."""

    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path.startswith("/cut/"):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"\x1f\x8b\x08\x00" + bytes(60))
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def mirror(tmp_path_factory):
    """An HTTP server on 127.0.0.1 serving good/, corrupt/, truncated/, raw/ copies of MNIST files.

    Returns its base URL; ``server.requests`` records every path asked for.
    """
    root = tmp_path_factory.mktemp("mirror")
    (root / "good").mkdir()
    for name in datasets.FILES.values():
        shutil.copy(VENDORED / f"{name}.gz", root / "good")
    labels_gz = (VENDORED / f"{LABELS}.gz").read_bytes()
    labels = gzip.decompress(labels_gz)
    for sub, content in [("corrupt", gzip.compress(corrupted(labels))),
                         ("truncated", labels_gz[: len(labels_gz) // 2]),
                         ("raw", labels)]:  # a mirror that serves the file uncompressed
        (root / sub).mkdir()
        (root / sub / f"{LABELS}.gz").write_bytes(content)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(MirrorHandler, directory=str(root)))
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def refused_url():
    """A URL on a local port nobody listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def test_download_lands_atomically_in_the_cache_and_is_reused_offline(isolated, mirror, mnist):
    server, url = mirror
    (X, y), (Xt, yt) = snn.load_mnist(mirrors=[url + "/good/"])
    assert np.array_equal(X, mnist[0][0]) and np.array_equal(yt, mnist[1][1])
    # Exactly the four gzipped files, byte for byte what was served, and no temporary files.
    assert files_under(isolated) == sorted(f"{n}.gz" for n in datasets.FILES.values())
    for name in datasets.FILES.values():
        assert (isolated / f"{name}.gz").read_bytes() == (VENDORED / f"{name}.gz").read_bytes()
    # The next load reads the cache: no request reaches the server, no download is allowed.
    before = len(server.requests)
    (X2, _), _ = snn.load_mnist(download=False, mirrors=[])
    assert np.array_equal(X2, X) and len(server.requests) == before


@pytest.mark.parametrize("bad_mirror, expected", [
    ("refused", "Connection refused"),
    ("/missing/", "HTTP Error 404"),
    ("/truncated/", "corrupt gzip data"),
    ("/cut/", "IncompleteRead"),
    ("/corrupt/", "SHA-256 mismatch"),
])
def test_a_failing_mirror_is_skipped_for_the_next_one(isolated, mirror, refused_url, bad_mirror, expected):
    server, url = mirror
    bad = refused_url if bad_mirror == "refused" else url + bad_mirror
    data = datasets.download_file(LABELS, mirrors=[bad, url + "/good/"])
    assert hashlib.sha256(data).hexdigest() == datasets.checksums()[LABELS]
    assert files_under(isolated) == [f"{LABELS}.gz"]
    # and when it is the only mirror, its failure is what the error says
    (isolated / f"{LABELS}.gz").unlink()
    with pytest.raises(ValueError, match=f"could not get {LABELS}: .*{expected}.*SCRATCHNN_DATA"):
        datasets.download_file(LABELS, mirrors=[bad])
    assert files_under(isolated) == []


def test_checksum_mismatch_on_download_names_the_url_and_leaves_nothing_in_the_cache(isolated, mirror):
    _, url = mirror
    with pytest.raises(ValueError) as info:
        datasets.find_file(LABELS, mirrors=[url + "/corrupt/"])
    assert f"{url}/corrupt/{LABELS}.gz: SHA-256 mismatch for {LABELS}" in str(info.value)
    assert files_under(isolated.parent.parent) == []  # no file, no temporary file


def test_every_mirror_failing_lists_each_one(isolated, mirror, refused_url):
    _, url = mirror
    with pytest.raises(ValueError) as info:
        snn.load_mnist(mirrors=[refused_url, url + "/missing/"])
    message = str(info.value)
    assert refused_url in message and f"{url}/missing/" in message and "SCRATCHNN_DATA" in message
    assert files_under(isolated.parent.parent) == []


def test_an_uncompressed_download_is_cached_under_its_plain_name(isolated, mirror):
    _, url = mirror
    datasets.download_file(LABELS, mirrors=url + "/raw/")  # a single mirror as a plain string
    assert files_under(isolated) == [LABELS]
    assert hashlib.sha256((isolated / LABELS).read_bytes()).hexdigest() == datasets.checksums()[LABELS]
    assert datasets.find_file(LABELS, download=False) == (isolated / LABELS).read_bytes()


def test_a_failed_cache_write_leaves_no_temporary_file(isolated, mirror, monkeypatch):
    _, url = mirror

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        datasets.download_file(LABELS, mirrors=[url + "/good/"])
    assert files_under(isolated) == []


# ------------------------------------------- the shared read-only cache
def shared_files(folder):
    return sorted(p.name for p in Path(folder).iterdir()) if Path(folder).exists() else []


@pytest.fixture
def shared(monkeypatch, tmp_path):
    """An empty shared-cache folder of its own; returns the folder the cache files go in."""
    monkeypatch.setenv("SCRATCHNN_CACHE", str(tmp_path / "shared"))
    return datasets.shared_cache_dir()


def test_default_arrays_are_read_only_views_of_one_shared_file(shared, mnist):
    (X, y), (Xt, yt) = snn.load_mnist()
    assert shared_files(shared) == ["images.npy", "labels.npy"]
    assert np.array_equal(X, mnist[0][0]) and np.array_equal(yt, mnist[1][1])
    assert X.dtype == np.float32 and y.dtype == np.int64 and X.shape == (60000, 784)
    base = X
    while not isinstance(base, np.memmap):
        base = base.base
    assert Path(base.filename) == shared / "images.npy"
    # A learner's write is refused in words, whatever the way of writing.
    for write in (lambda: X.__setitem__((0, 0), 1.0), lambda: X.__imul__(2), lambda: np.add(Xt, 1, out=Xt),
                  lambda: y.__setitem__(0, 3)):
        with pytest.raises(ValueError, match=r"read-only: every notebook on this machine shares them.*\.copy\(\)"):
            write()
    with pytest.raises(ValueError):
        X.setflags(write=True)
    assert X[0, 0] == 0.0 and y[0] == 5
    # It still looks and computes like a plain array; its copies are plain and writable.
    assert repr(X[:1, :2]) == "array([[0., 0.]], dtype=float32)"
    assert type(X + 1) is np.ndarray and type(X.max()) is np.float32
    mine = X[:10].copy()
    mine[0] = 1.0
    assert type(mine) is np.ndarray and X[0, 0] == 0.0
    (X28, _), _ = snn.load_mnist(flatten=False)
    assert X28.shape == (60000, 28, 28) and not X28.flags.writeable


def test_fit_and_augmentation_work_on_the_shared_arrays(shared):
    (X, y), _ = snn.load_mnist()
    net = snn.Net([snn.InLayer(784), snn.Dense(16, "relu"), snn.Dense(10, "softmax")],
                  cost_function=snn.CrossEntropyLoss, seed=0)
    net.fit(X[:600], y[:600], epochs=1, batch_size=100, augment=snn.augment.Augment(), seed=0)
    assert 0.0 <= net.evaluate(X[:600], y[:600])["accuracy"] <= 1.0
    assert not X.flags.writeable and X[:600].max() == 1.0


def test_a_corrupted_cache_file_is_rebuilt_not_used(shared, mnist):
    snn.load_mnist()
    images = shared / "images.npy"
    data = bytearray(images.read_bytes())
    data[-1] ^= 0xFF
    images.write_bytes(bytes(data))
    (stale := shared / ".images.npy.abc123.tmp").write_bytes(b"left by a killed writer")
    (X, _), (Xt, _) = snn.load_mnist()
    assert np.array_equal(Xt, mnist[1][0])
    assert shared_files(shared) == ["images.npy", "labels.npy"] and not stale.exists()


LOAD_AND_REPORT = """
import hashlib, sys
from scratchnn import datasets
builds = []
real = datasets._write_cache
datasets._write_cache = lambda *a: (builds.append(1), real(*a))
(X, y), (Xt, yt) = datasets.load_mnist()
print(len(builds), hashlib.sha256(Xt[::97].copy()).hexdigest(), int(y.sum()))
"""


def test_eight_processes_loading_at_once_with_an_empty_cache_build_it_once(shared, mnist):
    import os
    import subprocess
    import sys
    env = {**os.environ, "SCRATCHNN_CACHE": os.environ["SCRATCHNN_CACHE"]}
    procs = [subprocess.Popen([sys.executable, "-c", LOAD_AND_REPORT], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(8)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        results.append(out.split())
    assert sum(int(r[0]) for r in results) == 1  # one process built it, seven mapped it
    expected = [hashlib.sha256(mnist[1][0][::97].copy()).hexdigest(), str(int(mnist[0][1].sum()))]
    assert all(r[1:] == expected for r in results)
    assert shared_files(shared) == ["images.npy", "labels.npy"]


@pytest.mark.parametrize("error, said, fails_at", [
    (PermissionError(13, "Permission denied"), "permission denied", "images"),
    (OSError(28, "No space left on device"), "the disk is full", "images"),   # half an images file
    (OSError(28, "No space left on device"), "the disk is full", "labels"),   # images fitted, labels not
    (OSError(30, "Read-only file system"), "the file system is read-only", "images"),
])
def test_a_cache_that_cannot_be_written_warns_and_loads_privately(shared, monkeypatch, mnist, error, said, fails_at):
    real_write = datasets._write_npy

    def write_half_then_fail(f, a):
        part = "images" if a.ndim == 2 else "labels"
        if part != fails_at:
            return real_write(f, a)
        if not isinstance(error, PermissionError):
            real_write(f, a[: len(a) // 2])  # half a file on disk, then the disk is full
        raise error

    monkeypatch.setattr(datasets, "_write_npy", write_half_then_fail)
    advice = "Free some disk space" if "full" in said else "a folder you can write to"
    with pytest.warns(UserWarning, match=f"could not write the shared MNIST cache in .*{said}.*"
                                         f"private copy.*{advice}"):
        (X, y), (Xt, _) = snn.load_mnist()
    assert np.array_equal(Xt, mnist[1][0]) and np.array_equal(y, mnist[0][1])
    with pytest.raises(ValueError, match="read-only"):
        X[0] = 1.0
    assert shared_files(shared) == []  # no half-written file, no temporary file, no lock file


def test_a_read_only_cache_folder_only_warns_after_a_verified_download(isolated, mirror, monkeypatch):
    _, url = mirror

    import os
    real_open = os.open

    def read_only_cache(path, *args, **kwargs):  # as a read-only folder does (root ignores chmod)
        if str(path).startswith(str(isolated)):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only_cache)
    with pytest.warns(UserWarning, match=f"downloaded and verified {LABELS}, but could not keep it.*permission denied"):
        data = datasets.download_file(LABELS, mirrors=[url + "/good/"])
    assert hashlib.sha256(data).hexdigest() == datasets.checksums()[LABELS]
    assert files_under(isolated) == []


def test_a_gzip_bomb_is_refused_at_the_original_size(isolated, monkeypatch, tmp_path):
    # 8 MB of zeros gzips to 8 KB; MNIST's test labels are 10,008 bytes.
    deflate = __import__("zlib").compressobj(9, wbits=31)
    bomb = deflate.compress(bytes(8 << 20)) + deflate.flush()
    (tmp_path / f"{LABELS}.gz").write_bytes(bomb)
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path))
    with pytest.raises(ValueError, match=rf"{LABELS}\.gz: inflates to more than 10,008 bytes.*gzip bomb"):
        datasets.find_file(LABELS, download=False)
    # and a download that would inflate past the size is skipped like any bad mirror
    with pytest.raises(ValueError, match="inflates to more than 10,008 bytes"):
        datasets.decompress(bomb, "mirror", limit=datasets.original_size(LABELS))


def test_a_killed_download_leaves_nothing_the_next_download_keeps(isolated, mirror):
    import subprocess
    import sys
    _, url = mirror
    isolated.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = isolated / f".{LABELS}.gz.{int(dead.stdout)}.0badf00d.tmp"  # a killed writer's temp file
    stale.write_bytes(b"partial")
    datasets.download_file(LABELS, mirrors=[url + "/good/"])
    assert files_under(isolated) == [f"{LABELS}.gz"]


# ------------------------------- files that are not plain files, and files too big (issue 20)
def test_a_file_bigger_than_the_original_is_refused_before_it_is_read(isolated, monkeypatch, tmp_path):
    """A 3 GB file named like an MNIST file was read whole (3.1 GB, 20 s): its size says it is not MNIST's."""
    import tracemalloc

    big = tmp_path / "train-images-idx3-ubyte"
    with open(big, "wb") as f:
        f.truncate(256 << 20)  # sparse: costs no disk
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=f"^{big}: 268,435,456 bytes, more than the 47,040,016 bytes of the "
                                             "original train-images-idx3-ubyte; it is not MNIST's file"):
            datasets.find_file(big.name, download=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"{peak / 2**20:.0f} MB read"


def test_a_directory_or_fifo_named_like_an_mnist_file_is_named_not_read_or_skipped(isolated, monkeypatch, tmp_path):
    import os

    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path))
    (tmp_path / LABELS).mkdir()
    with pytest.raises(ValueError, match=f"^{tmp_path / LABELS} is a directory, expected the MNIST file {LABELS}$"):
        datasets.find_file(LABELS, download=False)
    (tmp_path / LABELS).rmdir()
    os.mkfifo(tmp_path / f"{LABELS}.gz")  # nobody writes to it: opening it would block
    with pytest.raises(ValueError, match=rf"{LABELS}\.gz is a FIFO \(named pipe\), expected the MNIST file"):
        datasets.find_file(LABELS, download=False)


LOAD_WITH_A_STRANGE_CACHE = """
import warnings, scratchnn as snn
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    (X, y), (Xt, yt) = snn.load_mnist()
print(X.shape, int(y[:100].sum()), X.flags.writeable)
print(" | ".join(str(w.message) for w in seen))
"""


def load_in_a_child(env_changes):
    import os
    import subprocess
    import sys

    env = {**os.environ, **env_changes}
    child = subprocess.run([sys.executable, "-c", LOAD_WITH_A_STRANGE_CACHE], env=env, capture_output=True,
                           text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    shape, warning = child.stdout.splitlines()
    return shape, warning


@pytest.mark.parametrize("part, make, what", [
    ("images", lambda p: __import__("os").mkfifo(p), r"is a FIFO \(named pipe\), not a regular file: not replaced"),
    ("labels", lambda p: p.mkdir(), "is a directory, not a regular file: not replaced"),
], ids=["images.npy is a FIFO", "labels.npy is a directory"])
def test_a_cache_file_that_is_not_a_file_warns_and_loads_privately_without_hanging(shared, mnist, part, make, what):
    """A FIFO in the cache made load_mnist block forever, a directory gave a raw IsADirectoryError."""
    shared.mkdir(parents=True)
    make(shared / f"{part}.npy")
    shape, warning = load_in_a_child({})
    assert shape == f"(60000, 784) {int(mnist[0][1][:100].sum())} False"
    assert __import__("re").search(f"could not write the shared MNIST cache in {shared} .*{part}.npy {what}.*"
                                   "private copy", warning), warning


@pytest.mark.parametrize("where, said", [
    ("a file", "Not a directory"),
    ("/proc/x", "No such file or directory"),
    ("~nobody-by-this-name/x", "Could not determine home directory"),
])
def test_scratchnn_cache_that_cannot_be_a_folder_warns_and_loads_privately(tmp_path, mnist, where, said):
    if where == "a file":
        where = tmp_path / "a file"
        where.write_text("not a folder")
    shape, warning = load_in_a_child({"SCRATCHNN_CACHE": str(where)})
    assert shape == f"(60000, 784) {int(mnist[0][1][:100].sum())} False"
    assert "could not write the shared MNIST cache in" in warning and said in warning and "private copy" in warning, \
        warning
