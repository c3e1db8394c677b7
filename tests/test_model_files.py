"""Model files: ``Net.save`` / ``Net.load`` round-trip, write atomically, and refuse hostile files.

A model file is an ``.npz`` of plain float arrays plus one JSON string. Loading
must never unpickle: the hostile files below carry payloads that would create a
marker file if anything unpickled them, and the tests check no marker appears.
"""
import io
import json
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import scratchnn as snn


def make_net(**kw):
    return snn.Net([snn.InLayer(6), snn.Dense(5, "relu"), snn.Dense(4, "tanh"), snn.Dense(3, "softmax")],
                   cost_function=snn.CrossEntropyLoss, seed=0, **kw)


def read_raw(path):
    """The arrays and the decoded metadata of a model file, read without Net.load."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return arrays, json.loads(str(arrays.pop("__metadata__")))


def write_raw(path, arrays, meta):
    """Write arrays and metadata the way Net.save lays them out (``meta`` may be any string)."""
    text = meta if isinstance(meta, str) else json.dumps(meta)
    np.savez(path, __metadata__=np.array(text), **arrays)
    return path


class Payload:
    """Unpickling this object opens (creates) ``marker``: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def saved(tmp_path):
    """A small trained-looking model saved to tmp: (net, path, arrays, meta)."""
    net = make_net()
    for p in net.params():  # non-trivial biases too, so a lost array would show
        p += np.random.default_rng(1).normal(0, 0.1, p.shape).astype(p.dtype)
    path = net.save(tmp_path / "model.npz", test_accuracy=0.9625, description="unit test")
    arrays, meta = read_raw(path)
    return net, path, arrays, meta


def files_in(directory):
    return sorted(p.name for p in Path(directory).iterdir())


# --------------------------------------------------------------- round trip
def test_round_trip_keeps_predictions_architecture_and_metadata(saved, rng):
    net, path, _, meta = saved
    loaded = snn.Net.load(path)
    X = rng.normal(size=(20, 6)).astype(np.float32)
    assert np.array_equal(loaded.predict_proba(X), net.predict_proba(X))
    assert loaded.architecture() == [6, 5, 4, 3] and loaded.dtype == np.float32
    assert [type(layer.activation) for layer in loaded.dense] == [snn.ReLU, snn.Tanh, snn.Softmax]
    assert isinstance(loaded.loss, snn.CrossEntropyLoss)
    assert loaded.metadata == {"test_accuracy": 0.9625, "description": "unit test"}
    assert meta["scratchnn_version"] == snn.__version__ and meta["format"] == "scratchnn.Net/1"


def test_round_trip_float64_mse_net_and_the_metadata_it_already_had(tmp_path, rng):
    net = snn.Net([snn.InLayer(3), snn.Dense(2, "sigmoid"), snn.Dense(1, "identity")],
                  cost_function=snn.MSELoss, seed=3, dtype=np.float64)
    net.metadata = {"trained_on": "toy"}
    net.save(tmp_path / "m.npz", epochs=np.int64(5), test_accuracy=np.float32(0.5))  # NumPy scalars are fine
    loaded = snn.Net.load(tmp_path / "m.npz")
    X = rng.normal(size=(7, 3))
    assert loaded.dtype == np.float64 and isinstance(loaded.loss, snn.MSELoss)
    assert np.array_equal(loaded.predict_proba(X), net.predict_proba(X))
    assert loaded.metadata == {"trained_on": "toy", "epochs": 5, "test_accuracy": 0.5}


def test_metadata_that_is_not_json_is_refused_before_anything_is_written(saved):
    net, path, _, _ = saved
    before = path.read_bytes()
    with pytest.raises(ValueError, match="metadata must be JSON values.*object"):
        net.save(path, callback=object())
    assert path.read_bytes() == before and files_in(path.parent) == ["model.npz"]


def test_save_leaves_no_temporary_files(saved):
    _, path, _, _ = saved
    assert files_in(path.parent) == ["model.npz"]


