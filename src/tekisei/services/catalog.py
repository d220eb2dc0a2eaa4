"""Catalog use cases: load shipped or custom frameworks, browse, search, cross-reference."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Integer, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from tekisei.core.catalog import (
    CatalogDiff,
    CatalogFile,
    CrosswalkFile,
    FrameworkInfo,
    Link,
    Localized,
    Node,
    Relation,
    diff_catalogs,
    split_reference,
    urn,
)
from tekisei.core.catalog_views import (
    CrosswalkEntry,
    FrameworkSummary,
    LoadReport,
    NoCounterpart,
    NodeDetail,
    NodeSummary,
)
from tekisei.core.notes import AutoNote, NoteKey
from tekisei.db.catalog import CatalogNodeRow, CrosswalkLinkRow, CrosswalkRow, FrameworkRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services.catalog_files import parse_file, parse_files, shipped_files

SEARCH_LIMIT_MAX = 200


# ----------------------------------------------------------------------------- loading


def load_catalogs(session: Session, paths: Sequence[Path] | None = None) -> LoadReport:
    """Load catalog and crosswalk files into the database, idempotently.

    A file whose checksum matches what is stored is skipped. Nodes are matched
    by URN, so a corrected file updates nodes in place.

    Args:
        session: an open session; the caller commits.
        paths: files to load; the shipped catalogs when None.

    Raises:
        CatalogFileError: a file is invalid; nothing is written.
    """
    files = list(paths) if paths is not None else shipped_files()
    known = _known_refs(session)
    parsed = parse_files(files, known)
    now = datetime.now(UTC)
    loaded: list[str] = []
    unchanged: list[str] = []
    reloaded_frameworks: set[str] = set()
    for item in parsed:
        if isinstance(item.content, CatalogFile):
            fid = item.content.framework.id
            row = session.get(FrameworkRow, fid)
            if row is not None and row.checksum == item.checksum:
                unchanged.append(fid)
                continue
            if row is not None:
                _reopen_reviews(session, _changed_urns(session, item.content))
            _store_framework(session, item.content, item.checksum, now)
            reloaded_frameworks.add(fid)
            loaded.append(fid)
    session.flush()
    for item in parsed:
        if isinstance(item.content, CrosswalkFile):
            crosswalk = item.content
            row_cw = session.get(CrosswalkRow, crosswalk.id)
            touched = {crosswalk.source, crosswalk.target} & reloaded_frameworks
            if row_cw is not None and row_cw.checksum == item.checksum and not touched:
                unchanged.append(crosswalk.id)
                continue
            _store_crosswalk(session, crosswalk, item.checksum, now)
            loaded.append(crosswalk.id)
    session.flush()
    return LoadReport(loaded=loaded, unchanged=unchanged)


def _changed_urns(session: Session, new: CatalogFile) -> set[str]:
    """URNs of nodes a new version of a loaded framework changes or removes."""
    result = diff_catalogs(export_framework(session, new.framework.id), new)
    refs = set(result.removed) | {change.ref for change in result.changed}
    return {urn(new.framework.id, ref) for ref in refs}


def _reopen_reviews(session: Session, changed: set[str]) -> None:
    """Open a review (1(3)④) for every system with an answer to a changed requirement."""
    if not changed:
        return
    from tekisei.core.orgs import Principal, Role
    from tekisei.core.reviews import Trigger
    from tekisei.db.assessments import AnswerRow, AssessmentRow
    from tekisei.db.orgs import OrgRow
    from tekisei.db.systems import SystemRow
    from tekisei.services import reviews

    touched: dict[int, set[str]] = {}
    rows = session.execute(
        select(AssessmentRow.system_id, AnswerRow.node_urn)
        .join(AnswerRow, AnswerRow.assessment_id == AssessmentRow.id)
        .where(AnswerRow.node_urn.in_(changed))
    )
    for system_id, node_urn in rows:
        touched.setdefault(system_id, set()).add(node_urn.rsplit(":", 1)[1])
    for system_id, refs in touched.items():
        system = session.get(SystemRow, system_id)
        org = session.get(OrgRow, system.org_id) if system else None
        if system is None or org is None:
            continue
        operator = Principal(
            user_id=None,
            email="catalog",
            org_id=org.id,
            org_slug=org.slug,
            role=Role.ADMIN,
            org_name=org.name,
        )
        reviews.open_for(
            session,
            operator,
            system,
            Trigger.CATALOG_CHANGE,
            AutoNote.of(NoteKey.CATALOG_CHANGED, sections=", ".join(sorted(refs))),
        )


def _known_refs(session: Session) -> dict[str, set[str]]:
    refs: dict[str, set[str]] = {}
    for fid, ref in session.execute(select(CatalogNodeRow.framework_id, CatalogNodeRow.ref)):
        refs.setdefault(fid, set()).add(ref)
    return refs


def _store_framework(session: Session, catalog: CatalogFile, checksum: str, now: datetime) -> None:
    info = catalog.framework
    row = session.get(FrameworkRow, info.id)
    if row is None:
        row = FrameworkRow(id=info.id)
        session.add(row)
    row.version = info.version
    row.title_ja, row.title_en = info.title.ja, info.title.en
    row.publisher_ja, row.publisher_en = info.publisher.ja, info.publisher.en
    row.published = info.published
    row.source = info.source
    row.status = info.status
    row.note_ja = info.note.ja if info.note else None
    row.note_en = info.note.en if info.note else None
    row.checksum = checksum
    row.loaded_at = now

    parents = {node.ref: node.parent for node in catalog.nodes}
    existing = {
        r.urn: r
        for r in session.scalars(
            select(CatalogNodeRow).where(CatalogNodeRow.framework_id == info.id)
        )
    }
    wanted: set[str] = set()
    for position, node in enumerate(catalog.nodes):
        node_urn = urn(info.id, node.ref)
        wanted.add(node_urn)
        node_row = existing.get(node_urn)
        if node_row is None:
            node_row = CatalogNodeRow(urn=node_urn, framework_id=info.id)
            session.add(node_row)
        node_row.ref = node.ref
        node_row.section = node.section
        node_row.parent_urn = urn(info.id, node.parent) if node.parent else None
        node_row.position = position
        node_row.depth = _depth(node.ref, parents)
        node_row.assessable = node.assessable
        node_row.title_ja, node_row.title_en = node.title.ja, node.title.en
        node_row.text_ja, node_row.text_en = node.text.ja, node.text.en
        node_row.evidence_ja = node.evidence.ja if node.evidence else None
        node_row.evidence_en = node.evidence.en if node.evidence else None
        node_row.actors = [a.value for a in node.actors]
        node_row.system_roles = [r.value for r in node.system_roles]
    for node_urn, node_row in existing.items():
        if node_urn not in wanted:
            session.delete(node_row)


def _depth(ref: str, parents: dict[str, str | None]) -> int:
    depth = 0
    parent = parents.get(ref)
    while parent is not None:
        depth += 1
        parent = parents.get(parent)
    return depth


def _store_crosswalk(
    session: Session, crosswalk: CrosswalkFile, checksum: str, now: datetime
) -> None:
    row = session.get(CrosswalkRow, crosswalk.id)
    if row is None:
        row = CrosswalkRow(id=crosswalk.id)
        session.add(row)
    else:
        for old in session.scalars(
            select(CrosswalkLinkRow).where(CrosswalkLinkRow.crosswalk_id == crosswalk.id)
        ):
            session.delete(old)
        session.flush()
    row.source_framework = crosswalk.source
    row.target_framework = crosswalk.target
    row.status = crosswalk.status
    row.checksum = checksum
    row.loaded_at = now
    session.flush()  # the crosswalk row must exist before its links
    position = 0
    for link in crosswalk.links:
        targets: list[str | None] = [urn(crosswalk.target, t) for t in link.to] or [None]
        for target in targets:
            session.add(
                CrosswalkLinkRow(
                    crosswalk_id=crosswalk.id,
                    position=position,
                    source_urn=urn(crosswalk.source, link.source),
                    target_framework=crosswalk.target,
                    target_urn=target,
                    relation=link.relation.value if link.relation else None,
                    rationale_ja=link.rationale.ja,
                    rationale_en=link.rationale.en,
                )
            )
            position += 1


# ----------------------------------------------------------------------------- reading


def list_frameworks(session: Session) -> list[FrameworkSummary]:
    """Every loaded framework with its node and assessable counts."""
    counts = {
        fid: (total, int(assessable or 0))
        for fid, total, assessable in session.execute(
            select(
                CatalogNodeRow.framework_id,
                func.count(),
                func.sum(cast(CatalogNodeRow.assessable, Integer)),
            ).group_by(CatalogNodeRow.framework_id)
        )
    }
    rows = sorted(session.scalars(select(FrameworkRow)), key=_framework_order)
    return [_summary(row, *counts.get(row.id, (0, 0))) for row in rows]


GUIDELINE = "jp-ai-appropriateness-2025"


def _framework_order(row: FrameworkRow) -> tuple[int, str]:
    """The guideline first, frameworks of others next, tekisei's own last."""
    if row.id == GUIDELINE:
        return (0, row.id)
    return (2 if row.status == "project" else 1, row.id)


