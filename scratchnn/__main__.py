"""Command line: ``python -m scratchnn train|evaluate|info|draw|course`` (also installed as ``scratchnn``).

Every error is one line on stderr, ``scratchnn: error: ...``; the exit code is 2
for a usage error (a bad option) and 1 for anything that went wrong while
running (a bad model file, missing data). Set ``SCRATCHNN_DEBUG=1`` to get the
full traceback instead (``0``, ``false``, ``no``, ``off`` or empty mean no).
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import tempfile
import warnings
from pathlib import Path

COMMAND_HELP = {
    "train": "train a net on MNIST, report its test accuracy, save it",
    "evaluate": "test accuracy of a saved model or a shipped one",
    "info": "versions, where MNIST is found, shipped models",
    "draw": "open the drawing pad in your browser (served by Voila)",
    "course": "start the course: your own copy of the notebooks, opened in JupyterLab",
}
DESCRIPTION = ("Train, evaluate and inspect scratchnn's MNIST nets, or open the drawing pad.\n\ncommands:\n"
               + "".join(f"  {name:<10}{text}\n" for name, text in COMMAND_HELP.items()))
EXAMPLES = """\
examples:
  python -m scratchnn train --hidden 20,15,15 --epochs 20 --out model.npz
  python -m scratchnn train --hidden 128,64 --optimizer nesterov --lr 0.05 --epochs 15
  python -m scratchnn train --epochs 1 --limit 5000          # a quick try
  python -m scratchnn evaluate model.npz
  python -m scratchnn evaluate seed                          # a shipped model, by name
  python -m scratchnn info
  python -m scratchnn draw

Run `python -m scratchnn COMMAND --help` for a command's options."""

#: The --optimizer choices, built by ``optim.get_optimizer``. Without --lr each starts from its
#: constructor's default, adam from the default recipe (``training.default_optimizer``).
OPTIMIZER_NAMES = ("adam", "sgd", "momentum", "nesterov")
HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
#: Hidden widths the CLI accepts: wider nets than this do not fit in memory with MNIST's 784 inputs.
MAX_HIDDEN = 100_000


