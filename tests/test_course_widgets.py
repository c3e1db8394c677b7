"""The teaching widgets' Python side (scratchnn.course), driven through the methods their buttons and
sliders call, on the learner's own code as the course notebooks write it."""
import asyncio
import base64
import io

import numpy as np
import pytest
from _notebook_code import notebook_namespace

from scratchnn.course._parts import Paced, TeachingWidget
from scratchnn.course.stepper import BackwardStepper

# ---------------------------------------------------------------------------- shared parts

class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_paced_runs_at_most_once_per_interval_and_always_for_the_last_event():
    clock, seen, value = Clock(), [], [0]
    paced = Paced(lambda: seen.append(value[0]), interval=0.05, clock=clock)

    async def drag():
        for i in range(1, 6):                  # five events within 0.04 s: only the first runs now
            value[0] = i
            clock.now += 0.01
            paced()
        assert seen == [1] and paced.pending
        await asyncio.sleep(0.2)               # the wakeup (due 0.01 s later) shows the last value
        assert seen == [1, 5] and not paced.pending

    asyncio.run(drag())
    paced.flush()                              # nothing new: no second picture
    assert seen == [1, 5]


def test_paced_without_an_event_loop_answers_every_event_at_once():
    clock, seen = Clock(), []
    paced = Paced(lambda: seen.append(clock.now), interval=10, clock=clock)
    for _ in range(3):
        paced()
    assert len(seen) == 3 and not paced.pending


def test_a_picture_reaches_the_browser_as_a_data_url_of_its_palette_png():
    """The stock Image view loads PNG bytes through a blob: URL (a fetch through Chromium's browser
    process, 5-20 ms); a data: URL of the same PNG loads in under 2. The kernel keeps the PNG."""
    from PIL import Image

    from scratchnn.course._parts import FigureImage

    picture = FigureImage(figsize=(2, 1))
    picture.fig.add_subplot().plot([0, 1], [1, 0])
    picture.show()
    png = bytes(picture.image.value)
    state = picture.image.get_state()
    assert state["format"] == "url" and state["value"].tobytes() == b"data:image/png;base64," + base64.b64encode(png)
    assert Image.open(io.BytesIO(png)).mode == "P"               # 256 colours: a smaller PNG, made faster


# ---------------------------------------------------------------------------- 03: the stepper

@pytest.fixture(scope="module")
def nb03():
    return notebook_namespace("03", ["import numpy as np", "class Value", "def topological_order"])


def neuron(Value):
    """Notebook 02's neuron, built with notebook 03's Value."""
    x, w, b, y = Value(1.5, label="x"), Value(-0.8, label="w"), Value(0.3, label="b"), Value(1.0, label="y")
    L = ((w * x + b).sigmoid() - y) ** 2
    L.label = "L"
    return L, (x, w, b)


def grads(order):
    return [node.grad for node in order]


def test_each_step_runs_the_next_nodes_backward_in_the_learners_order(nb03):
    L, _ = neuron(nb03["Value"])
    stepper = BackwardStepper(L, nb03["topological_order"])
    order = nb03["topological_order"](L)
    assert stepper.position == 0 and L.grad == 1 and all(n.grad == 0 for n in order[:-1])
    pictures = [stepper.picture.image.value]
    for k, node in enumerate(reversed(order), start=1):
        pushed_into = set(node._prev)
        before = {n: n.grad for n in order}
        stepper.step()
        assert stepper.position == k and stepper.current is node
        changed = {n for n in order if n.grad != before[n]}
        assert changed <= pushed_into, f"step {k} ({node!r}) changed {changed}, not only its inputs"
        pictures.append(stepper.picture.image.value)
    assert all(a != b for a, b in zip(pictures, pictures[1:])), "a step left the picture as it was"
    stepped = grads(order)
    L.backward()                                 # the learner's own backward: the same gradients
    assert stepped == grads(order)
    stepper.step()                               # past the end: nothing runs
    assert stepper.position == len(order) and grads(order) == stepped


def test_back_gives_the_gradients_of_one_step_fewer_and_reset_the_start(nb03):
    L, _ = neuron(nb03["Value"])
    stepper = BackwardStepper(L, nb03["topological_order"])
    order = stepper.order
    after = []
    for _ in range(5):
        stepper.step()
        after.append((grads(order), stepper.picture.image.value))
    stepper.back()
    assert stepper.position == 4 and (grads(order), stepper.picture.image.value) == after[3]
    stepper.reset()
    assert stepper.position == 0 and grads(order) == [0.0] * (len(order) - 1) + [1.0]


