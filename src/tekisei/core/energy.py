"""Compute and energy records of AI systems (guideline 1(2): innovation, and the
environmental load among the social risks).

A record says, for one system, one phase of its life (training, fine-tuning or inference)
and one period, what compute was used, how much electricity it took in kWh, whether that
figure was measured or estimated, and where it comes from. When an emission factor
(kg-CO2e per kWh) is given, its source must be given too, and the emissions are
kWh × factor, computed here with decimal arithmetic and rounded to the gram.

This module holds the vocabulary, the limits, the arithmetic and the summary; it knows
nothing of databases, pages or terminals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from tekisei.core.text import BOUND_WORDS
from tekisei.errors import InvalidInputError

MAX_KWH = Decimal("10000000000")
"""Ten terawatt-hours (exclusive): far above any training run reported so far, so a
larger figure is a typing mistake (Wh for kWh, or digits repeated)."""
MAX_FACTOR = Decimal("2")
"""kg-CO2e per kWh (inclusive); coal-fired power is about 1, so 2 bounds every real grid."""
KWH_PLACES = 3
"""Decimal places of kWh (to the watt-hour)."""
FACTOR_PLACES = 6
"""Decimal places of a factor in kg-CO2e/kWh (to the milligram: suppliers publish
t-CO2/kWh with six places, e.g. 0.000441)."""
MAX_COMPUTE = 1000
MAX_SOURCE = 1000
MAX_FACTOR_SOURCE = 500
MAX_RECORDS = 1000
"""Records one system holds; more is refused (one a month for eighty years is plenty)."""
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)

WATT_HOUR = Decimal("0.001")
GRAM = Decimal("0.001")
MILLIGRAM = Decimal("0.000001")

PERIOD_RULE = "the period ends before it starts; swap the dates"
RANGE_RULE = "give dates between 2000-01-01 and 2100-12-31"
FACTOR_SOURCE_RULE = "say where the emission factor comes from (its source is required)"
SOURCE_WITHOUT_FACTOR_RULE = "a factor's source was given without the factor; give both or neither"
RULES_JA = {
    PERIOD_RULE: "期間の終了日が開始日より前です。日付を入れ替えてください。",
    RANGE_RULE: "日付は2000-01-01から2100-12-31までの間で入力してください。",
    FACTOR_SOURCE_RULE: "排出係数を入れた場合は、その出典も入力してください。",
    SOURCE_WITHOUT_FACTOR_RULE: (
        "排出係数の出典だけが入力されています。係数と出典の両方を入れるか、両方とも空にしてください。"
    ),
}
"""The rules above in Japanese, for forms and API errors."""


class Phase(StrEnum):
    """The part of a system's life the energy went to."""

    TRAINING = "training"
    FINE_TUNING = "fine_tuning"
    INFERENCE = "inference"


class Basis(StrEnum):
    """How the kWh figure was obtained."""

    MEASURED = "measured"
    """Read from meters, the data centre's or the cloud provider's report."""
    ESTIMATED = "estimated"
    """Worked out, e.g. GPU-hours × power draw × PUE."""


_KWH_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 9_999_999_999.999},
        {"type": "string", "maxLength": 20, "pattern": r"^\d{1,10}(\.\d{1,3})?$"},
    ],
    "description": "kWh, at least 0 and below 10,000,000,000, up to 3 decimals",
}
_FACTOR_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 2},
        {"type": "string", "maxLength": 10, "pattern": r"^\d(\.\d{1,6})?$"},
        {"type": "null"},
    ],
    "description": "kg-CO2e per kWh, 0 to 2, up to 6 decimals; null: none stated",
}


