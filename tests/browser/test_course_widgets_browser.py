"""The teaching widgets (scratchnn.course) in a real JupyterLab and Notebook 7, driven with the mouse.

The demo notebook ``tests/data/widgets_demo.ipynb`` shows each widget on the course notebooks' own
code (it runs their cells through ``tests/_notebook_code.py``, so both are served beside it). Each
test clicks or drags a control and checks that the widget's picture changes on screen (screenshot
pixels differ), and records how long the browser took from the mouse event to the new picture
having loaded (printed, not asserted; ``benchmarks/bench_course_widgets.py`` reports it).
"""
from __future__ import annotations

import io
import re
import shutil
import time

import browser_harness as H
import pytest

pytestmark = pytest.mark.browser

DEMO = H.REPO / "tests" / "data" / "widgets_demo.ipynb"
WIDGETS = 7                     # the demo's: BackwardStepper, OptimizerPlayground, Playground2D, NeuronExplorer,
                                # ActivationExplorer (with its pad), GradientNudge, InitScaleExplorer
SERVED = [DEMO, H.REPO / "tests" / "_notebook_code.py",
          *sorted((H.REPO / "notebooks").glob("0[12346]_*.ipynb"))]

# Watches one widget's main picture (its first <img class="scratchnn-picture">, the one updated last
# when a widget has several): each new source loaded is recorded with its page time, and so is every
# mouse press, release and move.
PROBE_JS = """([root]) => {
    const box = document.querySelector(root);
    const target = box.querySelector('img.scratchnn-picture');
    const probe = {loads: [], downs: [], ups: [], moves: []};
    target.addEventListener('load', () => probe.loads.push(performance.now()));
    addEventListener('mousedown', () => probe.downs.push(performance.now()), true);
    addEventListener('mouseup', () => probe.ups.push(performance.now()), true);
    addEventListener('mousemove', () => probe.moves.push(performance.now()), true);
    window.__scratchnnWidgetProbe = probe;
}"""


# Notebook 7 throws this itself while loading any notebook page (tests/browser/test_notebook7_drawing.py
# found it with no scratchnn code involved): the one error allowed.
NOTEBOOK7_OWN_ERROR = re.compile(r"^pageerror: Cannot read properties of undefined \(reading 'schema'\)$")


def our_errors(page):
    return [e for e in page.js_errors() if not NOTEBOOK7_OWN_ERROR.match(e)]


#: Every widget of the demo notebook has rendered its live view.
ALL_LIVE = f"document.querySelectorAll('.scratchnn-live').length >= {WIDGETS}"


@pytest.fixture(scope="module", params=["jupyterlab", "notebook7"])
def demo_server(chromium, request):
    """JupyterLab, then Notebook 7, serving a temp copy of the demo notebook and what it reads."""
    with H.serving(SERVED, frontend=request.param, prefix="scratchnn-widgets-") as server:
        yield server


@pytest.fixture(scope="module")
def demo_page(chromium, demo_server):
    """The demo notebook open in the server's front end with every cell run."""
    page = H.BrowserPage(chromium, viewport=(1400, 1100))
    H.run_all_in_lab(page.page, demo_server, f"tests/data/{DEMO.name}", ALL_LIVE, timeout_ms=180_000)
    yield page
    page.close()



def picture(p, root):
    """Screenshot of the widget's picture, as an RGB Pillow image."""
    from PIL import Image
    img = p.locator(f"{root} img.scratchnn-picture").first
    img.scroll_into_view_if_needed()
    return Image.open(io.BytesIO(img.screenshot())).convert("RGB")


def changed_pixels(a, b):
    """Share of pixels whose colour moved by more than 40 in some channel."""
    from PIL import ImageChops
    r, g, b_ = ImageChops.difference(a, b).split()
    diff = ImageChops.lighter(ImageChops.lighter(r, g), b_).point(lambda v: 255 if v > 40 else 0)
    return sum(diff.histogram()[255:]) / (a.size[0] * a.size[1])


def wait_new_picture(p, n_loads_before, timeout_ms=15_000):
    p.wait_for_function("([n]) => window.__scratchnnWidgetProbe.loads.length > n", arg=[n_loads_before],
                        timeout=timeout_ms, polling=20)


def probe(p):
    return p.evaluate("() => window.__scratchnnWidgetProbe")


def settle(p, quiet_ms=400, timeout_ms=15_000):
    """Wait until no new picture loaded for `quiet_ms`."""
    p.wait_for_function("""([q]) => { const l = window.__scratchnnWidgetProbe.loads;
        const last = l.length ? l[l.length - 1] : 0; return performance.now() - last > q; }""",
                        arg=[quiet_ms], timeout=timeout_ms, polling=50)


