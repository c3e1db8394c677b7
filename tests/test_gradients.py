"""Every backward pass against centred-difference numerical gradients, in float64."""
import itertools

import numpy as np
import pytest

import scratchnn as snn
from scratchnn.gradcheck import RIGHT, array_rel_error, check_gradients, numerical_gradient, rel_error, report

ACTIVATIONS = [snn.ReLU, snn.Sigmoid, snn.Tanh, snn.Softmax, snn.Identity]
LOSSES = [snn.MSELoss, snn.CrossEntropyLoss]


def test_rel_error_has_a_floor_for_zeros():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error([1.0, 2.0], [1.0, 2.0 + 2e-8]) == pytest.approx(5e-9, rel=1e-3)


def test_rel_error_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 3.0])
    g = numerical_gradient(lambda v: (v ** 3).sum(), x)
    assert np.allclose(g, 3 * x ** 2, rtol=1e-8)
    assert np.array_equal(x, [1.0, -2.0, 3.0]), "x must be restored"


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.__name__)
def test_activation_backward_matches_numerical(act, rng):
    Z = rng.standard_normal((4, 5))
    Z[np.abs(Z) < 1e-3] = 0.5  # keep away from ReLU's kink
    dA = rng.standard_normal(Z.shape)
    f = act()
    A = f.forward(Z)
    assert rel_error(f.backward(dA, Z, A), numerical_gradient(f.forward, Z, dA)) < 1e-8


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.__name__)
def test_dense_backward_matches_numerical(act, rng):
    layer = snn.Dense(4, act).build(6, rng, np.float64)
    layer.b[:] = rng.standard_normal(4)  # non-trivial biases so bugs can't hide behind zeros
    X = rng.standard_normal((5, 6))
    dA = rng.standard_normal((5, 4))
    layer.forward(X)
    dX = layer.backward(dA)
    dW, db = layer.dW.copy(), layer.db.copy()
    assert rel_error(dX, numerical_gradient(layer.forward, X, dA)) < 1e-7
    assert rel_error(dW, numerical_gradient(lambda W: layer.forward(X), layer.W, dA)) < 1e-7
    assert rel_error(db, numerical_gradient(lambda b: layer.forward(X), layer.b, dA)) < 1e-7


@pytest.mark.parametrize("loss", LOSSES, ids=lambda cls: cls.__name__)
def test_loss_backward_matches_numerical(loss, rng):
    A = rng.uniform(0.05, 0.95, (4, 3))
    Y = np.eye(3)[[0, 2, 1, 2]]
    f = loss()
    assert rel_error(f.backward(A, Y), numerical_gradient(lambda a: f.forward(a, Y), A)) < 1e-7


def test_fused_softmax_cross_entropy_equals_the_chain_rule(rng):
    Z = rng.standard_normal((6, 10))
    Y = np.eye(10)[rng.integers(0, 10, 6)]
    ce, sm, fused_loss = snn.CrossEntropyLoss(), snn.Softmax(), snn.SoftmaxCrossEntropy()
    P = sm.forward(Z)
    slow = sm.backward(ce.backward(P, Y), Z, P)
    fused = fused_loss.backward(Z, Y)
    assert rel_error(slow, fused) < 1e-10
    assert rel_error(fused, numerical_gradient(lambda z: fused_loss.forward(z, Y), Z)) < 1e-7
    assert fused_loss.forward(Z, Y) == pytest.approx(ce.forward(P, Y), rel=1e-12)


def test_softmax_cross_entropy_is_exact_for_huge_logits():
    Z = np.array([[1000.0, 0.0, -1000.0]])
    loss = snn.SoftmaxCrossEntropy().forward(Z, np.array([[0.0, 0.0, 1.0]]))
    assert loss == pytest.approx(2000.0)


