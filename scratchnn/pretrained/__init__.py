"""Models that ship with scratchnn, trained by ``benchmarks/train_pretrained.py``.

``load_pretrained()`` gives the model best at reading digits drawn on the pad;
``load_pretrained("seed")`` the 784-20-15-15-10 net of the seed project.
"""
from __future__ import annotations

from importlib import resources

DEFAULT = "drawing"


def _path(name):
    return resources.files(__name__).joinpath(f"{name}.npz")


def available():
    return sorted(p.name[:-4] for p in resources.files(__name__).iterdir() if p.name.endswith(".npz"))


def load_pretrained(name: str = DEFAULT):
    """Load a shipped model by name (see ``list_pretrained()``)."""
    from ..net import Net

    names = available()
    if name not in names:
        raise ValueError(f"unknown pretrained model {name!r}; available: {names}")
    with resources.as_file(_path(name)) as path:
        return Net.load(path)


def list_pretrained():
    """One dict per shipped model: name, architecture, measured MNIST test accuracy, description."""
    rows = []
    for name in available():
        net = load_pretrained(name)
        meta = net.metadata
        rows.append({
            "name": name,
            "architecture": "-".join(map(str, net.architecture())),
            "test_accuracy": meta.get("test_accuracy"),
            "description": meta.get("description", ""),
            "default": name == DEFAULT,
        })
    return rows
