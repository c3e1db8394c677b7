"""scratchnn: a small NumPy neural-network library you build while learning backprop.

    import scratchnn as snn
    net = snn.Net([snn.InLayer(784), snn.Dense(20, "relu"), snn.Dense(10, "softmax")],
                  cost_function=snn.CrossEntropyLoss, seed=0)
    (X_train, y_train), (X_test, y_test) = snn.load_mnist()
    history = net.fit(X_train, y_train, validation_data=(X_test, y_test), seed=0)

Module map. The core is the modules at the top of this folder, what ``import scratchnn`` loads:
NumPy (and threadpoolctl) only; ``plotting``, ``draw`` and ``augment`` load matplotlib or Pillow
when first used. Data flows one way: datasets/draw -> arrays -> Net -> probabilities -> plots and the pad.

- ``layers``, ``activations``, ``losses``: the parts of a net, each with its forward and backward
  side by side; the layer contract is in ``layers``' docstring.
- ``optim``: SGD, Momentum, Adam and their schedules, one small update rule each.
- ``net``: ``Net``, the model; ``training``: ``fit`` and its loop; ``callbacks``: the
  before/after events and the named stops; ``gradcheck``: numerical gradients.
- ``io`` (model files: npz + JSON, never unpickled) and ``_io`` (atomic writes); ``validation``:
  the input checks and their one-line errors; ``datasets`` (MNIST) and ``augment``.
- ``draw`` (strokes or images -> the 28x28 a net reads), ``pacing`` (throttles, clock injected),
  ``plotting`` (``LivePlot``), ``pretrained/`` (the shipped models), ``__main__`` (the CLI).
- ``course/``: what the notebooks use and the core does not: exercise checks and ``reveal``
  (``snn.checks``), drawn digits, the learner's copy of the course, the teaching widgets.
- ``pad/``: the drawing pad (``DrawingPad``, ``ProbabilityBars``, ``DigitRecognizer``),
  fine-tuning on your drawings (``FineTuner``) and the Voila app.

Which folder a change belongs in: the maths of a net, its training or its files -> the core;
anything a notebook shows or grades -> ``course/``; anything you draw on -> ``pad/``. The core never
imports ``course`` or ``pad`` (only inside IPython does this file load ``course.checks``, for its
one-line errors); they import the core by its public names.
"""
from . import gradcheck, io, training
from ._version import __version__  # noqa: F401
from .activations import Identity, ReLU, Sigmoid, Softmax, Tanh
from .callbacks import (
    Callback,
    CancelBatch,
    CancelEpoch,
    CancelFit,
    DivergenceStop,
    History,
    LRFinder,
    ProgressBar,
    StopTraining,
)
from .datasets import load_mnist
from .layers import BatchNorm, Dense, Dropout, InLayer
from .losses import CrossEntropyLoss, MSELoss, SoftmaxCrossEntropy
from .net import Net
from .optim import SGD, Adam, Momentum
from .pretrained import list_pretrained, load_pretrained

# The seed project spelled the output activation in lower case.
softmax, relu, sigmoid = Softmax, ReLU, Sigmoid

__all__ = [
    "Net", "InLayer", "Dense", "BatchNorm", "Dropout", "ReLU", "Sigmoid", "Tanh", "Softmax", "Identity",
    "CrossEntropyLoss", "MSELoss", "SoftmaxCrossEntropy", "SGD", "Momentum", "Adam", "Callback", "History",
    "ProgressBar", "DivergenceStop", "LRFinder", "StopTraining", "CancelFit", "CancelEpoch", "CancelBatch", "LivePlot",
    "io", "training", "load_mnist", "load_pretrained", "list_pretrained", "gradcheck", "checks",
]

_LAZY = {"LivePlot": ("plotting", "LivePlot"), "plotting": ("plotting", None),
         "draw": ("draw", None), "augment": ("augment", None), "checks": ("course.checks", None)}


def __getattr__(name):
    # matplotlib, Pillow and the course load only when a plot, a drawing or a check is used.
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        mod = importlib.import_module(f".{module}", __name__)
        return mod if attr is None else getattr(mod, attr)
    raise AttributeError(f"module 'scratchnn' has no attribute {name!r}")


def _in_ipython():
    import sys

    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None


# In a notebook, errors in the learner's code show as one ❌ line from the start (course/checks.py
# switches that on as it loads); a plain ``import scratchnn`` loads nothing of the course.
if _in_ipython():
    from .course import checks
