"""The organisation-wide numbers a deployment may set: review intervals, gate thresholds,
the age below which an approver is flagged, and the time zone of organisations that chose
none."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tekisei.core.continuity import DRILL_DAYS
from tekisei.core.gates import COMPLETENESS
from tekisei.core.reviews import INTERVAL_DAYS
from tekisei.core.systems import Tier
from tekisei.core.times import DEFAULT_TIME_ZONE


@dataclass(frozen=True)
class Policy:
    """Days between reviews and the completeness a gate needs, by tier; how old an
    approver's account and membership must be not to be flagged in the audit log; the time
    zone times are shown in for organisations that chose none (``TEKISEI_TIME_ZONE``)."""

    review_days: dict[Tier, int] = field(default_factory=lambda: dict(INTERVAL_DAYS))
    completeness: dict[Tier, float] = field(default_factory=lambda: dict(COMPLETENESS))
    approver_min_age: timedelta = timedelta(days=7)
    time_zone: str = DEFAULT_TIME_ZONE
    drill_days: int = DRILL_DAYS
    """How recent a business continuity drill must be for a high or critical tier system
    to go into operation (``TEKISEI_CONTINUITY_DRILL_DAYS``)."""
    mail: bool = False
    """Whether notifications may go out by e-mail (``TEKISEI_SMTP_HOST`` is set)."""
    default_lang: str = "ja"
    """The language of e-mails to people who chose none (``TEKISEI_DEFAULT_LANG``)."""

    @classmethod
    def from_settings(
        cls,
        review_days: dict[str, int] | None,
        completeness: dict[str, float] | None,
        approver_min_age_days: int = 7,
        time_zone: str = DEFAULT_TIME_ZONE,
        drill_days: int = DRILL_DAYS,
    ) -> Policy:
        """Defaults, overridden tier by tier (keys: minimal, limited, high, critical).

        Raises:
            ValueError: an unknown tier or a value out of range.
        """
        days = dict(INTERVAL_DAYS)
        for name, count in (review_days or {}).items():
            if not 1 <= count <= 3650:
                raise ValueError(f"review days for {name} must be 1-3650")
            days[Tier.parse(name)] = count
        thresholds = dict(COMPLETENESS)
        for name, share in (completeness or {}).items():
            if not 0 <= share <= 1:
                raise ValueError(f"completeness for {name} must be between 0 and 1")
            thresholds[Tier.parse(name)] = share
        if not 1 <= drill_days <= 3650:
            raise ValueError("continuity drill days must be 1-3650")
        return cls(days, thresholds, timedelta(days=approver_min_age_days), time_zone, drill_days)
