"""Net: building, training, prediction, and the errors bad input gets."""
import math
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import scratchnn as snn


def seed_net(seed=0, **kw):
    return snn.Net([snn.InLayer(784), snn.Dense(20, snn.ReLU), snn.Dense(15, snn.ReLU),
                    snn.Dense(15, snn.ReLU), snn.Dense(10, snn.Softmax)],
                   cost_function=snn.CrossEntropyLoss, seed=seed, **kw)


def test_activation_given_as_class_instance_or_name_builds_the_same_net():
    nets = [snn.Net([snn.InLayer(4), snn.Dense(3, a), snn.Dense(2, "softmax")], seed=0)
            for a in (snn.ReLU, snn.ReLU(), "relu", "ReLU")]
    for net in nets[1:]:
        assert all(np.array_equal(p, q) for p, q in zip(net.params(), nets[0].params()))
        assert isinstance(net.dense[0].activation, snn.ReLU)


def test_seed_fixes_initial_weights_and_none_does_not():
    assert np.array_equal(seed_net(1).dense[0].W, seed_net(1).dense[0].W)
    assert not np.array_equal(seed_net(1).dense[0].W, seed_net(2).dense[0].W)
    assert not np.array_equal(seed_net(None).dense[0].W, seed_net(None).dense[0].W)  # fresh entropy each time


def test_seed_project_spelling_still_works():
    net = snn.Net([snn.InLayer(units=784), snn.Dense(units=20, activation=snn.ReLU),
                   snn.Dense(units=10, activation=snn.softmax)], cost_function=snn.CrossEntropyLoss)
    assert net.architecture() == [784, 20, 10]


def test_initial_loss_is_close_to_ln10(mnist):
    (X, y), _ = mnist
    assert seed_net().evaluate(X[:2000], y[:2000])["loss"] == pytest.approx(math.log(10), abs=0.15)


def test_predict_proba_rows_sum_to_one_and_accepts_one_example(rng):
    net = seed_net()
    X = rng.uniform(0, 1, (5, 784)).astype(np.float32)
    P = net.predict_proba(X)
    assert P.shape == (5, 10) and P.dtype == np.float32
    assert np.allclose(P.sum(1), 1, atol=1e-5)
    assert np.allclose(net.predict_proba(X[0]), P[:1])
    assert net.predict(X).shape == (5,) and net.predict(X).dtype.kind == "i"


def test_predict_proba_in_chunks_equals_all_at_once(rng):
    net = seed_net()
    X = rng.uniform(0, 1, (50, 784)).astype(np.float32)
    assert np.allclose(net.predict_proba(X, batch_size=7), net.predict_proba(X))


def test_overfits_100_examples_to_100_percent(mnist):
    (X, y), _ = mnist
    net = seed_net()
    net.fit(X[:100], y[:100], epochs=150, batch_size=20, optimizer=snn.Adam(lr=1e-2), seed=0)
    assert net.evaluate(X[:100], y[:100])["accuracy"] == 1.0


def test_fit_is_reproducible_with_seeds(mnist):
    (X, y), _ = mnist
    a, b = seed_net(), seed_net()
    ha = a.fit(X[:3000], y[:3000], epochs=2, seed=5)
    hb = b.fit(X[:3000], y[:3000], epochs=2, seed=5)
    assert ha.history["loss"] == hb.history["loss"]
    assert all(np.array_equal(p, q) for p, q in zip(a.params(), b.params()))


@pytest.mark.slow
def test_default_recipe_reaches_96_percent_on_mnist(mnist):
    (X, y), (Xt, yt) = mnist
    net = seed_net()
    h = net.fit(X, y, validation_data=(Xt, yt), seed=0)
    assert len(h.history["val_accuracy"]) == 20
    assert h.history["val_accuracy"][-1] >= 0.96
    assert h.history["loss"][-1] < h.history["loss"][0]


