"""Data holders, the communication with them and the benefits returned to them
(guideline 2(5): continuous communication with holders of data, such as intellectual
property holders, about how their data is used, and measures that return benefits to them).

What a person writes is validated here, before anything is stored: lengths, kinds, rights,
channels and statuses as codes (their words live in the message catalogs as
``data-holder-kind:<code>``, ``data-right:<code>``, ``data-channel:<code>``,
``benefit-kind:<code>`` and ``benefit-status:<code>``), at most :data:`MAX_DATASETS` linked
dataset records, a communication date that is not in the future on the organisation's clock,
and a benefit that does not end before it starts.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_DATASETS = 100
"""Dataset records one data holder may be linked to."""
MAX_HOLDERS = 1000
"""Data holders one organisation may hold (archived ones included)."""
MAX_COMMUNICATIONS = 1000
"""Communications logged for one data holder."""
MAX_BENEFITS = 100
"""Benefit-return arrangements for one data holder."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
DatasetId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class HolderKind(StrEnum):
    """Who holds the data."""

    INDIVIDUALS = "individuals"
    CREATORS = "creators"
    """Creators and rights holders (authors, artists, publishers)."""
    COMPANIES = "companies"
    PUBLIC_BODIES = "public_bodies"
    COMMUNITIES = "communities"
    OTHER = "other"


class Right(StrEnum):
    """A right or interest a holder has in the data."""

    COPYRIGHT = "copyright"
    PERSONAL_DATA = "personal_data"
    TRADE_SECRETS = "trade_secrets"
    OTHER = "other"


class Channel(StrEnum):
    """How the organisation communicated with a holder."""

    MEETING = "meeting"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"
    WEB = "web"
    OTHER = "other"


class BenefitKind(StrEnum):
    """What is returned to a holder."""

    REVENUE_SHARE = "revenue_share"
    ATTRIBUTION = "attribution"
    ACCESS = "access"
    """Access to the model or its outputs."""
    DATA_BACK = "data_back"
    """Data (cleaned, labelled or derived) given back."""
    OTHER = "other"


class BenefitStatus(StrEnum):
    """Where a benefit-return arrangement stands."""

    PLANNED = "planned"
    ACTIVE = "active"
    ENDED = "ended"


class DataHolderFields(BaseModel):
    """What a person records about one data holder."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: HolderKind = HolderKind.OTHER
    data: Text = Field(default="", description="What data they hold or provided")
    rights: list[Right] = Field(
        default_factory=list, max_length=len(Right), description="Their rights and interests"
    )
    interests: Text = Field(default="", description="What else they care about")
    contact: Contact = Field(
        default="", description="How to reach them (personal data: admins and editors only)"
    )
    datasets: list[DatasetId] = Field(
        default_factory=list,
        max_length=MAX_DATASETS,
        description="The organisation's dataset records holding their data",
    )

    @model_validator(mode="after")
    def _once(self) -> Self:
        self.rights = sorted(set(self.rights))
        self.datasets = sorted(set(self.datasets))
        return self


class CommunicationFields(BaseModel):
    """One communication with a data holder."""

    model_config = ConfigDict(extra="forbid")

    happened_on: date | None = Field(
        default=None, description="The day, on the organisation's clock (today when empty)"
    )
    channel: Channel = Channel.MEETING
    summary: Summary
    outcome: Text = Field(default="", description="What came of it")


class BenefitFields(BaseModel):
    """One arrangement returning benefits to a data holder."""

    model_config = ConfigDict(extra="forbid")

    kind: BenefitKind
    recipient: Name = Field(description="To whom it is returned")
    method: Text = Field(default="", description="How it is returned")
    since: date
    until: date | None = None
    status: BenefitStatus = BenefitStatus.PLANNED

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.until is not None and self.until < self.since:
            raise ValueError("the end date cannot be before the start date")
        return self


def in_the_future(day: date, today: date) -> bool:
    """Whether a communication dated ``day`` would lie after ``today`` (the organisation's)."""
    return day > today
