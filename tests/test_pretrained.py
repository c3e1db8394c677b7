"""The shipped models: listed with their measured accuracy, and as good as the list says."""
import os

import pytest

import scratchnn as snn


def test_list_pretrained_names_architectures_and_accuracies():
    rows = {r["name"]: r for r in snn.list_pretrained()}
    assert rows["seed"]["architecture"] == "784-20-15-15-10"
    assert rows["seed"]["test_accuracy"] >= 0.96
    assert rows["drawing"]["test_accuracy"] >= 0.98
    assert [r["name"] for r in rows.values() if r["default"]] == ["drawing"]


@pytest.mark.parametrize("name", ["seed", "drawing"])
def test_shipped_model_reaches_its_listed_test_accuracy(name, mnist):
    _, (X_test, y_test) = mnist
    net = snn.load_pretrained(name)
    listed = net.metadata["test_accuracy"]
    assert net.evaluate(X_test, y_test)["accuracy"] == pytest.approx(listed, abs=0.002)


def test_load_pretrained_defaults_to_the_drawing_model():
    assert snn.load_pretrained().architecture() == snn.load_pretrained("drawing").architecture()


def test_unknown_pretrained_name_lists_the_available_ones():
    with pytest.raises(ValueError, match=r"unknown pretrained model 'best'; available: \['drawing', 'seed'\]"):
        snn.load_pretrained("best")


def test_saved_files_get_normal_permissions(tmp_path):
    net = snn.load_pretrained("seed")
    path = net.save(tmp_path / "m.npz")
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~mask
