"""The catalog: frameworks, their requirement nodes and the crosswalks between them.

Everything here is pure: pydantic models for the catalog file formats (the
format users write, with a JSON Schema), the URN scheme, and the rules that
tie files together. Reading YAML and the database live elsewhere.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

CATALOG_FORMAT = "tekisei-catalog/1"
CROSSWALK_FORMAT = "tekisei-crosswalk/1"
URN_PREFIX = "urn:tekisei:req:"

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")


class Actor(StrEnum):
    """The actors the guideline names (AI Promotion Act arts. 4-8)."""

    RESEARCH = "research"
    BUSINESS = "business"
    NATIONAL = "national"
    LOCAL = "local"
    CITIZEN = "citizen"


class SystemRole(StrEnum):
    """What an organisation is for one AI system."""

    DEVELOPER = "developer"
    PROVIDER = "provider"
    USER = "user"


class Relation(StrEnum):
    """How a source node relates to a target node.

    Read as "source is <relation> target": ``subset`` means the source asks
    for less than (a part of) the target, ``superset`` more.
    """

    EQUAL = "equal"
    SUBSET = "subset"
    SUPERSET = "superset"
    INTERSECT = "intersect"
    RELATED = "related"

    def inverse(self) -> Relation:
        """The relation read from the target's side."""
        if self is Relation.SUBSET:
            return Relation.SUPERSET
        if self is Relation.SUPERSET:
            return Relation.SUBSET
        return self


FrameworkId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$", min_length=2, max_length=80),
]
Ref = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", min_length=1, max_length=80),
]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Strict):
    """A text in Japanese and English; both are required."""

    ja: NonEmpty
    en: NonEmpty

    def get(self, lang: Lang) -> str:
        """The text in ``lang``."""
        return self.ja if lang == "ja" else self.en


class FrameworkInfo(_Strict):
    """Identity and provenance of one framework version."""

    id: FrameworkId
    version: NonEmpty
    title: Localized
    publisher: Localized
    published: date
    source: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    status: Literal["verified", "secondary", "project"] = Field(
        description="verified: structure checked against a primary-derived source; "
        "secondary: known from secondary sources only; project: defined by tekisei itself",
    )
    note: Localized | None = None


class Node(_Strict):
    """One requirement (or grouping) of a framework."""

    ref: Ref = Field(description="Stable id inside the framework; part of the URN")
    section: NonEmpty = Field(description="The source's own numbering, as printed")
    parent: Ref | None = None
    assessable: bool = False
    title: Localized
    text: Localized
    actors: list[Actor] = Field(min_length=1)
    system_roles: list[SystemRole] = Field(
        default_factory=list,
        description="Roles towards a system for which the node applies; empty means any",
    )
    evidence: Localized | None = Field(
        default=None, description="What would show the requirement is met"
    )

    @model_validator(mode="after")
    def _assessable_needs_evidence(self) -> Self:
        if self.assessable and self.evidence is None:
            raise ValueError(
                "an assessable node needs an 'evidence' hint (ja and en): "
                "say what would show the requirement is met"
            )
        return self


class CatalogFile(_Strict):
    """A catalog file: one framework version and its nodes."""

    format: Literal["tekisei-catalog/1"]
    framework: FrameworkInfo
    nodes: list[Node] = Field(min_length=1)

    @model_validator(mode="after")
    def _tree_is_consistent(self) -> Self:
        refs: dict[str, int] = {}
        sections: dict[str, int] = {}
        for index, node in enumerate(self.nodes):
            if node.ref in refs:
                raise ValueError(
                    f"nodes[{index}]: ref '{node.ref}' is already used by nodes[{refs[node.ref]}]; "
                    "every ref must be unique"
                )
            refs[node.ref] = index
            if node.section in sections:
                raise ValueError(
                    f"nodes[{index}]: section '{node.section}' is already used by "
                    f"nodes[{sections[node.section]}]; every section must be unique"
                )
            sections[node.section] = index
        for index, node in enumerate(self.nodes):
            if node.parent is not None and node.parent not in refs:
                raise ValueError(
                    f"nodes[{index}]: parent '{node.parent}' is not a ref in this file"
                )
        for node in self.nodes:
            seen = {node.ref}
            parent = node.parent
            while parent is not None:
                if parent in seen:
                    raise ValueError(f"node '{node.ref}' is its own ancestor; break the cycle")
                seen.add(parent)
                parent = self.nodes[refs[parent]].parent
        return self