def _summary(row: FrameworkRow, nodes: int, assessable: int) -> FrameworkSummary:
    return FrameworkSummary(
        id=row.id,
        version=row.version,
        title_ja=row.title_ja,
        title_en=row.title_en,
        publisher_ja=row.publisher_ja,
        publisher_en=row.publisher_en,
        published=row.published,
        source=row.source,
        status=row.status,
        note_ja=row.note_ja,
        note_en=row.note_en,
        nodes=nodes,
        assessable=assessable,
    )


def get_framework(session: Session, framework_id: str) -> FrameworkSummary:
    """One loaded framework.

    Raises:
        NotFoundError: no framework with that id is loaded.
    """
    row = _framework_row(session, framework_id)
    total, assessable = session.execute(
        select(func.count(), func.sum(cast(CatalogNodeRow.assessable, Integer))).where(
            CatalogNodeRow.framework_id == row.id
        )
    ).one()
    return _summary(row, total, int(assessable or 0))


def _framework_row(session: Session, framework_id: str) -> FrameworkRow:
    row = session.get(FrameworkRow, framework_id)
    if row is None:
        known = list(session.scalars(select(FrameworkRow.id)))
        close = difflib.get_close_matches(framework_id, known, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        hint_ja = f"「{close[0]}」のことでしょうか。" if close else ""
        raise NotFoundError(
            f"framework '{framework_id}' is not loaded.{hint} "
            "List the loaded frameworks with 'tekisei catalog list'.",
            ja=f"枠組み「{framework_id}」は読み込まれていません。{hint_ja}"
            "読み込み済みの枠組みは tekisei catalog list で確認できます。",
        )
    return row


def framework_tree(session: Session, framework_id: str) -> list[NodeSummary]:
    """A framework's nodes in tree order (depth first, file order among siblings)."""
    _framework_row(session, framework_id)
    rows = list(
        session.scalars(
            select(CatalogNodeRow)
            .where(CatalogNodeRow.framework_id == framework_id)
            .order_by(CatalogNodeRow.position)
        )
    )
    children: dict[str | None, list[CatalogNodeRow]] = {}
    for row in rows:
        children.setdefault(row.parent_urn, []).append(row)
    ordered: list[NodeSummary] = []

    def walk(parent: str | None) -> None:
        for row in children.get(parent, []):
            ordered.append(_node_summary(row))
            walk(row.urn)

    walk(None)
    return ordered


def _node_summary(row: CatalogNodeRow) -> NodeSummary:
    return NodeSummary(
        urn=row.urn,
        framework=row.framework_id,
        ref=row.ref,
        section=row.section,
        parent=row.parent_urn,
        depth=row.depth,
        assessable=row.assessable,
        title_ja=row.title_ja,
        title_en=row.title_en,
    )


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def resolve_node(session: Session, reference: str) -> CatalogNodeRow:
    """The node a reference names: a URN, or ``<framework-id>:<section or ref>``.

    Sections match as printed, ignoring spaces and full-width/half-width forms.

    Raises:
        InvalidInputError: the reference is malformed.
        NotFoundError: no such framework or node.
    """
    try:
        framework_id, key, key_is_ref = split_reference(reference)
    except ValueError as exc:
        raise InvalidInputError(
            str(exc),
            ja=f"「{reference}」は項目の指定として読めません。"
            "URN（例: urn:tekisei:req:jp-ai-appropriateness-2025:2.3）か、"
            "「枠組みID:項番」（例: jp-ai-appropriateness-2025:2(3)）で指定してください。",
        ) from None
    _framework_row(session, framework_id)
    if key_is_ref:
        row = session.scalars(
            select(CatalogNodeRow).where(CatalogNodeRow.urn == urn(framework_id, key))
        ).first()
        if row is not None:
            return row
    rows = list(
        session.scalars(select(CatalogNodeRow).where(CatalogNodeRow.framework_id == framework_id))
    )
    wanted = _normal(key)
    for attribute in ("section", "ref"):
        for row in rows:
            if _normal(getattr(row, attribute)) == wanted:
                return row
    close = difflib.get_close_matches(key, [r.section for r in rows], n=3)
    hint = f" Close sections: {', '.join(close)}." if close else ""
    hint_ja = f"近い項番: {'、'.join(close)}。" if close else ""
    raise NotFoundError(
        f"'{key}' is neither a section nor a ref of {framework_id}.{hint} "
        f"See the whole tree with 'tekisei catalog show {framework_id}'.",
        ja=f"「{key}」は {framework_id} の項番にもrefにもありません。{hint_ja}"
        f"全体は tekisei catalog show {framework_id} で確認できます。",
    )


def get_node(session: Session, reference: str) -> NodeDetail:
    """A node with its text, children, ancestors and crosswalk in both directions.

    Raises:
        InvalidInputError: the reference is malformed.
        NotFoundError: no such framework or node.
    """
    row = resolve_node(session, reference)
    children = session.scalars(
        select(CatalogNodeRow)
        .where(CatalogNodeRow.parent_urn == row.urn)
        .order_by(CatalogNodeRow.position)
    )
    ancestors: list[NodeSummary] = []
    parent_urn = row.parent_urn
    while parent_urn is not None:
        parent = session.scalars(
            select(CatalogNodeRow).where(CatalogNodeRow.urn == parent_urn)
        ).one()
        ancestors.insert(0, _node_summary(parent))
        parent_urn = parent.parent_urn
    crosswalk, none = crosswalk_for(session, row.urn)
    return NodeDetail(
        urn=row.urn,
        framework=row.framework_id,
        ref=row.ref,
        section=row.section,
        parent=row.parent_urn,
        title_ja=row.title_ja,
        title_en=row.title_en,
        text_ja=row.text_ja,
        text_en=row.text_en,
        evidence_ja=row.evidence_ja,
        evidence_en=row.evidence_en,
        actors=list(row.actors),
        system_roles=list(row.system_roles),
        assessable=row.assessable,
        children=[_node_summary(child) for child in children],
        ancestors=ancestors,
        crosswalk=crosswalk,
        no_counterpart=none,
    )


def crosswalk_for(
    session: Session, node_urn: str
) -> tuple[list[CrosswalkEntry], list[NoCounterpart]]:
    """Counterparts of a node in every other framework, whichever side the link was written from.

    Links written from the other side are read in reverse (subset becomes superset).
    """
    other = aliased(CatalogNodeRow)
    entries: list[CrosswalkEntry] = []
    outgoing = session.execute(
        select(CrosswalkLinkRow, other)
        .join(other, other.urn == CrosswalkLinkRow.target_urn)
        .where(CrosswalkLinkRow.source_urn == node_urn)
        .order_by(CrosswalkLinkRow.target_framework, other.position)
    )
    for link, node in outgoing:
        entries.append(_entry(link, node, Relation(link.relation or Relation.RELATED)))
    incoming = session.execute(
        select(CrosswalkLinkRow, other)
        .join(other, other.urn == CrosswalkLinkRow.source_urn)
        .where(CrosswalkLinkRow.target_urn == node_urn)
        .order_by(other.framework_id, other.position)
    )
    for link, node in incoming:
        entries.append(_entry(link, node, Relation(link.relation or Relation.RELATED).inverse()))
    none = [
        NoCounterpart(
            framework=link.target_framework,
            rationale_ja=link.rationale_ja,
            rationale_en=link.rationale_en,
        )
        for link in session.scalars(
            select(CrosswalkLinkRow)
            .where(CrosswalkLinkRow.source_urn == node_urn, CrosswalkLinkRow.target_urn.is_(None))
            .order_by(CrosswalkLinkRow.target_framework)
        )
    ]
    return entries, none


def _entry(link: CrosswalkLinkRow, node: CatalogNodeRow, relation: Relation) -> CrosswalkEntry:
    return CrosswalkEntry(
        urn=node.urn,
        framework=node.framework_id,
        section=node.section,
        title_ja=node.title_ja,
        title_en=node.title_en,
        relation=relation.value,
        rationale_ja=link.rationale_ja,
        rationale_en=link.rationale_en,
    )


def search_nodes(
    session: Session, text: str, framework_id: str | None = None, limit: int = 50
) -> list[NodeSummary]:
    """Nodes whose section, title or text contain every word of ``text`` (ja or en).

    Raises:
        InvalidInputError: the query is empty or the limit out of range.
        NotFoundError: ``framework_id`` is not loaded.
    """
    terms = unicodedata.normalize("NFKC", text).split()
    if not terms:
        raise InvalidInputError(
            "the search text is empty; give at least one word",
            ja="検索語が空です。一語以上入力してください。",
        )
    if not 1 <= limit <= SEARCH_LIMIT_MAX:
        raise InvalidInputError(
            f"limit must be between 1 and {SEARCH_LIMIT_MAX}",
            ja=f"件数の上限は1から{SEARCH_LIMIT_MAX}の間で指定してください。",
        )
    query = select(CatalogNodeRow)
    if framework_id is not None:
        _framework_row(session, framework_id)
        query = query.where(CatalogNodeRow.framework_id == framework_id)
    columns = (
        CatalogNodeRow.section,
        CatalogNodeRow.title_ja,
        CatalogNodeRow.title_en,
        CatalogNodeRow.text_ja,
        CatalogNodeRow.text_en,
    )
    for term in terms:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in columns)))
    query = query.order_by(
        CatalogNodeRow.framework_id != "jp-ai-appropriateness-2025",
        CatalogNodeRow.framework_id,
        CatalogNodeRow.position,
    ).limit(limit)
    return [_node_summary(row) for row in session.scalars(query)]


