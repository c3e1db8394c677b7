"""The command line, ``python -m scratchnn``: train, evaluate, info, draw, and how it reports errors.

A few tests run the real command in a subprocess (help, a quick training run,
a bad model file); the rest call ``main(argv)`` in-process, with the MNIST
arrays of the session fixture so no test reads the files twice.
"""
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import scratchnn as snn
from scratchnn import datasets, pretrained
from scratchnn.__main__ import main


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "scratchnn", *args], capture_output=True, text=True,
                          timeout=timeout)


def one_error_line(stderr):
    """The single ``scratchnn: error: ...`` line of ``stderr`` (tqdm's bar may come before it)."""
    lines = [line for line in stderr.replace("\r", "\n").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("scratchnn: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], stderr
    assert "Traceback" not in stderr
    return errors[0]


@pytest.fixture
def fast_mnist(monkeypatch, mnist):
    """load_mnist returns the session's arrays (the CLI imports it from scratchnn.datasets when run)."""
    monkeypatch.setattr(datasets, "load_mnist", lambda *a, **k: mnist)
    return mnist


@pytest.fixture
def model_file(tmp_path):
    net = snn.Net([snn.InLayer(784), snn.Dense(12, "relu"), snn.Dense(10, "softmax")], seed=0)
    return net, net.save(tmp_path / "tiny.npz", test_accuracy=0.5)


@pytest.fixture
def shipped(monkeypatch, tmp_path, model_file):
    """Pretend the package ships one model, 'tiny', whatever is really shipped."""
    monkeypatch.setattr(pretrained, "available", lambda: ["tiny"])
    monkeypatch.setattr(pretrained, "_path", lambda name: tmp_path / f"{name}.npz")
    return model_file[0]


# ---------------------------------------------------------------- subprocess
def test_help_describes_every_command_with_examples():
    result = run("--help")
    assert result.returncode == 0 and result.stderr == ""
    for text in ("usage: scratchnn", "train ", "evaluate ", "info ", "draw ", "examples:",
                 "python -m scratchnn train --hidden 20,15,15 --epochs 20 --out model.npz"):
        assert text in result.stdout
    train_help = run("train", "--help").stdout
    for option in ("--hidden", "--activation", "--epochs", "--batch-size", "--optimizer", "--lr",
                   "--schedule", "--weight-decay", "--seed", "--limit", "--out", "examples:"):
        assert option in train_help


def test_quick_training_run_prints_accuracy_and_saves_a_loadable_model(tmp_path):
    out = tmp_path / "quick.npz"
    result = run("train", "--epochs", "1", "--limit", "3000", "--hidden", "16", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "training 784-16-10 (relu) on 3,000 images" in result.stdout
    assert "test accuracy: " in result.stdout and f"saved {out}" in result.stdout
    assert "batch" in result.stderr  # the progress bar
    net = snn.Net.load(out)
    assert net.architecture() == [784, 16, 10] and 0.3 < net.metadata["test_accuracy"] <= 1  # chance is 0.1


@pytest.mark.skipif(shutil.which("scratchnn") is None, reason="the scratchnn console script is not installed")
def test_console_script_runs_the_same_main():
    result = subprocess.run(["scratchnn", "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"scratchnn {snn.__version__}"


def test_bad_model_file_is_one_line_on_stderr_and_exit_code_1(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = run("evaluate", str(bad))
    assert result.returncode == 1 and result.stdout == ""
    assert one_error_line(result.stderr).startswith(f"scratchnn: error: {bad}: not a readable .npz archive")


def test_usage_error_is_one_line_and_exit_code_2():
    result = run("train", "--epochs", "many")
    assert result.returncode == 2 and result.stdout == ""
    assert one_error_line(result.stderr) == (
        "scratchnn: error: argument --epochs: expected an int >= 0, got 'many' (see `scratchnn train --help`)")


# ---------------------------------------------------------------- in-process
@pytest.mark.parametrize("argv, match", [
    (["train", "--hidden", "20,x"], "argument --hidden: expected layer widths separated by commas"),
    (["train", "--hidden", "20,0"], "argument --hidden"),
    (["train", "--epochs", "-1"], "argument --epochs: expected an int >= 0, got '-1'"),
    (["train", "--batch-size", "0"], "argument --batch-size: expected a positive int"),
    (["train", "--lr", "0"], "argument --lr: expected a positive number, got '0'"),
    (["train", "--lr", "fast"], "argument --lr: expected a positive number, got 'fast'"),
    (["train", "--weight-decay", "-0.1"], "argument --weight-decay: expected a number >= 0"),
    (["train", "--optimizer", "rmsprop"], "argument --optimizer: invalid choice: 'rmsprop'"),
    (["train", "--activation", "softmax"], "argument --activation: invalid choice: 'softmax'"),
    (["train", "--limit", "0"], "argument --limit: expected a positive int"),
    (["evaluate", "a", "b"], "unrecognized arguments: b"),
    (["fly"], "argument COMMAND: invalid choice: 'fly'"),
    (["info", "--verbose"], "unrecognized arguments: --verbose"),
    (["draw", "--port", "http"], "argument --port: expected a port number from 1 to 65535, got 'http'"),
    (["draw", "--port", "99999"], "argument --port: expected a port number from 1 to 65535, got '99999'"),
    (["draw", "--port", "0"], "argument --port: expected a port number from 1 to 65535, got '0'"),
])
def test_usage_errors_exit_2_with_one_line(capsys, argv, match):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert one_error_line(err).startswith("scratchnn: error: ") and match in err


def test_no_command_prints_help_and_version_prints_version(capsys):
    assert main([]) == 0
    assert "commands:" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"scratchnn {snn.__version__}"


def test_train_uses_every_option_and_saves_them(fast_mnist, tmp_path, monkeypatch, capsys):
    seen = {}
    real_fit = snn.Net.fit

    def spy_fit(self, *args, **kwargs):
        seen.update(kwargs)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(snn.Net, "fit", spy_fit)
    out = tmp_path / "sub" / "m.npz"
    argv = ["train", "--hidden", "8,6", "--activation", "tanh", "--epochs", "2", "--batch-size", "64",
            "--optimizer", "nesterov", "--lr", "0.02", "--schedule", "constant", "--weight-decay", "1e-4",
            "--seed", "3", "--limit", "500", "--out", str(out)]
    assert main(argv) == 0
    opt = seen["optimizer"]
    assert isinstance(opt, snn.Momentum) and opt.nesterov and opt.lr == 0.02 and opt.weight_decay == 1e-4
    assert opt.current_lr(0.9) == 0.02  # constant schedule
    assert seen["epochs"] == 2 and seen["batch_size"] == 64 and seen["seed"] == 3 and seen["verbose"]
    net = snn.Net.load(out)
    assert net.architecture() == [784, 8, 6, 10]
    assert [layer.activation.name for layer in net.dense] == ["tanh", "tanh", "softmax"]
    (_, _), (X_test, y_test) = fast_mnist
    assert net.metadata["test_accuracy"] == net.evaluate(X_test, y_test)["accuracy"]
    assert net.metadata["train_examples"] == 500 and net.metadata["optimizer"] == "nesterov"
    assert net.metadata["command"] == "scratchnn " + " ".join(argv)
    assert f"test accuracy: {net.metadata['test_accuracy']:.2%}" in capsys.readouterr().out


def test_train_with_no_hidden_layer_is_softmax_regression(fast_mnist, tmp_path, capsys):
    assert main(["train", "--hidden", "", "--epochs", "0", "--out", str(tmp_path / "m.npz")]) == 0
    assert snn.Net.load(tmp_path / "m.npz").architecture() == [784, 10]
    assert "0 epochs" in capsys.readouterr().out


def test_training_that_diverges_is_a_one_line_error_and_saves_nothing(fast_mnist, tmp_path, capsys):
    out = tmp_path / "m.npz"
    argv = ["train", "--optimizer", "sgd", "--lr", "10000", "--limit", "500", "--epochs", "1", "--out", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    error = one_error_line(err)
    assert err.count("loss grew from") == 1, err  # said once, as the error, not also as a warning
    assert "loss grew from" in error and "try 0.1" in error and "Nothing was saved" in error and not out.exists()


@pytest.mark.parametrize("argv,match", [
    (["train", "--seed", "-1"], "argument --seed: expected an int >= 0, got '-1'"),
    (["train", "--out", "/proc/x.npz"], "argument --out: cannot write a file in /proc"),
    (["train", "--hidden", "1000000000"], "argument --hidden: layer widths must be at most 100,000"),
])
def test_train_refuses_bad_options_before_loading_data(argv, match, capsys, monkeypatch):
    import scratchnn.datasets

    monkeypatch.setattr(scratchnn.datasets, "load_mnist", lambda *a, **k: pytest.fail("loaded MNIST"))
    assert main(argv) == 2
    assert match in one_error_line(capsys.readouterr().err)


def test_train_refuses_a_directory_as_output_before_training(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path)]) == 2
    assert "is a directory" in one_error_line(capsys.readouterr().err)


def test_evaluate_a_model_file(fast_mnist, model_file, capsys):
    net, path = model_file
    assert main(["evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    expected = net.evaluate(*fast_mnist[1])
    assert f"{path}: 784-12-10 (relu, softmax), cross_entropy loss" in out
    assert "saved with test accuracy 50.00%" in out
    assert f"test accuracy: {expected['accuracy']:.2%} ({round(expected['accuracy'] * 10000):,}/10,000)" in out


def test_evaluate_a_shipped_model_by_name_and_a_subset(fast_mnist, shipped, capsys):
    assert main(["evaluate", "tiny", "--limit", "100"]) == 0
    expected = shipped.evaluate(fast_mnist[1][0][:100], fast_mnist[1][1][:100])
    line = f"test accuracy: {expected['accuracy']:.2%} ({round(expected['accuracy'] * 100)}/100)"
    assert line in capsys.readouterr().out


def empty_file(path):
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize("make, match", [
    (lambda p: p / "missing.npz", "missing.npz: no such file, and not the name of a shipped model (shipped: tiny)"),
    (lambda p: snn.Net([snn.InLayer(4), snn.Dense(3, "softmax")]).save(p / "small.npz"),
     "is a 4-3 net; MNIST needs 784 inputs and 10 outputs"),
    (lambda p: empty_file(p / "e.npz"), "the file is empty"),
])
def test_evaluate_errors_are_one_line_and_exit_1(shipped, tmp_path, capsys, make, match):
    assert main(["evaluate", str(make(tmp_path))]) == 1
    assert match in one_error_line(capsys.readouterr().err)


def test_info_lists_versions_data_and_shipped_models(shipped, capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"scratchnn {snn.__version__}" in out and f"numpy {np.__version__}" in out
    assert f"MNIST: {datasets.locate('train-images-idx3-ubyte').parent}" in out
    assert "tiny  784-12-10  test accuracy 50.00%" in out


def test_info_with_nothing_shipped_and_no_local_data(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(pretrained, "available", lambda: [])
    monkeypatch.setattr(datasets, "PACKAGED_DIR", tmp_path / "nothing")
    monkeypatch.delenv("SCRATCHNN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "pretrained models: none shipped in this install" in out
    assert f"4 of 4 files not found locally; load_mnist() will download them into {tmp_path / 'cache'}" in out


def test_draw_calls_the_app_with_port_and_browser_choice(monkeypatch, capsys, tmp_path):
    calls = []
    fake = types.ModuleType("scratchnn.pad.app")
    fake.launch = lambda **kwargs: calls.append(kwargs)
    monkeypatch.setitem(sys.modules, "scratchnn.pad.app", fake)
    monkeypatch.chdir(tmp_path)                               # no my_handwriting.npz here
    assert main(["draw", "--port", "8899", "--no-browser"]) == 0
    assert main(["draw"]) == 0
    assert calls == [{"port": 8899, "open_browser": False, "model": None},
                     {"port": None, "open_browser": True, "model": None}]
    assert "the pad runs the shipped model 'drawing'" in capsys.readouterr().out


def test_draw_runs_my_handwriting_when_notebook_13_saved_it(monkeypatch, capsys, tmp_path):
    """Issue 18: the net notebook 13 fine-tuned on your digits, saved as my_handwriting.npz, is what
    `scratchnn draw` runs, and it says so; a file that is not a model is one line, before any server."""
    calls = []
    fake = types.ModuleType("scratchnn.pad.app")
    fake.launch = lambda **kwargs: calls.append(kwargs)
    monkeypatch.setitem(sys.modules, "scratchnn.pad.app", fake)
    monkeypatch.chdir(tmp_path)
    net = snn.Net([snn.InLayer(784), snn.Dense(10, "softmax")], seed=0)
    net.metadata["note"] = "fine-tuned on your 3 drawings"
    (tmp_path / "student").mkdir()
    net.save(tmp_path / "student" / "my_handwriting.npz")
    assert main(["draw", "--no-browser"]) == 0
    assert calls[-1]["model"] == Path("student/my_handwriting.npz")
    assert "the pad runs student/my_handwriting.npz: fine-tuned on your 3 drawings" in capsys.readouterr().out
    (tmp_path / "broken.npz").write_text("not a model")
    assert main(["draw", "--model", "broken.npz"]) == 1 and len(calls) == 1
    assert "broken.npz" in one_error_line(capsys.readouterr().err)


def test_draw_without_the_app_is_a_one_line_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "scratchnn.pad.app", None)  # makes `import scratchnn.pad.app` fail
    assert main(["draw"]) == 1
    assert "the drawing app is not available in this install" in one_error_line(capsys.readouterr().err)


def test_draw_failing_to_start_is_a_one_line_error(monkeypatch, capsys):
    def launch(**kwargs):
        raise RuntimeError("app mode needs Voila,\nwhich is not installed")

    fake = types.ModuleType("scratchnn.pad.app")
    fake.launch = launch
    monkeypatch.setitem(sys.modules, "scratchnn.pad.app", fake)
    assert main(["draw"]) == 1
    assert one_error_line(capsys.readouterr().err) == "scratchnn: error: app mode needs Voila, which is not installed"


def test_an_unexpected_error_is_still_one_line_unless_debugging(monkeypatch, capsys):
    from scratchnn import __main__ as cli

    def broken(args, argv):
        raise TypeError("a bug")

    monkeypatch.setitem(cli.COMMANDS, "info", broken)
    assert main(["info"]) == 1
    assert "unexpected TypeError: a bug (run with SCRATCHNN_DEBUG=1" in one_error_line(capsys.readouterr().err)
    monkeypatch.setenv("SCRATCHNN_DEBUG", "1")
    with pytest.raises(TypeError, match="a bug"):
        main(["info"])


def test_evaluate_without_a_model_evaluates_the_default_shipped_one(capsys):
    assert main(["evaluate", "--limit", "500"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("drawing: 784-256-128-10") and "test accuracy" in out


@pytest.mark.parametrize("model,match", [
    ("https://example.com/m.npz", "scratchnn reads model files from disk only, not from URLs"),
    (".", "is a directory, expected an .npz model file"),
])
def test_evaluate_says_what_is_wrong_with_the_model_path_in_one_line(model, match, capsys):
    assert main(["evaluate", model]) == 1
    err = capsys.readouterr().err
    assert match in one_error_line(err) and "Traceback" not in err


# ------------------------------------------------ files that are not plain files (issue 20)
def test_train_never_replaces_a_device_fifo_or_read_only_file_given_as_out(tmp_path, capsys, monkeypatch):
    """`train --out d/null` (d/null made by `mknod d/null c 1 3`) said "saved" and replaced the
    device; as root, `--out /dev/null` would have replaced the machine's."""
    import os
    import stat

    monkeypatch.setattr(datasets, "load_mnist", lambda *a, **k: pytest.fail("loaded MNIST"))
    os.mkfifo(tmp_path / "fifo")
    targets = {tmp_path / "fifo": "is a FIFO (named pipe), not a regular file: not replaced"}
    if os.geteuid() == 0:
        os.mknod(tmp_path / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        targets[tmp_path / "null"] = "is a character device, not a regular file: not replaced"
    (tmp_path / "kept.npz").write_bytes(b"a model")
    os.chmod(tmp_path / "kept.npz", 0o444)
    targets[tmp_path / "kept.npz"] = "it is read-only (mode 0444)"
    for path, said in targets.items():
        mode = os.lstat(path).st_mode
        assert main(["train", "--epochs", "0", "--limit", "100", "--out", str(path)]) == 2
        error = one_error_line(capsys.readouterr().err)
        assert error.startswith("scratchnn: error: argument --out: ") and str(path) in error and said in error
        assert os.lstat(path).st_mode == mode
    assert (tmp_path / "kept.npz").read_bytes() == b"a model"


def test_evaluate_a_fifo_is_one_line_at_once_not_a_hang(tmp_path):
    import os

    os.mkfifo(tmp_path / "m.npz")
    result = run("evaluate", str(tmp_path / "m.npz"), timeout=60)
    assert result.returncode == 1
    assert one_error_line(result.stderr) == (f"scratchnn: error: {tmp_path / 'm.npz'} is a FIFO (named pipe), "
                                             "expected an .npz model file written by Net.save")


@pytest.mark.parametrize("value, traceback", [("0", False), ("", False), ("false", False), ("off", False),
                                              ("1", True), ("yes", True)])
def test_scratchnn_debug_means_what_it_says(monkeypatch, capsys, value, traceback):
    """SCRATCHNN_DEBUG=0 turned tracebacks on."""
    from scratchnn import __main__ as cli

    def broken(args, argv):
        raise TypeError("a bug")

    monkeypatch.setitem(cli.COMMANDS, "info", broken)
    monkeypatch.setenv("SCRATCHNN_DEBUG", value)
    if traceback:
        with pytest.raises(TypeError, match="a bug"):
            main(["info"])
    else:
        assert main(["info"]) == 1
        assert "unexpected TypeError: a bug" in one_error_line(capsys.readouterr().err)


def test_train_builds_its_optimizer_with_optim_get_optimizer(fast_mnist, tmp_path, monkeypatch, capsys):
    """One optimizer factory: the command line asks scratchnn.optim for it, by name."""
    from scratchnn import optim

    asked = []
    real = optim.get_optimizer
    monkeypatch.setattr(optim, "get_optimizer", lambda *a, **k: asked.append((a, k)) or real(*a, **k))
    assert main(["train", "--optimizer", "nesterov", "--epochs", "1", "--limit", "200", "--hidden", "8",
                 "--out", str(tmp_path / "m.npz")]) == 0
    assert (("nesterov",), {"lr": 0.05, "weight_decay": 0.0, "schedule": "cosine"}) in asked
    assert "nesterov, lr 0.05 (cosine)" in capsys.readouterr().out