def test_fan_out_adds_both_paths_as_the_notebook_derives(nb03):
    Value = nb03["Value"]
    x, w = Value(3.0, label="x"), Value(-2.0, label="w")
    g = x * w + x                                # notebook 03, section 4: dg/dx = w + 1
    stepper = BackwardStepper(g, nb03["topological_order"])
    for _ in stepper.order:
        stepper.step()
    assert x.grad == w.data + 1


def test_a_topological_order_that_is_not_done_yet_is_named(nb03):
    L, _ = neuron(nb03["Value"])
    with pytest.raises(ValueError, match="must return a list ending with root, got NoneType"):
        BackwardStepper(L, lambda root: None)
    with pytest.raises(ValueError, match="ending with"):
        BackwardStepper(L, lambda root: list(reversed(nb03["topological_order"](root))))


def test_a_teacher_hides_buttons_by_name(nb03):
    L, _ = neuron(nb03["Value"])
    stepper = BackwardStepper(L, nb03["topological_order"], hide=["back"])
    assert stepper.controls["back"].layout.display == "none" and stepper.controls["step"].layout.display != "none"
    with pytest.raises(ValueError, match=r"expected some of \['back', 'reset', 'step'\], got \['undo'\]"):
        BackwardStepper(L, nb03["topological_order"], hide=["undo"])


def check_static_picture(widget: TeachingWidget):
    """The saved notebook keeps a picture of the widget: PNG bytes equal to what the view shows."""
    bundle = widget.static_bundle()
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG") and png == widget.static_png()
    assert set(bundle) == {"image/png", "text/plain"}          # one copy of the picture, no text/html one
    assert "scratchnn-live" in widget.view._dom_classes      # the live view hides the picture
    assert repr(widget.view) == repr(widget)                  # one stable line for nbval


def test_the_stepper_leaves_a_static_picture(nb03):
    check_static_picture(BackwardStepper(neuron(nb03["Value"])[0], nb03["topological_order"]))


# ---------------------------------------------------------------------------- 06: the optimizer playground

@pytest.fixture(scope="module")
def nb06():
    return notebook_namespace("06", ["import numpy as np", "def loss_and_grad", "L_star, g_star", "P0 = ",
                                     "class MyGD", "class MyMomentum", "class MyAdam", "def descend"])


def playground06(nb06, **kwargs):
    from scratchnn.course.optimizers import OptimizerPlayground

    x, y, loss_and_grad = nb06["x"], nb06["y"], nb06["loss_and_grad"]
    return OptimizerPlayground({"GD": nb06["MyGD"], "momentum": nb06["MyMomentum"], "Adam": nb06["MyAdam"]},
                               line_fit=lambda p: loss_and_grad(p, x, y), start=nb06["P0"], **kwargs)


def test_the_paths_are_notebook_06s_descend_of_the_learners_classes(nb06):
    pg = playground06(nb06)
    descend, steps = nb06["descend"], pg.steps
    np.testing.assert_array_equal(pg.paths["GD"], descend(nb06["MyGD"](0.01), steps))
    np.testing.assert_array_equal(pg.paths["Adam"], descend(nb06["MyAdam"](0.1), steps))
    pg.controls["beta"].value = 0.5               # the slider, as the browser moves it
    pg.controls["lr momentum"].value = 0.02
    np.testing.assert_array_equal(pg.paths["momentum"], descend(nb06["MyMomentum"](0.02, beta=0.5), steps))
    pg.controls["beta1"].value, pg.controls["beta2"].value = 0.8, 0.99
    np.testing.assert_array_equal(pg.paths["Adam"], descend(nb06["MyAdam"](0.1, beta1=0.8, beta2=0.99), steps))


def test_dragging_gds_lr_past_two_over_the_largest_curvature_shows_divergence(nb06):
    pg = playground06(nb06)
    before = pg.picture.image.value
    pg.controls["lr GD"].value = 0.027            # notebook 06: eta_max = 2 / 71.1 = 0.0281
    assert pg.diverged["GD"] is None
    pg.controls["lr GD"].value = 0.03
    assert pg.diverged["GD"] is not None and pg.diverged["momentum"] is None
    assert pg.picture.image.value != before and "diverged at step" in pg.status.value
    pg.set(landscape="ravine", lr={"GD": 0.079})  # L = (w^2 + 25 b^2) / 2: eta_max = 2/25
    assert pg.diverged["GD"] is None
    pg.set(lr={"GD": 0.081})
    assert pg.diverged["GD"] is not None


