"""Risk scoring, bands and heat maps."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tekisei.core.risks import Level, RiskFields, heat_map, level, score


def test_risk_score_is_likelihood_times_impact() -> None:
    assert score(1, 1) == 1
    assert score(3, 4) == 12
    assert score(5, 5) == 25
    with pytest.raises(ValueError, match="1 to 5"):
        score(0, 3)


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (1, Level.LOW),
        (4, Level.LOW),
        (5, Level.MEDIUM),
        (9, Level.MEDIUM),
        (10, Level.HIGH),
        (12, Level.HIGH),
        (15, Level.CRITICAL),
        (25, Level.CRITICAL),
    ],
)
def test_bands(value: int, band: Level) -> None:
    assert level(value) is band


def test_inherent_and_residual_scores() -> None:
    risk = RiskFields(
        title="x",
        taxonomy=["social.bias"],
        likelihood=4,
        impact=4,
        residual_likelihood=2,
        residual_impact=3,
    )
    assert (risk.inherent, risk.residual) == (16, 6)
    assert RiskFields(title="x", taxonomy=["social.bias"], likelihood=2, impact=2).residual is None


def test_residual_needs_both_parts() -> None:
    with pytest.raises(ValidationError, match="both residual"):
        RiskFields(
            title="x", taxonomy=["social.bias"], likelihood=2, impact=2, residual_likelihood=1
        )


def test_scores_stay_within_one_to_five() -> None:
    with pytest.raises(ValidationError):
        RiskFields(title="x", taxonomy=["social.bias"], likelihood=6, impact=2)


def test_heat_map_counts_cells() -> None:
    grid = heat_map([(1, 1), (5, 5), (5, 5), (2, 4)])
    assert grid[0][0] == 1 and grid[4][4] == 2 and grid[1][3] == 1
    assert sum(map(sum, grid)) == 4