class Link(_Strict):
    """Counterparts of one source node in the target framework.

    An empty ``to`` states explicitly that the target has no counterpart; the
    rationale then says why.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: Ref = Field(alias="from")
    to: list[Ref]
    relation: Relation | None = None
    rationale: Localized

    @model_validator(mode="after")
    def _relation_matches_targets(self) -> Self:
        if self.to and self.relation is None:
            raise ValueError(
                "a link with targets needs a 'relation' "
                "(equal, subset, superset, intersect or related)"
            )
        if not self.to and self.relation is not None:
            raise ValueError("an empty 'to' states that there is no counterpart; remove 'relation'")
        return self


class CrosswalkFile(_Strict):
    """A crosswalk file: links from one framework's nodes to another's."""

    format: Literal["tekisei-crosswalk/1"]
    source: FrameworkId
    target: FrameworkId
    status: Literal["proposed", "official"]
    links: list[Link] = Field(min_length=1)

    @property
    def id(self) -> str:
        """The crosswalk's id, ``<source>--<target>``."""
        return f"{self.source}--{self.target}"

    @model_validator(mode="after")
    def _distinct_frameworks(self) -> Self:
        if self.source == self.target:
            raise ValueError("a crosswalk links two different frameworks")
        return self


def urn(framework_id: str, ref: str) -> str:
    """The URN of a node: ``urn:tekisei:req:<framework-id>:<ref>``."""
    return f"{URN_PREFIX}{framework_id}:{ref}"


_URN = re.compile(r"^urn:tekisei:req:([a-z0-9][a-z0-9.-]*[a-z0-9]):(.+)$")


def split_reference(reference: str) -> tuple[str, str, bool]:
    """Split a user's reference into (framework id, key, key_is_ref).

    A reference is a URN (key is a ref) or ``<framework-id>:<key>`` where the
    key is a section as printed or a ref.

    Raises:
        ValueError: the reference has neither form.
    """
    text = reference.strip()
    match = _URN.match(text)
    if match:
        return match.group(1), match.group(2), True
    framework, sep, key = text.partition(":")
    if not sep or not framework or not key.strip():
        raise ValueError(
            f"'{reference}' is not a reference; write a URN such as "
            "'urn:tekisei:req:jp-ai-appropriateness-2025:2.3' or "
            "'<framework-id>:<section>' such as 'jp-ai-appropriateness-2025:2(3)'"
        )
    return framework.strip(), key.strip(), False


def crosswalk_problems(
    crosswalk: CrosswalkFile, source_refs: set[str], target_refs: set[str]
) -> list[tuple[int, str, str]]:
    """Links that point at refs missing from their frameworks.

    Returns:
        (link index, field, message) for each problem.
    """
    problems: list[tuple[int, str, str]] = []
    for index, link in enumerate(crosswalk.links):
        if link.source not in source_refs:
            problems.append((index, "from", f"'{link.source}' is not a ref of {crosswalk.source}"))
        for target in link.to:
            if target not in target_refs:
                problems.append((index, "to", f"'{target}' is not a ref of {crosswalk.target}"))
    return problems


class NodeChange(BaseModel):
    """A node that differs between two versions of a framework."""

    ref: str
    section: str
    fields: list[str]


class CatalogDiff(BaseModel):
    """Nodes added, removed and changed between two catalog files."""

    old: str
    new: str
    added: list[str]
    removed: list[str]
    changed: list[NodeChange]

    @property
    def empty(self) -> bool:
        """Whether the two versions have the same nodes."""
        return not (self.added or self.removed or self.changed)


_COMPARED = (
    "section",
    "parent",
    "assessable",
    "title",
    "text",
    "actors",
    "system_roles",
    "evidence",
)


def diff_catalogs(old: CatalogFile, new: CatalogFile) -> CatalogDiff:
    """Compare two catalog files node by node (matched on ref)."""
    old_nodes = {node.ref: node for node in old.nodes}
    new_nodes = {node.ref: node for node in new.nodes}
    changed: list[NodeChange] = []
    for ref, node in new_nodes.items():
        before = old_nodes.get(ref)
        if before is None:
            continue
        fields = [f for f in _COMPARED if getattr(before, f) != getattr(node, f)]
        if fields:
            changed.append(NodeChange(ref=ref, section=node.section, fields=fields))
    return CatalogDiff(
        old=f"{old.framework.id} {old.framework.version}",
        new=f"{new.framework.id} {new.framework.version}",
        added=[ref for ref in new_nodes if ref not in old_nodes],
        removed=[ref for ref in old_nodes if ref not in new_nodes],
        changed=changed,
    )


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of the two file formats, keyed ``catalog`` and ``crosswalk``."""
    return {
        "catalog": CatalogFile.model_json_schema(by_alias=True),
        "crosswalk": CrosswalkFile.model_json_schema(by_alias=True),
    }