@pytest.mark.parametrize("opt", ["sgd", "momentum", "nesterov", "adam", snn.SGD(lr=0.2, weight_decay=1e-4),
                                 snn.Momentum(lr=0.05, nesterov=True, schedule="cosine"),
                                 snn.Adam(lr=3e-3, weight_decay=1e-2, schedule="cosine")], ids=str)
def test_every_optimizer_lowers_the_loss(opt, mnist):
    (X, y), _ = mnist
    net = seed_net()
    before = net.evaluate(X[:5000], y[:5000])["loss"]
    net.fit(X[:5000], y[:5000], epochs=3, optimizer=opt, seed=0)
    assert net.evaluate(X[:5000], y[:5000])["loss"] < before - 0.5


def test_gradient_descent_keeps_the_seed_signature(mnist):
    (X, y), _ = mnist
    net = seed_net()
    h = net.gradient_descent(X[:2000], np.eye(10)[y[:2000]], alpha=0.1, epochs=3, batch_size=256)
    assert len(h.history["loss"]) == 3 and h.history["loss"][-1] < h.history["loss"][0]


def test_cosine_schedule_decays_to_zero():
    opt = snn.Adam(lr=1.0, schedule="cosine")
    assert opt.current_lr(0) == 1.0 and opt.current_lr(0.5) == pytest.approx(0.5) and opt.current_lr(1) == 0


def test_callbacks_get_events_in_before_after_pairs_with_the_step_between_before_and_after_step(mnist):
    (X, y), _ = mnist
    events, weights = [], {}
    net = seed_net()

    class Spy(snn.Callback):
        def before_fit(self, net, params):
            events.append(("before_fit", params["epochs"], params["steps_per_epoch"]))

        def before_epoch(self, epoch):
            events.append(("before_epoch", epoch))

        def before_batch(self, epoch, batch):
            events.append(("before_batch", epoch, batch))

        def before_step(self, epoch, batch, logs):
            events.append(("before_step", epoch, batch))
            weights["before"] = net.params()[0].copy()

        def after_step(self, epoch, batch, logs):
            events.append(("after_step", epoch, batch))
            weights["after"] = net.params()[0].copy()

        def after_batch(self, epoch, batch, logs):
            events.append(("after_batch", epoch, batch, sorted(logs)))

        def after_epoch(self, epoch, logs):
            events.append(("after_epoch", epoch, sorted(logs)))

        def after_fit(self, history):
            events.append(("after_fit",))

    net.fit(X[:200], y[:200], epochs=1, batch_size=100, callbacks=[Spy()], validation_data=(X[200:250], y[200:250]))
    batch = [("before_batch", 1, 1), ("before_step", 1, 1), ("after_step", 1, 1),
             ("after_batch", 1, 1, ["accuracy", "loss", "lr"])]
    assert events == [("before_fit", 1, 2), ("before_epoch", 1), *batch,
                      *[event[:2] + (2,) + event[3:] for event in batch],
                      ("after_epoch", 1, ["accuracy", "loss", "lr", "val_accuracy", "val_loss"]), ("after_fit",)]
    assert not np.array_equal(weights["before"], weights["after"])   # the step ran between the two
    assert np.array_equal(weights["after"], net.params()[0])


@pytest.mark.parametrize("event", ["before_fit", "after_fit", "before_epoch", "after_epoch", "before_step"])
def test_stop_training_from_any_event_ends_fit_quietly_with_the_reason(mnist, event):
    (X, y), _ = mnist

    class Stop(snn.Callback):
        pass

    setattr(Stop, event, lambda self, *args: (_ for _ in ()).throw(snn.StopTraining(f"stopped in {event}")))
    history = seed_net().fit(X[:200], y[:200], epochs=2, batch_size=100, callbacks=[Stop()])
    assert history.stopped == f"stopped in {event}"
    assert snn.StopTraining is snn.CancelFit


