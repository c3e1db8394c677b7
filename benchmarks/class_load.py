"""A class on one hub: 10 learners train and draw at once; what does it do to the hub, memory and the pad?

As root: makes real accounts for the learners (removed after), starts the hub of ``classroom/``
on 127.0.0.1 with its own PAM authenticator and LocalProcessSpawner (through
``classroom/hub_client.py``; ``classroom/install`` done first), logs every learner in through the
REST API and starts their servers. Then, all at the same time:

- in each learner's server, the training notebook (``*training_the_mnist_net*``) and the drawing
  notebook (``*draw_a_digit*``) each run top to bottom in a kernel of their own (REST API + kernel
  websocket);
- two learners open the drawing notebook in a real headless Chromium (JupyterLab, logged in
  through the hub's login page), run it, and draw digits on the pad with the mouse while the
  others train (``tests/browser/browser_harness.py`` draws and reads the bars).

In a class each learner's browser runs on their own computer; here both run on the hub's cores.
So each drawing learner gets a Chromium of their own: the first at the hub's priority (the worst
case: the browser's own work waits behind 20 kernels), the other reniced (``--browser-nice``, as
root), standing in for a browser on its own machine. Their latencies are reported apart.

Reports: hub start, per-learner server start, total memory of everything under the hub (PSS sum,
sampled every 2 s, peak), the training notebook's time alone vs under load, pad mouse-up -> final
bars update (median, p95), and every error. Targets: no error, no kernel lost, pad p95 < 300 ms.
Every wait is bounded; everything it started is stopped at the end. Not part of CI (minutes).

    python benchmarks/class_load.py                   # 10 learners, 2 drawing pages
    python benchmarks/class_load.py --learners 4 --strokes 6
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "classroom"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
import browser_harness as H  # noqa: E402
import hub_client  # noqa: E402

TRAIN = next(ROOT.glob("notebooks/*training_the_mnist_net*.ipynb"))
DRAW = next(ROOT.glob("notebooks/*draw_a_digit*.ipynb"))
DIGITS = [7, 1, 0]  # the digits browser_harness has stroke recipes for


class MemorySampler(threading.Thread):
    """Sums the PSS of every process below the hub every ``every`` seconds; keeps the peak."""

    def __init__(self, pid, every=2.0):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.peak_rss, self.stop_event = pid, every, 0, 0, threading.Event()

    def run(self):
        import psutil
        while not self.stop_event.wait(self.every):
            pss = rss = 0
            try:
                procs = psutil.Process(self.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                return
            for proc in procs:
                try:
                    info = proc.memory_full_info()
                    pss, rss = pss + info.pss, rss + info.rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak, self.peak_rss = max(self.peak, pss), max(self.peak_rss, rss)


def chromium_tree(before=()):
    """Chromium processes below this one that are not in ``before`` (the pids of an earlier browser)."""
    import psutil
    return [p for p in psutil.Process().children(recursive=True)
            if p.pid not in before and p.name().startswith("chrom")]


def renice(procs, value):
    import psutil
    for proc in procs:
        try:
            proc.nice(value)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass


def browser_login(page, hub, user, next_path):
    page.goto(f"{hub.url}/hub/login?next={next_path}")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.passwords[user])
    page.click("#login_submit")


def draw_and_time(pad, digit):
    """Draw ``digit``; ms from mouse-up to the bars' last update for it (0 if they were final before it)."""
    pad.clear()
    pad.draw(H.digit_strokes(digit))
    if not pad.wait_settled(300):
        return None, pad.bars()["top"]
    probe = pad.probe()
    final = max(t for t, _ in probe["muts"])
    return max(0.0, final - probe["lastUp"]), pad.bars()["top"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--pages", type=int, default=2, help="learners who also draw in Chromium")
    parser.add_argument("--strokes", type=int, default=10, help="digits drawn per page at least")
    parser.add_argument("--timeout", type=float, default=1500, help="seconds for any one notebook")
    parser.add_argument("--browser-nice", type=int, default=-10,
                        help="nice value of every drawing learner's browser but the first (needs root to go below 0)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("class_load: run it as root (the class has real accounts)")
    tag = os.urandom(2).hex()
    errors, rows = [], []
    root = Path(tempfile.mkdtemp(prefix="scratchnn-class-", dir="/tmp"))
    os.chmod(root, 0o755)
    H.quiet_jupyter_env(root)  # writes root/lab-settings (no news toast, no autosave)
    subprocess.run(["chmod", "-R", "a+rX", str(root / "lab-settings")], check=True)
    accounts = hub_client.Accounts()
    teacher = accounts.add(f"snl{tag}t")
    accounts.adopt(f"snl{tag}g")
    learners = [accounts.add(f"snl{tag}l{i:02d}") for i in range(1, args.learners + 1)]
    (root / "learners.txt").write_text("\n".join(learners) + "\n")
    # the config's server arguments, and what the browser pages need
    lab_args = ["--KernelManager.transport=ipc", "--MappingKernelManager.cull_idle_timeout=1800",
                "--MappingKernelManager.cull_interval=300", "--LabApp.expose_app_in_browser=True",
                f"--LabApp.user_settings_dir={root / 'lab-settings'}"]
    notebooks = " ".join(p.name[:2] for p in (TRAIN, DRAW))
    hub = hub_client.Hub(root, accounts.passwords, extra_args=[f"--Spawner.args={a}" for a in lab_args],
                         env={"SCRATCHNN_TEACHER": teacher, "SCRATCHNN_GRADER": f"snl{tag}g",
                              "SCRATCHNN_NOTEBOOKS": notebooks})
    sampler = None
    try:
        rows.append(("classroom/start (to the hub's API answering)", f"{hub.wait_ready(900):.1f} s"))
        tokens = {user: hub.login(user) for user in learners}
        with concurrent.futures.ThreadPoolExecutor(len(learners)) as pool:
            starts = dict(zip(learners, pool.map(lambda u: hub.start_server(u, tokens[u], 300), learners)))
        rows.append((f"server start, {len(learners)} learners at once",
                     f"median {statistics.median(starts.values()):.1f} s, max {max(starts.values()):.1f} s"))
        sampler = MemorySampler(hub.process.pid)
        sampler.start()

        alone = hub.run_notebook(learners[0], tokens[learners[0]], TRAIN, args.timeout)
        errors += [f"{learners[0]} {TRAIN.name} alone: {e}" for e in alone["errors"]]

        def run(job):
            user, notebook = job
            try:
                result = hub.run_notebook(user, tokens[user], notebook, args.timeout)
                return user, notebook, result["seconds"], result["errors"]
            except Exception as e:  # a lost kernel, a timeout: an error of the run, not of the script
                return user, notebook, float("nan"), [f"{type(e).__name__}: {e}"]

        jobs = [(u, nb) for u in learners for nb in (TRAIN, DRAW)]
        latencies, wrong, unsettled = {}, [], 0
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p, concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
            browsers, pages, pads, niced = [], [], [], set()
            for k, user in enumerate(learners[-args.pages:]):
                known = {proc.pid for proc in chromium_tree()}
                browsers.append(H.launch_chromium(p))
                page = H.BrowserPage(browsers[-1])
                pages.append(page)
                course = f"/user/{user}/lab/tree/scratchnn-course/"
                browser_login(page.page, hub, user, course)
                H.open_and_run_in_lab(page.page, SimpleNamespace(url=hub.url, notebook_path=course, token="-"),
                                      DRAW.name, timeout_ms=300_000)
                pads.append(H.PadDriver(page.page))
                if k > 0:  # every process of this browser, renderers included, now exists
                    tree = chromium_tree(known)
                    renice(tree, args.browser_nice)
                    niced.add(k)
            began = time.monotonic()
            futures = [pool.submit(run, job) for job in jobs]
            training = [f for f, job in zip(futures, jobs) if job[1] == TRAIN]
            i = during_training = 0
            while i < 10 * args.strokes * len(pads):  # draw as long as anybody trains (bounded)
                if i >= args.strokes * len(pads) and all(f.done() for f in training):
                    break
                during_training += not all(f.done() for f in training)
                digit = DIGITS[i % len(DIGITS)]
                ms, top = draw_and_time(pads[i % len(pads)], digit)
                if ms is None:
                    unsettled += 1
                else:
                    latencies.setdefault(i % len(pads) in niced, []).append(ms)
                if top != digit:
                    wrong.append((digit, top))
                i += 1
            results = [f.result(timeout=args.timeout) for f in futures]
            loaded_s = time.monotonic() - began
            for page in pages:
                errors += [f"page: {e}" for e in page.js_errors()]
                page.close()
            for browser in browsers:
                browser.close()
        for user, notebook, seconds, errs in results:
            errors += [f"{user} {notebook.name}: {e}" for e in errs]
        train_times = [s for u, nb, s, _ in results if nb == TRAIN]
        draw_times = [s for u, nb, s, _ in results if nb == DRAW]
        rows.append((f"training notebook alone ({learners[0]})", f"{alone['seconds']:.0f} s"))
        rows.append((f"training notebook, {len(learners)} at once with {len(learners)} drawing notebooks",
                     f"median {statistics.median(train_times):.0f} s, max {max(train_times):.0f} s "
                     f"({statistics.median(train_times) / alone['seconds']:.1f}x alone); "
                     f"all {len(jobs)} runs in {loaded_s:.0f} s"))
        rows.append(("drawing notebook under load", f"median {statistics.median(draw_times):.0f} s"))
        for is_niced, ms in sorted(latencies.items()):
            where = (f"browser reniced to {args.browser_nice} (as on the learner's own machine)" if is_niced
                     else "browser at the hub's priority")
            rows.append((f"pad mouse-up -> final bars, {where}",
                         f"{len(ms)} digits: median {H.percentile(ms, 50):.0f} ms, p95 {H.percentile(ms, 95):.0f} ms, "
                         f"max {max(ms):.0f} ms"))
        rows.append(("pad: digits drawn while others trained / never settled / read wrong",
                     f"{during_training} of {i} / {unsettled} / {wrong or 'none'}"))
    except Exception as e:
        errors.append(f"{type(e).__name__}: {e}")
    finally:
        if sampler is not None:
            sampler.stop_event.set()
            rows.append(("memory of everything under the hub (peak, sampled every 2 s)",
                         f"PSS {sampler.peak / 2**30:.2f} GiB (RSS sum {sampler.peak_rss / 2**30:.2f} GiB)"))
        rows.append(("hub stop (and every server, kernel, proxy, learner process)", f"{hub.stop(timeout=60):.1f} s"))
        accounts.remove()
        shutil.rmtree(root, ignore_errors=True)
    rows.append(("errors", "; ".join(errors) if errors else "none"))
    print(f"\nclass load test, {args.learners} learners, 1-minute load average {os.getloadavg()[0]:.1f} "
          "(2 cores, shared with other developers while it ran)\n")
    print("| what | measured |\n|---|---|")
    for what, value in rows:
        print(f"| {what} | {value.replace('|', '/')} |")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
