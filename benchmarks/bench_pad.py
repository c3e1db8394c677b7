"""How long the kernel spends per drawing-pad update, and per mouse event.

An *update* is what the pad does at most every ``throttle`` seconds while you draw and once when
the pen lifts: turn the ink into a 28x28 MNIST-style input (crop, fit, centre), run the net, and
build the two messages for the browser (the bars' HTML and the preview PNG). Target: median under
2 ms. An *event* is what happens for every mouse move: store the point and add it to the ink.

The digits of ``scratchnn/course/drawn_digits.json`` are replayed through the pad's own event handlers;
an update is timed every few events, so drawings are measured part-drawn as well as finished. The
reference in the same run is the naive way: re-render every stroke from scratch per update
(``strokes_to_mnist(pad.strokes)``) instead of keeping the ink incrementally.

    python benchmarks/bench_pad.py              # the shipped model if it exists, else a quick 784-64-10
    python benchmarks/bench_pad.py --digits 50  # fewer digits (the default replays 100)
    python benchmarks/bench_pad.py --teach 5    # also: corrections (FineTuner runs) and the pad meanwhile

With ``--teach N`` it also times N corrections (``recognizer.correct``: keep the example, fine-tune
with ``scratchnn.pad.finetune.FineTuner``, redraw the bars) and how the pad answers while one runs: on
an asyncio loop, as in a kernel, a mouse event is sent every 10 ms during a run and the delay from
when it was due to when the pad had handled it is recorded; the reference in the same run is the
same events with no run going on.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np


def model():
    import scratchnn as snn
    from scratchnn import pretrained

    if "drawing" in pretrained.available():
        return snn.load_pretrained(), "load_pretrained()"
    (X, y), _ = snn.load_mnist()
    net = snn.Net([snn.InLayer(784), snn.Dense(64, "relu"), snn.Dense(10, "softmax")], seed=0)
    net.fit(X[:10000], y[:10000], epochs=3, seed=0)
    return net, "784-64-10 trained here on 10k MNIST (no shipped drawing model yet)"


def stats(ms):
    ms = np.asarray(ms)
    return f"median {np.median(ms):.3f} ms, p95 {np.percentile(ms, 95):.3f} ms (n={len(ms)})"


def main(argv=None):
    from scratchnn.course import drawn
    from scratchnn.draw import strokes_to_mnist
    from scratchnn.pad._ipycanvas import send_event
    from scratchnn.pad.recognizer import DigitRecognizer

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--digits", type=int, default=100)
    p.add_argument("--every", type=int, default=5, help="time an update every this many events")
    p.add_argument("--teach", type=int, default=0, help="also time this many corrections (fine-tuning runs)")
    args = p.parse_args(argv)

    net, name = model()
    digits = drawn.load()["digits"][:args.digits]
    r = DigitRecognizer(net, throttle=math.inf)      # no automatic updates: we call them ourselves
    pad, perf = r.pad, time.perf_counter
    update, image, predict, messages, naive, event = [], [], [], [], [], []
    for d in digits:
        pad.clear()
        for stroke in d["strokes"]:
            kinds = ["mouse_down"] + ["mouse_move"] * (len(stroke) - 1)
            for i, (kind, (x, y)) in enumerate(zip(kinds, stroke)):
                t0 = perf()
                send_event(pad, {"event": kind, "x": x, "y": y})
                event.append(perf() - t0)
                if i % args.every == 0:
                    pad._image = None                            # time the preprocessing afresh
                    t0 = perf()
                    r._update()
                    update.append(perf() - t0)
                    pad._image = None
                    t0 = perf()
                    X = pad.image()
                    t1 = perf()
                    net.predict_proba(X.reshape(1, -1))
                    t2 = perf()
                    r.bars.update(r.probs)
                    r.preview.value = r.preview.value
                    t3 = perf()
                    strokes_to_mnist(pad.strokes, pen_width=pad.pen_width)
                    t4 = perf()
                    image.append(t1 - t0), predict.append(t2 - t1), messages.append(t3 - t2), naive.append(t4 - t3)
            send_event(pad, {"event": "mouse_up", "x": stroke[-1][0], "y": stroke[-1][1]})
    ms = lambda v: 1e3 * np.asarray(v)              # noqa: E731
    print(f"model: {name}; {len(digits)} drawn digits replayed, {len(event)} mouse events")
    print(f"update (preprocess + predict + bars + preview): {stats(ms(update))}  [target: median < 2 ms]")
    print(f"  preprocessing (pad.image):   {stats(ms(image))}")
    print(f"  prediction (predict_proba):  {stats(ms(predict))}")
    print(f"  bars HTML (+ preview set):   {stats(ms(messages))}")
    print(f"reference, re-rendering all strokes per update (strokes_to_mnist): {stats(ms(naive))}; "
          f"incremental ink is {np.median(naive) / np.median(image):.1f}x faster")
    print(f"per mouse event (store + ink + throttle checks): median {1e6 * np.median(event):.0f} us, "
          f"p95 {1e6 * np.percentile(event, 95):.0f} us")
    if args.teach:
        teach(net, digits, args.teach)


def teach(net, digits, n):
    """Time corrections, and the pad's answers to mouse events while a fine-tuning run goes on."""
    import asyncio

    from scratchnn.pad._ipycanvas import send_event
    from scratchnn.pad.recognizer import DigitRecognizer

    r = DigitRecognizer(net)             # the pad fine-tunes its own copy: net stays as it is
    seconds = []
    for d in digits[:n]:                 # no event loop: learning runs right here, timed whole
        r.pad.clear()
        for stroke in d["strokes"]:
            r.pad.draw_stroke(stroke)
        t0 = time.perf_counter()
        r.correct((d["label"] + 1) % 10)
        seconds.append(time.perf_counter() - t0)
    print(f"correction (keep example + FineTuner.learn + redraw), {n} runs: median {np.median(seconds):.2f} s, "
          f"p95 {np.percentile(seconds, 95):.2f} s, first {seconds[0]:.2f} s (loads the MNIST replay)")

    async def delays(during_learning):
        """Seconds from when each mouse event (one per 10 ms) was due to when the pad had handled it."""
        loop, pad, out = asyncio.get_running_loop(), r.pad, []
        if during_learning:
            r.correct(3, background=True)   # as the button does: the run goes to a worker thread
        t_end, i = loop.time() + 1.5, 0
        send_event(pad, {"event": "mouse_down", "x": 100, "y": 100})
        while loop.time() < t_end and (r.learning or not during_learning):
            due = time.perf_counter() + 0.01
            await asyncio.sleep(0.01)
            send_event(pad, {"event": "mouse_move", "x": 100 + i % 80, "y": 100 + (i * 7) % 80})
            out.append(time.perf_counter() - due)
            i += 1
        send_event(pad, {"event": "mouse_up", "x": 100, "y": 100})
        while r.learning:
            await asyncio.sleep(0.01)
        return out

    async def both():
        r.pad.clear()
        r.pad.draw_stroke([(140, 40), (140, 240)])
        return await delays(False), await delays(True)

    idle, busy = asyncio.run(both())
    ms = lambda v: 1e3 * np.asarray(v)  # noqa: E731
    print(f"mouse event due -> handled by the pad, no learning:           {stats(ms(idle))}")
    print(f"mouse event due -> handled by the pad, while FineTuner runs:  {stats(ms(busy))}")


if __name__ == "__main__":
    main()