def test_cancel_batch_skips_that_batchs_step_and_cancel_epoch_skips_the_rest_of_the_epoch(mnist):
    (X, y), _ = mnist
    net = seed_net()
    start = [p.copy() for p in net.params()]
    steps = []

    class SkipAll(snn.Callback):
        def before_step(self, epoch, batch, logs):
            raise snn.CancelBatch

        def after_step(self, epoch, batch, logs):
            steps.append(batch)

    history = net.fit(X[:200], y[:200], epochs=1, batch_size=100, callbacks=[SkipAll()])
    assert steps == [] and all(np.array_equal(p, q) for p, q in zip(net.params(), start))
    assert len(history.step_loss) == 2 and history.epoch == [1] and history.stopped is None

    class OneBatchPerEpoch(snn.Callback):
        def after_batch(self, epoch, batch, logs):
            steps.append((epoch, batch))
            raise snn.CancelEpoch

    history = net.fit(X[:300], y[:300], epochs=2, batch_size=100, callbacks=[OneBatchPerEpoch()])
    assert steps == [(1, 1), (2, 1)] and history.epoch == [] and len(history.step_loss) == 2


def test_a_callback_with_an_event_name_fit_no_longer_sends_is_refused_with_the_new_name(mnist):
    (X, y), _ = mnist

    class Old:
        def on_step_end(self, epoch, step, logs):
            pass

    with pytest.raises(ValueError, match="Old defines on_step_end, which fit no longer calls: rename it before_step"):
        seed_net().fit(X[:100], y[:100], epochs=1, callbacks=[Old()])


@pytest.mark.parametrize("optimizer,advice", [
    (snn.SGD(lr=1e6), "the learning rate 1e+06 is too large for SGD; try 0.1"),
    (snn.Momentum(lr=1e4), "the learning rate 10000 is too large for Momentum; try 0.05"),
    (snn.Adam(lr=1e3), "the learning rate 1000 is too large for Adam; try 0.001"),
])
def test_divergence_stops_training_explains_and_restores_weights(mnist, optimizer, advice):
    (X, y), _ = mnist
    net = seed_net()
    net.fit(X[:1000], y[:1000], epochs=1, seed=0)
    good = [p.copy() for p in net.params()]
    grew = r"loss (grew from [\d.]+ to \S+|became nan) at epoch 1, step \d+"
    with pytest.warns(RuntimeWarning, match=grew) as caught:
        history = net.fit(X[:1000], y[:1000], epochs=3, optimizer=optimizer, seed=0)
    assert advice in history.stopped and "weights from the start of epoch 1 are restored" in history.stopped
    assert str(caught[0].message) == history.stopped and caught[0].filename == __file__
    assert len(history.epoch) == 0
    assert all(np.array_equal(p, q) for p, q in zip(net.params(), good))


def test_a_run_that_trains_well_is_never_stopped(mnist):
    (X, y), _ = mnist
    history = seed_net().fit(X[:2000], y[:2000], epochs=2, optimizer=snn.SGD(lr=0.5), seed=0)
    assert history.stopped is None and len(history.epoch) == 2


def test_lr_finder_sweeps_geometrically_to_lr_max_and_each_step_trains_at_its_rate(mnist):
    (X, y), _ = mnist
    finder = snn.LRFinder(1e-5, 1e-2, steps=30)
    history = seed_net().fit(X[:640], y[:640], epochs=5, optimizer=snn.Adam(lr=1.0), callbacks=[finder], seed=0)
    assert history.stopped == "LRFinder: 30 steps done" and len(finder.rates) == len(finder.losses) == 30
    assert finder.rates[0] == 1e-5 and math.isclose(finder.rates[-1], 1e-2, rel_tol=1e-12)
    assert np.allclose(np.diff(np.log(finder.rates)), math.log(1e3) / 29, rtol=1e-9, atol=0)
    # the same sweep as a schedule (fit's progress is t / 30 at step t): the same batch losses
    sweep = snn.Adam(lr=1e-5, schedule=lambda progress: 1e3 ** (progress * 30 / 29))
    same = seed_net().fit(X[:640], y[:640], epochs=3, optimizer=sweep, seed=0)
    assert np.allclose(finder.losses, same.step_loss, rtol=1e-6, atol=0)


