"""A learner's own parts plug into Net through the same contract as the library's (issue 8).

The parts are the notebooks' own code: each test takes the class a notebook's ``%%writefile`` cell
writes (notebook 04's layer and activation, 05's loss, 06's optimizer), so editing a notebook can
break these tests. The contract itself is written in the docstring of ``scratchnn.layers``.
"""
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest

import scratchnn as snn

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def notebook_module(notebook, filename):
    """The module that ``notebook``'s ``%%writefile filename`` cell writes, run from the notebook's source."""
    cells = [cell.source for cell in nbformat.read(NOTEBOOKS / notebook, as_version=4).cells
             if cell.cell_type == "code" and cell.source.startswith(f"%%writefile {filename}\n")]
    assert len(cells) == 1, f"{notebook} should have one %%writefile {filename} cell, found {len(cells)}"
    module = types.ModuleType(filename.removesuffix(".py"))
    exec(compile(cells[0].split("\n", 1)[1], f"{notebook}: {filename}", "exec"), module.__dict__)
    return module


layers04 = notebook_module("04_backprop_through_a_dense_layer.ipynb", "my_layers.py")
NotebookDense, NotebookReLU = layers04.MyDense, layers04.MyReLU
NotebookSoftmaxCrossEntropy = notebook_module("05_softmax_and_cross_entropy.ipynb", "my_loss.py").SoftmaxCrossEntropy
NotebookAdam = notebook_module("06_gradient_descent_and_optimizers.ipynb", "my_optim.py").MyAdam
#: The notebook's ReLU, with (or without) the line that asks Dense for He initialisation.
ReLUWithHe = type("MyReLU", (NotebookReLU,), {"init": "he"})
ReLUWithoutInit = type("MyReLU", (), {"forward": NotebookReLU.forward, "backward": NotebookReLU.backward})


def seed_net(dense=snn.Dense, hidden=snn.ReLU, cost=snn.CrossEntropyLoss, seed=0):
    return snn.Net([snn.InLayer(784), dense(20, hidden), dense(15, hidden), dense(15, hidden),
                    dense(10, snn.Softmax)], cost_function=cost, seed=seed)


@pytest.fixture(scope="module")
def data(mnist):
    (X, y), (X_test, y_test) = mnist
    return X[:3000], y[:3000], X_test[:2000], y_test[:2000]


def test_a_notebook_dense_layer_trains_the_seed_net_bit_for_bit_like_the_librarys(data):
    X, y, X_test, y_test = data
    mine, library = seed_net(dense=NotebookDense), seed_net()
    h_mine = mine.fit(X, y, epochs=2, seed=0)
    h_library = library.fit(X, y, epochs=2, seed=0)
    assert all(np.array_equal(p, q) for p, q in zip(mine.params(), library.params()))
    assert h_mine.step_loss == h_library.step_loss
    assert mine.evaluate(X_test, y_test)["accuracy"] > 0.6  # it learned (chance is 0.1), it did not stay put


def test_a_learners_relu_that_asks_for_he_starts_and_trains_like_the_librarys(data):
    """Notebook 09's claim: with your MyDense and MyReLU, seed=0 gives the library's initial weights."""
    X, y, _, _ = data
    mine, library = seed_net(dense=NotebookDense, hidden=ReLUWithHe), seed_net()
    assert all(np.array_equal(p, q) for p, q in zip(mine.params(), library.params()))
    mine.fit(X, y, epochs=1, seed=0)
    library.fit(X, y, epochs=1, seed=0)
    assert all(np.array_equal(p, q) for p, q in zip(mine.params(), library.params()))


def test_a_learners_softmax_cross_entropy_trains_like_the_librarys(data):
    X, y, _, _ = data
    mine, library = seed_net(cost=NotebookSoftmaxCrossEntropy()), seed_net()
    assert mine.fused is mine.loss  # the learner's loss gets the fused gradient path, as the library's does
    h_mine = mine.fit(X, y, epochs=1, seed=0)
    h_library = library.fit(X, y, epochs=1, seed=0)
    assert all(np.array_equal(p, q) for p, q in zip(mine.params(), library.params()))
    assert h_mine.step_loss == pytest.approx(h_library.step_loss, rel=1e-6)


