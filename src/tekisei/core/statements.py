"""The public governance statement of an organisation (guideline 2(1), 3(4)): what it says
about its AI governance to anyone, without signing in.

A statement is put together from what the workspace holds: the organisation's basic AI
policy (the public version in force), the person responsible for AI governance (for a
ministry, the CAIO of fn 20), the other public policies in force, the systems whose
disclosure notices are published, and sections other parts of tekisei add (the latest
published HAIP report, for one). Each publication keeps the statement exactly as it was;
the format is versioned (``tekisei-statement/1``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.catalog import Localized
from tekisei.core.policies import PolicyContent, PolicyKind

FORMAT = "tekisei-statement/1"
SECTION_KEY = r"^[a-z][a-z0-9-]{0,39}$"
SITE_PATH = r"^/([A-Za-z0-9_.~%-][A-Za-z0-9/_.~%-]{0,499})?$"
"""An address on this site: a path only, never a scheme, a host (``//host``) or a query."""


class Responsible(BaseModel):
    """Who answers for the organisation's AI governance (its settings)."""

    model_config = ConfigDict(extra="forbid")

    person: str
    title: str = ""


class StatementPolicy(BaseModel):
    """A public policy in force, with its full text as approved."""

    model_config = ConfigDict(extra="forbid")

    policy_id: int
    kind: PolicyKind
    number: int
    effective_on: date
    content: PolicyContent


class StatementSystem(BaseModel):
    """A system whose disclosure notice is published."""

    model_config = ConfigDict(extra="forbid")

    name: str
    tier: str
    notice_path: Annotated[str, StringConstraints(pattern=SITE_PATH)]
    notice_version: int


class StatementSection(BaseModel):
    """A section another part of tekisei adds to the statement (``register_section`` in
    ``services/statements.py``): a document it published, by title, with where to read it."""

    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, StringConstraints(pattern=SECTION_KEY)]
    heading: Localized
    """The section's heading, in both languages (tekisei's words)."""
    title: Annotated[str, StringConstraints(max_length=300)]
    """The document's own title (the organisation's words)."""
    detail: Annotated[str, StringConstraints(max_length=500)] = ""
    """A line more, such as the period a report covers (the organisation's words)."""
    published_at: datetime | None = None
    path: Annotated[str, StringConstraints(pattern=SITE_PATH)] | None = None
    """Where the document is read on this site, without signing in."""


class StatementContent(BaseModel):
    """One statement as published."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["tekisei-statement/1"] = "tekisei-statement/1"
    organisation: str
    slug: str
    actors: list[str]
    responsible: Responsible | None = None
    basic_policy: StatementPolicy | None = None
    policies: list[StatementPolicy] = Field(default_factory=list)
    """The other public policies in force."""
    systems: list[StatementSystem] = Field(default_factory=list)
    sections: list[StatementSection] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        """The statement says nothing yet but the organisation's name."""
        return not (
            self.responsible or self.basic_policy or self.policies or self.systems or self.sections
        )


def digest(content: StatementContent) -> str:
    """SHA-256 of the statement's canonical JSON: the same content, the same digest."""
    data = json.dumps(
        content.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
