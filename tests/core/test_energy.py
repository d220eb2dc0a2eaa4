"""Energy records (1(2)): emissions are kWh × factor in exact decimals, figures are held
exactly in small units, limits and the rules between fields refuse what cannot be right,
and the summary adds up by phase and says how much is estimated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tekisei.core.energy import (
    FACTOR_SOURCE_RULE,
    PERIOD_RULE,
    EnergyFields,
    Phase,
    emissions_kg,
    emissions_text,
    factor_text,
    from_mg,
    from_wh,
    kwh_text,
    summarise,
    to_mg,
    to_wh,
    validated,
)
from tekisei.errors import InvalidInputError


def record(**changes: Any) -> EnergyFields:
    base = {"phase": "inference", "start": "2026-04-01", "end": "2026-09-30", "kwh": "1200",
            "basis": "estimated", "factor": "0.441",
            "factor_source": "東西電力 2025年度 基礎排出係数",
            "source": "GPU 2基 × 0.4 kW × 24時間 × 183日 × PUE 1.5"}  # fmt: skip
    return EnergyFields.model_validate(base | changes)


def problems(**changes: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        record(**changes)
    return {str(e["loc"][0]): str(e["msg"]) for e in caught.value.errors()}


def test_emissions_are_kwh_times_the_factor_rounded_to_the_gram() -> None:
    assert emissions_kg(Decimal("1200"), Decimal("0.441")) == Decimal("529.200")
    # 0.1 + 0.2 is exact in decimals, unlike in floats
    assert emissions_kg(Decimal("0.1") + Decimal("0.2"), Decimal("1")) == Decimal("0.300")
    assert emissions_kg(Decimal("0.0015"), Decimal("1")) == Decimal("0.002")  # half up
    assert record().emissions_kg() == Decimal("529.200")
    assert record(factor=None, factor_source="").emissions_kg() is None


def test_figures_are_shown_with_their_units() -> None:
    assert kwh_text(Decimal("12345.500")) == "12,345.5 kWh"
    assert kwh_text(Decimal("0")) == "0 kWh"
    assert emissions_text(Decimal("529.200")) == "529.2 kg-CO2e"
    assert emissions_text(Decimal("1234567.891")) == "1,234.57 t-CO2e"
    assert emissions_text(Decimal("0.042")) == "0.042 kg-CO2e"
    assert factor_text(Decimal("0.441000")) == "0.441 kg-CO2e/kWh"


@given(st.decimals(min_value=0, max_value=Decimal("9999999999.999"), places=3))
def test_kwh_survive_the_watt_hours_the_database_keeps(kwh: Decimal) -> None:
    assert from_wh(to_wh(kwh)) == kwh


@given(st.decimals(min_value=0, max_value=2, places=6))
def test_factors_survive_the_milligrams_the_database_keeps(factor: Decimal) -> None:
    assert from_mg(to_mg(factor)) == factor


def test_limits_refuse_impossible_figures() -> None:
    assert set(problems(kwh="-1")) == {"kwh"}
    assert set(problems(kwh="10000000000")) == {"kwh"}
    assert set(problems(kwh="1.0005")) == {"kwh"}  # below a watt-hour
    assert set(problems(kwh="NaN")) == {"kwh"}
    assert set(problems(factor="2.5")) == {"factor"}
    assert set(problems(factor="-0.1")) == {"factor"}
    assert set(problems(source="")) == {"source"}
    assert set(problems(compute="x" * 1001)) == {"compute"}
    assert set(problems(factor_source="x" * 501)) == {"factor_source"}
    assert set(problems(phase="mining")) == {"phase"}
    assert set(problems(start="1999-12-31")) == {"start"}


def test_a_factor_needs_its_source_and_a_period_its_order() -> None:
    assert FACTOR_SOURCE_RULE in problems(factor_source="")["factor_source"]
    assert set(problems(factor=None)) == {"factor_source"}  # a source without a factor
    assert PERIOD_RULE in problems(end="2026-03-31")["end"]
    assert record(factor="0", factor_source="再エネ100%メニュー（契約書）").emissions_kg() == 0
    assert record(end="2026-04-01").end == record().start  # one day


def test_the_summary_adds_up_by_phase_and_says_how_much_is_estimated() -> None:
    training = record(phase="training", kwh="3000.5", basis="measured", factor="0.5",
                      factor_source="クラウド事業者の報告書")  # fmt: skip
    inference = record()
    unknown = record(kwh="800", basis="measured", factor=None, factor_source="")
    found = summarise([inference, training, unknown])
    assert [p.phase for p in found.phases] == [Phase.TRAINING, Phase.INFERENCE]
    assert found.kwh == Decimal("5000.500")
    assert found.emissions_kg == Decimal("2029.450")  # 1200 × 0.441 + 3000.5 × 0.5
    assert found.kwh_without_factor == Decimal("800.000")
    assert (found.estimated_kwh, found.measured_kwh) == (Decimal("1200.000"), Decimal("3800.500"))
    assert found.estimated_share == 0.24
    by_phase = {p.phase: p for p in found.phases}
    assert by_phase[Phase.INFERENCE].basis == "mixed"
    assert by_phase[Phase.TRAINING].basis == "measured"
    assert by_phase[Phase.INFERENCE].kwh_without_factor == Decimal("800.000")
    assert len(found.factors) == 2
    empty = summarise([])
    assert (empty.records, empty.kwh, empty.estimated_share, empty.phases) == (0, 0, None, [])


def test_every_problem_is_named_with_its_field_in_japanese_and_english() -> None:
    """All problems at once, each with its field (and the caller's name for it), the
    first field kept for a form; Japanese text never falls back to pydantic's English."""
    given = {"phase": "mining", "start": "2026-04-01", "end": "2026-03-01", "kwh": "abc",
             "basis": "estimated", "source": "", "colour": "green"}  # fmt: skip
    with pytest.raises(InvalidInputError) as refused:
        validated(given, {"phase": "--phase", "end": "--to"})
    error = refused.value
    assert error.field == "phase"
    for part in ("--phase: choose one of", "--to: the period ends", "kWh: give a number",
                 "source of the figure: required", "colour: not a field"):  # fmt: skip
        assert part in error.message, error.message
    ja = error.localized("ja")
    for part in ("段階（--phase）", "終了日（--to）: 期間の終了日が開始日より前です",
                 "電力量: 数値で入力してください", "数値の出典: 入力してください",
                 "colour: この項目は使えません"):  # fmt: skip
        assert part in ja, ja
    assert "Input should" not in ja and "Value error" not in ja
    fine = {k: v for k, v in given.items() if k != "colour"}
    fine |= {"phase": "training", "end": "2026-04-01", "kwh": "1.5", "source": "請求書"}
    assert validated(fine).kwh == Decimal("1.5")