def test_a_learners_optimizer_trains_like_the_librarys(data):
    X, y, X_test, y_test = data
    mine, library = seed_net(), seed_net()
    mine.fit(X, y, epochs=2, optimizer=NotebookAdam(lr=3e-3), seed=0)
    library.fit(X, y, epochs=2, optimizer=snn.Adam(lr=3e-3), seed=0)
    # The same arithmetic in the same order: the library's Adam gives the notebook's numbers.
    for p, q in zip(mine.params(), library.params()):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=0)
    assert mine.evaluate(X_test, y_test)["accuracy"] > 0.6


class ForgetsDb(NotebookDense):
    def backward(self, dA):
        X, Z, A = self.cache
        dZ = self.activation.backward(dA, Z, A)
        self.dW = X.T @ dZ
        return dZ @ self.W.T


class TransposedDW(NotebookDense):
    def backward(self, dA):
        X, Z, A = self.cache
        dZ = self.activation.backward(dA, Z, A)
        self.dW = dZ.T @ X          # the classic slip: (H, D) instead of (D, H)
        self.db = dZ.sum(axis=0)
        return dZ @ self.W.T


@pytest.mark.parametrize("layer,match", [
    (ForgetsDb, r"layer 1 \(ForgetsDb\): backward did not set db"),
    (TransposedDW, r"layer 1 \(TransposedDW\): dW has shape \(20, 784\), but W has shape \(784, 20\)"),
])
def test_a_layer_that_forgets_or_misshapes_a_gradient_fails_at_the_first_step(data, layer, match):
    X, y, _, _ = data
    net = snn.Net([snn.InLayer(784), layer(20, "relu"), snn.Dense(10, "softmax")], seed=0)
    before = [p.copy() for p in net.params()]
    with pytest.raises(ValueError, match=match):
        net.fit(X, y, epochs=1, seed=0)
    assert all(np.array_equal(p, q) for p, q in zip(net.params(), before))  # not one step was taken


def test_a_gradient_set_once_is_not_reused_by_a_later_step(rng):
    """backward clears every gradient first: one left over from the previous step is caught."""
    net = snn.Net([snn.InLayer(6), ForgetsDb(4, "relu"), snn.Dense(3, "softmax")], seed=0, dtype=np.float64)
    net.dense[0].db = np.zeros(4)
    net.forward(rng.standard_normal((5, 6)))
    net.backward(np.array([0, 1, 2, 0, 1]))
    with pytest.raises(ValueError, match="did not set db"):
        net.grads()


def test_gradients_are_the_layers_own_arrays_after_backward(rng):
    """Net.grads() lists what the layers assigned: no copy into a buffer that could go stale."""
    net = seed_net(dense=NotebookDense)
    net.forward(rng.uniform(0, 1, (4, 784)).astype(np.float32))
    net.backward(np.array([1, 2, 3, 4]))
    assert all(g is getattr(layer, "d" + name) for g, (layer, name) in
               zip(net.grads(), [(dense, n) for dense in net.dense for n in ("W", "b")]))


def test_a_learners_parts_save_and_load_as_a_library_net(tmp_path, data):
    X, y, X_test, _ = data
    net = seed_net(dense=NotebookDense)
    net.fit(X, y, epochs=1, seed=0)
    loaded = snn.Net.load(net.save(tmp_path / "mine.npz"))
    assert np.array_equal(loaded.predict_proba(X_test), net.predict_proba(X_test))


def test_the_seed_projects_save_model_writes_a_file_load_reads(tmp_path):
    net = seed_net()
    net.save_model(str(tmp_path / "my_model.npz"))
    loaded = snn.Net.load(tmp_path / "my_model.npz")
    assert all(np.array_equal(p, q) for p, q in zip(loaded.params(), net.params()))


