"""Agreement statistics against worked examples from the literature."""

from collections import Counter

import pytest

from service.scoring.agreement import agreement, cohen_kappa, fleiss_kappa


def _pairs(table: dict[tuple[str, str], int]) -> tuple[list[str], list[str]]:
    a: list[str] = []
    b: list[str] = []
    for (x, y), n in table.items():
        a += [x] * n
        b += [y] * n
    return a, b


def test_cohen_kappa_wikipedia_grant_proposals() -> None:
    # Wikipedia, "Cohen's kappa", simple example: 50 proposals, two readers; p_o = 0.70, p_e = 0.50, kappa = 0.40.
    a, b = _pairs({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15})
    k = cohen_kappa(a, b)
    assert (k.subjects, k.percent, k.chance) == (50, pytest.approx(0.70), pytest.approx(0.50))
    assert k.kappa == pytest.approx(0.40)


def test_cohen_kappa_same_agreement_different_marginals() -> None:
    # Wikipedia's paradox example: 100 items, 60 % agreement; p_e = 0.54 so kappa = 0.1304.
    a, b = _pairs({("yes", "yes"): 45, ("yes", "no"): 15, ("no", "yes"): 25, ("no", "no"): 15})
    k = cohen_kappa(a, b)
    assert k.percent == pytest.approx(0.60)
    assert k.chance == pytest.approx(0.54)
    assert k.kappa == pytest.approx(0.1304, abs=1e-4)


# Fleiss (1971) as reproduced on Wikipedia, "Fleiss' kappa": 10 subjects, 14 raters, 5 categories.
FLEISS_TABLE = [
    (0, 0, 0, 0, 14), (0, 2, 6, 4, 2), (0, 0, 3, 5, 6), (0, 3, 9, 2, 0), (2, 2, 8, 1, 1),
    (7, 7, 0, 0, 0), (3, 2, 6, 3, 0), (2, 5, 3, 2, 2), (6, 5, 2, 1, 0), (0, 2, 2, 3, 7),
]  # fmt: skip


def test_fleiss_kappa_worked_example() -> None:
    counts = [{str(j + 1): n for j, n in enumerate(row) if n} for row in FLEISS_TABLE]
    k = fleiss_kappa(counts)
    assert (k.subjects, k.raters) == (10, 14)
    assert k.percent == pytest.approx(0.378, abs=5e-4)
    assert k.chance == pytest.approx(0.213, abs=5e-4)
    assert k.kappa == pytest.approx(0.210, abs=5e-4)


def test_agreement_picks_cohen_for_two_and_fleiss_for_more() -> None:
    two = [["pass", "pass"], ["fail", "pass"], ["fail", "fail"], ["pass", "pass"]]
    assert agreement(two).method == "cohen"
    assert agreement(two).kappa == cohen_kappa(*zip(*two, strict=True)).kappa  # type: ignore[arg-type]
    three = [["pass", "pass", "fail"], ["fail", "fail", "fail"], ["pass", "pass", "pass"]]
    k = agreement(three)
    assert k.method == "fleiss"
    assert k.kappa == fleiss_kappa([Counter(r) for r in three]).kappa


def test_fleiss_with_two_raters_is_scotts_pi_close_to_cohen() -> None:
    # With two raters and equal marginals Fleiss' kappa equals Cohen's.
    two = [["a", "a"], ["a", "b"], ["b", "a"], ["b", "b"], ["a", "a"], ["b", "b"]]
    assert fleiss_kappa([Counter(r) for r in two]).kappa == pytest.approx(agreement(two).kappa)


def test_kappa_is_undefined_when_everything_is_in_one_category() -> None:
    k = cohen_kappa(["pass"] * 5, ["pass"] * 5)
    assert (k.percent, k.kappa) == (1.0, None)
    assert fleiss_kappa([{"pass": 3}] * 4).kappa is None


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="same subjects"):
        cohen_kappa(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa([{"a": 2}, {"a": 3}])
    assert agreement([]).kappa is None