def test_the_step_slider_and_the_landscapes_change_the_picture(nb06):
    pg = playground06(nb06)
    pictures = [pg.picture.image.value]
    pg.controls["step"].value = 10
    pictures.append(pg.picture.image.value)
    for name in ("saddle", "ravine", "line fit"):
        pg.controls["landscape"].value = name
        pictures.append(pg.picture.image.value)
    assert len(set(pictures[:-1])) == 4 and pictures[-1] == pictures[1]   # back to the first: the same picture
    with pytest.raises(ValueError, match="landscape must be one of"):
        pg.set(landscape="bowl")


def test_a_dragged_step_slider_moves_play_from_the_kernel(nb06):
    """Play drives the slider in the browser (one way), so a drag sends the kernel one message per
    move; Play still starts from where the slider was dragged, told so by the kernel."""
    pg = playground06(nb06)
    pg.controls["step"].value = 40
    assert pg.controls["play"].value == 40 and pg.step == 40


def test_the_optimizer_playground_leaves_a_static_picture_and_hides_controls(nb06):
    pg = playground06(nb06, hide=["beta1", "beta2"])
    check_static_picture(pg)
    assert pg.controls["beta2"].layout.display == "none"
    with pytest.raises(ValueError, match="optimizers must be a dict name -> optimizer class"):
        type(pg)([nb06["MyGD"]])


# ---------------------------------------------------------------------------- the 2-D playground

@pytest.fixture(scope="module")
def nb04_layers():
    """Notebook 04's MyDense and MyReLU, from its %%writefile cell."""
    return notebook_namespace("04", ["class MyDense("])


def test_the_playground_trains_through_fit_and_the_boundary_follows():
    from scratchnn.course.playground import Playground2D

    pg = Playground2D(dataset="xor", hidden=(8,), lr=0.05)
    boundary, units, loss_png = pg._rgb.copy(), pg.units.value, pg.picture.image.value
    pg.step(30)
    assert len(pg.losses) == 30 and pg.losses[-1] < pg.losses[0] / 3
    assert np.mean(pg.net.predict(pg.X) == pg.y) > 0.95          # XOR needs the hidden layer, and has it
    assert (np.abs(pg._rgb.astype(int) - boundary).max() > 50 and pg.units.value != units
            and pg.picture.image.value != loss_png)
    assert "data-epoch='30'" in pg.status.value


def test_the_playground_trains_the_learners_own_layers(nb04_layers):
    from scratchnn.course.playground import Playground2D

    pg = Playground2D(dense=nb04_layers["MyDense"], activations={"my relu": nb04_layers["MyReLU"]},
                      dataset="circles", hidden=(8, 8))
    assert all(type(layer) is nb04_layers["MyDense"] for layer in pg.net.dense)
    pg.step(40)
    assert np.mean(pg.net.predict(pg.X) == pg.y) > 0.95


def test_clicked_points_are_data_of_the_chosen_class():
    from scratchnn.course.playground import Playground2D
    from scratchnn.pad import _ipycanvas

    pg = Playground2D(dataset="your own")
    assert len(pg.X) == 0 and "click the picture" in pg.status.value
    pg.step()                                                     # nothing to train on: no epoch
    assert pg.losses == []
    for px, label in [(30, 0), (60, 0), (240, 1), (270, 1)]:      # left orange, right blue
        pg.controls["class"].value = label
        _ipycanvas.send_event(pg.canvas, {"event": "mouse_down", "x": px, "y": 150})
    np.testing.assert_allclose(pg.X[:, 0], [-1.2, -0.9, 0.9, 1.2], atol=1e-6)
    assert list(pg.y) == [0, 0, 1, 1]
    pg.step(30)
    assert list(pg.net.predict(pg.X)) == [0, 0, 1, 1]


def test_the_controls_rebuild_the_net_or_tune_the_optimizer():
    from scratchnn.course.playground import Playground2D

    pg = Playground2D(hidden=(4,))
    pg.step(3)
    pg.controls["hidden"].value = "5, 3"
    assert [layer.W.shape for layer in pg.net.dense] == [(2, 5), (5, 3), (3, 2)] and pg.losses == []
    pg.controls["hidden"].value = "0"                              # refused, said, nothing changes
    assert "hidden must be" in pg.status.value and len(pg.net.dense) == 3
    pg.controls["activation"].value = "tanh"
    assert type(pg.net.dense[0].activation).__name__ == "Tanh"
    pg.controls["lr"].value, pg.controls["weight decay"].value = 0.002, 0.01
    assert (pg.optimizer.lr, pg.optimizer.weight_decay) == (0.002, 0.01)
    pg.controls["dataset"].value = "spiral"
    assert pg.dataset == "spiral" and len(pg.X) == 200


