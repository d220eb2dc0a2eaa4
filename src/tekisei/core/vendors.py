"""Vendors and third parties (guideline 2(4): business continuity with the services a
system depends on; APPI art. 28: personal data processed abroad).

What a person writes is validated here, before anything is stored: lengths, the kinds as
codes (their words live in the message catalogs as ``vendor-kind:<code>``), the data
categories as the product's :class:`~tekisei.core.systems.DataCategory` codes, at most
:data:`MAX_SYSTEMS` dependent systems, dates in order, and the APPI rule: when personal
data goes abroad, the legal basis under art. 28 must be written down.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tekisei.core.systems import DataCategory

MAX_SYSTEMS = 50
"""Systems that may depend on one vendor."""
MAX_VENDORS = 1000
"""Vendors one organisation may hold (archived ones included)."""
MAX_EVENTS = 1000
"""Changes recorded for one vendor."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
SystemId = Annotated[int, Field(ge=1, le=2**31 - 1)]

APPI_RULE = "personal data goes abroad: write the legal basis under APPI art. 28"
CONTRACT_RULE = "the contract cannot end before it starts"
REVIEW_RULE = "the next review cannot come before the last one"
RULES_JA = {
    APPI_RULE: "個人データが外国に移転されます。個人情報保護法第28条に基づく根拠を書いてください。",
    CONTRACT_RULE: "契約の終了日は開始日より後にしてください。",
    REVIEW_RULE: "次回の見直し日は前回の見直し日より後にしてください。",
}
"""The rules above in Japanese, for forms."""


class VendorKind(StrEnum):
    """What a vendor provides."""

    AI_API = "ai_api"
    """An LLM or other AI service used through an API."""
    MODEL = "model"
    """A model provider (weights or a licensed model)."""
    DATA = "data"
    CLOUD = "cloud"
    """Cloud computing or hosting."""
    INTEGRATOR = "integrator"
    """A system integrator or contractor that builds or runs the system."""
    OTHER = "other"


class ChangeReason(StrEnum):
    """Why a vendor is marked as changed; each opens reviews with its own note."""

    MODEL_CHANGE = "model_change"
    TERMS_CHANGE = "terms_change"
    SECURITY_INCIDENT = "security_incident"
    OTHER = "other"


class EventKind(StrEnum):
    """An entry of a vendor's history."""

    CREATED = "created"
    UPDATED = "updated"
    CHANGED = "changed"
    """The vendor changed (its model, its terms, an incident): reviews were opened."""
    ARCHIVED = "archived"
    """The organisation stopped using the vendor: reviews were opened."""


class VendorFields(BaseModel):
    """What a person records about one vendor."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: VendorKind = VendorKind.OTHER
    region: Short = Field(default="", description="Country or region where it processes data")
    abroad: bool = Field(default=False, description="Personal data goes abroad (APPI art. 28)")
    abroad_basis: Text = Field(
        default="",
        description="The legal basis under APPI art. 28 (required when abroad)",
        validate_default=True,
    )
    contract_ref: Short = ""
    contract_start: date | None = None
    contract_end: date | None = Field(default=None, validate_default=True)
    covers_ai_use: bool = False
    covers_data_use: bool = False
    covers_incidents: bool = Field(default=False, description="Incident notification")
    covers_exit: bool = Field(default=False, description="Exit: data return, transition")
    data_categories: list[DataCategory] = Field(default_factory=list, max_length=10)
    last_review: date | None = Field(default=None, description="Last vendor review")
    review_result: Text = ""
    next_review: date | None = Field(default=None, validate_default=True)
    contact: Contact = Field(default="", description="Admins and editors only")
    systems: list[SystemId] = Field(
        default_factory=list, max_length=MAX_SYSTEMS, description="Systems that depend on it"
    )

    @field_validator("abroad_basis")
    @classmethod
    def _appi_basis(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("abroad") and not value:
            raise ValueError(APPI_RULE)
        return value

    @field_validator("contract_end")
    @classmethod
    def _contract_order(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("contract_start")
        if value and start and value < start:
            raise ValueError(CONTRACT_RULE)
        return value

    @field_validator("next_review")
    @classmethod
    def _review_order(cls, value: date | None, info: ValidationInfo) -> date | None:
        last = info.data.get("last_review")
        if value and last and value < last:
            raise ValueError(REVIEW_RULE)
        return value

    @model_validator(mode="after")
    def _once(self) -> Self:
        self.systems = sorted(set(self.systems))
        self.data_categories = sorted(set(self.data_categories), key=list(DataCategory).index)
        return self


class VendorChange(BaseModel):
    """A vendor changed: why, in a code and in words."""

    model_config = ConfigDict(extra="forbid")

    reason: ChangeReason
    detail: Text = Field(default="", description="What changed")


def named_in(name: str, facts_vendors: list[str]) -> bool:
    """Whether a system's ``vendors`` fact list names the vendor (case-insensitively)."""
    wanted = name.strip().casefold()
    return any(v.strip().casefold() == wanted for v in facts_vendors)
