"""scratchnn: a small NumPy neural-network library you build while learning backprop.

    import scratchnn as snn
    net = snn.Net([snn.InLayer(784), snn.Dense(20, "relu"), snn.Dense(10, "softmax")],
                  cost_function=snn.CrossEntropyLoss, seed=0)
    (X_train, y_train), (X_test, y_test) = snn.load_mnist()
    history = net.fit(X_train, y_train, validation_data=(X_test, y_test), seed=0)
"""
from ._version import __version__  # noqa: F401

from . import checks, gradcheck, io, training  # noqa: E402
from .activations import Identity, ReLU, Sigmoid, Softmax, Tanh  # noqa: E402
from .callbacks import (Callback, CancelBatch, CancelEpoch, CancelFit, DivergenceStop, History,  # noqa: E402
                        ProgressBar, StopTraining)
from .datasets import load_mnist  # noqa: E402
from .layers import BatchNorm, Dense, Dropout, InLayer  # noqa: E402
from .losses import CrossEntropyLoss, MSELoss, SoftmaxCrossEntropy  # noqa: E402
from .net import Net  # noqa: E402
from .optim import SGD, Adam, Momentum  # noqa: E402
from .pretrained import list_pretrained, load_pretrained  # noqa: E402

# The seed project spelled the output activation in lower case.
softmax, relu, sigmoid = Softmax, ReLU, Sigmoid

__all__ = [
    "Net", "InLayer", "Dense", "BatchNorm", "Dropout", "ReLU", "Sigmoid", "Tanh", "Softmax", "Identity",
    "CrossEntropyLoss", "MSELoss", "SoftmaxCrossEntropy", "SGD", "Momentum", "Adam", "Callback", "History",
    "ProgressBar", "DivergenceStop", "StopTraining", "CancelFit", "CancelEpoch", "CancelBatch", "LivePlot", "io", "training", "load_mnist", "load_pretrained", "list_pretrained", "gradcheck", "checks",
]

_LAZY = {"LivePlot": ("plotting", "LivePlot"), "plotting": ("plotting", None),
         "draw": ("draw", None), "widgets": ("widgets", None), "augment": ("augment", None)}


def __getattr__(name):
    # matplotlib, Pillow and ipywidgets load only when a plot, drawing or widget is used.
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        mod = importlib.import_module(f".{module}", __name__)
        return mod if attr is None else getattr(mod, attr)
    raise AttributeError(f"module 'scratchnn' has no attribute {name!r}")