class EnergyFields(BaseModel):
    """One record as a person writes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phase: Phase
    start: date
    """First day of the period the energy was used in."""
    end: date
    """Last day of the period (the same day as ``start`` for one day)."""
    compute: str = Field(default="", max_length=MAX_COMPUTE)
    """The compute used: hardware, GPU-hours, cloud region, PUE — free text."""
    kwh: Annotated[Decimal, WithJsonSchema(_KWH_SCHEMA)] = Field(
        ge=0, lt=MAX_KWH, decimal_places=KWH_PLACES, allow_inf_nan=False
    )
    basis: Basis
    factor: Annotated[Decimal | None, WithJsonSchema(_FACTOR_SCHEMA)] = Field(
        default=None, ge=0, le=MAX_FACTOR, decimal_places=FACTOR_PLACES, allow_inf_nan=False
    )
    """Emission factor in kg-CO2e per kWh, or None when none is stated."""
    factor_source: str = Field(default="", max_length=MAX_FACTOR_SOURCE, validate_default=True)
    """Where the factor comes from (e.g. the electricity supplier's published factor for
    the year); required with a factor."""
    source: str = Field(min_length=1, max_length=MAX_SOURCE)
    """Where the kWh figure comes from (a report, an invoice, a calculation sheet, a URL);
    kept as text, never fetched."""

    @field_validator("start", "end")
    @classmethod
    def _in_range(cls, value: date) -> date:
        if not EARLIEST <= value <= LATEST:
            raise ValueError(RANGE_RULE)
        return value

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if isinstance(start, date) and value < start:
            raise ValueError(PERIOD_RULE)
        return value

    @field_validator("factor_source")
    @classmethod
    def _factor_has_source(cls, value: str, info: ValidationInfo) -> str:
        if "factor" not in info.data:
            return value  # the factor itself is wrong; that error is enough
        factor = info.data["factor"]
        if factor is not None and not value:
            raise ValueError(FACTOR_SOURCE_RULE)
        if factor is None and value:
            raise ValueError(SOURCE_WITHOUT_FACTOR_RULE)
        return value

    def emissions_kg(self) -> Decimal | None:
        """The emissions of this record (None without a factor)."""
        return None if self.factor is None else emissions_kg(self.kwh, self.factor)


def emissions_kg(kwh: Decimal, factor: Decimal) -> Decimal:
    """kWh × kg-CO2e/kWh, in kg-CO2e rounded half up to the gram."""
    return (kwh * factor).quantize(GRAM, rounding=ROUND_HALF_UP)


def to_wh(kwh: Decimal) -> int:
    """kWh as whole watt-hours (how the database keeps them, exactly on every engine)."""
    return int((kwh / WATT_HOUR).to_integral_value(rounding=ROUND_HALF_UP))


def from_wh(wh: int) -> Decimal:
    """Watt-hours back to kWh with three places."""
    return (Decimal(wh) * WATT_HOUR).quantize(WATT_HOUR)


def to_mg(factor: Decimal) -> int:
    """A factor in kg-CO2e/kWh as whole mg-CO2e/kWh."""
    return int((factor / MILLIGRAM).to_integral_value(rounding=ROUND_HALF_UP))


def from_mg(mg: int) -> Decimal:
    """mg-CO2e/kWh back to kg-CO2e/kWh, without trailing zeros (0.434, not 0.434000)."""
    value = (Decimal(mg) * MILLIGRAM).quantize(MILLIGRAM)
    text = format(value, "f").rstrip("0").rstrip(".")
    return Decimal(text or "0")


def kwh_text(kwh: Decimal) -> str:
    """kWh as people read it: ``12,345.5 kWh`` (thousands grouped, no trailing zeros)."""
    text = f"{kwh.quantize(WATT_HOUR):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} kWh"


def emissions_text(kg: Decimal) -> str:
    """Emissions with a unit that fits: tonnes from 1,000 kg (two places), kg from 1 kg
    (one place), else kg with three places (to the gram)."""
    if kg >= 1000:
        return f"{(kg / 1000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,f} t-CO2e"
    if kg >= 1:
        return f"{kg.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,f} kg-CO2e"
    return f"{kg.quantize(GRAM, rounding=ROUND_HALF_UP):f} kg-CO2e"


def factor_text(factor: Decimal) -> str:
    """A factor with its unit: ``0.434 kg-CO2e/kWh``."""
    text = format(factor, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} kg-CO2e/kWh"


Mix = Literal["measured", "estimated", "mixed"]


class PhaseTotal(BaseModel):
    """One phase's records added up."""

    phase: Phase
    records: int
    start: date
    end: date
    kwh: Decimal
    estimated_kwh: Decimal
    basis: Mix
    """Whether the phase's kWh are all measured, all estimated, or some of each."""
    emissions_kg: Decimal | None
    """Emissions of the phase's records that state a factor (None: none does)."""
    kwh_without_factor: Decimal