# Each widget's static picture: the image output right after the output holding its live view.
STATIC_JS = """() => [...document.querySelectorAll('.jp-OutputArea-child:has(.scratchnn-live) + .jp-OutputArea-child')]
    .map(e => e.querySelector('.jp-RenderedImage')).map(e => e ? getComputedStyle(e).display : 'no picture')"""


def test_the_static_picture_is_hidden_beside_the_live_widget(demo_page):
    shown = demo_page.page.evaluate(STATIC_JS)
    assert shown == ["none"] * WIDGETS, f"static pictures beside live widgets: {shown}"


def click_latencies(p, root, button, clicks):
    """Click `button` of the widget `root` with the mouse `clicks` times; for each, the ms from the
    mouse release to the new picture having loaded. Returns (latencies, first and last screenshot)."""
    p.evaluate(PROBE_JS, [root])
    before = picture(p, root)
    out = []
    for _ in range(clicks):
        n = len(probe(p)["loads"])
        p.locator(f"{root} {button}").first.click()
        wait_new_picture(p, n)
        pr = probe(p)
        out.append(pr["loads"][n] - pr["ups"][-1])
    return out, before, picture(p, root)


def test_stepper_step_fills_in_the_gradients_on_screen(demo_page):
    p, root = demo_page.page, ".scratchnn-backwardstepper"
    latencies, before, after = click_latencies(p, root, ".scratchnn-step", 6)
    assert p.locator(f"{root} .scratchnn-stepper-status span").first.get_attribute("data-position") == "6"
    assert changed_pixels(before, after) > 0.001, "six Steps left the graph's picture as it was"
    back, _, _ = click_latencies(p, root, ".scratchnn-back", 1)
    assert p.locator(f"{root} .scratchnn-stepper-status span").first.get_attribute("data-position") == "5"
    assert not our_errors(demo_page), our_errors(demo_page)
    H.SUMMARY.append("stepper Step click -> new picture (ms): " + " ".join(f"{t:.0f}" for t in latencies + back))


def drag_latencies(p, root, handle, dx_steps):
    """Drag the slider `handle` of widget `root` by each of `dx_steps` pixels in turn, one mouse move
    each with the button held, waiting for the new picture after each; the ms from each move to it.
    Each step must change the picture (an identical picture is not sent again)."""
    p.evaluate(PROBE_JS, [root])
    knob = p.locator(f"{root} {handle} .noUi-handle").first
    knob.scroll_into_view_if_needed()
    box = knob.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    p.mouse.move(x, y)
    p.mouse.down()
    out = []
    for dx in dx_steps:
        n = len(probe(p)["loads"])
        x += dx
        p.mouse.move(x, y)
        wait_new_picture(p, n)
        pr = probe(p)
        out.append(pr["loads"][n] - pr["moves"][-1])
    p.mouse.up()
    return out


def test_optimizer_playground_lr_drag_shows_divergence(demo_page):
    p, root = demo_page.page, ".scratchnn-optimizerplayground"
    p.evaluate(PROBE_JS, [root])
    before = picture(p, root)
    status = p.locator(f"{root} .scratchnn-optimizer-status span[data-name='GD']").first
    assert status.get_attribute("data-diverged") == ""
    latencies = drag_latencies(p, root, ".scratchnn-lrgd", [3] * 8)   # ~0.05 decades a pixel: 0.01 to ~0.25
    settle(p)
    assert status.get_attribute("data-diverged") != "", \
        f"GD's lr dragged far right but no divergence: {status.inner_text()}"
    assert changed_pixels(before, picture(p, root)) > 0.001
    scrub = drag_latencies(p, root, ".scratchnn-step-slider", [-20] * 5)
    assert not our_errors(demo_page), our_errors(demo_page)
    H.SUMMARY.append("optimizer playground slider move -> new picture (ms): "
                     + " ".join(f"{t:.0f}" for t in latencies + scrub))


def canvas_shot(p, root):
    from PIL import Image
    canvas = p.locator(f"{root} canvas").first
    canvas.scroll_into_view_if_needed()
    return Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")


def status(p, root, key):
    return p.locator(f"{root} .scratchnn-playground-status span").first.get_attribute(f"data-{key}")


