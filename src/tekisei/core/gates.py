"""Lifecycle gates (1(3)③ end-to-end governance): what a system needs before it moves on."""

from __future__ import annotations

from dataclasses import dataclass

from tekisei.core.risks import Level, level
from tekisei.core.systems import Stage, Tier

# Moving into these stages needs a complete enough assessment, no unaccepted critical
# risk, and an executive's approval.
GATED: frozenset[tuple[Stage, Stage]] = frozenset(
    {(Stage.VERIFY, Stage.DEPLOY), (Stage.DEPLOY, Stage.OPERATE)}
)
ORDER = list(Stage)

# Share of applicable requirements that must be answered, by tier.
COMPLETENESS: dict[Tier, float] = {
    Tier.MINIMAL: 0.5,
    Tier.LIMITED: 0.7,
    Tier.HIGH: 0.9,
    Tier.CRITICAL: 1.0,
}


def gated(current: Stage, target: Stage) -> bool:
    """Whether moving from ``current`` to ``target`` passes a gate: any move forward into
    deploy or operate (skipping ahead, e.g. develop → operate, included). Retiring is not
    gated."""
    gate_targets = {b for _, b in GATED}
    return target in gate_targets and ORDER.index(current) < ORDER.index(target)


@dataclass(frozen=True)
class RiskFacts:
    """What a gate needs to know of one risk."""

    id: int
    title: str
    inherent: int
    residual: int | None
    status: str

    @property
    def current(self) -> int:
        """The residual score once assessed, else the inherent one."""
        return self.residual if self.residual is not None else self.inherent


def blocking_risks(risks: list[RiskFacts]) -> list[RiskFacts]:
    """Critical risks (current score 15 or more) that no executive has accepted."""
    return [
        r
        for r in risks
        if level(r.current) is Level.CRITICAL and r.status not in ("accepted", "closed")
    ]


@dataclass(frozen=True)
class Missing:
    """One thing a system lacks to pass its gate."""

    code: str
    ja: str
    en: str


def gate_problems(
    *,
    tier: Tier,
    completeness: float | None,
    risks: list[RiskFacts],
    approved: bool | None,
    min_completeness: float | None = None,
) -> list[Missing]:
    """Everything missing for the gate; empty when it is met.

    Args:
        tier: the system's tier (sets the completeness threshold).
        completeness: of the current guideline assessment; None when there is none.
        risks: the system's risks.
        approved: whether an executive approved the move; None when not asked.
        min_completeness: a threshold that replaces the tier's.
    """
    threshold = COMPLETENESS[tier] if min_completeness is None else min_completeness
    missing: list[Missing] = []
    if completeness is None:
        missing.append(
            Missing(
                "no-assessment",
                "指針に基づくアセスメントがまだありません。",
                "There is no guideline assessment yet.",
            )
        )
    elif completeness + 1e-9 < threshold:
        missing.append(
            Missing(
                "completeness",
                f"アセスメントの回答率が{completeness:.0%}で、必要な{threshold:.0%}に達していません。",
                f"The assessment is {completeness:.0%} complete; {threshold:.0%} is required.",
            )
        )
    for risk in blocking_risks(risks):
        missing.append(
            Missing(
                f"risk-{risk.id}",
                f"重大なリスク「{risk.title}」（{risk.current}）が経営層に受容されていません。",
                f"The critical risk '{risk.title}' ({risk.current}) has not been accepted by an "
                "executive.",
            )
        )
    if approved is False:
        missing.append(
            Missing("approval", "経営層の承認がありません。", "No executive has approved the move.")
        )
    return missing
