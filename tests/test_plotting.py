"""LivePlot: what it draws and how often it redraws (with a fake clock, never real timings)."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import scratchnn as snn  # noqa: E402
from scratchnn import plotting  # noqa: E402


@pytest.fixture
def net():
    return snn.Net([snn.InLayer(4), snn.Dense(3, "softmax")], seed=0)


def test_liveplot_thins_long_loss_traces_to_max_points(net, capsys):
    plot = snn.LivePlot(max_points=100)
    plot.on_train_begin(net, {"epochs": 2, "steps_per_epoch": 5000})
    for step in range(1, 10_001):
        plot.step_loss.append(1.0 / step)
    plot.on_epoch_end(1, {"loss": 0.5, "accuracy": 0.5, "val_loss": 0.6, "val_accuracy": 0.4})
    plot.on_epoch_end(2, {"loss": 0.4, "accuracy": 0.6, "val_loss": 0.5, "val_accuracy": 0.5})
    plot.on_train_end(None)
    raw, smooth, val = plot.ax_loss.get_lines()
    assert len(raw.get_xdata()) <= 100 and len(smooth.get_xdata()) <= 100
    assert raw.get_xdata()[0] == pytest.approx(1 / 5000)        # x is in epochs
    assert list(val.get_ydata()) == [0.6, 0.5]                  # one validation point per epoch
    assert [list(line.get_ydata()) for line in plot.ax_acc.get_lines()] == [[50, 60], [40, 50]]


def test_liveplot_spaces_redraws_by_four_times_the_last_redraw(net, monkeypatch, capsys):
    clock = [0.0]
    monkeypatch.setattr(plotting.time, "monotonic", lambda: clock[0])
    plot = snn.LivePlot(every=0.5)
    plot.on_train_begin(net, {"epochs": 1, "steps_per_epoch": 100})
    redraws = []

    def slow_refresh():                  # a redraw that takes 1 s of (fake) time
        began = clock[0]
        clock[0] += 1.0
        plot.last, plot.cost = clock[0], clock[0] - began
        redraws.append(began)

    monkeypatch.setattr(plot, "_refresh", slow_refresh)
    for step in range(1, 101):
        clock[0] += 0.1                  # a step takes 0.1 s
        plot.on_step_end(1, step, {"loss": 1.0})
    gaps = np.diff(redraws)
    assert len(redraws) >= 2 and (gaps >= 4.0 + 1.0 - 1e-9).all()   # 1 s drawing + >= 4 s training