def test_train_runs_in_chunks_on_the_event_loop_until_pause():
    import asyncio

    from scratchnn.course.playground import Playground2D

    pg = Playground2D(hidden=(4,))

    async def session():
        pg.train()
        while len(pg.losses) < 3:              # chunks come from the loop, between other work
            await asyncio.sleep(0.01)
        pg.pause()
        done = len(pg.losses)
        await asyncio.sleep(0.3)
        return done

    done = asyncio.run(session())
    assert done >= 3 and len(pg.losses) == done and not pg.running
    with pytest.raises(RuntimeError, match="needs a running event loop"):
        pg.train()


def test_the_playground_leaves_a_static_picture_and_a_teacher_hides_controls():
    from scratchnn.course.playground import Playground2D

    pg = Playground2D(hide=["activation", "weight decay"])
    check_static_picture(pg)
    assert pg.controls["activation"].layout.display == "none" and pg.controls["lr"].layout.display != "none"
    no_decay = Playground2D(optimizer=lambda lr: __import__("scratchnn").SGD(lr))
    assert no_decay.controls["weight decay"].layout.display == "none"


# ---------------------------------------------------------------------------- 01: a neuron and a net

@pytest.fixture(scope="module")
def nb01():
    return notebook_namespace("01", ["import numpy as np", "def relu(Z)", "def dense_forward", "def softmax",
                                     "(X_train, y_train), (X_test"])


def test_the_neuron_explorer_shows_the_learners_activation_and_its_decision_line(nb01):
    from scratchnn.course.neuron import NeuronExplorer

    ne = NeuronExplorer(nb01["sigmoid"], w1=1.0, w2=0.0, b=0.0)
    x1 = ne._x1
    np.testing.assert_allclose(ne.output, nb01["sigmoid"](x1))
    np.testing.assert_allclose(ne._line.get_xdata(), [0, 0])               # x1 = 0: the vertical line
    before = ne.picture.image.value
    ne.controls["b"].value = 1.0                                           # the line shifts to x1 = -1
    np.testing.assert_allclose(ne._line.get_xdata(), [-1, -1])
    ne.controls["w2"].value = 2.0
    np.testing.assert_allclose(ne.output, nb01["sigmoid"](x1 + 2 * ne._x2 + 1))
    x, y = ne._line.get_data()
    np.testing.assert_allclose(x + 2 * np.asarray(y) + 1, 0, atol=1e-12)  # on the line the sum is 0
    assert ne.picture.image.value != before and "data-w='1.00,2.00,1.00'" in ne.status.value
    relu = NeuronExplorer(nb01["relu"], hide=["b"])
    assert relu.output.min() == 0 and relu.controls["b"].layout.display == "none"
    check_static_picture(relu)


def test_the_activation_explorer_runs_a_digit_through_the_learners_layers(nb01):
    import scratchnn as snn
    from scratchnn.course.neuron import ActivationExplorer

    net = snn.load_pretrained("seed")
    X, y = nb01["X_test"][:50], nb01["y_test"][:50]
    ae = ActivationExplorer(X, y, net.params(), nb01["dense_forward"], nb01["relu"], nb01["softmax"])
    pictures = {ae.picture.image.value}
    for i in (3, 7):
        ae.controls["digit"].value = i
        pictures.add(ae.picture.image.value)
        assert [a.shape for a in ae.activations] == [(784,), (20,), (15,), (15,), (10,)]
        np.testing.assert_allclose(ae.activations[-1], net.predict_proba(X[i])[0], rtol=1e-4, atol=1e-6)
        assert f"label {y[i]}" in ae._title.get_text()
        W1 = net.params()[0]
        assert ae.top_unit == np.argmax(np.maximum(X[i] @ W1 + net.params()[1], 0))
        np.testing.assert_allclose(ae.contributions.ravel(), X[i] * W1[:, ae.top_unit], rtol=1e-6)
    assert len(pictures) == 3
    with pytest.raises(ValueError, match="index must be in 0..49, got 50"):
        ae.show_digit(50)
    check_static_picture(ae)


