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


def pytest_collection_modifyitems(items):
    """Real-browser tests run last. Playwright's sync API leaves an asyncio loop marked as running in
    the main thread for the rest of the session; code that looks for a running loop (the pad's
    timers, learning in the background, ``asyncio.run`` in tests) would find that idle loop and
    wait on it forever."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
