"""LivePlot: what it draws and how often it redraws (with a fake clock, never real timings)."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import scratchnn as snn
from scratchnn import plotting


@pytest.fixture
def net():
    return snn.Net([snn.InLayer(4), snn.Dense(3, "softmax")], seed=0)


def test_liveplot_thins_long_loss_traces_to_max_points(net, capsys):
    plot = snn.LivePlot(max_points=100)
    plot.before_fit(net, {"epochs": 2, "steps_per_epoch": 5000})
    for step in range(1, 10_001):
        plot.step_loss.append(1.0 / step)
    plot.after_epoch(1, {"loss": 0.5, "accuracy": 0.5, "val_loss": 0.6, "val_accuracy": 0.4})
    plot.after_epoch(2, {"loss": 0.4, "accuracy": 0.6, "val_loss": 0.5, "val_accuracy": 0.5})
    plot.after_fit(None)
    raw, smooth, val = plot.ax_loss.get_lines()
    assert len(raw.get_xdata()) <= 100 and len(smooth.get_xdata()) <= 100
    assert raw.get_xdata()[0] == pytest.approx(1 / 5000)        # x is in epochs
    assert list(val.get_ydata()) == [0.6, 0.5]                  # one validation point per epoch
    assert [list(line.get_ydata()) for line in plot.ax_acc.get_lines()] == [[50, 60], [40, 50]]


def test_liveplot_spaces_redraws_by_four_times_the_last_redraw(net, monkeypatch, capsys):
    clock = [0.0]
    monkeypatch.setattr(plotting.time, "monotonic", lambda: clock[0])
    plot = snn.LivePlot(every=0.5)
    plot.before_fit(net, {"epochs": 1, "steps_per_epoch": 100})
    redraws = []

    def slow_refresh():                  # a redraw that takes 1 s of (fake) time
        began = clock[0]
        clock[0] += 1.0
        plot.last, plot.cost = clock[0], clock[0] - began
        redraws.append(began)

    monkeypatch.setattr(plot, "_refresh", slow_refresh)
    for step in range(1, 101):
        clock[0] += 0.1                  # a step takes 0.1 s
        plot.after_batch(1, step, {"loss": 1.0})
    gaps = np.diff(redraws)
    assert len(redraws) >= 2 and (gaps >= 4.0 + 1.0 - 1e-9).all()   # 1 s drawing + >= 4 s training


def test_show_predictions_outlines_the_label_even_when_the_net_gave_it_nothing():
    import matplotlib.pyplot as plt

    probs = np.zeros((2, 10))
    probs[0, 4] = 1.0                     # a confident mistake: label 8 gets probability 0
    probs[1, 3] = 1.0                     # right
    fig = plotting.show_predictions(np.zeros((2, 784)), probs, labels=[8, 3])
    for ax, label, height in [(fig.axes[2], 8, plotting.LABEL_BOX), (fig.axes[3], 3, 1.0)]:
        outlines = [p for p in ax.patches if not p.get_fill()]
        assert len(outlines) == 1
        box = outlines[0]
        assert box.get_x() + box.get_width() / 2 == pytest.approx(label)
        assert box.get_height() == pytest.approx(height)
        assert ax.get_xticklabels()[label].get_fontweight() == "bold"
    plt.close(fig)


def test_confusion_matrix_counts_are_white_on_dark_cells_and_black_on_light_ones():
    import matplotlib.pyplot as plt

    C = np.array([[50, 16, 0], [1, 40, 2], [0, 15, 30]])
    ax = plotting.plot_confusion_matrix(C)
    color = {text.get_text(): text.get_color() for text in ax.texts}
    assert color["16"] == color["15"] == "white"      # the darkest mistakes
    assert color["1"] == color["2"] == color["0"] == "black"
    assert color["50"] == "tab:green"                 # the diagonal
    plt.close(ax.figure)


def test_liveplot_draws_for_a_learners_loss_that_has_no_name(capsys):
    class SoftmaxCrossEntropy:                  # notebook 05's loss: forward and backward_logits only
        def forward(self, P, Y):
            return float(-np.sum(Y * np.log(P)) / len(P))

        def backward_logits(self, P, Y):
            return (P - Y) / len(P)

    net = snn.Net([snn.InLayer(4), snn.Dense(3, "softmax")], cost_function=SoftmaxCrossEntropy(), seed=0)
    plot = snn.LivePlot()
    plot.before_fit(net, {"epochs": 1, "steps_per_epoch": 2})
    plot.after_epoch(1, {"loss": 0.5, "accuracy": 0.5})
    plot.after_fit(None)
    assert plot.ax_loss.get_ylabel().startswith("loss")
