"""Saving and loading nets: an ``.npz`` of plain arrays plus a JSON description. Never pickles.

Everything read from a file is checked before it is used: the archive holds only numeric arrays
of bounded size, the JSON names known layers, activations and loss, and every array has the shape
the architecture needs and values its dtype can hold. Every wrong file gets one sentence saying
what came and what was expected.
"""
from __future__ import annotations

import functools
import json
import math
import zipfile
from pathlib import Path

import numpy as np

from ._io import atomic_write, open_regular
from ._version import __version__
from .activations import ACTIVATIONS, get_activation
from .layers import MAX_UNITS, Dense, InLayer
from .losses import LOSSES

FORMAT = "scratchnn.Net/1"
# An .npz is a zip of .npy files; this bounds what a file may unpack to. The
# largest net in the notebooks needs about 1 MB.
MAX_MODEL_BYTES = 1 << 30
MAX_METADATA_CHARS = 1 << 20
#: How deeply lists and dicts may nest in a model file's JSON (the format itself uses 4 levels):
#: deeper metadata would make ``copy.deepcopy`` (``net.copy()``) run out of stack.
MAX_METADATA_DEPTH = 64


class Text(str):
    """A string that shows as itself (not quoted, newlines kept) as a notebook cell's value."""

    def __repr__(self):
        return str(self)


def describe(net):
    """``net.summary()``: layers, output shapes and parameter counts as a table."""
    rows = [("layer", "output shape", "params"), ("InLayer", f"(N, {net.n_inputs})", "0")]
    width = net.n_inputs
    for i, layer in enumerate(net.dense, 1):
        act = getattr(layer, "activation", None)
        label = f"{type(layer).__name__} {i}" + (f" ({type(act).__name__})" if act is not None else "")
        width = getattr(layer, "units", width)
        n = sum(getattr(layer, name).size for name in getattr(layer, "param_names", ()))
        rows.append((label, f"(N, {width})", f"{n:,}"))
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    line = "-" * (sum(widths) + 4)
    fmt = lambda r: f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}"  # noqa: E731
    return Text("\n".join([fmt(rows[0]), line, *map(fmt, rows[1:]), line,
                           f"total parameters: {net.count_params():,}    loss: {type(net.loss).__name__}    "
                           f"dtype: {net.dtype}"]))


def spec(net):
    """The JSON description of ``net``'s architecture; a ValueError for layers a file cannot describe."""
    layers = [{"type": "InLayer", "units": net.n_inputs}]
    for i, layer in enumerate(net.dense, 1):
        act = getattr(layer, "activation", None)
        name = getattr(act, "name", None)
        if not isinstance(layer, Dense) or ACTIVATIONS.get(name) is not type(act):
            raise ValueError(f"layer {i} ({layer!r}) cannot be saved: model files hold Dense layers with the "
                             f"activations {sorted(ACTIVATIONS)}; copy your layer's W and b into a Dense to save it")
        layers.append({"type": "Dense", "units": layer.units, "activation": name})
    loss = getattr(net.loss, "name", None)
    if LOSSES.get(loss) is not type(net.loss):
        raise ValueError(f"the loss {net.loss!r} cannot be saved: model files hold one of {sorted(LOSSES)}")
    return {"format": FORMAT, "layers": layers, "loss": loss}


def save(net, path, **metadata):
    """Write ``net``'s weights and JSON metadata to ``path``; return the path.

    Extra keyword arguments (e.g. ``test_accuracy=0.963``) are stored in the metadata. Whatever
    ``load`` would refuse (a dtype other than float32/float64, NaN weights, metadata too big or
    too deep) is refused here first, with the reason, so a good file is never replaced by one that
    does not load. The file is written to a temporary name and renamed, so a crash never leaves
    half a model behind; only a regular file is replaced, and it keeps its permissions.
    """
    path = _path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory; give a file name such as model.npz")
    where = f"not saving {path}"
    meta = {**spec(net), "scratchnn_version": __version__, "dtype": str(net.dtype),
            "metadata": {**net.metadata, **metadata}}
    try:  # before the file is opened: bad metadata never touches the disk
        text = json.dumps(meta, default=_json_value)
    except (TypeError, ValueError, RecursionError) as e:
        raise ValueError(f"{where}: metadata must be JSON values (numbers, strings, lists, dicts): {e}") from None
    _, _, dtype, expected, _ = _description(text, where)  # what load reads back, checked as load checks it
    arrays = dict(zip(net.param_names(), net.params()))
    for name, p in arrays.items():
        _check_header(where, name, p.shape, p.dtype, expected[name])
        _check_values(where, name, p, dtype)
    with atomic_write(path) as f:
        np.savez(f, __metadata__=np.array(text), **arrays)
    net.metadata = meta["metadata"]
    return path


