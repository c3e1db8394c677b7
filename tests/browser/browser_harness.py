"""Real-browser harness: JupyterLab and Voila servers, headless Chromium, and a driver for the pad.

Used by the fixtures (``conftest.py``'s and the tests' own, which start servers through `serving`)
and by the benchmarks. Everything a run creates (runtime files, settings, workspaces, IPython
history, the notebook copies) lives in one temp dir that is removed afterwards. `Server.stop()`
ends a server and its kernels even when a test failed half-way (fixture finalizers call it).
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from scratchnn.pad.app import process

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "test-artifacts" / "browser"
#: The course's drawing notebook, opened in JupyterLab by the tests.
DRAW_NOTEBOOK = next((REPO / "notebooks").glob("*draw_a_digit*.ipynb"))
#: Lines for the end-of-run summary (latency numbers), filled by the tests.
SUMMARY: list[str] = []
#: Pages open right now, screenshotted when a test fails.
OPEN_PAGES: list = []

# DOM hooks the widgets promise (scratchnn/pad/recognizer.py's docstring): the pad's view carries
# `scratchnn-pad`; the bars are one element `.scratchnn-bars[data-top][data-version]` holding ten
# `[data-digit][data-prob]` rows; the recognizer's Clear button is `.scratchnn-clear`.
PAD = ".scratchnn-pad"
BARS = ".scratchnn-bars"



def free_port() -> int:
    """A TCP port that was free a moment ago (servers are also told not to hop to another one)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet_jupyter_env(root: Path) -> dict:
    """Environment for a server that writes nothing outside `root` and shows no news toast."""
    settings = root / "lab-settings"
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
        # The notebook is a temp copy anyway; no autosave keeps the page from ever turning "dirty".
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    }.items():
        path = settings / plugin
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ)
    env.update(
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"),
        IPYTHONDIR=str(root / "ipython"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("JUPYTER_TOKEN", None)
    return env


class Server:
    """A Jupyter-family server in its own process group (started and stopped by the app's own
    `scratchnn.pad.app.process`); `stop()` is safe to call twice."""

    def __init__(self, argv, *, env, cwd, log_path: Path, url: str, ready_path: str, timeout: float = 60.0):
        self.url, self.log_path = url, log_path
        self._log = open(log_path, "wb")
        self.proc = process.start(argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            process.wait_until_serving(self.proc, self.url + ready_path, timeout, what="the server")
        except RuntimeError as e:
            self.stop()
            raise RuntimeError(f"{e}; log:\n{self.log_tail()}") from None

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 10.0):
        """SIGTERM to the server's group, then SIGKILL to whatever is left of it and of its kernels
        (`scratchnn.pad.app.process.stop`)."""
        process.stop(self.proc, timeout)
        self._log.close()


#: The app's process helpers under the names the browser tests use: True while process `pid` is the
#: live process that started at `started` (not a zombie, not a reused pid); `[(pid, start time)]`
#: of every process below a pid.
still_running, _descendants = process.same_process, process.descendants


# The two Jupyter front ends learners use: how to start each, and where it opens a notebook.
FRONTENDS = {
    "jupyterlab": ("jupyterlab", "--LabApp.expose_app_in_browser=True", "/lab/tree/"),
    "notebook7": ("notebook", "--JupyterNotebookApp.expose_app_in_browser=True", "/notebooks/"),
}


def start_jupyterlab(root: Path, frontend: str = "jupyterlab") -> Server:
    """JupyterLab (or Notebook 7, `frontend="notebook7"`) serving `root` on 127.0.0.1 with a random
    token; `server.token`, `server.notebook_path` (the URL prefix of a notebook) and `server.root` are set."""
    module, expose, notebook_path = FRONTENDS[frontend]
    port, token = free_port(), secrets.token_hex(16)
    # Voila's server extension (/voila/render/...) reads voila.json from the server's working
    # directory, as it does when JupyterLab (or Binder) runs from the repository's folder.
    shutil.copy2(REPO / "voila.json", root / "voila.json")
    argv = [sys.executable, "-m", module, "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", expose]
    server = Server(argv, env=quiet_jupyter_env(root), cwd=root, log_path=root / f"{frontend}.log",
                    url=f"http://127.0.0.1:{port}", ready_path="/api/status?token=" + token)
    server.token, server.notebook_path, server.root = token, notebook_path, root
    return server


def copy_notebook(src: Path, root: Path) -> Path:
    """Copy a notebook under `root` at the same relative path, so running it never touches the repo."""
    rel = src.resolve().relative_to(REPO)
    dst = root / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    return dst


def make_root(prefix: str = "scratchnn-browser-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


@contextmanager
def serving(paths, frontend: str = "jupyterlab", prefix: str = "scratchnn-browser-"):
    """A server (`start_jupyterlab`) on a temp root holding copies of `paths` (at their paths in the
    repo), so running them never writes into the repo; stopped with its kernels, and the root
    removed, on exit, even when the server failed to start or a test failed."""
    root = make_root(prefix)
    try:
        for path in paths:
            copy_notebook(path, root)
        server = start_jupyterlab(root, frontend=frontend)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


class BrowserPage:
    """A Playwright page plus the JavaScript errors it logged."""

    IGNORED = re.compile(r"Failed to load resource|favicon|ERR_CONNECTION_REFUSED")

    def __init__(self, browser, viewport=(1280, 1000)):
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: self.errors.append(f"console.error: {m.text}")
                     if m.type == "error" and not self.IGNORED.search(m.text) else None)
        OPEN_PAGES.append(self)

    def js_errors(self):
        return list(self.errors)

    def save_failure(self, name: str):
        """Full-page screenshot and the JS errors seen, under test-artifacts/browser/FAILED-name.*"""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            self.page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"), full_page=True)
        except Exception:  # a crashed page must not hide the real failure
            pass
        (ARTIFACTS / f"FAILED-{name}.js-errors.txt").write_text("\n".join(self.errors) + "\n")

    def close(self):
        if self in OPEN_PAGES:
            OPEN_PAGES.remove(self)
            self.context.close()


# --------------------------------------------------------------------------- JupyterLab page

def run_all_in_lab(page, server: Server, rel_path: str, until_js: str, timeout_ms: int = 90_000):
    """Open a notebook in JupyterLab (or Notebook 7), run all cells, wait until the JS expression
    `until_js` holds (or a cell raised), then until its kernel is idle again.

    Fails with the exception's text if a cell raised (JupyterLab then skips the cells after it)."""
    page.goto(f"{server.url}{server.notebook_path}{rel_path}?token={server.token}&reset")
    wait_lab_notebook_ready(page, timeout_ms)
    lab_execute(page, "notebook:run-all-cells")
    page.wait_for_function(f"() => ({LAB_CELL_ERROR_JS})() || ({until_js})", timeout=timeout_ms, polling=100)
    wait_lab_kernel_idle(page, timeout_ms)
    error = page.evaluate(LAB_CELL_ERROR_JS)
    if error:
        raise AssertionError(f"a cell of {rel_path} raised {error}")


def open_and_run_in_lab(page, server: Server, rel_path: str, timeout_ms: int = 90_000):
    """`run_all_in_lab` on a notebook with a drawing pad, then wait until the pad and its bars show."""
    run_all_in_lab(page, server, rel_path, f"document.querySelector('{PAD}')", timeout_ms)
    page.wait_for_selector(PAD, state="visible", timeout=timeout_ms)
    page.wait_for_selector(BARS, state="attached", timeout=timeout_ms)


# The first error output of the current notebook, read from the model (cells scrolled out of view
# may not be in the DOM).
LAB_CELL_ERROR_JS = """() => {
    for (const cell of window.jupyterapp.shell.currentWidget.content.widgets) {
        if (cell.model.type !== 'code') continue;
        const outputs = cell.model.outputs;
        for (let i = 0; i < outputs.length; i++) {
            const o = outputs.get(i).toJSON();
            if (o.output_type === 'error') return `${o.ename}: ${o.evalue}`;
        }
    }
    return null;
}"""


def wait_lab_notebook_ready(page, timeout_ms: int = 90_000):
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
            return !!(k && k.connectionStatus === 'connected' && k.status === 'idle' && w.content.widgets.length);
        }""", timeout=timeout_ms, polling=100)


def wait_lab_kernel_idle(page, timeout_ms: int = 90_000):
    """Idle kernel and no cell left waiting ("[*]") in the current notebook."""
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            const k = w.sessionContext.session.kernel;
            const pending = w.content.widgets.some(c => c.model.type === 'code' && c.promptNode
                && c.promptNode.textContent.includes('*'));
            return k.status === 'idle' && !pending;
        }""", timeout=timeout_ms, polling=100)


