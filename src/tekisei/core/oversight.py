"""Oversight across organisations (guideline 3(2): keep track of how AI is actually used).

An organisation grants a supervising organisation (a prefecture for its municipalities, a
ministry for its agencies, a holding company for its subsidiaries) read access to the
AGGREGATES of its AI use: systems by tier, domain and stage, assessment completeness,
overdue reviews, incidents by severity and inquiry response times. Never an individual
record, except the systems it shares one by one, of which the supervisor sees a summary
(:class:`SharedSystem`: name, purpose, tier, stage, last review; nothing else).

Who reads: the supervising organisation's administrators, executives and auditors
(:data:`READER_ROLES`): the people who oversee, decide and check. Who grants: the
granting organisation's administrators (``Permission.MANAGE_ORG``).

This module holds the figures, how they are summarised and combined, and the trend; it
knows nothing of databases.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date

from pydantic import BaseModel, Field

from tekisei.core.incidents import Severity
from tekisei.core.orgs import Principal, Role
from tekisei.core.systems import Stage, Tier
from tekisei.errors import PermissionDeniedError

READER_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.AUDITOR})
"""Roles of the supervising organisation that read the aggregates."""
MAX_SHARED = 200
"""Systems one grant shares item by item."""
RESPONSE_WINDOW_DAYS = 365
"""Inquiries received in this many days count towards the response times."""
MAX_TREND = 24
"""Months of the trend shown."""


def require_reader(principal: Principal) -> None:
    """Refuse a member of the supervising organisation who may not read the aggregates.

    Raises:
        PermissionDeniedError: the role is not one of :data:`READER_ROLES`.
    """
    if principal.role in READER_ROLES:
        return
    raise PermissionDeniedError(
        f"the role '{principal.role.value}' may not read the oversight aggregates; ask an "
        "admin, an executive or an auditor of the organisation",
        ja="この役割では監督の集計を閲覧できません。組織の「管理者」「経営層（承認者）」"
        "「監査人」に依頼してください。",
    )


class Figures(BaseModel):
    """The raw figures of one organisation (or several added together), before they are
    summarised; the response days are kept so that totals have a true median."""

    systems: int = 0
    by_tier: dict[str, int] = Field(default_factory=dict)
    by_domain: dict[str, int] = Field(default_factory=dict)
    by_stage: dict[str, int] = Field(default_factory=dict)
    assessed: int = 0
    """Systems with a guideline assessment."""
    requirements: int = 0
    """Requirements in the latest guideline assessment of each assessed system."""
    answered: int = 0
    reviews_overdue: int = 0
    incidents_open: dict[str, int] = Field(default_factory=dict)
    incidents_closed: dict[str, int] = Field(default_factory=dict)
    inquiries_open: int = 0
    response_days: list[float] = Field(default_factory=list)
    """Days from receipt to first reply of each answered inquiry in the window."""


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    out = dict(a)
    for key, value in b.items():
        out[key] = out.get(key, 0) + value
    return out


def combine(parts: Iterable[Figures]) -> Figures:
    """The figures of several organisations added together."""
    total = Figures()
    for p in parts:
        total = Figures(
            systems=total.systems + p.systems,
            by_tier=_add(total.by_tier, p.by_tier),
            by_domain=_add(total.by_domain, p.by_domain),
            by_stage=_add(total.by_stage, p.by_stage),
            assessed=total.assessed + p.assessed,
            requirements=total.requirements + p.requirements,
            answered=total.answered + p.answered,
            reviews_overdue=total.reviews_overdue + p.reviews_overdue,
            incidents_open=_add(total.incidents_open, p.incidents_open),
            incidents_closed=_add(total.incidents_closed, p.incidents_closed),
            inquiries_open=total.inquiries_open + p.inquiries_open,
            response_days=total.response_days + p.response_days,
        )
    return total


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.5: the median, 0.9: the 90th) rounded to
    one decimal; None for no values. With an even count the median is the lower middle
    value (a value that happened, not an average of two)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return round(ordered[rank - 1], 1)


class Aggregates(BaseModel):
    """What the supervisor reads of one organisation (or of all together): counts and
    shares, never a record."""

    systems: int
    by_tier: dict[str, int]
    """Every tier, highest first, zero included."""
    by_domain: dict[str, int]
    """The domains that have systems, by name."""
    by_stage: dict[str, int]
    """Every lifecycle stage in order, zero included."""
    assessed: int
    """Systems with a guideline assessment."""
    assessment_completeness: float | None
    """Requirements answered over requirements, across the latest guideline assessment of
    each assessed system (0 to 1, 3 places; None: nothing assessed)."""
    reviews_overdue: int
    incidents_open: dict[str, int]
    """Open incidents by severity, highest first, zero included."""
    incidents_closed: dict[str, int]
    inquiries_open: int
    inquiries_answered: int
    """Inquiries received in the window that had a first reply."""
    response_median_days: float | None
    response_p90_days: float | None


def _ordered(counts: dict[str, int], keys: Iterable[str]) -> dict[str, int]:
    return {key: counts.get(key, 0) for key in keys}


TIERS = [t.label for t in sorted(Tier, reverse=True)]
SEVERITIES = [s.value for s in reversed(Severity)]


def summarise(figures: Figures) -> Aggregates:
    """The aggregates of ``figures``."""
    return Aggregates(
        systems=figures.systems,
        by_tier=_ordered(figures.by_tier, TIERS),
        by_domain=dict(sorted(figures.by_domain.items())),
        by_stage=_ordered(figures.by_stage, [s.value for s in Stage]),
        assessed=figures.assessed,
        assessment_completeness=(
            round(figures.answered / figures.requirements, 3) if figures.requirements else None
        ),
        reviews_overdue=figures.reviews_overdue,
        incidents_open=_ordered(figures.incidents_open, SEVERITIES),
        incidents_closed=_ordered(figures.incidents_closed, SEVERITIES),
        inquiries_open=figures.inquiries_open,
        inquiries_answered=len(figures.response_days),
        response_median_days=percentile(figures.response_days, 0.5),
        response_p90_days=percentile(figures.response_days, 0.9),
    )


class TrendPoint(BaseModel):
    """One month of the trend: the aggregates as last taken that month (at a read, or by
    ``tekisei oversight snapshot``). A month with no snapshot is in the trend all the
    same, with ``data`` false and no figures: a gap is shown, never skipped."""

    month: str
    data: bool = True
    """False: no snapshot was taken that month ("no data")."""
    systems: int | None
    high_or_critical: int | None
    assessment_completeness: float | None
    """Requirements answered over requirements (0 to 1; None: nothing assessed, or no
    data)."""
    requirements: int | None = None
    """Requirements in the latest guideline assessments (None: no data, or a snapshot
    taken before the count was kept)."""
    answered: int | None = None
    reviews_overdue: int | None
    incidents_open: int | None
    inquiries_open: int | None


class TotalTrendPoint(TrendPoint):
    """A month of the totals: the snapshots of the ``organisations`` taken that month."""

    organisations: int


def trend_point(
    month: str, aggregates: Aggregates, requirements: int | None, answered: int | None
) -> TrendPoint:
    """The trend's figures of ``aggregates`` for ``month`` (YYYY-MM), with the requirement
    counts behind its completeness (None when the snapshot did not keep them)."""
    return TrendPoint(
        month=month,
        systems=aggregates.systems,
        high_or_critical=aggregates.by_tier.get("high", 0) + aggregates.by_tier.get("critical", 0),
        assessment_completeness=aggregates.assessment_completeness,
        requirements=requirements,
        answered=answered,
        reviews_overdue=aggregates.reviews_overdue,
        incidents_open=sum(aggregates.incidents_open.values()),
        inquiries_open=aggregates.inquiries_open,
    )


def no_data(month: str) -> TrendPoint:
    """A month without a snapshot."""
    return TrendPoint(
        month=month, data=False, systems=None, high_or_critical=None,
        assessment_completeness=None, reviews_overdue=None, incidents_open=None,
        inquiries_open=None,
    )  # fmt: skip


def next_month(month: str) -> str:
    """The calendar month after ``month`` (YYYY-MM)."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def months(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (YYYY-MM, both included), at most the last
    :data:`MAX_TREND`."""
    found: list[str] = []
    month = first
    while month <= last:
        found.append(month)
        month = next_month(month)
    return found[-MAX_TREND:]


def with_gaps(points: Sequence[TrendPoint], last: str) -> list[TrendPoint]:
    """``points`` (one per month with a snapshot) on every month from the first of them to
    ``last``, a :func:`no_data` point where a month has none; at most :data:`MAX_TREND`
    months."""
    if not points:
        return []
    by_month = {p.month: p for p in points}
    first = min(by_month)
    end = max(last, max(by_month))
    return [by_month.get(m) or no_data(m) for m in months(first, end)]


def _sum(values: Iterable[int | None]) -> int | None:
    found = list(values)
    return None if any(v is None for v in found) else sum(v for v in found if v is not None)


def total_point(month: str, points: Sequence[TrendPoint]) -> TotalTrendPoint:
    """The organisations' points of ``month`` added together (those with data); "no data"
    when none has. The completeness is answered over requirements across them, None when
    a snapshot did not keep the counts."""
    found = [p for p in points if p.data]
    if not found:
        return TotalTrendPoint(**no_data(month).model_dump(), organisations=0)
    requirements = _sum(p.requirements for p in found)
    answered = _sum(p.answered for p in found)
    return TotalTrendPoint(
        month=month,
        organisations=len(found),
        systems=_sum(p.systems for p in found),
        high_or_critical=_sum(p.high_or_critical for p in found),
        assessment_completeness=(
            round(answered / requirements, 3) if requirements and answered is not None else None
        ),
        requirements=requirements,
        answered=answered,
        reviews_overdue=_sum(p.reviews_overdue for p in found),
        incidents_open=_sum(p.incidents_open for p in found),
        inquiries_open=_sum(p.inquiries_open for p in found),
    )


def month_of(day: date) -> str:
    """``day``'s calendar month as YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


class SharedSystem(BaseModel):
    """The summary of a system its organisation shared item by item: nothing else of it."""

    id: int
    name: str
    purpose: str
    tier: str
    stage: str
    last_review: date | None