def load(path, net_class):
    """Read a model written by ``save`` into a new ``net_class`` (``Net.load(path)`` passes ``Net``).

    Never unpickles: a file that needs it is refused. Every header is checked before the data
    behind it is read, so a file can make us read no more than its architecture needs.
    """
    path = _path(path)
    with open_regular(path, "an .npz model file written by Net.save") as f:
        head = f.read(6)
        if not head:
            raise ValueError(f"{path}: the file is empty, expected an .npz archive written by Net.save")
        if head.startswith(b"\x93NUMPY"):
            raise ValueError(f"{path}: expected an .npz archive written by Net.save, got a single .npy array")
        if not head.startswith(b"PK"):
            raise ValueError(f"{path}: not a scratchnn model file: expected an .npz (zip) archive, the file starts "
                             f"with {head!r} (a pickle or another format; Net.load never unpickles)")
        f.seek(0)
        try:
            archive = zipfile.ZipFile(f)
        except Exception as e:  # zipfile.BadZipFile, OSError, ValueError, ...: all mean a broken archive
            raise ValueError(f"{path}: not a readable .npz archive (truncated or corrupt?): {e}") from None
        with archive:
            layers, loss, dtype, metadata, arrays = _read_model(archive, path)
    net = net_class(layers, cost_function=loss, dtype=dtype)
    for name, p in zip(net.param_names(), net.params()):
        p[...] = arrays[name]
    net.metadata = metadata
    return net


def _read_model(archive, path):
    infos = archive.infolist()
    for info in infos:
        if not info.filename.endswith(".npy"):  # numpy would hand such a member back as bytes
            raise ValueError(f"{path}: {info.filename} is not a NumPy array; an .npz written by Net.save "
                             "holds only arrays")
    size = sum(info.file_size for info in infos)  # as declared: bounds what a member may inflate to
    if size > MAX_MODEL_BYTES:
        raise ValueError(f"{path}: unpacks to {size:,} bytes, more than the {MAX_MODEL_BYTES:,} a model may hold")
    names = {info.filename[:-4] for info in infos}
    if "__metadata__" not in names:
        raise ValueError(f"{path}: missing the __metadata__ JSON string written by Net.save")
    text = _read_member(archive, "__metadata__", path, _check_metadata_header)
    layers, loss, dtype, expected, metadata = _description(str(text.reshape(())), path)
    names.discard("__metadata__")
    if names != set(expected):
        missing, extra = sorted(set(expected) - names), sorted(names - set(expected))
        raise ValueError(f"{path}: arrays do not match the architecture: missing {missing}, unexpected {extra}")
    arrays = {}
    for name, shape in expected.items():
        arrays[name] = _read_member(archive, name, path, functools.partial(_check_header, needed=shape))
        _check_values(path, name, arrays[name], dtype)
    return layers, loss, dtype, metadata, arrays