class Formatter(argparse.HelpFormatter):
    """Wraps one-paragraph descriptions to the terminal; keeps text with line breaks (examples) as written."""

    def _fill_text(self, text, width, indent):
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class UsageError(Exception):
    """A bad command line: exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (not usage + message) and raises instead of exiting."""

    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _port(text):
    """An argparse type: a TCP port number, 1..65535."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}")
    return port


def _number(integer=False, **rules):
    """An argparse type: the text as a number checked by ``validation.positive`` (``minimum=0`` etc.),
    whose wording of the rule the error uses ("expected a positive int, got 'x'")."""
    def parse(text):
        from .validation import number_rule, positive

        try:
            value = int(text) if integer else float(text)
        except ValueError:
            value = None
        try:
            return positive(value, "value", integer=integer, **rules)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {number_rule(integer, rules.get('minimum'))}, "
                                             f"got {text!r}") from None
    return parse


def _hidden(text):
    """'20,15,15' -> [20, 15, 15]; '' -> [] (no hidden layer: softmax regression)."""
    parts = [p.strip() for p in text.split(",")] if text.strip() else []
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(
            f"expected layer widths separated by commas, like 20,15,15; got {text!r}")
    if any(int(p) > MAX_HIDDEN for p in parts):
        raise argparse.ArgumentTypeError(f"layer widths must be at most {MAX_HIDDEN:,}, got {text!r}")
    return [int(p) for p in parts]


def build_parser():
    parser = Parser(prog="scratchnn", usage="%(prog)s [-h] [--version] COMMAND [options]",
                    description=DESCRIPTION, epilog=EXAMPLES,
                    formatter_class=Formatter)
    from . import __version__
    from .optim import get_optimizer
    from .training import DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS

    parser.add_argument("--version", action="version", version=f"scratchnn {__version__}")
    # The commands are listed in the description; argparse's own listing adds a stray "COMMAND" line.
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", help=argparse.SUPPRESS)

    train = commands.add_parser(
        "train", prog="scratchnn train", help=COMMAND_HELP["train"],
        description="Train a fully connected net (784 inputs, softmax over 10 digits, cross-entropy "
                    "loss) on the 60,000 MNIST training images, show a progress bar, then report "
                    "its accuracy on the 10,000 test images and save it with that accuracy.",
        epilog="examples:\n"
               "  python -m scratchnn train --hidden 20,15,15 --epochs 20 --out model.npz\n"
               "  python -m scratchnn train --optimizer sgd --lr 0.1 --schedule constant\n"
               "  python -m scratchnn train --epochs 1 --limit 5000 --out quick.npz",
        formatter_class=Formatter)
    train.add_argument("--hidden", type=_hidden, default=[20, 15, 15], metavar="N,N,...",
                       help="hidden layer widths (default: 20,15,15, the seed's 784-20-15-15-10 net)")
    train.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, default="relu",
                       help="activation of the hidden layers (default: relu)")
    train.add_argument("--epochs", type=_number(integer=True, minimum=0), default=DEFAULT_EPOCHS, metavar="N",
                       help=f"passes over the training set (default: {DEFAULT_EPOCHS}, as Net.fit)")
    train.add_argument("--batch-size", type=_number(integer=True), default=DEFAULT_BATCH_SIZE, metavar="N",
                       help=f"examples per step (default: {DEFAULT_BATCH_SIZE}, as Net.fit)")
    train.add_argument("--optimizer", choices=OPTIMIZER_NAMES, default="adam", help="(default: adam)")
    train.add_argument("--lr", type=_number(), default=None,
                       help="learning rate (default: adam as Net.fit's recipe, " + ", ".join(
                           f"{k} {get_optimizer(k).lr:g}" for k in OPTIMIZER_NAMES[1:]) + ")")
    train.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                       help="learning rate over the run: cosine decay to 0, or constant (default: cosine)")
    train.add_argument("--weight-decay", type=_number(minimum=0), default=None, metavar="WD",
                       help="shrinks the weights towards 0 each step (default: adam 0.05, as Net.fit, others 0)")
    train.add_argument("--seed", type=_number(integer=True, minimum=0), default=0,
                       help="fixes initial weights and batch order (default: 0)")
    train.add_argument("--limit", type=_number(integer=True), default=None, metavar="N",
                       help="train on the first N training images only, for quick runs")
    train.add_argument("--out", type=Path, default=Path("model.npz"), metavar="PATH",
                       help="where to save (default: model.npz)")

    evaluate = commands.add_parser(
        "evaluate", prog="scratchnn evaluate", help=COMMAND_HELP["evaluate"],
        description="Load a model file written by `scratchnn train` or Net.save (or a shipped model by "
                    "name, see `scratchnn info`) and measure it on the 10,000 MNIST test images.",
        epilog="examples:\n  python -m scratchnn evaluate model.npz\n  python -m scratchnn evaluate seed",
        formatter_class=Formatter)
    evaluate.add_argument("model", nargs="?", default="drawing",
                          help="a .npz model file, or the name of a shipped model: drawing (the default) or seed")
    evaluate.add_argument("--limit", type=_number(integer=True), default=None, metavar="N",
                          help="use the first N test images only")

    commands.add_parser(
        "info", prog="scratchnn info", help=COMMAND_HELP["info"],
        description="Print the versions of scratchnn, Python and NumPy, where the MNIST files are "
                    "read from, and the shipped pretrained models with their test accuracy.")

    draw = commands.add_parser(
        "draw", prog="scratchnn draw", help=COMMAND_HELP["draw"],
        description="Serve the drawing pad (draw a digit, watch the net's probabilities) with Voila on "
                    "127.0.0.1 and open it in your browser. Ctrl-C stops it.",
        epilog="examples:\n  python -m scratchnn draw\n  python -m scratchnn draw --port 8866 --no-browser",
        formatter_class=Formatter)
    draw.add_argument("--port", type=_port, default=None, metavar="N",
                      help="port to serve on, 1-65535 (default: a free one)")
    draw.add_argument("--no-browser", action="store_true", help="print the address instead of opening a browser")
    draw.add_argument("--model", type=Path, default=None, metavar="PATH",
                      help="a model file for the pad to run (default: your my_handwriting.npz from notebook 13, "
                           "here or in student/, else the shipped model)")

    course = commands.add_parser(
        "course", prog="scratchnn course", help=COMMAND_HELP["course"],
        description="Make your own copy of the course notebooks (exercises to write, no solutions) in "
                    "DIR, once: run again after a course update and only new notebooks are added, never "
                    "over your work. Then open JupyterLab there on notebook 01.",
        epilog="examples:\n  python -m scratchnn course\n  python -m scratchnn course --dir ~/backprop\n"
               "  python -m scratchnn course -- --no-browser --port 8890   # options after -- go to JupyterLab",
        formatter_class=Formatter)
    course.add_argument("--dir", type=Path, default=Path("student"), help="where your copy goes (default: ./student)")
    course.add_argument("--no-lab", action="store_true", help="only make the copy, do not start JupyterLab")
    course.add_argument("lab_args", nargs=argparse.REMAINDER, help="after --: options for JupyterLab")
    return parser


# ------------------------------------------------------------------ commands
def _load_test_set(limit=None):
    from .datasets import load_mnist

    _, (X_test, y_test) = load_mnist()
    return (X_test[:limit], y_test[:limit]) if limit else (X_test, y_test)


def cmd_train(args, argv):
    import scratchnn as snn

    from .datasets import load_mnist
    from .optim import get_optimizer
    from .training import default_optimizer

    _check_writable(args.out)
    default = default_optimizer() if args.optimizer == "adam" else get_optimizer(args.optimizer)
    lr = default.lr if args.lr is None else args.lr
    if args.weight_decay is None:
        args.weight_decay = default.weight_decay
    optimizer = get_optimizer(args.optimizer, lr=lr, weight_decay=args.weight_decay, schedule=args.schedule)
    layers = [snn.InLayer(784), *(snn.Dense(n, args.activation) for n in args.hidden), snn.Dense(10, "softmax")]
    net = snn.Net(layers, cost_function=snn.CrossEntropyLoss, seed=args.seed)
    (X, y), (X_test, y_test) = load_mnist()
    if args.limit:
        X, y = X[: args.limit], y[: args.limit]
    arch = "-".join(map(str, net.architecture()))
    print(f"training {arch} ({args.activation}) on {len(X):,} images: {args.optimizer}, lr {lr:g} "
          f"({args.schedule}), {args.epochs} epoch{'s' * (args.epochs != 1)} of batch {args.batch_size}, "
          f"seed {args.seed}", flush=True)
    with warnings.catch_warnings():  # a diverged run's warning is said once, below, as the error
        warnings.simplefilter("ignore", RuntimeWarning)
        history = net.fit(X, y, epochs=args.epochs, batch_size=args.batch_size, optimizer=optimizer,
                          validation_data=(X_test, y_test), seed=args.seed, verbose=True)
    if history.stopped:
        raise RuntimeError(history.stopped + " Nothing was saved.")
    result = net.evaluate(X_test, y_test)
    print(f"test accuracy: {result['accuracy']:.2%} (loss {result['loss']:.4f})")
    path = net.save(args.out, test_accuracy=result["accuracy"], test_loss=result["loss"],
                    train_examples=len(X), epochs=args.epochs, batch_size=args.batch_size,
                    optimizer=args.optimizer, lr=lr, schedule=args.schedule,
                    weight_decay=args.weight_decay, seed=args.seed,
                    command="scratchnn " + shlex.join(argv))
    print(f"saved {path}")
    return 0


def _check_writable(path):
    """Refuse an --out that cannot be written before any data is loaded or any training is done."""
    from ._io import NotRegularFile, replaceable

    if path.is_dir():
        raise UsageError(f"argument --out: {path} is a directory; give a file name like model.npz")
    try:  # a device, FIFO, socket or symlink is never replaced, nor a read-only file
        replaceable(path)
    except (NotRegularFile, PermissionError) as e:
        raise UsageError(f"argument --out: {getattr(e, 'strerror', None) or e}") from None
    folder = path.absolute().parent
    while not folder.exists():  # saving creates missing folders: check the first one that exists
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"argument --out: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"argument --out: {path} cannot be written here (permission denied)")
    try:  # /proc, read-only mounts: os.access says yes, but creating a file fails
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise UsageError(f"argument --out: cannot write a file in {folder} ({e.strerror})") from None


def _load_model(spec):
    from .net import Net
    from .pretrained import available, load_pretrained

    if spec in available() and not Path(spec).exists():
        return load_pretrained(spec)
    try:
        return Net.load(spec)  # a URL, a folder or a wrong file: one sentence saying so
    except FileNotFoundError:
        names = ", ".join(available()) or "none in this install"
        raise FileNotFoundError(f"{spec}: no such file, and not the name of a shipped model "
                                f"(shipped: {names})") from None


def cmd_evaluate(args, argv):
    net = _load_model(args.model)
    if net.n_inputs != 784 or net.n_outputs != 10:
        raise ValueError(f"{args.model}: is a {'-'.join(map(str, net.architecture()))} net; "
                         "MNIST needs 784 inputs and 10 outputs")
    X_test, y_test = _load_test_set(args.limit)
    result = net.evaluate(X_test, y_test)
    acts = ", ".join(layer.activation.name for layer in net.dense)
    print(f"{args.model}: {'-'.join(map(str, net.architecture()))} ({acts}), {net.loss.name} loss")
    saved = net.metadata.get("test_accuracy")
    if isinstance(saved, (int, float)) and not isinstance(saved, bool):
        print(f"saved with test accuracy {saved:.2%}")
    correct = round(result["accuracy"] * len(y_test))
    print(f"test accuracy: {result['accuracy']:.2%} ({correct:,}/{len(y_test):,}), loss {result['loss']:.4f}")
    return 0


def cmd_info(args, argv):
    import numpy as np

    from . import __version__, datasets
    from .pretrained import list_pretrained

    print(f"scratchnn {__version__} ({Path(__file__).parent})")
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    found = {name: datasets.locate(name) for name in datasets.FILES.values()}
    places = sorted({str(p.parent) for p in found.values() if p is not None})
    missing = [name for name, p in found.items() if p is None]
    if places:
        print(f"MNIST: {', '.join(places)}" + (f" (missing: {', '.join(missing)})" if missing else ""))
    if missing:
        print(f"MNIST: {len(missing)} of 4 files not found locally; load_mnist() will download them into "
              f"{datasets.cache_dir()} (or set SCRATCHNN_DATA to a directory holding them)")
    status = 0
    try:
        models = list_pretrained()
    except (ValueError, OSError) as e:
        print(f"scratchnn: error: a shipped model could not be read: {_one_line(e)}", file=sys.stderr)
        models, status = [], 1
    if not models and status == 0:
        print("pretrained models: none shipped in this install")
    elif models:
        print("pretrained models:")
        width = max(len(m["name"] + (" (default)" if m.get("default") else "")) for m in models)
        arch = max(len(m["architecture"]) for m in models)
        for m in models:
            acc = m.get("test_accuracy")
            acc = f"test accuracy {acc:.2%}" if isinstance(acc, (int, float)) else "test accuracy not recorded"
            name = m["name"] + (" (default)" if m.get("default") else "")
            print(f"  {name:<{width}}  {m['architecture']:<{arch}}  {acc}")
            if m.get("description"):
                print(f"  {'':<{width}}  {m['description']}")
    return status


#: Where notebook 13 saves the learner's fine-tuned net, looked for by `scratchnn draw` in this order.
OWN_MODEL = Path("my_handwriting.npz")
OWN_MODEL_FOLDERS = (Path("."), Path("student"))


def draw_model(given):
    """The model file `scratchnn draw` runs: ``given``, else your my_handwriting.npz, else None (shipped)."""
    if given is not None:
        return given
    return next((folder / OWN_MODEL for folder in OWN_MODEL_FOLDERS if (folder / OWN_MODEL).is_file()), None)


def cmd_draw(args, argv):
    try:
        from .pad.app import launch
    except ImportError as e:
        raise RuntimeError(f"the drawing app is not available in this install ({e})") from None
    model = draw_model(args.model)
    if model is not None:
        from .net import Net

        net = Net.load(model)   # a bad file is one line here, not an error inside the page
        note = net.metadata.get("note", "") if isinstance(net.metadata, dict) else ""
        print(f"the pad runs {model}" + (f": {note}" if note else ""), flush=True)
    else:
        print("the pad runs the shipped model 'drawing' (no my_handwriting.npz here or in student/)", flush=True)
    launch(port=args.port, open_browser=not args.no_browser, model=model)
    return 0


def cmd_course(args, argv):
    import importlib.util

    from .course.student import course_notebooks, make_student_copy
    missing = [m for m in ["nbgrader"] + ([] if args.no_lab else ["jupyterlab"]) if importlib.util.find_spec(m) is None]
    if missing:
        raise RuntimeError(f"{' and '.join(missing)} not installed: run pip install -e \".[lab]\" in the repository")
    written, kept = make_student_copy(args.dir)
    print(f"your copy of the course: {args.dir.resolve()} ({len(written)} notebooks new"
          + (f", {len(kept)} kept as they were, with your work" if kept else "") + ")")
    if args.no_lab:
        return 0
    lab_args = args.lab_args[1:] if args.lab_args[:1] == ["--"] else args.lab_args
    first = course_notebooks()[0].name
    # nbgrader is installed for making the copy; its teacher's menus (formgrader, create assignment) stay out
    # of the learner's JupyterLab: course/config/ disables them for this server only, nothing is written.
    config = str(Path(__file__).parent / "course" / "config")
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, [config, os.environ.get("JUPYTER_CONFIG_PATH")]))
    sys.stdout.flush()
    os.chdir(args.dir)                   # JupyterLab's root is your copy: its kernels run there too
    os.execv(sys.executable, [sys.executable, "-m", "jupyterlab", first, *lab_args])


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "info": cmd_info, "draw": cmd_draw, "course": cmd_course}


def debugging():
    """True if ``SCRATCHNN_DEBUG`` asks for tracebacks: "0", "false", "no", "off" and "" do not."""
    return os.environ.get("SCRATCHNN_DEBUG", "").strip().lower() not in ("", "0", "false", "no", "off")


def _one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


def main(argv=None):
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        print(f"scratchnn: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help and --version print, then exit 0
        return e.code if isinstance(e.code, int) else 0
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](args, argv)
    except UsageError as e:  # found while running, e.g. --out names a directory
        print(f"scratchnn: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scratchnn: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, RuntimeError, FloatingPointError) as e:
        if debugging():
            raise
        print(f"scratchnn: error: {_one_line(e)}", file=sys.stderr)
        return 1
    except Exception as e:  # a bug: still one line, with a way to see more
        if debugging():
            raise
        print(f"scratchnn: error: unexpected {type(e).__name__}: {_one_line(e)} "
              "(run with SCRATCHNN_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