def test_playground_trains_steps_and_takes_clicked_points(demo_page):
    p, root = demo_page.page, ".scratchnn-playground2d"
    p.evaluate(PROBE_JS, [root])
    before = canvas_shot(p, root)
    p.locator(f"{root} .scratchnn-train").first.click()
    p.wait_for_function(f"() => +document.querySelector('{root} .scratchnn-playground-status span')"
                        ".dataset.epoch >= 20",
                        timeout=60_000, polling=100)
    p.locator(f"{root} .scratchnn-pause").first.click()
    p.wait_for_function(f"() => document.querySelector('{root} .scratchnn-playground-status span')"
                        ".dataset.running === '0'",
                        timeout=15_000, polling=50)
    settle(p)
    trained = canvas_shot(p, root)
    assert changed_pixels(before, trained) > 0.02, "20 epochs of training left the decision boundary as it was"
    epochs = int(status(p, root, "epoch"))
    steps, _, _ = click_latencies(p, root, ".scratchnn-step", 5)
    assert int(status(p, root, "epoch")) == epochs + 5
    points = int(status(p, root, "points"))
    canvas = p.locator(f"{root} canvas").first
    box = canvas.bounding_box()
    p.mouse.click(box["x"] + 20, box["y"] + 20)                    # a point in the empty top-left corner
    p.wait_for_function(f"([n]) => +document.querySelector('{root} .scratchnn-playground-status span')"
                        ".dataset.points === n + 1",
                        arg=[points], timeout=15_000, polling=50)
    assert not our_errors(demo_page), our_errors(demo_page)
    H.SUMMARY.append("2-D playground Step click -> new picture (ms): " + " ".join(f"{t:.0f}" for t in steps))


@pytest.fixture()
def lab_page(request, demo_server):
    """The demo page, in JupyterLab only: the widgets below are made of parts already driven in
    Notebook 7 (the pictures and sliders above, the pad in test_notebook7_drawing.py), so once keeps
    the browser time small."""
    if demo_server.notebook_path != "/lab/tree/":
        pytest.skip("the neuron, activation, nudge and init-scale widgets: driven in JupyterLab only")
    return request.getfixturevalue("demo_page")


def drag_changes_the_picture(page, root, handle, dx_steps, attribute=None):
    """Drag a slider of widget `root` with the mouse; the picture must change, and so must
    `attribute` if given (a locator and the name of a data attribute holding the numbers shown).
    Returns the latencies from each mouse move to the new picture."""
    p = page.page
    p.evaluate(PROBE_JS, [root])
    shown, before = attribute and attribute[0].get_attribute(attribute[1]), picture(p, root)
    latencies = drag_latencies(p, root, handle, dx_steps)
    settle(p)
    if attribute:
        assert attribute[0].get_attribute(attribute[1]) != shown, f"dragging {handle} left {attribute[1]}={shown}"
    assert changed_pixels(before, picture(p, root)) > 0.002, f"dragging {handle} left the picture as it was"
    assert not our_errors(page), our_errors(page)
    return latencies


def test_neuron_explorer_w1_drag_turns_the_decision_line_on_screen(lab_page):
    root = ".scratchnn-neuronexplorer"
    status = lab_page.page.locator(f"{root} .scratchnn-neuron-status span").first
    latencies = drag_changes_the_picture(lab_page, root, ".scratchnn-w1", [-6] * 4, (status, "data-w"))
    assert float(status.get_attribute("data-w").split(",")[0]) < 1.0, "w1 dragged left but did not fall"
    H.SUMMARY.append("neuron explorer w1 move -> new picture (ms): " + " ".join(f"{t:.0f}" for t in latencies))


def test_gradient_nudge_h_drag_moves_the_loss_and_the_prediction(lab_page):
    root = ".scratchnn-gradientnudge"
    table = lab_page.page.locator(f"{root} .scratchnn-nudge-status table").first
    latencies = drag_changes_the_picture(lab_page, root, ".scratchnn-h", [8] * 4, (table, "data-actual"))
    H.SUMMARY.append("gradient nudge h move -> new picture (ms): " + " ".join(f"{t:.0f}" for t in latencies))


def test_init_scale_drag_changes_the_layer_statistics(lab_page):
    # toward 0.01 x He: the signal fades layer by layer
    latencies = drag_changes_the_picture(lab_page, ".scratchnn-initscaleexplorer", ".scratchnn-scalehe", [-10] * 4)
    H.SUMMARY.append("init scale move -> new picture (ms): " + " ".join(f"{t:.0f}" for t in latencies))


def wait_shown(p, root, timeout_ms=30_000, **want):
    """Wait until the ActivationExplorer's status span has the data attributes `want` (what the kernel
    shows: source, index, final) and its picture has loaded; on timeout say what it showed."""
    try:
        p.wait_for_function("""([root, want]) => {
            const s = document.querySelector(root + ' .scratchnn-activation-status span');
            const img = document.querySelector(root + ' img.scratchnn-picture');
            return !!s && Object.entries(want).every(([k, v]) => s.dataset[k] === v) && img.complete; }""",
                            arg=[root, {k: str(v) for k, v in want.items()}], timeout=timeout_ms, polling=50)
    except Exception as e:  # playwright TimeoutError; re-raise with the evidence
        shown = p.locator(f"{root} .scratchnn-activation-status span").first.evaluate("e => ({...e.dataset})")
        raise AssertionError(f"expected the explorer to show {want}, it shows {shown}") from e


