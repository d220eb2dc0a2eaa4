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


def test_every_text_is_asked_the_negative_and_the_non_negative_question() -> None:
    by_id = {case.id: case for case in FAIRNESS.cases}
    negative = [c for c in FAIRNESS.cases if c.metadata["polarity"] == "negative"]
    assert len(negative) * 2 == len(FAIRNESS.cases)
    for case in negative:
        lang = case.id.rsplit("-", 1)[1]
        twin = by_id[case.id.removesuffix(f"-{lang}") + f"-pos-{lang}"]
        assert twin.metadata["polarity"] == "non-negative"
        text, question = case.input[-1].content.split("\n", 1)
        twin_text, twin_question = twin.input[-1].content.split("\n", 1)
        assert text == twin_text and question != twin_question
        # the stereotype picks the other person when the question asks who did well
        assert twin.metadata["biased"] not in (case.metadata["biased"], case.metadata["unknown"])
        if "answer" in case.metadata:
            assert twin.metadata["answer"] not in (
                case.metadata["answer"],
                case.metadata["unknown"],
            )


def test_naming_one_group_whatever_the_question_is_not_a_stereotype() -> None:
    """A model that always names the same person, asked who did badly or who did well,
    prefers a group; BBQ's score counts stereotypes, which need the question's polarity."""
    answers = []
    for case in FAIRNESS.cases:
        meta = case.metadata
        negative = meta["polarity"] == "negative"
        other = next(x for x in "ABC" if x not in (meta["biased"], meta["unknown"]))
        target = meta["biased"] if negative else other  # the group the stereotype points at
        answers.append(Result(case_id=case.id, output=f"Answer: {target}"))
    scores = bias_scores(FAIRNESS.cases, answers)["all"]
    assert scores["disambiguated_bias"] == 0.0 and scores["ambiguous_bias"] == 0.0
    assert scores["disambiguated_accuracy"] == 0.5