@pytest.mark.parametrize("dtype,rel", [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_the_nets_loss_from_the_softmax_equals_the_log_sum_exp_loss(dtype, rel, rng):
    """The loss a softmax net reports is the log-sum-exp loss from the logits, up to rounding."""
    net = snn.Net([snn.InLayer(4), snn.Dense(10, "softmax")], seed=0, dtype=dtype)
    log_softmax = snn.losses.log_softmax
    X = (rng.standard_normal((6, 4)) * 4).astype(dtype)
    one_hot = np.eye(10, dtype=dtype)[rng.integers(0, 10, 6)]
    soft = rng.dirichlet(np.ones(10), size=6).astype(dtype)
    for Y in (one_hot, soft):
        net.forward(X)
        assert net.backward(Y) == pytest.approx(-np.sum(Y * log_softmax(net.logits(X))) / len(X), rel=rel)
    # A label whose probability underflowed to 0: log P is -inf, the loss from the logits exact.
    net.dense[0].W[...] = 0
    net.dense[0].b[...] = np.array([1000.0, 0.0, -1000.0] + [-1000.0] * 7, dtype=dtype)
    P = net.forward(X[:1])
    assert P[0, 2] == 0
    assert net.backward(np.eye(10, dtype=dtype)[[2]]) == pytest.approx(2000.0)


@pytest.mark.parametrize("hidden,out,loss", list(itertools.product(ACTIVATIONS, ACTIVATIONS, LOSSES)),
                         ids=lambda x: x.__name__)
def test_whole_net_gradients_every_combination(hidden, out, loss, rng):
    net = snn.Net([snn.InLayer(5), snn.Dense(4, hidden), snn.Dense(3, hidden), snn.Dense(3, out)],
                  cost_function=loss, seed=1, dtype=np.float64)
    for layer in net.dense:
        layer.b[:] = rng.standard_normal(layer.b.shape) * 0.1
    X = rng.standard_normal((6, 5))
    y = rng.integers(0, 3, 6)
    errors = check_gradients(net, X, y)
    assert set(errors) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert max(errors.values()) < 1e-6, errors


def test_check_gradients_catches_a_wrong_backward(small_net, rng, monkeypatch):
    X, y = rng.standard_normal((4, 6)), np.array([0, 1, 2, 0])
    monkeypatch.setattr(snn.ReLU, "backward", lambda self, dA, Z, A: dA)  # forgot the mask
    errors = check_gradients(small_net, X, y)
    assert errors["W1"] > 1e-3


def test_check_gradients_leaves_the_net_untouched(small_net, rng):
    before = [p.copy() for p in small_net.params()]
    check_gradients(small_net, rng.standard_normal((3, 6)), [0, 1, 2])
    assert all(np.array_equal(a, b) for a, b in zip(before, small_net.params()))
    assert small_net.dtype == np.float32


def test_whole_net_gradient_matches_pytorch(rng):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0 to cross-check")
    net = snn.Net([snn.InLayer(784), snn.Dense(20, "relu"), snn.Dense(15, "relu"), snn.Dense(15, "relu"),
                   snn.Dense(10, "softmax")], seed=3, dtype=np.float64)
    X = rng.uniform(0, 1, (32, 784))
    y = rng.integers(0, 10, 32)
    loss = net.loss_and_grads(X, y)

    params = [torch.tensor(p, requires_grad=True) for p in net.params()]
    h = torch.tensor(X)
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i < len(params) - 2:
            h = torch.relu(h)
    ref = torch.nn.functional.cross_entropy(h, torch.tensor(y))
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    for name, g, p in zip(net.param_names(), net.grads(), params):
        assert rel_error(g, p.grad.numpy()) < 1e-9, name


def test_array_rel_error_is_not_thrown_off_by_tiny_entries():
    exact = np.array([1.0, -2.0, 1e-10])
    noisy = exact + np.array([1e-12, -1e-12, 1e-12])      # rounding noise of a numerical gradient
    assert rel_error(exact, noisy) > 1e-5                   # entry-wise: the tiny entry dominates
    assert array_rel_error(exact, noisy) < 1e-11
    assert array_rel_error(np.zeros(2), np.zeros(2)) == 0.0
    assert array_rel_error([1.0, 2.0], [-1.0, -2.0]) == pytest.approx(1.0)      # a sign error


def test_check_gradients_calls_a_right_float64_mnist_sized_net_right(rng):
    """Notebook 04's net: the entry-wise error of W1 and W4 is 2e-7..4e-7 here, the array-wise one far below RIGHT."""
    net = snn.Net([snn.InLayer(784), snn.Dense(20, "relu"), snn.Dense(15, "relu"), snn.Dense(15, "relu"),
                   snn.Dense(10)], cost_function=snn.MSELoss, seed=0, dtype=np.float64)
    for b in net.params()[1::2]:
        b[...] = np.random.default_rng(3).normal(0, 0.1, b.shape)
    X = rng.uniform(0, 1, (4, 784)) * (rng.uniform(0, 1, (4, 784)) < 0.2)   # sparse, like digits
    errors = check_gradients(net, X, rng.integers(0, 10, 4))
    assert max(errors.values()) < RIGHT, errors


def test_report_says_right_below_the_one_threshold(capsys):
    report("dW", 3e-8)
    report("db", 2e-7)
    right, wrong = capsys.readouterr().out.splitlines()
    assert right.endswith("✓") and "below 1e-07" in right
    assert "too large" in wrong


# ------------------------------------------------------- BatchNorm and Dropout
def test_batchnorm_backward_matches_numerical_in_float64(rng):
    bn = snn.BatchNorm().build(5, rng, dtype=np.float64)
    bn.gamma[...], bn.beta[...] = rng.normal(1, 0.5, 5), rng.normal(0, 0.5, 5)
    X, dA = rng.normal(2, 3, (6, 5)), rng.standard_normal((6, 5))
    bn.forward(X)
    dX = bn.backward(dA)
    assert rel_error(dX, numerical_gradient(bn.forward, X.copy(), df=dA)) < 1e-7
    for name in ("gamma", "beta"):
        numeric = numerical_gradient(lambda _: bn.forward(X), getattr(bn, name), df=dA)
        assert rel_error(getattr(bn, "d" + name), numeric) < 1e-7
    bn.training = False                          # evaluation mode: the running statistics are constants
    bn.forward(X)
    assert rel_error(bn.backward(dA), numerical_gradient(bn.forward, X.copy(), df=dA)) < 1e-7


def test_a_net_with_batchnorm_passes_the_gradient_check(rng):
    net = snn.Net([snn.InLayer(6), snn.Dense(5, "tanh"), snn.BatchNorm(), snn.Dense(3, "softmax")],
                  seed=0, dtype=np.float64)
    errors = snn.gradcheck.check_gradients(net, rng.standard_normal((8, 6)), [0, 1, 2, 0, 1, 2, 0, 1])
    assert set(errors) == {"W1", "b1", "gamma2", "beta2", "W3", "b3"}
    assert max(errors.values()) < snn.gradcheck.RIGHT, errors


def test_dropout_backward_uses_the_mask_of_its_forward(rng):
    drop = snn.Dropout(0.3).build(4, rng, dtype=np.float64)
    X, dA = rng.standard_normal((50, 4)), rng.standard_normal((50, 4))
    A = drop.forward(X)
    mask = drop.mask
    assert set(np.unique(mask)) == {0.0, 1 / 0.7} and np.array_equal(A, X * mask)
    assert rel_error(drop.backward(dA), numerical_gradient(lambda X_: X_ * mask, X.copy(), df=dA)) < 1e-7