def test_lr_finder_stops_once_the_loss_passes_4_times_its_lowest(mnist):
    (X, y), _ = mnist
    finder = snn.LRFinder(1e-4, 1.0, steps=60)
    history = seed_net().fit(X[:512], y[:512], epochs=10, optimizer=snn.Adam(lr=1e-4), callbacks=[finder], seed=0)
    assert history.stopped.startswith("LRFinder: the loss passed 4 times its lowest") and len(finder.rates) < 60
    lowest = np.minimum.accumulate(finder.losses)
    assert finder.losses[-1] > 4 * lowest[-1] and all(np.array(finder.losses[:-1]) <= 4 * lowest[:-1])


@pytest.mark.parametrize("args,match", [((1e-2, 1e-3), "0 < lr_min < lr_max"), ((0, 1), "0 < lr_min < lr_max"),
                                        ((1e-3, 1, 1), "integer >= 2")])
def test_lr_finder_refuses_a_range_or_step_count_it_cannot_sweep(args, match):
    with pytest.raises(ValueError, match=match):
        snn.LRFinder(*args)


def test_summary_lists_layers_and_parameter_count():
    text = seed_net().summary()
    assert "Dense 1 (ReLU)" in text and "15,700" in text and "16,415" in text
    assert repr(text) == str(text)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("X,match", [
    (np.zeros((5, 783)), r"784 columns.*\(5, 783\)"),
    (np.zeros(784), r"2-D.*got shape \(784,\).*reshape\(1, -1\)"),
    (np.zeros((5, 28, 28)), r"2-D.*\(5, 28, 28\).*flatten"),
    (np.zeros((0, 784)), r"empty"),
    (np.full((2, 784), np.nan), r"finite.*NaN"),
    (np.array([["a"] * 784]), r"numeric"),
])
def test_fit_rejects_bad_X_naming_expected_and_got(X, match):
    with pytest.raises(ValueError, match=match):
        seed_net().fit(X, np.zeros(len(X), dtype=int), epochs=1)


@pytest.mark.parametrize("y,match", [
    (np.array([0.0, 1.0, 2.0]), r"int class labels in 0..9.*float64"),
    (np.array([0, 1, 10]), r"0..9.*from 0 to 10"),
    (np.array([-1, 1, 2]), r"0..9.*from -1"),
    (np.array([0, 1]), r"length 3.*\(2,\)"),
    (np.zeros((3, 9)), r"one-hot rows of shape \(3, 10\)"),
    (np.full((3, 10), 0.5), r"sum to 1"),
])
def test_fit_rejects_bad_labels(y, match):
    with pytest.raises(ValueError, match=match):
        seed_net().fit(np.zeros((3, 784)), y, epochs=1)


def test_one_hot_labels_train_like_int_labels(mnist):
    (X, y), _ = mnist
    a, b = seed_net(), seed_net()
    a.fit(X[:500], y[:500], epochs=1, seed=0)
    b.fit(X[:500], np.eye(10)[y[:500]], epochs=1, seed=0)
    assert all(np.allclose(p, q) for p, q in zip(a.params(), b.params()))


@pytest.mark.parametrize("kw,match", [
    ({"batch_size": 0}, r"batch_size must be a positive int, got 0"),
    ({"batch_size": -5}, r"batch_size.*-5"),
    ({"batch_size": 2.5}, r"batch_size.*2.5"),
    ({"epochs": -1}, r"epochs must be an int >= 0, got -1"),
    ({"optimizer": "adamw"}, r"unknown optimizer 'adamw'"),
    ({"validation_data": np.zeros((2, 784))}, r"pair"),
])
def test_fit_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        seed_net().fit(np.zeros((3, 784)), [0, 1, 2], **kw)