class FactorUsed(BaseModel):
    """An emission factor the records use, with its source."""

    factor: Decimal
    source: str


class EnergySummary(BaseModel):
    """A system's records added up: by phase, in all, and how much is estimated."""

    records: int
    kwh: Decimal
    phases: list[PhaseTotal]
    """Only the phases with records, in the order training, fine-tuning, inference."""
    emissions_kg: Decimal
    """Emissions of the records that state a factor."""
    kwh_without_factor: Decimal
    """kWh whose emissions are unknown (no factor stated): the emissions leave them out."""
    estimated_kwh: Decimal
    measured_kwh: Decimal
    estimated_share: float | None
    """Share of the kWh that is estimated, 0 to 1 with three places (None: no kWh)."""
    factors: list[FactorUsed]


def _mix(records: Iterable[EnergyFields]) -> Mix:
    kinds = {r.basis for r in records}
    if kinds == {Basis.ESTIMATED}:
        return "estimated"
    if kinds == {Basis.MEASURED}:
        return "measured"
    return "mixed"


def _kwh(records: Iterable[EnergyFields]) -> Decimal:
    return sum((r.kwh for r in records), Decimal(0)).quantize(WATT_HOUR)


def _emissions(records: list[EnergyFields]) -> Decimal:
    exact = sum((r.kwh * r.factor for r in records if r.factor is not None), Decimal(0))
    return exact.quantize(GRAM, rounding=ROUND_HALF_UP)


def summarise(records: Iterable[EnergyFields]) -> EnergySummary:
    """The summary of ``records``. Emissions are summed exactly and rounded once, so the
    total may differ by a gram from the sum of rounded records."""
    every = list(records)
    phases = []
    for phase in Phase:
        mine = [r for r in every if r.phase is phase]
        if not mine:
            continue
        estimated = _kwh(r for r in mine if r.basis is Basis.ESTIMATED)
        total = _kwh(mine)
        with_factor = [r for r in mine if r.factor is not None]
        phases.append(
            PhaseTotal(
                phase=phase, records=len(mine), start=min(r.start for r in mine),
                end=max(r.end for r in mine), kwh=total, estimated_kwh=estimated,
                basis=_mix(mine),
                emissions_kg=_emissions(with_factor) if with_factor else None,
                kwh_without_factor=_kwh(r for r in mine if r.factor is None),
            )
        )  # fmt: skip
    total = _kwh(every)
    estimated = _kwh(r for r in every if r.basis is Basis.ESTIMATED)
    seen: dict[tuple[Decimal, str], FactorUsed] = {}
    for r in every:
        if r.factor is not None:
            used = FactorUsed(factor=r.factor, source=r.factor_source)
            seen.setdefault((r.factor, r.factor_source), used)
    return EnergySummary(
        records=len(every), kwh=total, phases=phases, emissions_kg=_emissions(every),
        kwh_without_factor=_kwh(r for r in every if r.factor is None),
        estimated_kwh=estimated, measured_kwh=(total - estimated).quantize(WATT_HOUR),
        estimated_share=round(float(estimated / total), 3) if total else None,
        factors=list(seen.values()),
    )  # fmt: skip


class PublicSource(BaseModel):
    """One record's figure and where it comes from, shown when the organisation chooses
    to show the sources of the figures."""

    phase: Phase
    start: date
    end: date
    kwh: Decimal
    basis: Basis
    source: str


class PublicEnergy(BaseModel):
    """A system's figures as the public reads them on its notice and the organisation's
    governance statement (pages, JSON and PDF alike): totals by phase, the emissions, the
    factors used with their sources, how much is estimated, and, when the organisation
    chooses so, the source of each figure (never people or compute descriptions)."""

    system_name: str
    phases: list[PhaseTotal]
    kwh: Decimal
    emissions_kg: Decimal
    kwh_without_factor: Decimal
    estimated_share: float | None
    factors: list[FactorUsed]
    sources: list[PublicSource] | None = None
    """Each record's figure and source (None: the organisation does not show them)."""


