"""Reviews (1(3)④ agile response): PDCA records per system, due by tier, opened by triggers."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from tekisei.core.systems import Tier

# Days between reviews, by tier.
INTERVAL_DAYS: dict[Tier, int] = {
    Tier.MINIMAL: 365,
    Tier.LIMITED: 180,
    Tier.HIGH: 90,
    Tier.CRITICAL: 30,
}
PHASES = ("plan", "do", "check", "act")


class Trigger(StrEnum):
    """Why a review was opened."""

    SCHEDULED = "scheduled"
    INCIDENT = "incident"
    MODEL_CHANGE = "model_change"
    CATALOG_CHANGE = "catalog_change"
    MANUAL = "manual"


def next_due(last: date, tier: Tier, intervals: dict[Tier, int] | None = None) -> date:
    """When the next review is due after one completed (or the system registered) on ``last``."""
    return last + timedelta(days=(intervals or INTERVAL_DAYS)[tier])


def missing_phases(records: dict[str, str]) -> list[str]:
    """PDCA phases with nothing recorded yet."""
    return [phase for phase in PHASES if not records.get(phase, "").strip()]