# ------------------------------------------------ the contract, checked at Net(...)
class Scale:
    """A layer of one's own without parameters: A = 2 X."""

    def __init__(self, units):
        self.units = units

    def forward(self, X):
        self.cache = (X, X, 2 * X)
        return 2 * X

    def backward(self, dA):
        return 2 * dA


class WithoutParamNames(Scale):
    pass


class WithoutUnits(Scale):
    param_names = ()

    def __init__(self, units):
        pass


class WrongUnits(Scale):
    param_names = ()


class DictCache(NotebookDense):
    def forward(self, X):
        A = super().forward(X)
        self.cache = {"X": X, "A": A}
        return A


class SoftmaxOutputWithoutBackwardFromDZ(Scale):
    param_names = ()
    activation = snn.Softmax()


@pytest.mark.parametrize("layer,match", [
    (WithoutParamNames(4), r"layer 1 \(WithoutParamNames\) needs `param_names`.*\(\)"),
    (WithoutUnits(4), r"layer 1 \(WithoutUnits\) needs `units`"),
    (WrongUnits(5), r"layer 1 \(WrongUnits\): forward returned shape \(2, 4\) .* units say \(2, 5\)"),
])
def test_a_layer_missing_part_of_the_contract_is_named_when_the_net_is_made(layer, match):
    with pytest.raises(ValueError, match=match):
        snn.Net([snn.InLayer(4), layer, snn.Dense(3, "softmax")])


@pytest.mark.parametrize("layer,match", [
    (DictCache(3, snn.Softmax), r"layer 2 \(DictCache\): the output layer must keep self.cache = \(X, Z, A\)"),
    (SoftmaxOutputWithoutBackwardFromDZ(4), r"layer 2 \(SoftmaxOutputWithoutBackwardFromDZ\) ends in a softmax .* "
                                            r"backward_from_dZ"),
])
def test_an_output_layer_net_cannot_read_or_start_from_is_named_when_the_net_is_made(layer, match):
    with pytest.raises(ValueError, match=match):
        snn.Net([snn.InLayer(4), snn.Dense(4, "relu"), layer])


def test_logits_read_the_tuple_cache_notebook_04_teaches(rng):
    net = snn.Net([snn.InLayer(4), NotebookDense(3, snn.Softmax)], seed=0, dtype=np.float64)
    X = rng.standard_normal((5, 4))
    layer = net.dense[0]
    assert np.array_equal(net.logits(X), X @ layer.W + layer.b)


def test_a_learners_relu_without_init_gets_glorot_and_a_warning_that_says_how_to_choose():
    with pytest.warns(UserWarning, match=r'MyReLU has no `init`.*Glorot.*init = "he"'):
        mine = snn.Net([snn.InLayer(784), NotebookDense(20, ReLUWithoutInit())], cost_function=snn.MSELoss, seed=0)
    glorot = snn.Net([snn.InLayer(784), snn.Dense(20, "relu", init="glorot")], cost_function=snn.MSELoss, seed=0)
    assert np.array_equal(mine.params()[0], glorot.params()[0])


def test_init_is_a_named_rule_or_a_function():
    he = snn.Net([snn.InLayer(50), snn.Dense(40, "tanh", init="he")], cost_function=snn.MSELoss, seed=0)
    relu = snn.Net([snn.InLayer(50), snn.Dense(40, "relu")], cost_function=snn.MSELoss, seed=0)
    assert np.array_equal(he.params()[0], relu.params()[0])
    ones = snn.Net([snn.InLayer(2), snn.Dense(3, init=lambda fan_in, units, rng: np.ones((fan_in, units)))],
                   cost_function=snn.MSELoss)
    assert np.array_equal(ones.params()[0], np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"Dense init must be one of \['glorot', 'he'\] or a function.*'xavier'"):
        snn.Dense(3, init="xavier")
