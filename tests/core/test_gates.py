"""Lifecycle gate rules."""

from __future__ import annotations

from tekisei.core.gates import RiskFacts, blocking_risks, gate_problems, gated
from tekisei.core.systems import Stage, Tier


def test_deploy_and_operate_are_gated_even_when_skipped_to() -> None:
    assert gated(Stage.VERIFY, Stage.DEPLOY)
    assert gated(Stage.DEPLOY, Stage.OPERATE)
    assert gated(Stage.DEVELOP, Stage.OPERATE)
    assert not gated(Stage.PLAN, Stage.DESIGN)
    assert not gated(Stage.OPERATE, Stage.RETIRE)
    assert not gated(Stage.VERIFY, Stage.RETIRE)
    assert not gated(Stage.OPERATE, Stage.DEPLOY)


def test_only_unaccepted_critical_risks_block() -> None:
    risks = [
        RiskFacts(1, "a", 20, None, "open"),
        RiskFacts(2, "b", 20, 6, "treating"),
        RiskFacts(3, "c", 25, 20, "accepted"),
        RiskFacts(4, "d", 12, None, "open"),
    ]
    assert [r.id for r in blocking_risks(risks)] == [1]


def test_the_threshold_follows_the_tier() -> None:
    assert gate_problems(tier=Tier.MINIMAL, completeness=0.6, risks=[], approved=None) == []
    codes = [
        m.code for m in gate_problems(tier=Tier.HIGH, completeness=0.6, risks=[], approved=False)
    ]
    assert codes == ["completeness", "approval"]
    assert (
        gate_problems(
            tier=Tier.HIGH, completeness=0.6, risks=[], approved=None, min_completeness=0.5
        )
        == []
    )


def test_no_assessment_is_named() -> None:
    missing = gate_problems(tier=Tier.LIMITED, completeness=None, risks=[], approved=True)
    assert [m.code for m in missing] == ["no-assessment"]
    assert missing[0].ja and missing[0].en
