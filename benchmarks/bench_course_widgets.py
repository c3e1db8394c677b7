"""Latency of the teaching widgets (scratchnn.course): a table per widget and event.

Kernel side: the time one event keeps the kernel busy (the handler the control calls, including
the new picture's PNG), measured in this process on the course notebooks' own code. Browser side
(``--browser``): JupyterLab and headless Chromium on ``tests/data/widgets_demo.ipynb``, the time from
the mouse event (click released, or slider moved) to the widget's new picture having loaded, on the
page clock. Targets: kernel at most 200 ms per event, browser p95 under 100 ms. Timings on a loaded
2-core machine are inflated; the 1-minute load average is printed with the numbers.

    python benchmarks/bench_course_widgets.py                 # kernel side, 30 events each
    python benchmarks/bench_course_widgets.py --browser --n 20
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "browser")]
from _notebook_code import notebook_namespace  # noqa: E402


def timed(action, n, setup=lambda i: None):
    out = []
    for i in range(n):
        setup(i)
        start = time.perf_counter()
        action(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


def row(widget, event, ms):
    p50, p95 = np.percentile(ms, 50), np.percentile(ms, 95)
    print(f"| {widget} | {event} | {len(ms)} | {p50:.0f} | {p95:.0f} | {max(ms):.0f} |", flush=True)


def header(where):
    print(f"\n{where} (load average {os.getloadavg()[0]:.1f})\n")
    print("| widget | event | n | median ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|")


def kernel_side(n):
    from scratchnn.course.optimizers import OptimizerPlayground
    from scratchnn.course.playground import Playground2D
    from scratchnn.course.stepper import BackwardStepper

    header("Kernel busy per event")
    nb03 = notebook_namespace("03", ["import numpy as np", "class Value", "def topological_order"])
    Value = nb03["Value"]
    x, w, b, y = Value(1.5, label="x"), Value(-0.8, label="w"), Value(0.3, label="b"), Value(1.0, label="y")
    L = ((w * x + b).sigmoid() - y) ** 2
    stepper = BackwardStepper(L, nb03["topological_order"])
    row("BackwardStepper", "Step", timed(lambda i: stepper.step() if stepper.position < len(stepper.order)
                                         else stepper.reset(), n))
    row("BackwardStepper", "Back from the last step (replays the others)",
        timed(lambda i: stepper.back(), n, setup=lambda i: stepper._replay(len(stepper.order))))

    nb06 = notebook_namespace("06", ["import numpy as np", "def loss_and_grad", "L_star, g_star", "P0 = ",
                                     "class MyGD", "class MyMomentum", "class MyAdam"])
    opt = OptimizerPlayground({"GD": nb06["MyGD"], "momentum": nb06["MyMomentum"], "Adam": nb06["MyAdam"]},
                              line_fit=lambda p: nb06["loss_and_grad"](p, nb06["x"], nb06["y"]), start=nb06["P0"])
    lrs = np.geomspace(0.005, 0.05, n)
    row("OptimizerPlayground", "lr slider (its path: 100 steps)",
        timed(lambda i: setattr(opt.controls["lr GD"], "value", lrs[i]), n))
    row("OptimizerPlayground", "step slider / Play frame",
        timed(lambda i: setattr(opt.controls["step"], "value", i % 100), n))
    names = list(opt.landscapes)
    row("OptimizerPlayground", "landscape",
        timed(lambda i: setattr(opt.controls["landscape"], "value", names[(i + 1) % 3]), n))

    nb04 = notebook_namespace("04", ["class MyDense("])
    pg = Playground2D(dense=nb04["MyDense"], activations={"my relu": nb04["MyReLU"]}, hidden=(8, 8))
    row("Playground2D", "Step (1 epoch of 200 points + pictures)", timed(lambda i: pg.step(), n))
    pg.running = True
    from scratchnn.course.playground import TRAIN_BUDGET
    row("Playground2D", f"Train chunk ({TRAIN_BUDGET * 1000:.0f} ms of epochs + pictures)",
        timed(lambda i: pg._chunk(), n))
    pg.running = False
    from scratchnn.pad import _ipycanvas
    row("Playground2D", "click a point", timed(lambda i: _ipycanvas.send_event(
        pg.canvas, {"event": "mouse_down", "x": 20 + i % 50, "y": 30}), n))
    sizes = ["8, 8", "6", "4, 4"]
    row("Playground2D", "hidden sizes (new net)",
        timed(lambda i: setattr(pg.controls["hidden"], "value", sizes[i % 3]), n))

    import scratchnn as snn
    from scratchnn.course.neuron import ActivationExplorer, NeuronExplorer
    nb01 = notebook_namespace("01", ["import numpy as np", "def relu(Z)", "def dense_forward", "def softmax",
                                     "(X_train, y_train), (X_test"])
    neuron = NeuronExplorer(nb01["sigmoid"])
    row("NeuronExplorer", "w1 slider", timed(lambda i: setattr(neuron.controls["w1"], "value", -2 + 4 * i / n), n))
    explorer = ActivationExplorer(nb01["X_test"][:1000], nb01["y_test"][:1000], snn.load_pretrained("seed").params(),
                                  nb01["dense_forward"], nb01["relu"], nb01["softmax"])
    row("ActivationExplorer", "digit slider", timed(lambda i: setattr(explorer.controls["digit"], "value", i + 1), n))

    from scratchnn.course.nudge import GradientNudge
    nb02 = notebook_namespace("02", ["import numpy as np", "x, w, b, y = 1.5", "def numerical", "def tanh_grads",
                                     "def loss_tanh"])
    nudge = GradientNudge(lambda p: nb02["loss_tanh"](1.5, p[0], p[1], 1.0), [0.5, -0.25],
                          lambda p: nb02["tanh_grads"](1.5, p[0], p[1], 1.0), names=["w", "b"])
    row("GradientNudge", "h slider", timed(lambda i: setattr(nudge.controls["h"], "value", -0.5 + i / n), n))

    from scratchnn.course.init_scale import InitScaleExplorer
    (X_train, y_train), _ = snn.load_mnist()
    init = InitScaleExplorer(X_train[:256], y_train[:256])
    scales = np.geomspace(0.1, 5, n)
    row("InitScaleExplorer", "scale slider (new net, forward + backward of 256)",
        timed(lambda i: setattr(init.controls["scale"], "value", scales[i]), n))


def browser_side(n):
    import browser_harness as H
    import test_course_widgets_browser as T
    from playwright.sync_api import sync_playwright

    with H.serving(T.SERVED, prefix="scratchnn-bench-widgets-") as server, sync_playwright() as pw:
        browser = H.launch_chromium(pw)
        page = H.BrowserPage(browser, viewport=(1400, 1100))
        p = page.page
        H.run_all_in_lab(p, server, f"tests/data/{T.DEMO.name}", T.ALL_LIVE, timeout_ms=180_000)
        header("Browser: mouse event -> new picture loaded (JupyterLab, Chromium)")
        root_ = ".scratchnn-backwardstepper"
        steps = []
        while len(steps) < n:
            got, _, _ = T.click_latencies(p, root_, ".scratchnn-step", min(8, n - len(steps)))
            steps += got
            T.click_latencies(p, root_, ".scratchnn-reset", 1)
        row("BackwardStepper", "Step click", steps)
        drags, sign = [], 1
        while len(drags) < n:
            drags += T.drag_latencies(p, ".scratchnn-optimizerplayground", ".scratchnn-lrgd", [3 * sign] * 5)
            sign = -sign
        row("OptimizerPlayground", "lr slider move", drags[:n])
        T.settle(p)
        scrub, sign = [], -1                 # from the last step: left first, then back
        while len(scrub) < n:
            scrub += T.drag_latencies(p, ".scratchnn-optimizerplayground", ".scratchnn-step-slider",
                                      [12 * sign] * 5)
            sign = -sign
        row("OptimizerPlayground", "step slider move", scrub[:n])
        got, _, _ = T.click_latencies(p, ".scratchnn-playground2d", ".scratchnn-step", n)
        row("Playground2D", "Step click", got)
        errors = page.js_errors()
        if errors:
            print("JS errors:", *errors[:5], sep="\n  ")
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="events per row")
    parser.add_argument("--browser", action="store_true", help="also measure in JupyterLab + Chromium")
    args = parser.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    kernel_side(args.n)
    if args.browser:
        browser_side(args.n)


if __name__ == "__main__":
    main()
