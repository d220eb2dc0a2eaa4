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
    """One month of the trend: the aggregates as the supervisor last read them that
    month (a snapshot is written at every read; months without a read have none)."""

    month: str
    systems: int
    high_or_critical: int
    assessment_completeness: float | None
    reviews_overdue: int
    incidents_open: int
    inquiries_open: int


def trend_point(month: str, aggregates: Aggregates) -> TrendPoint:
    """The trend's figures of ``aggregates`` for ``month`` (YYYY-MM)."""
    return TrendPoint(
        month=month,
        systems=aggregates.systems,
        high_or_critical=aggregates.by_tier.get("high", 0) + aggregates.by_tier.get("critical", 0),
        assessment_completeness=aggregates.assessment_completeness,
        reviews_overdue=aggregates.reviews_overdue,
        incidents_open=sum(aggregates.incidents_open.values()),
        inquiries_open=aggregates.inquiries_open,
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