def test_a_digit_drawn_on_the_explorers_pad_goes_through_the_learners_layers(nb01):
    import scratchnn as snn
    from scratchnn.course.neuron import PAD_SIZE, ActivationExplorer

    net = snn.load_pretrained("seed")
    X, y = nb01["X_test"][:50], nb01["y_test"][:50]
    ae = ActivationExplorer(X, y, net.params(), nb01["dense_forward"], nb01["relu"], nb01["softmax"], index=3,
                            draw=True)
    first = ae.picture.image.value
    check_static_picture(ae)                                   # the saved picture is the test digit's
    one = [(PAD_SIZE * 0.52, PAD_SIZE * t) for t in np.linspace(0.18, 0.82, 12)]   # a 1, top to bottom
    ae.pad.draw_stroke(one)
    assert ae.drawn and "your drawing" in ae._title.get_text()
    assert "data-source='drawing'" in ae.status.value and "data-final='1'" in ae.status.value
    seen = snn.draw.strokes_to_mnist([one], canvas_size=PAD_SIZE, pen_width=ae.pad.pen_width)
    np.testing.assert_array_equal(ae.activations[0], seen.ravel())       # the pad's MNIST-style image
    np.testing.assert_allclose(ae.activations[-1], net.predict_proba(seen.ravel())[0], rtol=1e-4, atol=1e-6)
    assert ae.picture.image.value != first
    ae.pad.clear()                                             # Clear: back to the slider's test digit
    assert not ae.drawn and ae.picture.image.value == first and "data-source='test' data-index='3'" in ae.status.value
    ae.pad.draw_stroke(one)
    ae.controls["digit"].value = 7                             # the slider too
    assert not ae.drawn and f"label {y[7]}" in ae._title.get_text()
    np.testing.assert_array_equal(ae.activations[0], X[7])
    assert ActivationExplorer(X, y, net.params(), nb01["dense_forward"], nb01["relu"], nb01["softmax"],
                              draw=True, hide=["draw"]).controls["draw"].layout.display == "none"


def test_a_slow_picture_is_followed_by_a_pause_not_by_the_next_picture(nb01):
    """On a busy machine a picture can take longer than the pacing interval; the interval counts from its
    end, so the pen's events that queued meanwhile are answered with one later picture, not one each."""
    import scratchnn as snn
    from scratchnn.course.neuron import PAD_SIZE, ActivationExplorer
    from scratchnn.pad import _ipycanvas

    net = snn.load_pretrained("seed")
    ae = ActivationExplorer(nb01["X_test"][:50], nb01["y_test"][:50], net.params(), nb01["dense_forward"],
                            nb01["relu"], nb01["softmax"], draw=True)
    clock, pictures, show = Clock(), [], ae.picture.show
    ae.pad.clock = ae._redraw.throttle.clock = clock
    ae._redraw.throttle.wait(force=True)             # the first picture at 0 s of this clock
    clock.now = 1.0

    def slow_show():                                  # each picture takes 0.2 s of the clock
        show()
        clock.now += 0.2
        pictures.append(clock.now)

    ae.picture.show = slow_show

    async def draw():
        _ipycanvas.send_event(ae.pad, {"event": "mouse_down", "x": PAD_SIZE / 2, "y": 10})
        for i in range(1, 41):                        # a mouse move every 0.02 s
            clock.now += 0.02
            _ipycanvas.send_event(ae.pad, {"event": "mouse_move", "x": PAD_SIZE / 2, "y": 10 + 3 * i})
        _ipycanvas.send_event(ae.pad, {"event": "mouse_up", "x": PAD_SIZE / 2, "y": 130})
        await asyncio.sleep(0.2)                      # the wakeup (at most 0.05 s) draws what is still due

    asyncio.run(draw())
    assert "data-source='drawing'" in ae.status.value and "data-final='1'" in ae.status.value
    np.testing.assert_array_equal(ae.activations[0], ae.pad.image().ravel())     # the whole stroke, at the end
    busy = 0.2 * len(pictures) / (clock.now - 1.0)
    assert busy < 0.85, f"pictures kept the kernel busy {busy:.0%} of the time ({len(pictures)} for 41 events)"


# ---------------------------------------------------------------------------- 02: the gradient predicts the change

@pytest.fixture(scope="module")
def nb02():
    return notebook_namespace("02", ["import numpy as np", "x, w, b, y = 1.5", "def numerical", "def tanh_grads",
                                     "def loss_tanh"])