# ----------------------------------------------------------------------------- export, diff


def export_framework(session: Session, framework_id: str) -> CatalogFile:
    """A loaded framework as a catalog file (it validates and loads again unchanged).

    Raises:
        NotFoundError: no framework with that id is loaded.
    """
    row = _framework_row(session, framework_id)
    refs = {
        node.urn: node.ref
        for node in session.scalars(
            select(CatalogNodeRow).where(CatalogNodeRow.framework_id == framework_id)
        )
    }
    nodes = [
        Node(
            ref=node.ref,
            section=node.section,
            parent=refs[node.parent_urn] if node.parent_urn else None,
            assessable=node.assessable,
            title=Localized(ja=node.title_ja, en=node.title_en),
            text=Localized(ja=node.text_ja, en=node.text_en),
            actors=node.actors,
            system_roles=node.system_roles,
            evidence=(
                Localized(ja=node.evidence_ja, en=node.evidence_en)
                if node.evidence_ja and node.evidence_en
                else None
            ),
        )
        for node in row.nodes
    ]
    info = FrameworkInfo(
        id=row.id,
        version=row.version,
        title=Localized(ja=row.title_ja, en=row.title_en),
        publisher=Localized(ja=row.publisher_ja, en=row.publisher_en),
        published=row.published,
        source=row.source,
        status=row.status,
        note=Localized(ja=row.note_ja, en=row.note_en) if row.note_ja and row.note_en else None,
    )
    return CatalogFile(format="tekisei-catalog/1", framework=info, nodes=nodes)