def test_zero_epochs_is_a_no_op():
    net = seed_net()
    before = [p.copy() for p in net.params()]
    assert net.fit(np.zeros((3, 784)), [0, 1, 2], epochs=0).history == {}
    assert all(np.array_equal(p, q) for p, q in zip(before, net.params()))


@pytest.mark.parametrize("layers,match", [
    ([snn.Dense(3, "relu")], "first layer must be InLayer"),
    ([snn.InLayer(3)], "every layer needs forward"),
    ([snn.InLayer(3), "dense"], "every layer needs forward"),
])
def test_net_rejects_bad_layer_lists(layers, match):
    with pytest.raises(ValueError, match=match):
        snn.Net(layers)


@pytest.mark.parametrize("make,match", [
    (lambda: snn.Dense(0, "relu"), "positive int, got 0"),
    (lambda: snn.Dense(3, "swish"), "unknown activation 'swish'"),
    (lambda: snn.Net([snn.InLayer(2), snn.Dense(2)], cost_function="hinge"), "unknown loss 'hinge'"),
    (lambda: snn.Adam(lr=-1), "lr must be a positive number"),
    (lambda: snn.SGD(schedule="step"), "unknown schedule 'step'"),
])
def test_constructors_reject_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_mse_regression_with_float_targets(rng):
    net = snn.Net([snn.InLayer(2), snn.Dense(8, "tanh"), snn.Dense(1)], cost_function=snn.MSELoss, seed=0)
    X = rng.uniform(-1, 1, (256, 2))
    y = X[:, 0] * X[:, 1]
    before = net.evaluate(X, y)["loss"]
    net.fit(X, y, epochs=100, batch_size=32, optimizer=snn.Adam(lr=1e-2), seed=0)
    assert net.evaluate(X, y)["loss"] < before / 5


def test_a_weight_reference_taken_before_fit_sees_the_trained_weights(mnist):
    (X, y), _ = mnist
    net = seed_net()
    W1 = net.dense[0].W
    before = W1.copy()
    net.fit(X[:500], y[:500], epochs=1, seed=0)
    assert W1 is net.dense[0].W and not np.array_equal(W1, before)


def test_fit_picks_up_a_layer_array_replaced_by_hand(mnist):
    (X, y), _ = mnist
    replaced, in_place = seed_net(), seed_net()
    replaced.dense[0].W = replaced.dense[0].W * 0.5  # a new array, not the one fit knew
    in_place.dense[0].W *= 0.5
    replaced.fit(X[:500], y[:500], epochs=1, seed=0)
    in_place.fit(X[:500], y[:500], epochs=1, seed=0)
    assert all(np.array_equal(p, q) for p, q in zip(replaced.params(), in_place.params()))


@pytest.mark.parametrize("make", [lambda: snn.SGD(lr=1.0, weight_decay=0.5),
                                  lambda: snn.Momentum(lr=1.0, weight_decay=0.5),
                                  lambda: snn.Adam(lr=1.0, weight_decay=0.5)], ids=["sgd", "momentum", "adam"])
def test_weight_decay_applies_to_weights_only(make):
    W, b = np.ones((2, 2)), np.ones(2)
    make().step([W, b], [np.zeros_like(W), np.zeros_like(b)])
    assert (W < 1).all() and (b == 1).all()


@pytest.mark.parametrize("opt", [lambda: snn.SGD(lr=0.1, weight_decay=0.01),
                                 lambda: snn.Adam(lr=3e-3, weight_decay=0.05, schedule="cosine")], ids=["sgd", "adamw"])
def test_fit_trains_exactly_like_a_hand_written_loop(opt, mnist):
    """fit is the loop of notebook 09: the same loop written by hand gives the same weights, bit for bit."""
    (X, y), _ = mnist
    X, y = X[:640], y[:640]
    fitted, looped = seed_net(), seed_net()
    fitted.fit(X, y, epochs=2, batch_size=64, optimizer=opt(), seed=3, shuffle=False)
    optimizer, steps = opt(), 20
    with threadpool_limits(1, user_api="blas"):  # as fit: BLAS sums in the same order
        for step in range(steps):
            i = (step % 10) * 64
            looped.loss_and_grads(X[i:i + 64], y[i:i + 64])
            optimizer.progress = step / steps
            optimizer.step(looped.params(), looped.grads())
    assert all(np.array_equal(p, q) for p, q in zip(fitted.params(), looped.params()))