def public_figures(
    system_name: str, summary: EnergySummary, records: Iterable[EnergyFields] | None = None
) -> PublicEnergy | None:
    """What of ``summary`` the public reads (None when nothing is recorded), with the
    source of each of ``records`` when given (the organisation shows them)."""
    if not summary.records:
        return None
    sources = None
    if records is not None:
        order = list(Phase)
        sources = [
            PublicSource(phase=r.phase, start=r.start, end=r.end, kwh=r.kwh, basis=r.basis,
                         source=r.source)
            for r in sorted(records, key=lambda r: (order.index(r.phase), r.start, r.end))
        ]  # fmt: skip
    return PublicEnergy(
        system_name=system_name, phases=summary.phases, kwh=summary.kwh,
        emissions_kg=summary.emissions_kg, kwh_without_factor=summary.kwh_without_factor,
        estimated_share=summary.estimated_share, factors=summary.factors, sources=sources,
    )  # fmt: skip


FIELD_NAMES: dict[str, tuple[str, str]] = {
    "phase": ("段階", "phase"),
    "start": ("開始日", "start"),
    "end": ("終了日", "end"),
    "compute": ("計算資源", "compute"),
    "kwh": ("電力量", "kWh"),
    "basis": ("実測・推計の別", "basis"),
    "factor": ("排出係数", "emission factor"),
    "factor_source": ("排出係数の出典", "source of the emission factor"),
    "source": ("数値の出典", "source of the figure"),
}
"""Each field in Japanese and English, for messages."""


def _choices(field: str) -> tuple[str, str]:
    values = [p.value for p in Phase] if field == "phase" else [b.value for b in Basis]
    return (
        f"{'、'.join(values)} のいずれかを指定してください。",
        f"choose one of {', '.join(values)}",
    )


def problem(error: Mapping[str, Any]) -> tuple[str, str]:
    """One validation error of :class:`EnergyFields` as ``(Japanese, English)``, saying
    what to give instead (every rule the model checks has its own words)."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    field = str(error["loc"][0]) if error.get("loc") else ""
    if kind in ("missing", "string_too_short"):
        return "入力してください。", "required; give it"
    if kind == "string_too_long":
        limit = ctx.get("max_length", "")
        return f"{limit}文字以内にしてください。", f"keep it to {limit} characters"
    if kind == "enum":
        return _choices(field)
    if kind.startswith("date"):
        return "日付を YYYY-MM-DD の形で入力してください。", "give a date as YYYY-MM-DD"
    if kind in ("decimal_parsing", "decimal_type", "finite_number", "float_parsing"):
        return (
            "数値で入力してください（例: 1200、0.441）。",
            "give a number, such as 1200 or 0.441",
        )
    if kind == "decimal_max_places":
        places = ctx.get("decimal_places", "")
        return f"小数点以下{places}桁までにしてください。", f"keep it to {places} decimals"
    if kind in BOUND_WORDS:
        key, ja, en = BOUND_WORDS[kind]
        bound = f"{Decimal(str(ctx.get(key, 0))):,f}"
        return f"{bound}{ja}にしてください。", f"give a figure {en} {bound}"
    if kind == "extra_forbidden":
        return "この項目は使えません。", "not a field of an energy record; leave it out"
    text = str(error.get("msg", "")).removeprefix("Value error, ")
    return RULES_JA.get(text, "この値は使えません。入力内容を確かめてください。"), text


def validated(data: Mapping[str, Any], names: Mapping[str, str] | None = None) -> EnergyFields:
    """``data`` as a record; ``names`` are how the caller calls the fields (a command's
    options, ``{"start": "--from"}``), named in the message next to the field's own name.

    Raises:
        InvalidInputError: every problem, each with its field, in Japanese and English;
            ``field`` names the first field at fault.
    """
    try:
        return EnergyFields.model_validate(dict(data))
    except ValidationError as exc:
        en_parts, ja_parts, first = [], [], None
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            first = first or field or None
            ja_name, en_name = FIELD_NAMES.get(field, (field, field))
            given = (names or {}).get(field)
            ja, en = problem(error)
            ja_parts.append(f"{ja_name}{f'（{given}）' if given else ''}: {ja}")
            en_parts.append(f"{given or en_name}: {en}")
        raise InvalidInputError("; ".join(en_parts), ja=" ".join(ja_parts), field=first) from None
