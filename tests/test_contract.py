"""A learner's own parts plug into Net through the same contract as the library's (issue 8).

Each part below is written from the notebooks' formulas, knowing nothing of the library's insides:
a dense layer (notebook 04), an activation, a softmax-cross-entropy loss (05), an optimizer (06).
"""
import numpy as np
import pytest

import scratchnn as snn


class NotebookDense(snn.Dense):
    """Notebook 04's dense layer: gradients by plain assignment."""

    def forward(self, X):
        Z = X @ self.W + self.b
        A = self.activation.forward(Z)
        self.cache = (X, Z, A)
        return A

    def backward(self, dA):
        X, Z, A = self.cache
        dZ = self.activation.backward(dA, Z, A)
        self.dW = X.T @ dZ
        self.db = dZ.sum(axis=0)
        return dZ @ self.W.T


class NotebookReLU:
    def forward(self, Z):
        return np.maximum(Z, 0)

    def backward(self, dA, Z, A):
        return dA * (Z > 0)


class NotebookSoftmaxCrossEntropy:
    """Notebook 05: the loss from P, the fused gradient (P - Y) / N."""

    def forward(self, P, Y):
        return float(-np.sum(Y * np.log(P)) / len(P))

    def backward_logits(self, P, Y):
        return (P - Y) / len(P)


class NotebookAdam:
    """Notebook 06's Adam, one array at a time, textbook bias correction."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m[...] = self.beta1 * m + (1 - self.beta1) * g
            v[...] = self.beta2 * v + (1 - self.beta2) * g**2
            m_hat = m / (1 - self.beta1 ** self.t)
            v_hat = v / (1 - self.beta2 ** self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


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


def test_a_learners_activation_trains_like_the_librarys(data):
    X, y, _, _ = data
    mine, library = seed_net(hidden=NotebookReLU), seed_net()
    for p, q in zip(mine.params(), library.params()):  # He init is chosen for the library's ReLU only
        p[...] = q
    mine.fit(X, y, epochs=1, seed=0)
    library.fit(X, y, epochs=1, seed=0)
    assert all(np.array_equal(p, q) for p, q in zip(mine.params(), library.params()))


def test_a_learners_softmax_cross_entropy_trains_like_the_librarys(data):
    X, y, _, _ = data
    mine, library = seed_net(cost=NotebookSoftmaxCrossEntropy()), seed_net()
    assert mine.fused  # the learner's loss gets the fused gradient path, as the library's does
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
               zip(net.grads(), [(l, n) for l in net.dense for n in ("W", "b")]))


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
