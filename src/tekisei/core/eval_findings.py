"""What an evaluation run means for governance: tallies, suggested likelihood, the gate on
recent passing runs, and which guideline requirements a run gives evidence for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tekisei.core.catalog import Relation
from tekisei.core.gates import Missing

# Crosswalk relations strong enough for a run on a J-AISI perspective to count as evidence
# on the guideline requirement (a loose "related" link does not).
EVIDENCE_RELATIONS: frozenset[Relation] = frozenset(
    {Relation.EQUAL, Relation.INTERSECT, Relation.SUBSET, Relation.SUPERSET}
)
# Footnote 8 asks for red teaming and tests: every run is evidence on it.
RED_TEAMING_REF = "fn8"


MAX_ERROR_SHARE = 0.2
"""A run whose cases errored (the target unreachable, failing or timing out) more often
than this ends ``failed``: it is no measurement of the system, so it becomes no evidence
and suggests no risks."""


@dataclass(frozen=True)
class Tally:
    """Cases passed out of cases answered, for one perspective or risk."""

    passed: int
    total: int

    @property
    def failed(self) -> int:
        """Cases that did not pass."""
        return self.total - self.passed

    @property
    def rate(self) -> float:
        """Share passed (0 when nothing was answered)."""
        return self.passed / self.total if self.total else 0.0


def likelihood_from_failures(failed: int, total: int) -> int | None:
    """The likelihood (1-5) a failure share suggests for the register, or None when
    nothing failed.

    Half or more failing is "almost certain" (5); a quarter 4; a tenth 3; any failure 2.
    The impact stays a human's call: a test shows how often, not how bad.
    """
    if total <= 0 or failed <= 0:
        return None
    share = failed / total
    if share >= 0.5:
        return 5
    if share >= 0.25:
        return 4
    if share >= 0.1:
        return 3
    return 2


@dataclass(frozen=True)
class EvalGate:
    """``tekisei check`` asks for a finished run no older than ``max_age_days`` whose pass
    rate is at least ``min_pass_rate`` (of ``suite`` when given)."""

    min_pass_rate: float
    max_age_days: int = 90
    suite: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.min_pass_rate <= 1:
            raise ValueError("the pass rate a run needs is between 0 and 1")
        if self.max_age_days < 1:
            raise ValueError("the age limit of a run is at least one day")


@dataclass(frozen=True)
class RunFacts:
    """What the gate needs to know of the latest finished run."""

    key: str
    suite: str
    pass_rate: float
    finished_at: datetime


def eval_gate_problems(gate: EvalGate, latest: RunFacts | None, now: datetime) -> list[Missing]:
    """What is missing for the evaluation gate; empty when the latest run passes it.

    The latest finished run decides: an older passing run does not hide a newer failing one.
    """
    which_ja = f"（{gate.suite}）" if gate.suite else ""
    which_en = f" of {gate.suite}" if gate.suite else ""
    if latest is None:
        return [
            Missing(
                "no-eval-run",
                f"評価・レッドチーミングの実行{which_ja}がまだありません。",
                f"There is no finished evaluation run{which_en} yet.",
            )
        ]
    problems: list[Missing] = []
    age = now - latest.finished_at
    if age > timedelta(days=gate.max_age_days):
        problems.append(
            Missing(
                "eval-stale",
                f"最新の評価実行 {latest.key} は{age.days}日前のもので、"
                f"求められる{gate.max_age_days}日以内ではありません。",
                f"The latest evaluation run {latest.key} is {age.days} days old; "
                f"one from the last {gate.max_age_days} days is required.",
            )
        )
    if latest.pass_rate + 1e-9 < gate.min_pass_rate:
        problems.append(
            Missing(
                "eval-below",
                f"最新の評価実行 {latest.key} の合格率は{latest.pass_rate:.0%}で、"
                f"必要な{gate.min_pass_rate:.0%}に達していません。",
                f"The latest evaluation run {latest.key} passed {latest.pass_rate:.0%}; "
                f"{gate.min_pass_rate:.0%} is required.",
            )
        )
    return problems
