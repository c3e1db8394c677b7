"""A plain `pip install .` (not editable) from a clean copy of the repository works on its own:
no package code reads the repository's folders, and the data ships with the package."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

CHECK = """
import sys
import scratchnn as snn
from scratchnn import datasets
assert snn.__file__.startswith(sys.prefix), ("not the installed copy", snn.__file__, sys.prefix)
(X, y), (Xt, yt) = snn.load_mnist(download=False, mirrors=())
assert X.shape == (60000, 784) and Xt.shape == (10000, 784), (X.shape, Xt.shape)
assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], y[:10]
net = snn.load_pretrained()
accuracy = net.evaluate(Xt[:1000], yt[:1000])["accuracy"]
assert accuracy > 0.9, accuracy
from scratchnn.course import drawn
from scratchnn.pad import app
assert len(drawn.load()["digits"]) == 600 and app.NOTEBOOK.is_file()
print("ok", datasets.PACKAGED_DIR)
"""


def clean_copy(destination: Path):
    """Copy the repository's tracked files as they are in the working tree (no build output, no
    caches) into ``destination``; returns their names."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, timeout=60)
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout: {listed.stderr.decode(errors='replace').strip()}")
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return [name for name in filter(None, listed.stdout.decode().split("\0")) if (REPO / name).is_file()]


def test_a_non_editable_install_from_a_clean_copy_finds_its_data_and_models_from_anywhere(tmp_path):
    """`pip install .` into a fresh venv (it sees the installed dependencies, --system-site-packages,
    and builds offline with them), then `scratchnn info`, load_mnist and load_pretrained, run from
    another folder with empty caches: MNIST must come from the installed package, not a download."""
    source, venv, elsewhere = tmp_path / "scratchnn-src", tmp_path / "venv", tmp_path / "elsewhere"
    tracked = clean_copy(source)
    elsewhere.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                              "--no-index", str(source)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    shutil.rmtree(source)  # the install must not point back at the copy
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "SCRATCHNN_DATA", "VIRTUAL_ENV")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "xdg"), SCRATCHNN_CACHE=str(tmp_path / "cache"),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", no_proxy="*")
    info = subprocess.run([str(venv / "bin" / "scratchnn"), "info"], cwd=elsewhere, env=env, capture_output=True,
                          text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    installed = next((venv / "lib").glob("python*/site-packages/scratchnn"))
    # every module and data file of scratchnn/, course/ and pad/ (pyproject's packages and package-data)
    missing = [name for name in tracked if name.startswith("scratchnn/")
               and not (installed.parent / name).is_file()]
    assert not missing, missing
    assert f"MNIST: {installed / 'mnist'}\n" in info.stdout and "missing" not in info.stdout, info.stdout
    assert "drawing (default)" in info.stdout and "seed" in info.stdout, info.stdout
    check = subprocess.run([str(python), "-c", CHECK], cwd=elsewhere, env=env, capture_output=True, text=True,
                           timeout=300)
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == ["ok", str(installed / "mnist")]