def test_activation_explorer_follows_the_digit_slider_and_a_digit_drawn_with_the_mouse(lab_page):
    p, root = lab_page.page, ".scratchnn-activationexplorer"
    slide = drag_changes_the_picture(lab_page, root, ".scratchnn-digit-slider", [4] * 3)
    index = p.locator(f"{root} .scratchnn-digit-slider .widget-readout").first.inner_text().strip()
    wait_shown(p, root, source="test", index=index)
    test_digit = picture(p, root)
    H.draw_on(p, p.locator(f"{root} .scratchnn-pad").first, H.digit_strokes(7))
    wait_shown(p, root, source="drawing", final=1)              # the whole stroke, pen lifted
    assert changed_pixels(test_digit, picture(p, root)) > 0.002, "a digit drawn on the pad left the picture as it was"
    pr = probe(p)
    after_up = [t - pr["ups"][-1] for t in pr["loads"] if t > pr["ups"][-1]]
    p.locator(f"{root} .scratchnn-clear").first.click()
    wait_shown(p, root, source="test", index=index)
    deadline = time.monotonic() + 10                            # the picture's message may trail the status's
    while changed_pixels(test_digit, picture(p, root)) >= 0.0005:
        assert time.monotonic() < deadline, "Clear did not bring the test digit's picture back"
        time.sleep(0.2)
    assert not our_errors(lab_page), our_errors(lab_page)
    H.SUMMARY.append("activation explorer digit move -> new picture (ms): " + " ".join(f"{t:.0f}" for t in slide))
    H.SUMMARY.append("activation explorer pen up -> last picture (ms): "
                     + (f"{after_up[-1]:.0f}" if after_up else "none after it (the last move's picture was final)"))


def test_voila_shows_the_widgets_live_and_hides_their_static_pictures(chromium, demo_server):
    if demo_server.notebook_path != "/lab/tree/":
        pytest.skip("Voila once is enough: through the JupyterLab server's extension")
    page = H.BrowserPage(chromium, viewport=(1400, 1100))
    try:
        p = page.page
        p.goto(f"{demo_server.url}/voila/render/tests/data/{DEMO.name}?token={demo_server.token}")
        p.wait_for_function(f"() => document.querySelectorAll('.scratchnn-live img.scratchnn-picture')"
                            f".length >= {WIDGETS}",
                            timeout=180_000, polling=200)
        shown = p.evaluate(STATIC_JS)
        assert shown == ["none"] * WIDGETS, f"static pictures beside live widgets in Voila: {shown}"
        latencies, before, after = click_latencies(p, ".scratchnn-backwardstepper", ".scratchnn-step", 3)
        assert changed_pixels(before, after) > 0.001
        assert not our_errors(page), our_errors(page)
    finally:
        page.close()


def test_the_saved_notebook_reopened_shows_the_static_pictures(chromium, demo_server, demo_page):
    """Save the run notebook (JupyterLab saves no widget state by default, nor does
    tools/execute_notebooks.py), open the saved file without running it: each widget's output has no
    model to show, so the static picture after it shows, loaded."""
    if demo_server.notebook_path != "/lab/tree/":
        pytest.skip("the saved file is the same for both front ends")
    H.lab_execute(demo_page.page, "docmanager:save")
    data = demo_server.log_path.parent / "tests" / "data"
    saved, reopened = data / DEMO.name, data / "reopened.ipynb"
    deadline = time.monotonic() + 30
    while '"image/png"' not in saved.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    shutil.copy2(saved, reopened)
    page = H.BrowserPage(chromium, viewport=(1400, 1100))
    try:
        p = page.page
        p.goto(f"{demo_server.url}/lab/tree/tests/data/{reopened.name}?token={demo_server.token}&reset")
        H.wait_lab_notebook_ready(p)
        p.wait_for_function(f"() => document.querySelectorAll('.jp-RenderedImage img').length >= {WIDGETS}",
                            timeout=30_000, polling=100)
        p.wait_for_function("() => [...document.querySelectorAll('.jp-RenderedImage img')].every(i => i.complete)",
                            timeout=30_000, polling=100)
        shown = p.evaluate("""() => [...document.querySelectorAll('.jp-RenderedImage img')].map(i =>
            [getComputedStyle(i.closest('.jp-OutputArea-child')).display, i.naturalWidth > 100])""")
        assert len(shown) == WIDGETS and all(display != "none" and loaded for display, loaded in shown), shown
        assert p.locator(".scratchnn-live").count() == 0
        views = p.evaluate("""() => [...document.querySelectorAll(
            '.jp-OutputArea-child:has(+ .jp-OutputArea-child .jp-RenderedImage) .jp-OutputArea-output')]
            .map(e => e.innerText.trim())""")
        H.SUMMARY.append(f"saved notebook reopened: {len(shown)} static pictures shown; the widget outputs say {views}")
    finally:
        page.close()