def nudge02(nb02, grad=None):
    from scratchnn.course.nudge import GradientNudge

    loss, tanh_grads = nb02["loss_tanh"], grad or nb02["tanh_grads"]
    return GradientNudge(lambda p: loss(1.5, p[0], p[1], 1.0), [0.5, -0.25],
                         lambda p: tanh_grads(1.5, p[0], p[1], 1.0), names=["w", "b"])


def test_a_small_nudge_changes_the_loss_by_what_the_learners_gradient_predicts(nb02):
    nz = nudge02(nb02)

    def loss(w, b):
        return nb02["loss_tanh"](1.5, w, b, 1.0)

    for param, h in [("w", 1e-3), ("b", -1e-3), ("w", 0.4)]:
        nz.controls["param"].value, nz.controls["h"].value = param, h
        p = np.array([0.5, -0.25]) + h * np.eye(2)[["w", "b"].index(param)]
        assert nz.actual == pytest.approx(loss(*p) - loss(0.5, -0.25), rel=1e-12)
        assert nz.predicted == pytest.approx(nz.analytic * h, rel=1e-12)
    nz.set(param="w", h=1e-3)
    assert nz.actual == pytest.approx(nz.predicted, rel=1e-2) and nz.numerical == pytest.approx(nz.analytic, rel=1e-5)
    wrong = nudge02(nb02, grad=lambda *a: [-g for g in nb02["tanh_grads"](*a)])   # a sign slip
    wrong.set(h=1e-3)
    assert np.sign(wrong.actual) != np.sign(wrong.predicted)


def test_switching_the_nudged_parameter_and_back_gives_the_same_picture(nb02):
    nz = nudge02(nb02)
    nz.controls["h"].value = -0.5
    first = nz.picture.image.value
    nz.controls["param"].value = "b"
    assert nz.picture.image.value != first
    nz.controls["param"].value = "w"
    assert nz.picture.image.value == first          # the points are drawn in w's axes again, not b's
    check_static_picture(nz)
    with pytest.raises(ValueError, match="grad\\(p\\) must have one entry per parameter, 2; got shape \\(3,\\)"):
        type(nz)(lambda p: 0.0, [1.0, 2.0], lambda p: [0, 0, 0])


def test_the_first_epoch_already_shows_on_the_loss_curve():
    from scratchnn.course.playground import Playground2D

    pg = Playground2D(hidden=(4,))
    before = pg.picture.image.value
    pg.step()
    assert pg.picture.image.value != before, "one epoch: one point, which a plain line does not draw"


# ---------------------------------------------------------------------------- 11: the init scale

def test_the_init_scale_explorer_takes_the_learners_layers(nb04_layers):
    import scratchnn as snn
    from scratchnn.course.init_scale import InitScaleExplorer

    (X, y), _ = snn.load_mnist()
    mine = InitScaleExplorer(X[:100], y[:100], dense=nb04_layers["MyDense"],
                             activations={"my relu": nb04_layers["MyReLU"]})
    library = InitScaleExplorer(X[:100], y[:100])
    assert type(mine.net().dense[0]) is nb04_layers["MyDense"]
    np.testing.assert_allclose(mine.stats, library.stats, rtol=1e-4)


def test_the_init_scale_slider_fades_or_saturates_the_layers_as_notebook_11_finds():
    import scratchnn as snn
    from scratchnn.course.init_scale import InitScaleExplorer

    (X, y), _ = snn.load_mnist()
    ex = InitScaleExplorer(X[:300], y[:300])
    he = ex.picture.image.value
    std_A_he = [s[0] for s in ex.stats]
    assert 0.1 < min(std_A_he) and max(std_A_he) < 1            # He's start keeps the signal's size
    ex.controls["scale"].value = 0.1                             # too small: it fades layer by layer
    std_A = [s[0] for s in ex.stats]
    assert std_A[-1] < 1e-4 < std_A[0] and all(a > b for a, b in zip(std_A, std_A[1:]))
    assert ex.picture.image.value != he
    ex.controls["activation"].value, ex.controls["scale"].value = "sigmoid", 1.0
    assert max(s[2] for s in ex.stats) == 0                      # no sigmoid saturated at He's start
    ex.controls["scale"].value = 10.0
    assert min(s[2] for s in ex.stats[1:]) > 0.5                 # saturated: most entries pass no gradient
    net = ex.net()                                               # the net shown is notebook 11's deep_net
    assert [layer.W.shape for layer in net.dense] == [(784, 64)] + [(64, 64)] * 5 + [(64, 10)]
    assert net.dense[1].W.std() == pytest.approx(10 * np.sqrt(2 / 64), rel=0.05)
    check_static_picture(ex)