def test_an_error_while_writing_leaves_the_existing_file_intact(saved, monkeypatch):
    net, path, _, _ = saved
    before = path.read_bytes()

    def savez_then_fail(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", savez_then_fail)
    with pytest.raises(OSError, match="disk full"):
        make_net(dtype=np.float64).save(path, test_accuracy=0.1)
    assert path.read_bytes() == before and files_in(path.parent) == ["model.npz"]
    monkeypatch.undo()
    assert snn.Net.load(path).metadata["test_accuracy"] == 0.9625


def test_a_full_disk_is_said_in_one_sentence_and_the_existing_file_is_kept(saved, monkeypatch):
    import errno

    net, path, _, _ = saved
    before = path.read_bytes()

    def savez_full_disk(f, **arrays):
        f.write(b"PK\x03\x04 the start of an archive")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", savez_full_disk)
    with pytest.raises(OSError, match=r"cannot write .*model.npz: the disk is full; the existing file is unchanged"):
        net.save(path)
    assert path.read_bytes() == before and files_in(path.parent) == ["model.npz"]


def test_a_read_only_folder_is_said_in_one_sentence(tmp_path, monkeypatch):
    import errno
    import os

    def read_only(*args, **kwargs):  # what a read-only mount answers (root ignores chmod, so it is simulated)
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(OSError, match="cannot write .*m.npz: the file system is read-only; nothing was written"):
        make_net().save(tmp_path / "m.npz")
    monkeypatch.undo()
    assert files_in(tmp_path) == []


def test_save_overwrites_an_existing_model(saved):
    _, path, _, _ = saved
    make_net(dtype=np.float64).save(path, test_accuracy=0.5)
    assert snn.Net.load(path).dtype == np.float64 and files_in(path.parent) == ["model.npz"]


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        snn.Net.load(tmp_path / "nope.npz")


def test_the_package_never_allows_pickle():
    sources = Path(snn.__file__).parent.rglob("*.py")
    assert not [str(p) for p in sources if "allow_pickle=True" in p.read_text()]


# ------------------------------------------------------ pickles never run
def test_load_rejects_pickled_object_array_without_running_it(saved, tmp_path):
    _, _, arrays, meta = saved
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(marker)
    path = write_raw(tmp_path / "evil.npz", {**arrays, "W1": evil}, meta)
    with pytest.raises(ValueError, match="W1 is an object array, which would need pickle to load; refused"):
        snn.Net.load(path)
    assert not marker.exists()
    pickle.loads(pickle.dumps(Payload(marker)))  # control: the payload is live when unpickled
    assert marker.exists()


def test_load_rejects_a_raw_pickle_renamed_npz_without_running_it(saved, tmp_path):
    _, _, arrays, meta = saved
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pickle.npz"
    path.write_bytes(pickle.dumps({"__metadata__": json.dumps(meta), **arrays, "payload": Payload(marker)}))
    with pytest.raises(ValueError, match=r"expected an \.npz \(zip\) archive.*never unpickles"):
        snn.Net.load(path)
    assert not marker.exists()


# ---------------------------------------------------------- hostile files
def _layer(i, **change):
    def mutate(arrays, meta):
        meta["layers"][i].update(change)
    return mutate


def _meta(**change):
    def mutate(arrays, meta):
        meta.update(change)
    return mutate


def _array(name, value):
    def mutate(arrays, meta):
        if value is None:
            del arrays[name]
        else:
            arrays[name] = value(arrays.get(name))
    return mutate


HOSTILE = {
    "unknown activation": (_layer(1, activation="swish"), "layer 1 has unknown activation 'swish', expected one of"),
    "activation not a string": (_layer(2, activation=["relu"]), r"layer 2 has unknown activation \['relu'\]"),
    "unknown layer type": (_layer(1, type="Conv2D"), "layer 1 has type 'Conv2D'; expected Dense"),
    "first layer not InLayer": (_layer(0, type="Dense"), "layer 0 has type 'Dense'; expected InLayer"),
    "units not an int": (_layer(1, units="5"), "layer 1 has units '5', expected a positive int"),
    "no layers": (_meta(layers=[]), "metadata has no layer list"),
    "unknown loss": (_meta(loss="hinge"),
                     r"unknown loss 'hinge', expected one of \['cross_entropy', 'mse', 'softmax_cross_entropy'\]"),
    "loss not a string": (_meta(loss={"x": 1}), r"unknown loss \{'x': 1\}"),
    "unknown dtype": (_meta(dtype="int8"), "unknown dtype 'int8', expected float32 or float64"),
    "wrong format tag": (_meta(format="keras.Model/2"), "unknown format 'keras.Model/2', expected 'scratchnn.Net/1'"),
    "missing array": (_array("b2", None), r"missing \['b2'\], unexpected \[\]"),
    "extra array": (_array("W9", lambda a: np.zeros(3, np.float32)), r"missing \[\], unexpected \['W9'\]"),
    "misshapen array": (_array("W2", lambda a: a.T), r"W2 has shape \(4, 5\), the architecture needs \(5, 4\)"),
    "bias as a row": (_array("b1", lambda a: a[None, :]), r"b1 has shape \(1, 5\), the architecture needs \(5,\)"),
    "int array": (_array("W1", lambda a: a.astype(np.int32)), "W1 must hold floats, got dtype int32"),
    "complex array": (_array("W3", lambda a: a.astype(np.complex64)), "W3 must hold floats, got dtype complex64"),
    "NaN in weights": (_array("W1", lambda a: np.where(a > 0, np.nan, a)),
                       "W1 must hold finite floats, got .* NaN/inf"),
    "inf in biases": (_array("b3", lambda a: a + np.inf), "b3 must hold finite floats, got 3 NaN/inf"),
    "metadata missing": (_array("__metadata__", None), "missing the __metadata__ JSON string"),
    "metadata not a string": (_array("__metadata__", lambda a: np.zeros(3)), "missing the __metadata__ JSON string"),
    # Metadata claiming a huge net is refused before any weights are allocated.
    "claims a huge net": (lambda arrays, meta: [layer.update(units=1_000_000) for layer in meta["layers"][:2]],
                          r"W1 has shape \(6, 5\), the architecture needs \(1000000, 1000000\)"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_load_rejects_hostile_contents_saying_what_is_wrong(saved, tmp_path, case):
    _, _, arrays, meta = saved
    mutate, match = HOSTILE[case]
    contents = {**arrays, "__metadata__": "the JSON of meta"}
    mutate(contents, meta)
    if isinstance(contents.get("__metadata__"), str):  # not replaced or removed by the mutation
        contents["__metadata__"] = np.array(json.dumps(meta))
    path = tmp_path / "hostile.npz"
    np.savez(path, **contents)
    with pytest.raises(ValueError, match=match) as info:
        snn.Net.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("text, match", [
    ("{not json", "metadata is not valid JSON"),
    ("[1, 2, 3]", r"unknown format \[1, 2, 3\]"),
    ('"just a string"', "unknown format 'just a string'"),
])
def test_load_rejects_bad_metadata_json(saved, tmp_path, text, match):
    _, _, arrays, _ = saved
    path = write_raw(tmp_path / "bad.npz", arrays, text)
    with pytest.raises(ValueError, match=match):
        snn.Net.load(path)


def test_load_rejects_a_plain_npy(tmp_path):
    np.save(tmp_path / "weights.npy", np.zeros((6, 5), np.float32))
    with pytest.raises(ValueError, match=r"expected an \.npz archive written by Net.save, got a single \.npy array"):
        snn.Net.load(tmp_path / "weights.npy")


@pytest.mark.parametrize("content, match", [
    (b"", "the file is empty"),
    (b"\x8d" + np.random.default_rng(0).bytes(4095), r"expected an \.npz \(zip\) archive"),
    (b"PK\x03\x04" + bytes(100), r"not a readable \.npz archive \(truncated or corrupt\?\)"),
], ids=["empty", "random bytes", "zip header then zeros"])
def test_load_rejects_files_that_are_not_archives(tmp_path, content, match):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        snn.Net.load(path)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_load_rejects_a_truncated_archive(saved, keep):
    _, path, _, _ = saved
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ValueError, match="not a readable .npz archive"):
        snn.Net.load(path)


def test_load_rejects_a_corrupt_member(saved):
    _, path, _, _ = saved
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("W1.npy")
    # Local file header: 30 bytes, then the name and an "extra" field whose length sits at offset 28.
    extra = int.from_bytes(data[info.header_offset + 28: info.header_offset + 30], "little")
    start = info.header_offset + 30 + len(info.filename) + extra
    data[start + info.file_size - 4] ^= 0xFF  # a byte among W1's numbers (stored uncompressed)
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="W1 is corrupt.*CRC"):
        snn.Net.load(path)


def test_load_rejects_a_member_that_is_not_an_array(saved, tmp_path):
    _, path, _, _ = saved
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("notes.txt", b"import os")
    with pytest.raises(ValueError, match="notes.txt is not a NumPy array"):
        snn.Net.load(path)


def test_load_refuses_an_archive_that_unpacks_too_big(saved, monkeypatch):
    _, path, _, _ = saved
    monkeypatch.setattr(snn.io, "MAX_MODEL_BYTES", 1000)  # a real zip bomb would be slow to build
    with pytest.raises(ValueError, match=r"unpacks to [\d,]+ bytes, more than the 1,000 a model may hold"):
        snn.Net.load(path)


# ------------------------------------------------------ crashes and wrong paths
KILLED_SAVER = """
import sys, numpy as np, scratchnn as snn
net = snn.Net([snn.InLayer(784), snn.Dense(256, "relu"), snn.Dense(10, "softmax")], seed=0)
print("ready", flush=True)
while True:
    net.save(sys.argv[1], note="x" * 200_000)
"""


def test_saves_killed_mid_write_leave_the_file_intact_and_the_next_save_cleans_up(saved):
    """SIGKILL a process that saves over and over: the model file always loads, and the next save
    removes the temp files the dead writers left (a live writer's are never touched)."""
    import subprocess
    import sys
    import time

    net, path, _, _ = saved
    litter = 0
    for kill in range(8):
        proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, str(path)], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(0.05 + 0.03 * kill)  # somewhere inside one of its saves
        finally:
            proc.kill()
            proc.wait(timeout=60)
        snn.Net.load(path)  # intact: the old model or a whole new one, never half of one
        litter += len(files_in(path.parent)) - 1
    assert litter > 0, "no kill landed inside a save: the test proved nothing"
    net.save(path)
    assert files_in(path.parent) == ["model.npz"]


