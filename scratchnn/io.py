"""Saving and loading nets: an ``.npz`` of plain arrays plus a JSON description. Never pickles.

Everything read from a file is checked before it is used: the archive holds only numeric arrays
of bounded size, the JSON names known layers, activations and loss, and every array has the shape
the architecture needs and values its dtype can hold. Every wrong file gets one sentence saying
what came and what was expected.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import __version__
from ._io import atomic_write
from .activations import ACTIVATIONS, get_activation
from .layers import MAX_UNITS, Dense, InLayer
from .losses import LOSSES

FORMAT = "scratchnn.Net/1"
# An .npz is a zip of .npy files; this bounds what a file may unpack to. The
# largest net in the notebooks needs about 1 MB.
MAX_MODEL_BYTES = 1 << 30
MAX_METADATA_CHARS = 1 << 20


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

    Extra keyword arguments (e.g. ``test_accuracy=0.963``) are stored in the metadata. The file is
    written to a temporary name and renamed, so a crash never leaves half a model behind.
    """
    path = _path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory; give a file name such as model.npz")
    meta = {**spec(net), "scratchnn_version": __version__, "dtype": str(net.dtype),
            "metadata": {**net.metadata, **metadata}}
    expected = _shapes([layer["units"] for layer in meta["layers"]])
    for name, p in zip(net.param_names(), net.params()):  # never write a file that load would refuse
        if p.shape != expected[name]:
            raise ValueError(f"{name} has shape {p.shape}, but a {'-'.join(map(str, net.architecture()))} net "
                             f"needs {expected[name]}: not saved")
        if not np.isfinite(p).all():
            raise ValueError(f"{name} holds {np.count_nonzero(~np.isfinite(p))} NaN/inf values: not saved")
    try:  # before the file is opened: bad metadata never touches the disk
        text = json.dumps(meta, default=_json_value)
    except (TypeError, ValueError, RecursionError) as e:
        raise ValueError(f"metadata must be JSON values (numbers, strings, lists, dicts): {e}") from None
    arrays = {name: p for name, p in zip(net.param_names(), net.params())}
    with atomic_write(path) as f:
        np.savez(f, __metadata__=np.array(text), **arrays)
    net.metadata = meta["metadata"]
    return path


def load(path):
    """Read a model written by ``save`` and return a ``Net``. Never unpickles: a file that needs it is refused."""
    from .net import Net

    path = _path(path)
    arrays = _read_arrays(path)
    meta = arrays.pop("__metadata__", None)
    if meta is None or meta.dtype.kind != "U" or meta.ndim != 0:
        raise ValueError(f"{path}: missing the __metadata__ JSON string written by Net.save")
    meta = str(meta)
    if len(meta) > MAX_METADATA_CHARS:
        raise ValueError(f"{path}: metadata is {len(meta):,} characters, more than the {MAX_METADATA_CHARS:,} allowed")
    try:
        meta = json.loads(meta)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: metadata is not valid JSON: {e}") from None
    except RecursionError:
        raise ValueError(f"{path}: metadata is nested too deeply to be a model description") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else meta
        raise ValueError(f"{path}: unknown format {found!r}, expected {FORMAT!r}")
    loss = meta.get("loss")
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"{path}: unknown loss {loss!r}, expected one of {sorted(LOSSES)}")
    dtype = meta.get("dtype", "float32")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"{path}: unknown dtype {dtype!r}, expected float32 or float64")
    layers = _layers_from_spec(meta.get("layers"), path)
    # Shapes are checked before the net is built, so a file cannot make us allocate more than it
    # holds (metadata claiming 10^6 x 10^6 weights).
    expected = _shapes([layer.units for layer in layers])
    if set(arrays) != set(expected):
        missing, extra = sorted(set(expected) - set(arrays)), sorted(set(arrays) - set(expected))
        raise ValueError(f"{path}: arrays do not match the architecture: missing {missing}, unexpected {extra}")
    limit = float(np.finfo(dtype).max)
    for name, shape in expected.items():
        a = arrays[name]
        if a.shape != shape:
            raise ValueError(f"{path}: {name} has shape {a.shape}, the architecture needs {shape}")
        if a.dtype.kind != "f":
            raise ValueError(f"{path}: {name} must hold floats, got dtype {a.dtype}")
        if not np.isfinite(a).all():
            raise ValueError(f"{path}: {name} must hold finite floats, got {np.count_nonzero(~np.isfinite(a))} NaN/inf")
        if a.size and float(np.abs(a).max()) > limit:
            raise ValueError(f"{path}: {name} holds values up to {float(np.abs(a).max()):.3g}, beyond {dtype}'s "
                             f"{limit:.3g}")
    net = Net(layers, cost_function=loss, dtype=dtype)
    for name, p in zip(net.param_names(), net.params()):
        p[...] = arrays[name]
    extra = meta.get("metadata", {})
    net.metadata = extra if isinstance(extra, dict) else {}
    return net


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


def _read_arrays(path):
    """``{name: array}`` from an ``.npz`` of plain arrays, or a ValueError saying what the file is instead."""
    if path.is_dir():
        raise ValueError(f"{path} is a directory, expected an .npz model file written by Net.save")
    with open(path, "rb") as f:  # FileNotFoundError passes through as is
        head = f.read(6)
    if not head:
        raise ValueError(f"{path}: the file is empty, expected an .npz archive written by Net.save")
    if head.startswith(b"\x93NUMPY"):
        raise ValueError(f"{path}: expected an .npz archive written by Net.save, got a single .npy array")
    if not head.startswith(b"PK"):
        raise ValueError(f"{path}: not a scratchnn model file: expected an .npz (zip) archive, the file starts with "
                         f"{head!r} (a pickle or another format; Net.load never unpickles)")
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception as e:  # zipfile.BadZipFile, OSError, ValueError, ...: all mean a broken archive
        raise ValueError(f"{path}: not a readable .npz archive (truncated or corrupt?): {e}") from None
    with archive:
        size = sum(info.file_size for info in archive.zip.infolist())
        if size > MAX_MODEL_BYTES:
            raise ValueError(f"{path}: unpacks to {size:,} bytes, more than the {MAX_MODEL_BYTES:,} a model may hold")
        arrays = {}
        for name in archive.files:
            try:
                arrays[name] = archive[name]
            except ValueError as e:
                if "allow_pickle" in str(e):  # object arrays need pickle: refuse them
                    raise ValueError(f"{path}: {name} is an object array, which would need pickle to load; "
                                     "refused (Net.load never unpickles)") from None
                raise ValueError(f"{path}: {name} is corrupt: {e}") from None
            except Exception as e:
                raise ValueError(f"{path}: {name} is corrupt: {e}") from None
            if not isinstance(arrays[name], np.ndarray):  # numpy hands back non-.npy members as bytes
                raise ValueError(f"{path}: {name} is not a NumPy array; an .npz written by Net.save holds only arrays")
    return arrays


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
                raise ValueError(f"{path}: layer {i} has unknown activation {act!r}, expected one of {sorted(ACTIVATIONS)}")
            out.append(Dense(units, get_activation(act)))
        else:
            raise ValueError(f"{path}: layer {i} has type {kind!r}; expected {'InLayer' if i == 0 else 'Dense'}")
    return out
