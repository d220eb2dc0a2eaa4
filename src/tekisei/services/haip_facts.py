"""Where a HAIP report's facts come from: a registry of typed fact sources per section, the
sections as the catalog describes them, and what the assessments already answer.

A fact source is a function of a :class:`FactContext` that returns a
:class:`~tekisei.core.haip_facts.FactBlock` (or None when it has nothing to say). It is
registered for a section with :func:`register_fact_source`, at import time of the module
that defines it; :data:`SOURCE_MODULES` lists the modules imported before facts are
collected. The built-in sources (``services/haip_sources.py``,
``services/haip_disclosure_sources.py``) cover the risk register,
evaluation runs, records, notices, assessments, executive decisions and provenance, and
``services/haip_policy_sources.py`` the AI policies in force and
``services/haip_incident_sources.py`` the incident register; another register plugs in
the same way::

    register_fact_source("4", incident_facts)

Every source reads through the reader's scope (``services/scope.py``), so a report never
shows a reader what they could not see otherwise.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.assessments import AnswerState
from tekisei.core.catalog import urn
from tekisei.core.haip_facts import Answered, FactBlock, HaipFacts, coverage
from tekisei.core.haip_reports import CODE_OF_CONDUCT, FRAMEWORK, SECTIONS, SectionId
from tekisei.core.notes import NoteKey, read_note
from tekisei.core.orgs import Principal
from tekisei.db.assessments import AnswerRow, AssessmentRow
from tekisei.db.catalog import CatalogNodeRow, CrosswalkLinkRow
from tekisei.db.systems import SystemRow
from tekisei.errors import NotFoundError
from tekisei.services.scope import visible

GUIDELINE = "jp-ai-appropriateness-2025"


@dataclass(frozen=True)
class FactContext:
    """What a fact source is given: the session, the reader, and the reporting period as
    instants (``start`` inclusive, ``end`` exclusive, the organisation's days)."""

    session: Session
    principal: Principal
    period_start: date
    period_end: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        """The first instant of the period on the organisation's clock, in UTC."""
        return datetime.combine(self.period_start, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The instant the period ends (midnight after its last day), in UTC."""
        return datetime.combine(self.period_end + timedelta(days=1), time(), self.zone).astimezone(
            UTC
        )


FactProvider = Callable[[FactContext], FactBlock | None]
"""A fact source: what it found for the reader in the period, or None."""

_SOURCES: dict[SectionId, list[FactProvider]] = {section: [] for section in SECTIONS}
SOURCE_MODULES: tuple[str, ...] = (
    "tekisei.services.haip_sources",
    "tekisei.services.haip_disclosure_sources",
    "tekisei.services.haip_policy_sources",
    "tekisei.services.haip_incident_sources",
)
"""Modules that register fact sources when imported (add one line per new module)."""
_loaded: list[str] = []


def register_fact_source(section: SectionId, provider: FactProvider) -> None:
    """Register ``provider`` as a fact source of ``section`` (registering it again does
    nothing; sources answer in the order they were registered).

    Raises:
        ValueError: ``section`` is not one of the seven.
    """
    if section not in _SOURCES:
        raise ValueError(f"the HAIP report has sections 1 to 7, not {section!r}")
    if provider not in _SOURCES[section]:
        _SOURCES[section].append(provider)


def unregister_fact_source(section: SectionId, provider: FactProvider) -> None:
    """Take ``provider`` off ``section``'s sources (a test's own source, for one)."""
    if provider in _SOURCES.get(section, []):
        _SOURCES[section].remove(provider)


def fact_sources(section: SectionId) -> tuple[FactProvider, ...]:
    """The fact sources of ``section``, built-in and plugged in."""
    for module in SOURCE_MODULES:
        if module not in _loaded:
            importlib.import_module(module)
            _loaded.append(module)
    return tuple(_SOURCES[section])


class ActionInfo(BaseModel):
    """A Code of Conduct action a section reports on."""

    ref: str
    title_ja: str
    title_en: str
    relation: str


class ItemInfo(BaseModel):
    """A guideline item a section serves (the guideline→HAIP crosswalk)."""

    section: str
    title_ja: str
    title_en: str
    relation: str


class SectionInfo(BaseModel):
    """A section of the reporting framework as the catalog holds it: its verified title,
    the Code of Conduct actions it reports on and the guideline items it serves."""

    section: SectionId
    title_ja: str
    title_en: str
    actions: list[ActionInfo]
    items: list[ItemInfo]


def section_infos(session: Session) -> list[SectionInfo]:
    """The seven sections with their titles, actions and guideline items.

    Raises:
        NotFoundError: the reporting framework is not loaded.
    """
    nodes = {
        n.ref: n
        for n in session.scalars(
            select(CatalogNodeRow).where(CatalogNodeRow.framework_id == FRAMEWORK)
        )
    }
    if not all(section in nodes for section in SECTIONS):
        raise NotFoundError(
            "the HAIP reporting framework is not in the catalog; run 'tekisei catalog load'",
            ja="カタログにHAIP報告枠組みがありません。tekisei catalog load を実行してください。",
        )
    out: list[SectionInfo] = []
    for section in SECTIONS:
        node = nodes[section]
        actions = session.execute(
            select(CrosswalkLinkRow, CatalogNodeRow)
            .join(CatalogNodeRow, CatalogNodeRow.urn == CrosswalkLinkRow.target_urn)
            .where(
                CrosswalkLinkRow.source_urn == node.urn,
                CrosswalkLinkRow.target_framework == CODE_OF_CONDUCT,
            )
            .order_by(CatalogNodeRow.position)
        )
        items = session.execute(
            select(CrosswalkLinkRow, CatalogNodeRow)
            .join(CatalogNodeRow, CatalogNodeRow.urn == CrosswalkLinkRow.source_urn)
            .where(
                CrosswalkLinkRow.target_urn == node.urn,
                CatalogNodeRow.framework_id == GUIDELINE,
            )
            .order_by(CatalogNodeRow.position)
        )
        out.append(
            SectionInfo(
                section=section,
                title_ja=node.title_ja,
                title_en=node.title_en,
                actions=[
                    ActionInfo(
                        ref=target.ref,
                        title_ja=target.title_ja,
                        title_en=target.title_en,
                        relation=link.relation or "related",
                    )
                    for link, target in actions
                ],
                items=[
                    ItemInfo(
                        section=item.section,
                        title_ja=item.title_ja,
                        title_en=item.title_en,
                        relation=link.relation or "related",
                    )
                    for link, item in items
                ],
            )
        )
    return out


def answered_actions(session: Session, principal: Principal, refs: set[str]) -> dict[str, Answered]:
    """Per Code of Conduct action, the guideline items linked to it that the latest
    guideline assessment of a visible system answers as implemented or partly so (an
    answer started by a published HAIP report itself does not count)."""
    links = session.execute(
        select(CrosswalkLinkRow.target_urn, CatalogNodeRow.urn, CatalogNodeRow.section)
        .join(CatalogNodeRow, CatalogNodeRow.urn == CrosswalkLinkRow.source_urn)
        .where(
            CrosswalkLinkRow.target_framework == CODE_OF_CONDUCT,
            CatalogNodeRow.framework_id == GUIDELINE,
        )
    )
    wanted = {urn(CODE_OF_CONDUCT, ref): ref for ref in refs}
    items: dict[str, tuple[str, str]] = {}  # guideline urn → (action, section)
    by_item: dict[str, list[str]] = {}
    for target, source, section in links:
        if target in wanted:
            by_item.setdefault(source, []).append(wanted[target])
            items[source] = (wanted[target], section)
    systems = session.scalars(
        select(SystemRow.id).where(visible(principal, SystemRow.org_id, SystemRow.id))
    ).all()
    found: dict[str, tuple[set[str], set[int]]] = {}
    for system_id in systems:
        latest = session.scalars(
            select(AssessmentRow.id)
            .where(AssessmentRow.system_id == system_id, AssessmentRow.framework_id == GUIDELINE)
            .order_by(AssessmentRow.id.desc())
        ).first()
        if latest is None:
            continue
        answers = session.execute(
            select(AnswerRow.node_urn, AnswerRow.auto_note).where(
                AnswerRow.assessment_id == latest,
                AnswerRow.node_urn.in_(list(by_item)),
                AnswerRow.state.in_([AnswerState.IMPLEMENTED.value, AnswerState.PARTIAL.value]),
            )
        )
        for node_urn, auto in answers:
            note = read_note(auto)
            if note is not None and note.key == NoteKey.HAIP_REPORT_ATTACHED.value:
                continue
            for action in by_item[node_urn]:
                sections, ids = found.setdefault(action, (set(), set()))
                sections.add(items[node_urn][1])
                ids.add(system_id)
    return {
        action: Answered(items=sorted(sections), systems=len(ids))
        for action, (sections, ids) in found.items()
    }


def collect(
    session: Session, principal: Principal, period_start: date, period_end: date, zone: ZoneInfo
) -> HaipFacts:
    """Every section's facts for the reader in the period, with their coverage."""
    context = FactContext(session, principal, period_start, period_end, zone)
    blocks: dict[SectionId, list[FactBlock]] = {}
    for section in SECTIONS:
        found = [block for provider in fact_sources(section) if (block := provider(context))]
        blocks[section] = found
    infos = section_infos(session)
    actions = {info.section: [a.ref for a in info.actions] for info in infos}
    refs = {ref for listed in actions.values() for ref in listed}
    answered = answered_actions(session, principal, refs)
    return HaipFacts(sections=blocks, coverage=coverage(actions, blocks, answered))