def lab_execute(page, command: str, args: dict | None = None):
    page.evaluate("([c, a]) => window.jupyterapp.commands.execute(c, a)", [command, args or {}])


# --------------------------------------------------------------------------- the pad

# Shapes in pad units (0..1 of the canvas side, y downwards) that the recognizer reads reliably.
def digit_strokes(digit: int) -> list[list[tuple[float, float]]]:
    if digit == 1:
        return [[(0.52, 0.18), (0.50, 0.50), (0.48, 0.82)]]
    if digit == 0:
        pts = [(0.5 + 0.22 * math.sin(t), 0.5 - 0.32 * math.cos(t))
               for t in (2 * math.pi * i / 28 for i in range(29))]
        return [pts]
    if digit == 7:
        return [[(0.25, 0.2), (0.72, 0.2), (0.62, 0.45), (0.50, 0.82)]]
    raise ValueError(f"no stroke recipe for digit {digit}; have 0, 1, 7")


def densify(points, step: float = 0.03):
    """Insert points so consecutive mouse moves are at most `step` apart (like a real hand)."""
    out = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / step))
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1)]
    return out


PROBE_JS = """
([padIndex]) => {
    // The recognizer is the nearest ancestor of the pad that also holds the bars; mark it so
    // locators can find its parts, and watch its bars.
    const pad = document.querySelectorAll('%PAD%')[padIndex];
    let box = pad;
    while (box && !box.querySelector('%BARS%')) box = box.parentElement;
    if (!box) throw new Error('no %BARS% next to pad #' + padIndex);
    box.setAttribute('data-scratchnn-driver', String(padIndex));
    const barsHost = box.querySelector('%BARS%').parentElement;  // survives innerHTML updates
    const probe = {lastMove: null, lastUp: null, muts: [], state: null};
    // One string per distinct thing the bars show: "top|version|digit:prob,...".
    probe.snap = () => {
        const b = barsHost.querySelector('%BARS%');
        if (!b) return null;
        const rows = [...b.querySelectorAll('[data-digit]')].map(r => r.dataset.digit + ':' + r.dataset.prob);
        return (b.dataset.top ?? '') + '|' + (b.dataset.version ?? '') + '|' + rows.join(',');
    };
    probe.state = probe.snap();
    new MutationObserver(() => {
        const s = probe.snap();
        if (s !== probe.state) { probe.state = s; probe.muts.push([performance.now(), s]); }
    }).observe(barsHost, {childList: true, subtree: true, attributes: true, characterData: true});
    // Capture phase on the window: the page clock of the events ipycanvas forwards to the kernel.
    addEventListener('mousemove', () => { probe.lastMove = performance.now(); }, true);
    addEventListener('mouseup', () => { probe.lastUp = performance.now(); }, true);
    window.__scratchnnProbe = probe;
}
""".replace("%PAD%", PAD).replace("%BARS%", BARS)


