import numpy as np
import pytest

import scratchnn as snn


@pytest.fixture(scope="session")
def mnist():
    """The full MNIST arrays, loaded once per test session."""
    return snn.load_mnist()


@pytest.fixture
def small_net():
    return snn.Net([snn.InLayer(6), snn.Dense(5, "relu"), snn.Dense(4, "tanh"), snn.Dense(3, "softmax")],
                   cost_function=snn.CrossEntropyLoss, seed=0)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