def _read_member(archive, name, where, check):
    """The array stored as ``name`` in ``archive``; ``check(where, name, shape, dtype)`` vets the
    .npy header before any data is read, and no more data than the header declares is read."""
    try:
        member = archive.open(f"{name}.npy")
    except Exception as e:
        raise ValueError(f"{where}: {name} is corrupt: {e}") from None
    with member:
        try:
            version = np.lib.format.read_magic(member)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"unsupported .npy version {version}")
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(member)
        except Exception as e:
            raise ValueError(f"{where}: {name} is corrupt: {e}") from None
        if dtype.hasobject:
            raise ValueError(f"{where}: {name} is an object array, which would need pickle to load; "
                             "refused (Net.load never unpickles)")
        check(where, name, shape, dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        try:
            data = member.read(nbytes + 1)  # reading past the end makes zipfile check the CRC
        except Exception as e:
            raise ValueError(f"{where}: {name} is corrupt: {e}") from None
    if len(data) != nbytes:
        raise ValueError(f"{where}: {name} is corrupt: {len(data):,} bytes of data where its header says {nbytes:,}")
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C")


def _check_metadata_header(where, name, shape, dtype):
    if dtype.kind != "U" or shape != ():
        raise ValueError(f"{where}: missing the __metadata__ JSON string written by Net.save")
    chars = dtype.itemsize // 4
    if chars > MAX_METADATA_CHARS:
        raise ValueError(f"{where}: metadata is {chars:,} characters, more than the {MAX_METADATA_CHARS:,} allowed")


def _check_header(where, name, shape, dtype, needed):
    if shape != needed:
        raise ValueError(f"{where}: {name} has shape {shape}, the architecture needs {needed}")
    if dtype.kind != "f" or dtype.itemsize not in (4, 8):
        raise ValueError(f"{where}: {name} must hold floats, got dtype {dtype} (model files hold float32 or "
                         "float64)")


def _check_values(where, name, a, dtype):
    if not np.isfinite(a).all():
        raise ValueError(f"{where}: {name} must hold finite floats, got {np.count_nonzero(~np.isfinite(a))} NaN/inf")
    limit = float(np.finfo(dtype).max)
    if a.size and float(np.abs(a).max()) > limit:
        raise ValueError(f"{where}: {name} holds values up to {float(np.abs(a).max()):.3g}, beyond {dtype}'s "
                         f"{limit:.3g}")


def _description(text, where):
    """``(layers, loss, dtype, {name: shape}, metadata)`` from the metadata JSON ``text``, or a
    ValueError naming ``where``: what ``load`` reads and what ``save`` checks before writing."""
    if len(text) > MAX_METADATA_CHARS:
        raise ValueError(f"{where}: metadata is {len(text):,} characters, more than the {MAX_METADATA_CHARS:,} allowed")
    try:
        meta = json.loads(text, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise ValueError(f"{where}: metadata is nested too deeply to be a model description") from None
    except ValueError as e:  # JSONDecodeError, a repeated key, an integer of more than 4300 digits
        raise ValueError(f"{where}: metadata is not valid JSON: {e}") from None
    depth = _depth(meta)
    if depth > MAX_METADATA_DEPTH:
        raise ValueError(f"{where}: metadata is nested {depth} levels deep, more than the {MAX_METADATA_DEPTH} "
                         "a model file may hold (nested too deeply)")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else meta
        raise ValueError(f"{where}: unknown format {found!r}, expected {FORMAT!r}")
    loss = meta.get("loss")
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"{where}: unknown loss {loss!r}, expected one of {sorted(LOSSES)}")
    dtype = meta.get("dtype", "float32")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"{where}: unknown dtype {dtype!r}, expected float32 or float64")
    layers = _layers_from_spec(meta.get("layers"), where)
    # Shapes come from the architecture, so a file cannot make us allocate more than it holds.
    expected = _shapes([layer.units for layer in layers])
    metadata = meta.get("metadata", {})
    return layers, loss, dtype, expected, metadata if isinstance(metadata, dict) else {}


def _unique_keys(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object")
        seen.add(key)
    return dict(pairs)


def _depth(value):
    """How deeply lists and dicts nest in ``value`` (a number or string is 1), without recursion."""
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [v for x in level if isinstance(x, (list, dict)) for v in (x.values() if isinstance(x, dict) else x)]
    return depth


def _path(path):
    """``path`` as a Path, refusing what is not a local file name (URLs are never fetched)."""
    if isinstance(path, bytes):
        path = path.decode(errors="replace")
    if not isinstance(path, (str, Path)) and not hasattr(path, "__fspath__"):
        raise ValueError(f"expected a file path such as 'model.npz', got {type(path).__name__} {path!r}")
    text = str(path)
    if "://" in text:
        raise ValueError(f"{text}: scratchnn reads model files from disk only, not from URLs; "
                         "download the file first and pass its local path")
    if not text:
        raise ValueError("expected a file path such as 'model.npz', got an empty string")
    return Path(path)


def _shapes(units):
    shapes = {}
    for i in range(1, len(units)):
        shapes[f"W{i}"], shapes[f"b{i}"] = (units[i - 1], units[i]), (units[i],)
    return shapes


def _json_value(x):
    """NumPy scalars and arrays as plain JSON values (``np.float32(0.96)`` -> ``0.96``)."""
    if isinstance(x, (np.generic, np.ndarray)):
        return x.tolist()
    raise TypeError(f"{type(x).__name__} {x!r} is not JSON serializable")


def _layers_from_spec(layers, path="spec"):
    if not isinstance(layers, list) or not layers:
        raise ValueError(f"{path}: metadata has no layer list")
    out = []
    for i, entry in enumerate(layers):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: layer {i} is {entry!r}, expected an object")
        kind, units = entry.get("type"), entry.get("units")
        if not isinstance(units, int) or isinstance(units, bool) or not 0 < units <= MAX_UNITS:
            raise ValueError(f"{path}: layer {i} has units {units!r}, expected a positive int up to {MAX_UNITS:,}")
        if kind == "InLayer" and i == 0:
            out.append(InLayer(units))
        elif kind == "Dense" and i > 0:
            act = entry.get("activation")
            if not isinstance(act, str) or act not in ACTIVATIONS:
                raise ValueError(f"{path}: layer {i} has unknown activation {act!r}, "
                                 f"expected one of {sorted(ACTIVATIONS)}")
            out.append(Dense(units, get_activation(act)))
        else:
            raise ValueError(f"{path}: layer {i} has type {kind!r}; expected {'InLayer' if i == 0 else 'Dense'}")
    return out
