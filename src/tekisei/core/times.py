"""Times: kept in UTC, shown in an organisation's time zone with the zone named.

Every timestamp is stored in UTC. Pages, reports and exports show it in the time zone of
the organisation being read (its own setting, else the deployment's ``TEKISEI_TIME_ZONE``,
Asia/Tokyo by default); the API gives it in ISO 8601 with its offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tekisei.errors import InvalidInputError

DEFAULT_TIME_ZONE = "Asia/Tokyo"
MAX_NAME = 64

# Names the zone database holds that name no place: the host's own zone (which differs
# between machines) and placeholders.
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


@cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA names an organisation may choose, sorted."""
    return tuple(sorted(available_timezones() - _NOT_PLACES))


def check_time_zone(name: str) -> str:
    """``name`` (stripped) when it is an IANA time zone name such as ``Asia/Tokyo``.

    Raises:
        InvalidInputError: an unknown name, in both languages, with examples.
    """
    cleaned = name.strip()
    if len(cleaned) <= MAX_NAME and cleaned in time_zone_names():
        try:
            ZoneInfo(cleaned)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return cleaned
    shown = cleaned[:MAX_NAME]
    raise InvalidInputError(
        f"unknown time zone {shown!r}; give an IANA name such as Asia/Tokyo, UTC or Europe/London",
        ja=f"タイムゾーン「{shown}」は存在しません。Asia/Tokyo、UTC、Europe/London のような"
        "IANA の名前で指定してください。",
    )


def zone(name: str | None, default: str = DEFAULT_TIME_ZONE) -> ZoneInfo:
    """The zone called ``name``, or ``default`` when no name is set."""
    return ZoneInfo(name or default)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive value (SQLite returns them) was written as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local(moment: datetime, where: ZoneInfo) -> datetime:
    """``moment`` as the clock reads in ``where`` (naive values are UTC)."""
    return utc(moment).astimezone(where)


def shown(moment: object, where: ZoneInfo, *, with_time: bool = True) -> str:
    """A stored time as people read it in ``where``, with the zone named:
    ``2026-12-02 19:13 JST`` (``+09:00`` style where the zone has no abbreviation), or
    only the local date. ISO 8601 strings are read; ``None`` and ``""`` are ``—``."""
    if moment is None or moment == "":
        return "—"
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if not isinstance(value, datetime):
        return str(value)
    there = local(value, where)
    if not with_time:
        return f"{there:%Y-%m-%d}"
    return f"{there:%Y-%m-%d %H:%M} {zone_label(there)}"


def zone_label(moment: datetime) -> str:
    """The zone's abbreviation at ``moment`` (``JST``), or its offset (``+05:30``) where
    the zone database has only numbers (``+0530``) for it."""
    name = moment.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = moment.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}" if offset else "UTC"
