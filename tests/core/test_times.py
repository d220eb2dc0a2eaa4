"""Times are shown in a zone with the zone named; unknown zone names are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tekisei.core.times import check_time_zone, shown, zone
from tekisei.errors import InvalidInputError

MOMENT = datetime(2026, 12, 2, 10, 13, tzinfo=UTC)


def test_one_instant_reads_as_each_zones_clock_with_the_zone_named() -> None:
    assert shown(MOMENT, zone("Asia/Tokyo")) == "2026-12-02 19:13 JST"
    assert shown(MOMENT, zone("Europe/London")) == "2026-12-02 10:13 GMT"
    assert shown(MOMENT, zone("America/New_York")) == "2026-12-02 05:13 EST"
    # zones the database names only by their offset get it as +HH:MM
    assert shown(MOMENT, zone("Asia/Dubai")) == "2026-12-02 14:13 +04:00"


def test_the_date_is_the_local_date_not_utcs() -> None:
    late = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    assert shown(late, zone("Asia/Tokyo"), with_time=False) == "2026-12-02"
    assert shown(late, zone("UTC"), with_time=False) == "2026-12-01"


def test_naive_times_and_iso_strings_are_read_as_the_instants_they_are() -> None:
    naive = MOMENT.replace(tzinfo=None)  # what SQLite returns for a UTC time
    tokyo = zone("Asia/Tokyo")
    assert shown(naive, tokyo) == shown(MOMENT, tokyo)
    assert shown("2026-12-02T10:13:00+00:00", tokyo) == "2026-12-02 19:13 JST"
    offset = MOMENT.astimezone(timezone(timedelta(hours=-3)))
    assert shown(offset, tokyo) == "2026-12-02 19:13 JST"
    assert shown(None, tokyo) == shown("", tokyo) == "—"


def test_no_zone_set_means_the_default_given() -> None:
    assert zone(None, "Europe/Paris").key == "Europe/Paris"
    assert zone("UTC", "Europe/Paris").key == "UTC"


@pytest.mark.parametrize("name", ["Asia/Tokyo", " UTC ", "Europe/London"])
def test_iana_names_are_accepted(name: str) -> None:
    assert check_time_zone(name) == name.strip()


@pytest.mark.parametrize(
    "name", ["JST", "Asia/Tokio", "Mars/Olympus", "../etc/passwd", "localtime", "", "a" * 300]
)
def test_an_unknown_zone_is_refused_in_both_languages_with_examples(name: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        check_time_zone(name)
    assert "Asia/Tokyo" in refused.value.localized("en")
    assert "unknown time zone" in refused.value.localized("en")
    assert "タイムゾーン" in refused.value.localized("ja")
    assert "Asia/Tokyo" in refused.value.localized("ja")