def test_a_file_name_of_250_bytes_saves_and_loads(tmp_path):
    path = tmp_path / ("m" * 246 + ".npz")
    make_net().save(path)
    assert snn.Net.load(path).architecture() == [6, 5, 4, 3] and files_in(tmp_path) == [path.name]


@pytest.mark.parametrize("where,match", [
    ("https://example.com/m.npz", r"https://example.com/m.npz: scratchnn reads model files from disk only"),
    ("", "got an empty string"),
])
def test_load_says_urls_and_empty_names_are_not_model_files(where, match):
    with pytest.raises(ValueError, match=match):
        snn.Net.load(where)


def test_load_and_save_say_a_directory_is_not_a_model_file(tmp_path):
    with pytest.raises(ValueError, match="is a directory, expected an .npz model file"):
        snn.Net.load(tmp_path)
    with pytest.raises(ValueError, match="is a directory; give a file name"):
        make_net().save(tmp_path)


def test_metadata_nested_too_deep_is_refused_in_one_sentence(saved, tmp_path):
    _, _, arrays, _ = saved
    path = write_raw(tmp_path / "deep.npz", arrays, "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        snn.Net.load(path)


def test_weights_beyond_the_declared_dtype_are_refused(saved, tmp_path):
    _, _, arrays, meta = saved
    arrays = dict(arrays, W1=np.full(arrays["W1"].shape, 1e300))  # float64 values a float32 net can't hold
    with pytest.raises(ValueError, match=r"W1 holds values up to 1e\+300, beyond float32"):
        snn.Net.load(write_raw(tmp_path / "huge.npz", arrays, meta))


def test_save_refuses_weights_of_the_wrong_shape_and_writes_nothing(tmp_path):
    net = make_net()
    net.dense[0].W = np.zeros((5, 6), dtype=np.float32)
    with pytest.raises(ValueError, match=r"not saving .*m.npz: W1 has shape \(5, 6\), the architecture needs \(6, 5\)"):
        net.save(tmp_path / "m.npz")
    assert files_in(tmp_path) == []


def test_save_refuses_a_layer_a_file_cannot_describe(tmp_path):
    class Mine:
        units, param_names = 3, ()

        def forward(self, X):
            self.cache = (X, X[:, :3], X[:, :3])    # an output layer keeps (X, Z, A): the layers contract
            return X[:, :3]

        def backward(self, dA):
            return None

    net = snn.Net([snn.InLayer(6), Mine()], cost_function=snn.MSELoss)
    with pytest.raises(ValueError, match=r"layer 1 .* cannot be saved: model files hold Dense layers"):
        net.save(tmp_path / "m.npz")


# ------------------------------------------- files that are not plain files (issue 20, class 1)
LOAD_IN_A_CHILD = ("import sys, scratchnn as snn\ntry:\n    snn.Net.load(sys.argv[1])\n"
                   "except ValueError as e:\n    print(e)\n")


def special_files(folder):
    """``{kind: path}``: a FIFO, a socket, a symlink to a model and (as root) a character device."""
    import os
    import socket
    import stat

    made = {}
    os.mkfifo(folder / "fifo.npz")
    made["a FIFO (named pipe)"] = folder / "fifo.npz"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.npz"))
    made["a socket"] = folder / "sock.npz"
    if os.geteuid() == 0:  # what `mknod d/null c 1 3` makes: the machine's /dev/null, elsewhere
        os.mknod(folder / "null.npz", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        made["a character device"] = folder / "null.npz"
    return made, sock


def test_save_never_replaces_a_device_fifo_socket_or_symlink(saved, tmp_path):
    import os
    import stat

    net, model, _, _ = saved
    made, sock = special_files(tmp_path)
    link = tmp_path / "link.npz"
    link.symlink_to(model)
    made["a symbolic link"] = link
    before = model.read_bytes()
    with sock:
        for what, path in made.items():
            mode = os.lstat(path).st_mode
            with pytest.raises(ValueError, match=re.escape(f"{path} is {what}, not a regular file: not replaced")):
                net.save(path, note="new")
            assert os.lstat(path).st_mode == mode, f"{what} was replaced"
    assert model.read_bytes() == before and stat.S_ISLNK(os.lstat(link).st_mode)
    assert not [p for p in files_in(tmp_path) if p.endswith(".tmp")]


def test_load_refuses_a_fifo_socket_or_device_at_once_without_hanging(tmp_path):
    """A FIFO with no writer made open() block forever; each is now one sentence naming it."""
    import subprocess
    import sys

    made, sock = special_files(tmp_path)
    with sock:
        for what, path in made.items():
            child = subprocess.run([sys.executable, "-c", LOAD_IN_A_CHILD, str(path)], capture_output=True,
                                   text=True, timeout=60)
            assert child.stdout.strip() == f"{path} is {what}, expected an .npz model file written by Net.save", \
                child.stderr


def test_a_stray_temp_file_with_a_huge_number_never_breaks_saves(tmp_path):
    stray = tmp_path / ".m.npz.99999999999.0bad.tmp"
    stray.write_bytes(b"left by something")
    make_net().save(tmp_path / "m.npz")
    assert files_in(tmp_path) == ["m.npz"]  # unlocked: its writer is gone, so it is litter


HOLD_A_TEMP = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL)
fcntl.flock(fd, fcntl.LOCK_EX)
print("writing", flush=True)
time.sleep(120)
"""


def test_a_live_writers_temp_file_survives_even_with_a_pid_this_namespace_lacks(tmp_path):
    """A writer in another PID namespace (a container) or host (NFS) has a PID that means nothing
    here: 99999999 is no process of ours. Its lock on the temp file says it is alive."""
    import subprocess
    import sys

    temp = tmp_path / ".m.npz.99999999.0123abcd.tmp"
    writer = subprocess.Popen([sys.executable, "-c", HOLD_A_TEMP, str(temp)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
        make_net().save(tmp_path / "m.npz")
        assert files_in(tmp_path) == sorted([temp.name, "m.npz"])
    finally:
        writer.kill()
        writer.wait(timeout=60)
    make_net().save(tmp_path / "m.npz")  # the writer is gone: its file is litter now
    assert files_in(tmp_path) == ["m.npz"]


def test_save_keeps_the_files_mode_and_refuses_a_read_only_one(saved):
    import os
    import stat

    net, path, _, _ = saved
    os.chmod(path, 0o600)
    net.save(path, note="private")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and snn.Net.load(path).metadata["note"] == "private"
    os.chmod(path, 0o444)
    before = path.read_bytes()
    with pytest.raises(PermissionError, match=rf"cannot write {path}: it is read-only \(mode 0444\); "
                                              "the existing file is unchanged$"):
        net.save(path, note="overwrite")
    assert path.read_bytes() == before and files_in(path.parent) == ["model.npz"]


def deflated_archive(path, members):
    """An .npz whose members are deflated (np.savez_compressed's layout), ``{name: .npy bytes}``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in members.items():
            with z.open(f"{name}.npy", "w", force_zip64=True) as m:
                for chunk in data:
                    m.write(chunk)
    return path


def npy_bytes(a):
    buffer = io.BytesIO()
    np.save(buffer, a)
    return buffer.getvalue()


def test_a_deflate_bomb_is_refused_before_it_is_inflated(saved, tmp_path):
    """A 256 MB array of zeros deflates to about 1 MB. An extra one was inflated whole before the
    name was refused; one in place of W1 was inflated before its shape was read."""
    import tracemalloc

    _, _, arrays, meta = saved
    header = io.BytesIO()  # the .npy header of 256 MB of bytes, then 256 MB of zeros, 16 MB at a time
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": (256 << 20,)})
    bomb = [header.getvalue()] + [bytes(16 << 20)] * 16
    good = {name: [npy_bytes(a)] for name, a in arrays.items()}
    good["__metadata__"] = [npy_bytes(np.array(json.dumps(meta)))]
    cases = {
        "extra": ({**good, "X": bomb}, r"unexpected \['X'\]"),
        "in W1": ({**good, "W1": bomb}, r"W1 has shape \(268435456,\), the architecture needs \(6, 5\)"),
    }
    for case, (members, match) in cases.items():
        path = deflated_archive(tmp_path / f"bomb-{case}.npz", members)
        assert path.stat().st_size < 2 << 20
        tracemalloc.start()
        try:
            with pytest.raises(ValueError, match=match):
                snn.Net.load(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 16 << 20, f"{case}: {peak / 2**20:.0f} MB spent on a {path.stat().st_size:,}-byte file"


# ------------------------------------------------ every save loads (issue 20, class 2)
@pytest.mark.parametrize("change, match", [
    (lambda net: setattr(net, "metadata", {"notes": "x" * 1_100_000}), r"metadata is 1,100,\d+ characters, more than"),
    (lambda net: net.metadata.update(deep=json.loads("[" * 600 + "]" * 600)), "metadata is nested 60[0-9] levels deep"),
    (lambda net: net.metadata.update({1: "one", "1": "also one"}),
     "metadata is not valid JSON: the key '1' appears twice"),
    (lambda net: net.metadata.update(big=10 ** 5000), "metadata must be JSON values"),
], ids=["1.1 MB of notes", "nested 600 deep", "keys that collide as JSON", "a 5000-digit integer"])
def test_save_refuses_metadata_load_would_refuse_and_keeps_the_good_file(saved, change, match):
    net, path, _, _ = saved
    before = path.read_bytes()
    bad = net.copy()
    change(bad)
    with pytest.raises(ValueError, match=f"not saving {path}: {match}"):
        bad.save(path)
    assert path.read_bytes() == before and files_in(path.parent) == ["model.npz"]
    snn.Net.load(path)


@pytest.mark.parametrize("dtype", ["float16", "float128", "complex64", "int32"])
def test_save_refuses_a_dtype_load_would_refuse_and_keeps_the_good_file(saved, dtype):
    if not hasattr(np, dtype):
        pytest.skip(f"numpy has no {dtype} here")
    net, path, _, _ = saved
    before = path.read_bytes()
    with pytest.raises(ValueError, match=f"not saving {path}: unknown dtype '{dtype}', expected float32 or float64"):
        net.astype(dtype).save(path)
    assert path.read_bytes() == before
    snn.Net.load(path)


def test_a_model_that_loads_can_be_copied(saved, tmp_path):
    """Metadata 600-950 deep loaded, and then net.copy() raised RecursionError: such files are refused,
    and the deepest metadata a file may hold still copies."""
    _, _, arrays, meta = saved
    for depth in (600, 950):
        deep = dict(meta, metadata={"deep": json.loads("[" * depth + "]" * depth)})
        with pytest.raises(ValueError, match=f"deep.npz: metadata is nested {depth + 2} levels deep"):
            snn.Net.load(write_raw(tmp_path / "deep.npz", arrays, deep))
    limit = snn.io.MAX_METADATA_DEPTH - 2  # the file's own object and its "metadata" object
    deepest = dict(meta, metadata={"deep": json.loads("[" * limit + "]" * limit)})
    net = snn.Net.load(write_raw(tmp_path / "deepest.npz", arrays, deepest))
    assert net.copy().metadata == net.metadata
    net.save(tmp_path / "again.npz")  # and saves again


@pytest.mark.parametrize("text, match", [
    ('{"format": "scratchnn.Net/1", "n": ' + "9" * 5000 + "}", "Exceeds the limit .* for integer string conversion"),
    ('{"format": "scratchnn.Net/1", "loss": "mse", "loss": "cross_entropy"}', "the key 'loss' appears twice"),
], ids=["5000-digit integer", "duplicate key"])
def test_metadata_json_the_standard_allows_but_a_model_cannot_mean_is_refused_naming_the_file(saved, tmp_path, text,
                                                                                             match):
    _, _, arrays, _ = saved
    path = write_raw(tmp_path / "odd.npz", arrays, text)
    with pytest.raises(ValueError, match=f"^{path}: metadata is not valid JSON: {match}"):
        snn.Net.load(path)