def test_fit_with_soft_targets_trains_exactly_like_a_hand_written_loop(mnist):
    """Rows that are not one-hot (label smoothing) are used as given, not turned into labels."""
    (X, y), _ = mnist
    X, Y = X[:256], np.eye(10)[y[:256]] * 0.9 + 0.01
    fitted, looped = seed_net(), seed_net()
    history = fitted.fit(X, Y, epochs=1, batch_size=64, optimizer="sgd", seed=0, shuffle=False)
    optimizer, losses = snn.SGD(), []
    with threadpool_limits(1, user_api="blas"):
        for i in range(0, 256, 64):
            losses.append(looped.loss_and_grads(X[i:i + 64], Y[i:i + 64]))
            optimizer.step(looped.params(), looped.grads())
    assert all(np.array_equal(p, q) for p, q in zip(fitted.params(), looped.params()))
    assert history.step_loss == losses


def test_backward_takes_int_labels_like_one_hot_rows(rng):
    net = seed_net(dtype=np.float64)
    X = rng.uniform(0, 1, (8, 784))
    y = rng.integers(0, 10, 8)
    net.forward(X)
    from_labels = net.backward(y), [g.copy() for g in net.grads()]
    net.forward(X)
    from_one_hot = net.backward(np.eye(10)[y]), net.grads()
    assert from_labels[0] == from_one_hot[0]
    assert all(np.array_equal(a, b) for a, b in zip(from_labels[1], from_one_hot[1]))


def test_backward_names_the_problem_with_bad_targets(rng):
    net = seed_net()
    net.forward(rng.uniform(0, 1, (4, 784)).astype(np.float32))
    with pytest.raises(ValueError, match=r"Y must have one entry per example: expected length 4"):
        net.backward(np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="call net.forward"):
        seed_net().backward(np.zeros(4, dtype=int))