def export_crosswalks(session: Session, framework_id: str | None = None) -> list[CrosswalkFile]:
    """Loaded crosswalks (those touching ``framework_id`` when given) as crosswalk files."""
    query = select(CrosswalkRow).order_by(CrosswalkRow.id)
    if framework_id is not None:
        query = query.where(
            or_(
                CrosswalkRow.source_framework == framework_id,
                CrosswalkRow.target_framework == framework_id,
            )
        )
    out: list[CrosswalkFile] = []
    for crosswalk in session.scalars(query):
        links: list[Link] = []
        rows = session.scalars(
            select(CrosswalkLinkRow)
            .where(CrosswalkLinkRow.crosswalk_id == crosswalk.id)
            .order_by(CrosswalkLinkRow.position)
        )
        for row in rows:
            source = row.source_urn.rsplit(":", 1)[1]
            target = row.target_urn.rsplit(":", 1)[1] if row.target_urn else None
            previous = links[-1] if links else None
            if (
                previous is not None
                and target is not None
                and previous.source == source
                and previous.relation is not None
                and previous.relation.value == row.relation
                and previous.rationale.ja == row.rationale_ja
                and previous.rationale.en == row.rationale_en
            ):
                links[-1] = previous.model_copy(update={"to": [*previous.to, target]})
                continue
            links.append(
                Link(
                    source=source,
                    to=[target] if target else [],
                    relation=Relation(row.relation) if row.relation else None,
                    rationale=Localized(ja=row.rationale_ja, en=row.rationale_en),
                )
            )
        out.append(
            CrosswalkFile(
                format="tekisei-crosswalk/1",
                source=crosswalk.source_framework,
                target=crosswalk.target_framework,
                status=crosswalk.status,
                links=links,
            )
        )
    return out


