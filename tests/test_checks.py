"""snn.checks: the verdicts a learner reads after an exercise; a wrong answer never crashes them."""
import numpy as np

import scratchnn as snn


def test_check_close_says_none_came_back_instead_of_crashing(capsys):
    assert snn.checks.check_close("rate", None, 0.02, hint="Return the factor.") is False
    assert snn.checks.check_close("image", None, np.zeros((28, 28))) is False      # not "expected shape"
    first, second = capsys.readouterr().out.splitlines()
    assert first.startswith("❌ rate: not yet.") and "got None" in first and "Return the factor." in first
    assert "got None" in second


def test_check_close_rejects_a_list_holding_none_or_text(capsys):
    assert snn.checks.check_close("rates", [0.02, None], [0.02, 0.002]) is False
    assert snn.checks.check_close("rate", "0.02", 0.02) is False
    out = capsys.readouterr().out.splitlines()
    assert "got None" in out[0] and "expected numbers" in out[1]


def test_check_close_reports_a_shape_mismatch(capsys):
    assert snn.checks.check_close("rates", np.zeros(3), np.zeros(100)) is False
    assert "expected shape (100,), got (3,)" in capsys.readouterr().out


def test_check_close_tells_the_learner_when_the_answer_is_still_the_hidden_solution(capsys):
    assert snn.checks.check_close("kappa", 1.0, 1.0, solution=True) is True
    assert snn.checks.check_close("kappa", 1.0, 1.0) is True
    first, second = capsys.readouterr().out.splitlines()
    assert "that is the hidden solution" in first and second == "✅ kappa: right."


def test_a_wrong_hidden_solution_is_still_wrong(capsys):
    assert snn.checks.check("kappa", False, "Look again.", solution=True) is False
    assert capsys.readouterr().out == "❌ kappa: not yet. Look again.\n"


def test_is_solution_goes_by_name_so_rerunning_the_solution_cell_cannot_fool_it():
    def count_params_solution(sizes):
        return 0

    count_params = count_params_solution
    assert snn.checks.is_solution(count_params)

    def count_params(sizes):  # the learner's own
        return 0

    assert not snn.checks.is_solution(count_params)
    assert not snn.checks.is_solution(lambda sizes: 0) and not snn.checks.is_solution(3.0)
