"""Governance as code: one AI system's facts, risks and answers in a versioned YAML file,
kept next to the system's code and applied with ``tekisei apply``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.assessments import AnswerBase
from tekisei.core.risks import RiskBase
from tekisei.core.systems import SystemFacts

FORMAT = "tekisei-system/1"
Code = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,79}$", strip_whitespace=True)
]
Owner = Annotated[
    str,
    Field(
        description="The email of the member who owns it (owners are chosen from the "
        "organisation's members); empty for none"
    ),
    StringConstraints(strip_whitespace=True, max_length=320),
]


class SystemSpec(SystemFacts):
    """The system's facts and the stable code that finds it again."""

    code: Code = Field(description="Stable key of the system within the organisation")


class RiskSpec(RiskBase):
    """A risk, its owner and the stable code that finds it again."""

    code: Code = Field(description="Stable key of the risk within the system")
    owner: Owner = ""


class AnswerSpec(AnswerBase):
    """The answer to one guideline requirement, its owner, and links that back it."""

    owner: Owner = ""
    requirement: Annotated[str, StringConstraints(min_length=1, max_length=250)] = Field(
        description="A section as printed (e.g. '2(3)') or a URN"
    )
    evidence: list[AnyHttpUrl] = Field(default_factory=list, max_length=50)


class GovernanceFile(BaseModel):
    """A governance-as-code file (format ``tekisei-system/1``)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["tekisei-system/1"]
    org: Code | None = Field(default=None, description="Organisation id (or --org)")
    system: SystemSpec
    risks: list[RiskSpec] = Field(default_factory=list)
    answers: list[AnswerSpec] = Field(default_factory=list)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the format."""
    return GovernanceFile.model_json_schema()
