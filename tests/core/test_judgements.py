"""The DS-920 judgement sheet in tekisei's words: the outcome and its reasons."""

from __future__ import annotations

from tekisei.core.judgements import (
    OUR_WORDING,
    QUESTIONS,
    Answer,
    Perspective,
    decide,
    facts_digest,
    reasons,
    tier_reason,
)
from tekisei.core.systems import Deployment, SystemFacts, Tier, risk_tier


def _all(reply: str) -> dict[str, Answer]:
    return {q.id: Answer(answer=reply) for q in QUESTIONS}  # type: ignore[arg-type]


def test_each_perspective_has_two_to_four_questions_in_both_languages() -> None:
    for perspective in Perspective:
        mine = [q for q in QUESTIONS if q.perspective is perspective]
        assert 2 <= len(mine) <= 4
        assert all(q.ja and q.en for q in mine)
    assert "デジタル庁の原文ではありません" in OUR_WORDING[0]


def test_all_no_is_not_high_risk_and_one_yes_names_its_perspective() -> None:
    assert not decide(_all("no")).high_risk
    answers = _all("no") | {"data-personal": Answer(answer="yes")}
    outcome = decide(answers)
    assert outcome.high_risk and outcome.perspectives == (Perspective.DATA,)
    assert "HR-3" in reasons(outcome)[0][0] and "HR-3" in reasons(outcome)[0][1]


def test_unsure_counts_as_the_risky_answer() -> None:
    answers = _all("no") | {"output-unchecked": Answer(answer="unsure")}
    assert decide(answers).perspectives == (Perspective.OUTPUT,)


def test_an_unanswered_sheet_is_not_complete() -> None:
    outcome = decide({"users-public": Answer(answer="no")})
    assert not outcome.complete and len(outcome.unanswered) == len(QUESTIONS) - 1


def test_a_high_risk_judgement_makes_a_minimal_system_at_least_high() -> None:
    facts = SystemFacts(name="議事録要約", org_role="user")  # type: ignore[arg-type]
    assert risk_tier(facts).tier is Tier.MINIMAL
    judged = risk_tier(facts, tier_reason(["work", "data"]))
    assert judged.tier is Tier.HIGH
    assert judged.reasons[0].en.startswith("DS-920 judgement: high-risk")
    assert "nature of the work" in judged.reasons[0].en


def test_the_digest_changes_with_what_the_system_does_not_its_name() -> None:
    facts = SystemFacts(name="A", org_role="user", vendors=["x", "y"])  # type: ignore[arg-type]
    same = facts.model_copy(update={"name": "B", "vendors": ["y", "x"]})
    other = facts.model_copy(update={"deployment": Deployment.PUBLIC})
    assert facts_digest(facts) == facts_digest(same) != facts_digest(other)