def test_plots_images_and_widgets_load_only_when_used():
    """``import scratchnn`` stays light (no matplotlib, Pillow, ipywidgets) until a plot, drawing or widget is used."""
    code = ("import sys, scratchnn as snn\n"
            "heavy = ('matplotlib', 'PIL', 'ipywidgets')\n"
            "assert not [m for m in heavy if m in sys.modules], [m for m in heavy if m in sys.modules]\n"
            "image = snn.draw.strokes_to_mnist([[(40, 40), (200, 220)]])\n"
            "assert image.shape == (28, 28) and image.max() > 0 and 'PIL' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_fit_warns_about_unscaled_pixels(mnist):
    (X, y), _ = mnist
    with pytest.warns(UserWarning, match=r"values up to 255.*X / 255"):
        seed_net().fit(X[:64] * 255, y[:64], epochs=1)


@pytest.mark.parametrize("make,match", [
    (lambda: snn.Net(5), r"Net needs a list of layers.*got 5"),
    (lambda: seed_net(seed="abc"), r"seed must be None or an int >= 0, got 'abc'"),
    (lambda: snn.Net([snn.InLayer(4), snn.Dense(2)], dtype="bogus"), r"dtype must be float32 or float64, got 'bogus'"),
])
def test_wrong_arguments_are_one_sentence_value_errors_not_type_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_fit_says_callbacks_must_be_a_list(rng):
    net = snn.Net([snn.InLayer(4), snn.Dense(2, "softmax")], seed=0)
    with pytest.raises(ValueError, match="callbacks must be a list of callback objects, got <built-in function print>"):
        net.fit(rng.random((8, 4)), np.zeros(8, dtype=int), epochs=1, callbacks=print)


def test_float64_inputs_beyond_float32_are_called_too_large_not_nan():
    net = snn.Net([snn.InLayer(2), snn.Dense(2, "softmax")], seed=0)
    with pytest.raises(ValueError, match=r"values up to 1e\+300, beyond what float32 holds"):
        net.predict(np.array([[1e300, 0.0]]))


def test_mse_with_one_output_reports_no_accuracy(rng):
    net = snn.Net([snn.InLayer(3), snn.Dense(1)], cost_function=snn.MSELoss, seed=0)
    X, y = rng.random((16, 3)), rng.random(16)
    assert set(net.evaluate(X, y)) == {"loss"}
    assert "accuracy" not in net.fit(X, y, epochs=1).history


# ------------------------------------------------- the fusion, and sharing
def test_fit_gives_bit_for_bit_the_weights_of_a_plain_numpy_loop(mnist):
    """A guard: the seed net, He/Glorot init, softmax + cross-entropy fused, plain SGD, written out in NumPy."""
    (X, y), _ = mnist
    X, y, lr, batch_size = X[:1000], y[:1000], 0.1, 100

    class PlainSGD:
        def step(self, params, grads):
            for p, g in zip(params, grads):
                p -= lr * g

    rng = np.random.default_rng(0)
    widths = [784, 20, 15, 15, 10]
    params = []
    for fan_in, units in zip(widths, widths[1:]):
        std = np.sqrt(2 / fan_in) if units != 10 else np.sqrt(2 / (fan_in + units))
        params += [(rng.standard_normal((fan_in, units)) * std).astype(np.float32), np.zeros(units, np.float32)]
    rng, eye = np.random.default_rng(3), np.eye(10, dtype=np.float32)
    with threadpool_limits(1, user_api="blas"):
        for epoch in range(2):
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                idx = order[start:start + batch_size]
                A, cache = X[idx], []
                for i in range(0, 8, 2):
                    Z = A @ params[i] + params[i + 1]
                    cache.append((A, Z))
                    A = np.maximum(Z, 0) if i < 6 else np.exp(Z - Z.max(axis=1, keepdims=True))
                A /= A.sum(axis=1, keepdims=True)
                dZ, grads = (A - eye[y[idx]]) / len(idx), []
                for i in (6, 4, 2, 0):
                    A_in, _ = cache[i // 2]
                    grads = [A_in.T @ dZ, dZ.sum(axis=0)] + grads
                    if i:
                        dZ = (dZ @ params[i].T) * (cache[i // 2 - 1][1] > 0)
                PlainSGD().step(params, grads)
    net = seed_net(0)
    net.fit(X, y, epochs=2, batch_size=batch_size, optimizer=PlainSGD(), seed=3)
    assert all(np.array_equal(p, q) for p, q in zip(net.params(), params))


def test_a_softmax_given_to_net_keeps_its_true_gradient(mnist, rng):
    (X, y), _ = mnist
    softmax = snn.Softmax()
    net = snn.Net([snn.InLayer(784), snn.Dense(10, softmax)], seed=0)
    net.fit(X[:200], y[:200], epochs=1)
    Z, dA = rng.standard_normal((3, 10)), rng.standard_normal((3, 10))
    A = softmax.forward(Z)
    expected = snn.gradcheck.numerical_gradient(softmax.forward, Z.copy(), df=dA)
    for sm in (softmax, net.dense[-1].activation):     # the one given, and the net's own
        assert snn.gradcheck.rel_error(sm.backward(dA, Z, A), expected) < 1e-7


def test_one_layer_list_makes_nets_that_share_nothing(mnist):
    (X, y), (X_test, y_test) = mnist
    layers = [snn.InLayer(784), snn.Dense(20, "relu"), snn.Dense(10, "softmax")]
    a = snn.Net(layers, seed=0)
    a.fit(X[:2000], y[:2000], epochs=1, seed=0)
    accuracy, weights = a.evaluate(X_test, y_test)["accuracy"], [p.copy() for p in a.params()]
    b = snn.Net(layers, seed=1)
    b.fit(X[:2000], y[:2000], epochs=1, optimizer=snn.SGD(lr=5.0), seed=1)
    assert a.evaluate(X_test, y_test)["accuracy"] == accuracy
    assert all(np.array_equal(p, q) for p, q in zip(a.params(), weights))
    assert layers[1].W is None                        # the layers given are never built nor trained


@pytest.mark.parametrize("call", [lambda net, X, y: net.predict_proba(X, batch_size=0),
                                  lambda net, X, y: net.evaluate(X, y, batch_size=0),
                                  lambda net, X, y: net.predict_proba(X, batch_size=2.5)])
def test_inference_batch_size_must_be_a_positive_int(call):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        call(seed_net(), np.zeros((3, 784)), [0, 1, 2])


def test_cross_entropy_from_logits_needs_a_softmax_output():
    with pytest.raises(ValueError, match="SoftmaxCrossEntropy needs an output layer with activation=Softmax"):
        snn.Net([snn.InLayer(4), snn.Dense(3)], cost_function=snn.SoftmaxCrossEntropy)


# ------------------------------------------------------ train and eval modes
def bn_dropout_net(seed=0):
    return snn.Net([snn.InLayer(784), snn.Dense(32, "relu"), snn.BatchNorm(), snn.Dropout(0.5),
                    snn.Dense(10, "softmax")], seed=seed)


def test_batchnorm_and_dropout_train_and_predict_in_evaluation_mode(mnist):
    (X, y), (X_test, y_test) = mnist
    net = bn_dropout_net()
    net.fit(X[:5000], y[:5000], epochs=2, seed=0)
    assert net.training                                     # fit and predict leave the mode as they found it
    proba = net.predict_proba(X_test[:100])
    assert net.training and np.array_equal(proba, net.predict_proba(X_test[:100]))  # no dropout: same answer
    assert np.allclose(net.predict_proba(X_test[7]), proba[7], atol=1e-6)          # BatchNorm: not the batch's stats
    assert net.evaluate(X_test, y_test)["accuracy"] > 0.85
    bn = net.dense[1]
    Z = X_test[:100] @ net.dense[0].W + net.dense[0].b
    expected = bn.gamma * (np.maximum(Z, 0) - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) + bn.beta
    assert np.allclose(net.activations(X_test[:100])[1], expected, atol=1e-5)
    net.forward(X_test[:100])                               # training mode: dropout zeroes about half
    assert 0.4 < np.mean(net.dense[2].mask == 0) < 0.6     # (and BatchNorm updates its running statistics)
    net.eval()
    assert not net.training and not net.dense[1].training and not net.dense[2].training
    assert np.array_equal(net.forward(X_test[:100]), net.predict_proba(X_test[:100]))


def test_dropout_masks_come_from_the_nets_seed_and_leave_the_other_layers_weights_alone(mnist):
    (X, y), _ = mnist
    a, b = bn_dropout_net(0), bn_dropout_net(0)
    a.fit(X[:1000], y[:1000], epochs=1, seed=0)
    b.fit(X[:1000], y[:1000], epochs=1, seed=0)
    assert all(np.array_equal(p, q) for p, q in zip(a.params(), b.params()))
    plain = snn.Net([snn.InLayer(784), snn.Dense(32, "relu"), snn.Dense(10, "softmax")], seed=0)
    assert np.array_equal(bn_dropout_net(0).params()[0], plain.params()[0])
    assert np.array_equal(bn_dropout_net(0).params()[-2], plain.params()[-2])


@pytest.mark.parametrize("make,match", [(lambda: snn.Dropout(1.0), r"Dropout p must be in \[0, 1\)"),
                                        (lambda: snn.BatchNorm(momentum=1.5), r"momentum must be in \[0, 1\)")])
def test_dropout_and_batchnorm_check_their_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
