"""A HAIP report's sections as a document: the catalog's sections with the narratives,
the facts and (inside the organisation) their coverage, ready for every format."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tekisei.core.haip_documents import DocAction, DocItem, DocSection
from tekisei.core.haip_facts import FactBlock, HaipFacts
from tekisei.core.haip_reports import HaipContent
from tekisei.services.haip_facts import section_infos


def public_block(block: FactBlock, details: bool) -> FactBlock:
    """``block`` as the public reads it: the summary lines, and the table only when the
    organisation chose to publish details."""
    return block if details else block.model_copy(update={"table": None})


def sections(
    session: Session,
    content: HaipContent,
    facts: HaipFacts,
    *,
    details: bool = True,
    coverage: bool = True,
) -> list[DocSection]:
    """The seven sections: titles, actions and guideline items from the catalog, the
    narratives, the fact blocks (tables only with ``details``) and, with ``coverage``,
    how far the workspace covers each action.

    Raises:
        NotFoundError: the reporting framework is not loaded.
    """
    covered = {c.section: c for c in facts.coverage}
    out: list[DocSection] = []
    for info in section_infos(session):
        out.append(
            DocSection(
                section=info.section,
                title_ja=info.title_ja,
                title_en=info.title_en,
                actions=[
                    DocAction(ref=a.ref, title_ja=a.title_ja, title_en=a.title_en)
                    for a in info.actions
                ],
                items=[
                    DocItem(section=i.section, title_ja=i.title_ja, title_en=i.title_en)
                    for i in info.items
                ],
                narrative=content.section(info.section),
                blocks=[public_block(b, details) for b in facts.blocks(info.section)],
                coverage=covered.get(info.section) if coverage else None,
            )
        )
    return out