def diff_frameworks(session: Session | None, old: str, new: str) -> CatalogDiff:
    """Nodes added, removed and changed between two framework versions.

    ``old`` and ``new`` are catalog file paths or ids of loaded frameworks.

    Raises:
        CatalogFileError: a file is invalid.
        NotFoundError: neither a file nor a loaded framework.
    """
    return diff_catalogs(_catalog_from(session, old), _catalog_from(session, new))


def _catalog_from(session: Session | None, name: str) -> CatalogFile:
    path = Path(name)
    if path.exists():
        content = parse_file(path).content
        if not isinstance(content, CatalogFile):
            raise InvalidInputError(
                f"{name} is a crosswalk file; diff compares catalog files",
                ja=f"{name} は対応関係のファイルです。diff は枠組みのファイル同士を比較します。",
            )
        return content
    if session is None:
        raise NotFoundError(f"{name}: no such file", ja=f"{name}: ファイルがありません。")
    try:
        return export_framework(session, name)
    except NotFoundError:
        raise NotFoundError(
            f"'{name}' is neither a catalog file nor a loaded framework id; "
            "give a path to a YAML file or an id from 'tekisei catalog list'",
            ja=f"「{name}」はカタログファイルでも読み込み済みの枠組みIDでもありません。"
            "YAMLファイルのパスか、tekisei catalog list に表示されるIDを指定してください。",
        ) from None
