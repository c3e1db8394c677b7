"""Drawing-pad latency in a real browser: last mouse move of a stroke -> bars show the answer.

Starts JupyterLab (and/or the Voila app of ``python -m scratchnn draw``) on 127.0.0.1, opens the
pad in headless Debian Chromium through Playwright, and draws digits with real mouse moves. A
MutationObserver on the bars records ``performance.now()`` for every update; the latency of a
stroke is the time from its last ``mousemove`` (page clock) to the bars' final update for it.
Target: p95 under 150 ms. Timings on a loaded 2-core machine are inflated; the 1-minute load
average is printed with the numbers.

    python benchmarks/bench_browser.py                      # 20 strokes in JupyterLab and in Voila
    python benchmarks/bench_browser.py --where lab --strokes 40
    python benchmarks/bench_browser.py --where voila --screenshot docs/drawing_pad.png
    python benchmarks/bench_browser.py --where lab --teach 3   # also: click "it is a 6" -> bars read 6

With ``--teach N`` it also draws a 0 N times, clicks "That's wrong, it is a 6" with the mouse and
times the click -> the bars showing 6 (the kernel fine-tunes with FineTuner meanwhile), then Reset.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import browser_harness as H

DIGITS = [1, 0, 7]


def summarize(name, latencies, ups):
    p50, p95 = H.percentile(latencies, 50), H.percentile(latencies, 95)
    print(f"{name}: {len(latencies)} strokes, last move -> final bars update: median {p50:.0f} ms, "
          f"p95 {p95:.0f} ms, max {max(latencies):.0f} ms; last move -> mouseup median "
          f"{statistics.median(ups):.1f} ms; load average {os.getloadavg()[0]:.1f}")


def measure(pad, n):
    latencies, ups, wrong = [], [], []
    for i in range(n):
        digit = DIGITS[i % len(DIGITS)]
        pad.clear()
        pad.draw(H.digit_strokes(digit))
        if not pad.wait_settled():
            print(f"  stroke {i}: the bars did not update after the last move", file=sys.stderr)
            continue
        p = pad.probe()
        final = [t for t, _ in p["muts"] if t > p["lastMove"]][-1]
        latencies.append(final - p["lastMove"])
        ups.append(p["lastUp"] - p["lastMove"])
        top = pad.bars()["top"]
        if top != digit:
            wrong.append((digit, top))
    if wrong:
        print(f"  strokes read wrong (drawn, read): {wrong}", file=sys.stderr)
    return latencies, ups


def measure_teaching(pad, page, n):
    """Click "it is a 6" on a drawn 0, n times: milliseconds from the click to the bars reading 6."""
    times = []
    for i in range(n):
        pad.clear()
        pad.draw(H.digit_strokes(0))
        pad.answer(0)
        t0 = page.evaluate("() => performance.now()")
        pad.correct(6)
        pad.wait_top(6)
        muts = pad.probe()["muts"]
        times.append(min(t for t, s in muts if t > t0 and s.startswith("6|")) - t0)
        pad.reset_teaching()
    print(f"teaching: click 'it is a 6' -> bars read 6, {n} runs: median {statistics.median(times):.0f} ms, "
          f"max {max(times):.0f} ms; load average {os.getloadavg()[0]:.1f}")


def screenshot_recognizer(page, path: Path, pad):
    """The whole recognizer after drawing a 7, as a small palette PNG (for the README)."""
    import io

    from PIL import Image

    pad.clear()
    drawn = pad.draw(H.digit_strokes(7))
    pad.wait_top(7)
    pad.wait_ink(drawn)
    img = Image.open(io.BytesIO(pad.root.screenshot())).convert("RGB")
    # The widget row stretches to the page width: crop the blank right-hand side off.
    ink = Image.eval(img.convert("L"), lambda v: 255 if v < 250 else 0).getbbox()
    img = img.crop((0, 0, min(img.width, ink[2] + 16), img.height))
    img = img.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB, {img.size[0]}x{img.size[1]})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--where", choices=["lab", "voila", "both"], default="both")
    ap.add_argument("--strokes", type=int, default=20)
    ap.add_argument("--notebook", default=str(next((H.REPO / "notebooks").glob("*draw_a_digit*.ipynb"))),
                    help="notebook to open in JupyterLab (default: the course's drawing notebook)")
    ap.add_argument("--screenshot", type=Path, help="save a PNG of the recognizer (Voila) here")
    ap.add_argument("--teach", type=int, default=0, help="also time this many corrections in JupyterLab")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = H.launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        if args.where in ("lab", "both"):
            root = H.make_root()
            nb = Path(args.notebook).resolve()
            rel = Path("notebooks") / nb.name
            (root / "notebooks").mkdir()
            shutil.copy2(nb, root / rel)
            server = H.start_jupyterlab(root)
            try:
                H.open_and_run_in_lab(page, server, rel.as_posix())
                pad = H.PadDriver(page)
                summarize("JupyterLab", *measure(pad, args.strokes))
                if args.teach:
                    measure_teaching(pad, page, args.teach)
            finally:
                server.stop()
                shutil.rmtree(root, ignore_errors=True)
        if args.where in ("voila", "both") or args.screenshot:
            from scratchnn.pad import app

            root = H.make_root()
            os.environ.update({k: v for k, v in H.quiet_jupyter_env(root).items()
                               if k in ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR")})
            with open(root / "voila.log", "wb") as log:
                server = app.launch(open_browser=False, wait=False, log=log)
                try:
                    page.goto(server.url)
                    pad = H.PadDriver(page)
                    if args.where in ("voila", "both"):
                        summarize("Voila app", *measure(pad, args.strokes))
                    if args.screenshot:
                        screenshot_recognizer(page, args.screenshot, pad)
                finally:
                    server.stop()
            shutil.rmtree(root, ignore_errors=True)
        browser.close()


if __name__ == "__main__":
    main()