def draw_on(page, canvas, strokes, lift: bool = True):
    """Draw strokes given in canvas units (0..1, y downwards) on the `canvas` locator with real mouse
    moves; with `lift=False` the button stays pressed at the end of the last stroke.

    Returns the strokes as drawn (densified, still in canvas units) for `ink_fraction`."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, f"the canvas has no usable size on the page: {box}"
    drawn, mouse = [], page.mouse
    for i, stroke in enumerate(strokes):
        stroke = densify(stroke)
        pts = PadDriver.to_page(stroke, box)
        mouse.move(*pts[0])
        mouse.down()
        for p in pts[1:]:
            mouse.move(*p)
        if lift or i < len(strokes) - 1:
            mouse.up()
        drawn.append(stroke)
    return drawn


class PadDriver:
    """Draws on the `index`-th pad of a page with real mouse events and reads the bars beside it."""

    def __init__(self, page, index: int = 0, timeout_ms: int = 60_000):
        self.page, self.index = page, index
        pad = page.locator(PAD).nth(index)
        pad.wait_for(state="visible", timeout=timeout_ms)
        # Aim at the <canvas> itself (the widget's element may wrap it in a border).
        self.canvas = pad if pad.evaluate("e => e.tagName") == "CANVAS" else pad.locator("canvas").first
        page.evaluate(PROBE_JS, [index])
        self.root = page.locator(f'[data-scratchnn-driver="{index}"]')

    # -- geometry
    def box(self):
        self.canvas.scroll_into_view_if_needed()
        b = self.canvas.bounding_box()
        assert b and b["width"] > 50 and b["height"] > 50, f"pad has no usable size on the page: {b}"
        return b

    @staticmethod
    def to_page(pts, box):
        return [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in pts]

    # -- actions
    def draw(self, strokes, lift: bool = True):
        """Draw strokes on this pad: `draw_on` its canvas."""
        return draw_on(self.page, self.canvas, strokes, lift)

    def clear(self, timeout_ms: int = 10_000):
        """Press the recognizer's Clear button and wait until the bars show no answer."""
        button = self.root.locator(".scratchnn-clear")
        if button.count() == 0:
            button = self.root.locator("button", has_text="Clear")
        button.first.click()
        self.page.wait_for_function("() => { const s = window.__scratchnnProbe.snap(); "
                                    "return s !== null && s.startsWith('|'); }",
                                    timeout=timeout_ms, polling=50)

    # -- reading the bars
    def bars(self) -> dict:
        """{'top': int|None, 'probs': [10 floats], 'final': bool} as the page shows it right now."""
        return self.page.evaluate(f"""([i]) => {{
            const b = document.querySelector('[data-scratchnn-driver="' + i + '"] {BARS}');
            const probs = Array(10).fill(null);
            b.querySelectorAll('[data-digit]').forEach(r => probs[+r.dataset.digit] = parseFloat(r.dataset.prob));
            const t = b.dataset.top;
            return {{top: (t === undefined || t === '') ? null : +t, probs, final: b.dataset.final === '1'}};
        }}""", [self.index])

    # -- teaching (the correction flow)
    def teach_state(self) -> dict:
        """{'state': 'idle'|'learning'|'learned'|'error', 'learned': runs finished, 'total': examples,
        'counts': {digit: n}, 'status': the sentence} as the page shows it right now."""
        state = self.page.evaluate("""([i]) => {
            const s = document.querySelector('[data-scratchnn-driver="' + i + '"] .scratchnn-teach-state');
            const counts = {};
            s.querySelectorAll('.scratchnn-count').forEach(c => counts[+c.dataset.digit] = +c.dataset.n);
            return {state: s.dataset.state, learned: +s.dataset.learned, total: +s.dataset.total, counts,
                    status: s.querySelector('.scratchnn-teach-status').textContent};
        }""", [self.index])
        state["counts"] = {int(d): n for d, n in state["counts"].items()}  # JSON keys come as strings
        return state

    def correct(self, digit: int, timeout_ms: int = 90_000) -> dict:
        """Click "that's wrong, it is a `digit`" with the mouse and wait until the net has learned
        (``data-learned`` went up and the state is no longer ``learning``). Returns the teach state."""
        before = self.teach_state()["learned"]
        self.root.locator(f".scratchnn-correct-{digit}").first.click()
        try:
            self.page.wait_for_function(
                """([i, n]) => {
                    const s = document.querySelector('[data-scratchnn-driver="' + i + '"] .scratchnn-teach-state');
                    return s && +s.dataset.learned > n && s.dataset.state !== 'learning'; }""",
                arg=[self.index, before], timeout=timeout_ms, polling=100)
        except Exception as e:  # playwright TimeoutError; re-raise with the evidence
            raise AssertionError(f"no learning run finished after correcting to {digit}: {self.teach_state()}") from e
        return self.teach_state()

    def teach(self, drawn: int, as_digit: int) -> dict:
        """Draw `drawn` on a cleared pad (it must read as `drawn`), correct it to `as_digit` and wait
        until the net has learned it and reads `as_digit`. Returns the teach state."""
        self.clear()
        self.draw(digit_strokes(drawn))
        self.answer(drawn)
        state = self.correct(as_digit)
        assert state["state"] == "learned" and state["counts"][as_digit] == 1, state
        self.wait_top(as_digit)
        return state

    def reset_teaching(self, timeout_ms: int = 10_000):
        """Click Reset and wait until no example is kept."""
        self.root.locator(".scratchnn-reset").first.click()
        self.page.wait_for_function(
            """([i]) => {
                const s = document.querySelector('[data-scratchnn-driver="' + i + '"] .scratchnn-teach-state');
                return s && s.dataset.total === '0'; }""", arg=[self.index], timeout=timeout_ms, polling=100)

    def preview(self) -> str:
        """The `src` of the 28x28 preview image: what the net last read, as the page shows it."""
        return self.root.locator(".scratchnn-preview").first.get_attribute("src")

    def wait_top(self, digit: int, timeout_ms: int = 15_000):
        """Wait until the bars name `digit` as the top class; on timeout say what they showed."""
        try:
            self.page.wait_for_function(
                "([d]) => { const s = window.__scratchnnProbe.snap(); return s !== null && s.startsWith(d + '|'); }",
                arg=[str(digit)], timeout=timeout_ms, polling=50)
        except Exception as e:  # playwright TimeoutError; re-raise with the evidence
            raise AssertionError(f"bars never showed {digit} as the top class; they show {self.bars()}") from e

    def wait_settled(self, quiet_ms: int = 300, timeout_ms: int = 30_000) -> bool:
        """Wait until the bars updated after the last mouse move and then stayed put for `quiet_ms`
        (the pad answers once more when the pen lifts). False if no update came in time."""
        try:
            self.page.wait_for_function(
                """([q]) => { const p = window.__scratchnnProbe; const m = p.muts[p.muts.length - 1];
                    return m && m[0] > p.lastMove && performance.now() - m[0] > q; }""",
                arg=[quiet_ms], timeout=timeout_ms, polling=25)
            return True
        except Exception:
            return False

    def answer(self, digit: int) -> dict:
        """The bars once they have settled after drawing; fails unless `digit` is on top."""
        settled = self.wait_settled()
        bars = self.bars()
        assert settled, f"the bars did not update after the stroke; they show {bars}"
        assert bars["top"] == digit, f"drew a {digit}, the bars read {bars['top']}: {bars['probs']}"
        return bars

    def probe(self) -> dict:
        return self.page.evaluate("() => { const p = window.__scratchnnProbe; "
                                  "return {lastMove: p.lastMove, lastUp: p.lastUp, muts: p.muts, "
                                  "state: p.state, now: performance.now()}; }")

    # -- ink
    def screenshot(self, path: Path | None = None):
        from PIL import Image
        self.canvas.scroll_into_view_if_needed()
        png = self.canvas.screenshot(path=str(path) if path else None)
        return Image.open(io.BytesIO(png)).convert("RGB")

    def ink_fraction(self, drawn, img=None) -> float:
        """Share of points along the drawn strokes (pad units) whose pixel clearly differs from
        the pad's background, sampled at its corners, so dark-on-light and light-on-dark pads
        both work."""
        img = img or self.screenshot()
        w, h = img.size
        bg = [img.getpixel((cx, cy)) for cx in (3, w - 4) for cy in (3, h - 4)]
        bg = tuple(sorted(c[i] for c in bg)[len(bg) // 2] for i in range(3))
        hits = total = 0
        for stroke in drawn:
            for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
                for t in (0.0, 0.5):
                    x, y = (x0 + (x1 - x0) * t) * w, (y0 + (y1 - y0) * t) * h
                    if 0 <= x < w and 0 <= y < h:
                        px = img.getpixel((int(x), int(y)))
                        total += 1
                        hits += max(abs(a - b) for a, b in zip(px, bg)) > 60
        return hits / max(total, 1)

    def wait_ink(self, drawn, min_fraction: float = 0.9, timeout_s: float = 5.0, path: Path | None = None,
                 blank: bool = False) -> float:
        """Poll screenshots until at least `min_fraction` of the strokes is inked (or, with
        `blank=True`, until at most `min_fraction` is): ink round-trips through the kernel.
        Returns the last fraction seen; saves the last screenshot to `path` if given."""
        deadline = time.monotonic() + timeout_s
        while True:
            img = self.screenshot()
            frac = self.ink_fraction(drawn, img)
            done = frac <= min_fraction if blank else frac >= min_fraction
            if done or time.monotonic() > deadline:
                if path is not None:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    img.save(path)
                return frac
            time.sleep(0.1)


def latency_samples(pad: PadDriver, digits, quiet_ms: int = 300):
    """Draw each digit on a cleared pad; time from its last mouse move to the bars' final answer.

    The final answer is the last update of the bars (they carry an update counter, so even an
    answer equal to the previous one is a DOM change), once they stayed put for `quiet_ms`; its
    time is when the MutationObserver saw it (page clock, `performance.now()`).
    Returns (latencies in ms, number of strokes after whose last move the bars never updated,
    [(drawn digit, shown top)] for strokes that ended on the wrong answer)."""
    out, unchanged, wrong = [], 0, []
    for digit in digits:
        pad.clear()
        pad.draw(digit_strokes(digit))
        settled = pad.wait_settled(quiet_ms)
        top = pad.bars()["top"]
        if top != digit:
            wrong.append((digit, top))
        if not settled:
            unchanged += 1
            continue
        p = pad.probe()
        final = [t for t, s in p["muts"] if t > p["lastMove"]][-1]
        out.append(final - p["lastMove"])
    return out, unchanged, wrong


def percentile(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)
