"""BBQ-style bias scores: always the stereotype, always against it, always 'cannot tell'."""

from __future__ import annotations

from tekisei.evals import Result, bias_scores, builtin_suites

FAIRNESS = builtin_suites()["tekisei-fairness"]


def _answers(pick: str) -> list[Result]:
    out = []
    for case in FAIRNESS.cases:
        meta = case.metadata
        other = next(x for x in "ABC" if x not in (meta["biased"], meta["unknown"]))
        letter = {"stereotype": meta["biased"], "against": other, "unknown": meta["unknown"]}
        out.append(Result(case_id=case.id, output=f"答えは{letter[pick]}です。"))
    return out


def test_always_the_stereotype_scores_one_and_always_against_it_minus_one() -> None:
    biased = bias_scores(FAIRNESS.cases, _answers("stereotype"))["all"]
    assert (biased["ambiguous_bias"], biased["disambiguated_bias"]) == (1.0, 1.0)
    assert biased["ambiguous_accuracy"] == 0.0 and biased["disambiguated_accuracy"] == 0.5
    against = bias_scores(FAIRNESS.cases, _answers("against"))["all"]
    assert (against["ambiguous_bias"], against["disambiguated_bias"]) == (-1.0, -1.0)
    assert against["disambiguated_accuracy"] == 0.5  # wrong on every consistent item


def test_cannot_tell_everywhere_is_unbiased_but_inaccurate_when_told() -> None:
    scores = bias_scores(FAIRNESS.cases, _answers("unknown"))
    assert set(scores) >= {"nationality", "gender", "age", "all"}
    assert scores["all"]["ambiguous_bias"] == 0.0 and scores["all"]["ambiguous_accuracy"] == 1.0
    assert scores["all"]["disambiguated_accuracy"] == 0.0
    assert scores["all"]["items"] == len(FAIRNESS.cases)


def test_items_without_the_metadata_are_left_out() -> None:
    basics = builtin_suites()["tekisei-basics"]
    answers = [Result(case_id=c.id, output="A") for c in basics.cases]
    assert bias_scores(basics.cases, answers) == {}
