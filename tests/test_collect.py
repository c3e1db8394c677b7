"""The pad in collect mode (scratchnn.pad.collect): each label press keeps the drawing, as the pad preprocesses it."""
import numpy as np
import pytest

import scratchnn as snn
from scratchnn import draw
from scratchnn.pad.collect import Collector

SEVEN = [[(70, 60), (130, 58), (200, 56), (170, 120), (140, 180), (118, 235)], [(100, 145), (150, 143), (185, 141)]]


def draw_seven(collector):
    for stroke in SEVEN:
        collector.pad.draw_stroke(stroke)


def test_a_label_keeps_the_drawing_as_the_pad_sees_it_and_clears_the_pad():
    collector = Collector(snn.load_pretrained("seed"))
    draw_seven(collector)
    assert "reads it as 7" in collector.status.value
    collector.buttons[1].click()                          # a mislabel on purpose: what the learner says wins
    X, y = collector.data()
    assert X.shape == (1, 784) and X.dtype == np.float32 and y.tolist() == [1]
    assert np.array_equal(X[0], draw.strokes_to_mnist(SEVEN).ravel())
    assert collector.read_as == [7] and not collector.pad.strokes
    assert 'data-n="1"' in collector.status.value and "1 of them misread" in collector.status.value


def test_an_empty_pad_keeps_nothing_and_undo_forgets_the_last():
    collector = Collector()
    assert collector.label(3) is False and "Draw a digit first" in collector.status.value
    draw_seven(collector)
    collector.label(7)
    draw_seven(collector)
    collector.label(9)
    collector.undo()
    X, y = collector.data()
    assert X.shape == (1, 784) and y.tolist() == [7] and collector.read_as == [None]
    assert Collector().data()[0].shape == (0, 784)


def test_a_label_must_be_a_digit():
    with pytest.raises(ValueError, match="0..9"):
        Collector().label(10)
