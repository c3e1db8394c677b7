"""One test per workaround in scratchnn/pad/_ipycanvas.py: each fails if a new ipycanvas (or ipywidgets)
stops honouring it, and the version bounds it was tested with are the ones the package declares."""
import re
from importlib.metadata import version
from pathlib import Path

from scratchnn.pad import _ipycanvas
from scratchnn.pad.pad import DrawingPad

REPO = Path(__file__).resolve().parents[1]


def test_installed_ipycanvas_is_in_the_tested_range_declared_by_pyproject_and_environment():
    low, high = re.fullmatch(r">=([\d.]+),<([\d.]+)", _ipycanvas.TESTED).groups()
    as_tuple = lambda v: tuple(int(p) for p in v.split(".")[:2])      # noqa: E731
    assert as_tuple(low) <= as_tuple(version("ipycanvas")) < as_tuple(high)
    assert f'"ipycanvas{_ipycanvas.TESTED}"' in (REPO / "pyproject.toml").read_text()
    assert f"ipycanvas{_ipycanvas.TESTED}" in (REPO / "environment.yml").read_text()


def test_forgetting_the_current_canvas_makes_the_next_command_switch_to_it():
    """ipycanvas issue 322: a reconnected view has no current canvas; the repaint must switch first."""
    pad, other = DrawingPad(), DrawingPad()
    with _ipycanvas.sent_commands(pad) as sent:
        pad.fill_rect(0, 0, 1, 1)                  # ipycanvas now believes pad is current
        sent.clear()
        pad.fill_rect(0, 0, 1, 1)
        assert [_ipycanvas.command_name(c) for c in sent] == ["fillRect"]   # no switch: remembered
        sent.clear()
        assert _ipycanvas.forget_current_canvas(pad)
        pad.fill_rect(0, 0, 1, 1)
        assert [_ipycanvas.command_name(c) for c in sent] == ["switchCanvas", "fillRect"]
    del other


def test_client_ready_repaints_every_stroke_in_one_message_that_starts_with_a_switch():
    pad = DrawingPad()
    pad.draw_stroke([(40, 40), (120, 200), (200, 60)])
    pad.draw_stroke([(200, 200)])                               # a tap: a dot
    pad.fill_rect(0, 0, 1, 1)                                   # pad is "current" as far as ipycanvas knows
    with _ipycanvas.sent_commands(pad) as sent:
        _ipycanvas.send_event(pad, {"event": "client_ready"})
    assert len(sent) == 1                                       # everything in one hold_canvas batch
    names = [_ipycanvas.command_name(c) for c in sent[0]]
    assert names[0] == "switchCanvas"
    assert names.count("strokeLines") == 1 and names.count("fillCircle") == 2


def test_the_event_filter_sees_every_browser_message_before_ipycanvas_does(caplog):
    """If ipycanvas stopped dispatching through _handle_frontend_event, the filter would not run and
    ipycanvas's own handler would log a KeyError for the message without coordinates."""
    pad = DrawingPad()
    _ipycanvas.send_event(pad, {"event": "mouse_down"})          # no x, y
    _ipycanvas.send_event(pad, {"event": "mouse_down", "x": 10 ** 400, "y": 5})
    assert pad.n_ignored == 2 and pad.strokes == []
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


def test_send_event_reaches_the_callbacks_the_browser_events_reach():
    pad, seen = DrawingPad(), []
    pad.on_mouse_move(lambda x, y: seen.append((x, y)))
    _ipycanvas.send_event(pad, {"event": "mouse_move", "x": 3, "y": 4})
    assert seen == [(3, 4)]
