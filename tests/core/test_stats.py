"""Wilson intervals and the two-proportion test against known values."""

from __future__ import annotations

import pytest

from tekisei.core.stats import differs, wilson


def test_wilson_matches_published_values() -> None:
    # Newcombe (1998), table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605.
    first = wilson(81, 263)
    assert first is not None
    assert (round(first.low, 4), round(first.high, 4)) == (0.2553, 0.3662)
    second = wilson(15, 148)
    assert second is not None
    assert (round(second.low, 4), round(second.high, 4)) == (0.0624, 0.1605)


def test_wilson_at_the_edges() -> None:
    assert wilson(0, 0) is None
    none = wilson(0, 10)
    all_ = wilson(10, 10)
    assert none is not None and none.low == 0.0 and 0.25 < none.high < 0.35
    assert all_ is not None and all_.high == 1.0 and 0.65 < all_.low < 0.75
    with pytest.raises(ValueError):
        wilson(11, 10)


def test_a_difference_is_real_only_beyond_chance() -> None:
    assert not differs(7, 10, 8, 10)  # 70 % → 80 % on ten cases is noise
    assert differs(70, 100, 90, 100)  # the same rates on a hundred are not
    assert not differs(0, 0, 5, 10) and not differs(10, 10, 20, 20)
