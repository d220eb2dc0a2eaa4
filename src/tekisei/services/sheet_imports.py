"""Importing the inventory and the risk register from CSV or XLSX: every row validated
before anything is written, then all rows written in the caller's transaction, or none.

A row with an ID changes that record, when the principal may see it (the same scope as
every other read: another organisation's ID, or a system not assigned to an external
tester, is the row's "not found", never a change); a row without one adds a record.
Only the columns present in the file are changed, so a file of IDs and owners changes
owners only; an empty cell clears a text and leaves a code or a score as it is. A row
whose values equal the record's is left alone (no new version, no audit event). A
version, when given, must be the record's current one.

The writes go through the same services as single edits (``register_system``,
``update_system``, ``add_risk``, ``update_risk``), so each change leaves its own audit
event and its usual effects (a tier recomputed, a review reopened, an acceptance
withdrawn); the import itself leaves one more event with the counts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from tekisei.core.orgs import Principal, require
from tekisei.core.sheets import (
    MISSING,
    Cell,
    Header,
    Kind,
    SheetProblem,
    field_value,
    match_header,
    problem_text,
    whole_number,
)
from tekisei.db.orgs import OrgRow
from tekisei.services import audit
from tekisei.services.sheet_files import Format, SheetData, SheetRow, read_sheet
from tekisei.services.sheet_targets import (
    FieldChange,
    SheetTarget,
    Target,
    problem,
    sheet_target,
)
from tekisei.services.sheet_words import choice_words

__all__ = ["FieldChange", "ImportResult", "RowPlan", "Target", "check_may_import", "import_sheet"]

Action = Literal["create", "update", "unchanged"]


class RowPlan(BaseModel):
    """What one row of the file does."""

    row: int
    """The row number as spreadsheet software shows it."""
    action: Action
    id: int | None = None
    """The record's id (a new record's only once written)."""
    name: str
    """The system's name or the risk's name."""
    system_id: int | None = None
    """The AI system a risk belongs to."""
    changes: list[FieldChange] = []


class ImportResult(BaseModel):
    """What an import did, or (``applied`` false) would do or why it cannot."""

    target: Target
    filename: str
    format: Format
    dry_run: bool
    applied: bool
    """Whether the rows were written (false for a dry run, and whenever there are errors)."""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[RowPlan] = []
    ignored_columns: list[str] = []
    """Columns tekisei computes (tier, scores, status …): written by exports, not read."""
    errors: list[SheetProblem] = []
    """Every problem, by row and column; any problem means nothing is written."""

    def summary(self, lang: str) -> str:
        """One sentence on what was (or would be) done, or how many problems stop it."""
        what = ("AIシステム", "systems") if self.target == "systems" else ("リスク", "risks")
        if self.errors:
            count = len(self.errors)
            return (
                f"{count}件の問題があるため、何も取り込んでいません。"
                if lang == "ja"
                else f"nothing was imported: {count} problem{'s' if count != 1 else ''} found"
            )
        if lang == "ja":
            verb = "取り込みました" if self.applied else "取り込みます"
            return (
                f"{what[0]}: 追加 {self.created}件、変更 {self.updated}件、"
                f"変更なし {self.unchanged}件を{verb}。"
            )
        verb = "" if self.applied else "would be "
        return (
            f"{what[1]}: {self.created} {verb}added, {self.updated} {verb}changed, "
            f"{self.unchanged} unchanged"
        )


@dataclass
class _Row:
    """One row on its way: the plan shown, and what writing it needs."""

    plan: RowPlan
    fields: BaseModel | None = None
    """A new record's fields."""
    changes: dict[str, Any] = field(default_factory=dict)
    version: int = 0


# ----------------------------------------------------------------------------- planning


def _same(before: Any, after: Any) -> bool:
    """Equal, line breaks aside (XLSX reads CR LF back as LF; browsers send CR LF)."""
    if isinstance(before, str) and isinstance(after, str):
        return before.replace("\r\n", "\n").replace("\r", "\n") == after.replace(
            "\r\n", "\n"
        ).replace("\r", "\n")
    if isinstance(before, list) and isinstance(after, list):
        return len(before) == len(after) and all(map(_same, before, after))
    return bool(before == after)


@dataclass
class _Plan:
    kind: SheetTarget
    header: Header
    sheet: SheetData
    lang_of_file: str
    labels: dict[str, str]
    """Column key → its header in the file (or its label in the file's language)."""
    errors: list[SheetProblem] = field(default_factory=list)
    rows: list[_Row] = field(default_factory=list)


def _cells(row: SheetRow, header: Header) -> dict[str, Cell]:
    return {
        column.key: row.cells[index] if index < len(row.cells) else None
        for index, column in header.columns.items()
    }


def _validation_problems(
    number: int, exc: ValidationError, labels: dict[str, str], kind: SheetTarget
) -> list[SheetProblem]:
    problems = []
    for error in exc.errors():
        if error["loc"]:
            key = str(error["loc"][0])
        else:  # a rule of the whole record: shown at the first field it names
            named = [k for k in labels if re.search(rf"\b{k}\b", error["msg"])]
            key = named[0] if named else ""
        words = tuple(
            list(choice_words(kind.columns, lang).get(key, {}).values()) for lang in ("en", "ja")
        )
        en, ja = problem_text(error, (words[0], words[1]))
        problems.append(problem(number, labels.get(key, key), en, ja))
    return problems


def _plan_row(
    session: Session,
    principal: Principal,
    plan: _Plan,
    row: SheetRow,
    existing: dict[int, Any],
    seen: dict[int, int],
) -> _Row | None:
    kind, labels, number = plan.kind, plan.labels, row.number
    cells = _cells(row, plan.header)
    numbers: dict[str, int | None] = {}
    problems: list[SheetProblem] = []
    for key in ("id", "version", "system_id"):
        try:
            numbers[key] = whole_number(cells.get(key))
        except ValueError as exc:
            problems.append(
                problem(
                    number,
                    labels.get(key, key),
                    f"'{exc}' is not an ID (a whole number)",
                    f"「{exc}」はID（整数）ではありません。",
                )
            )
    for index, value in enumerate(row.cells):
        if index not in plan.header.columns and value not in (None, ""):
            problems.append(
                problem(
                    number,
                    plan.header.labels.get(index, ""),
                    "a value in a column without a header; give the column a header or "
                    "clear the cell",
                    "見出しのない列に値があります。列に見出しを付けるか、セルを空にしてください。",
                )
            )
    if problems:
        plan.errors += problems
        return None
    given = {
        column.key: value
        for column in kind.columns
        if column.editable and column.key in cells
        if (value := field_value(column, cells[column.key], kind.names.get(column.key)))
        is not MISSING
    }
    ident, reference = numbers["id"], numbers["system_id"]
    before: Any = None
    if ident is not None:
        if ident in seen:
            plan.errors.append(
                problem(
                    number,
                    labels["id"],
                    f"ID {ident} is also in row {seen[ident]}; each record may appear once",
                    f"ID {ident} は {seen[ident]}行目にもあります。1件につき1行にしてください。",
                )
            )
            return None
        seen[ident] = number
        before = existing.get(ident)
        if before is None:
            plan.errors.append(
                problem(
                    number,
                    labels["id"],
                    f"no {kind.noun[1]} with ID {ident} in this organisation (or you may not "
                    "see it); clear the ID to add it as a new one",
                    f"この組織に ID {ident} の{kind.noun[0]}はありません（または閲覧できません）。"
                    "新しく追加する場合はIDを空にしてください。",
                )
            )
            return None
        version = numbers["version"]
        if version is not None and version != before.version:
            plan.errors.append(
                problem(
                    number,
                    labels.get("version", ""),
                    f"{kind.noun[1]} {ident} changed since version {version} (now "
                    f"{before.version}); export again and redo your change",
                    f"{kind.noun[0]} {ident} はバージョン{version}以降に変更されています（現在"
                    f"{before.version}）。書き出し直してから変更してください。",
                )
            )
            return None
    read = kind.fields(session, principal, number, labels, given, before)
    if read.problems:
        plan.errors += read.problems
        return None
    current = kind.current(before).model_dump() if before is not None else {}
    try:
        after = kind.model.model_validate(current | read.values)
    except ValidationError as exc:
        plan.errors += _validation_problems(number, exc, labels, kind)
        return None
    checks = kind.check(number, labels, after, before, reference)
    if checks:
        plan.errors += checks
        return None
    if before is None:
        return _Row(
            RowPlan(row=number, action="create", name=kind.name(after), system_id=reference),
            fields=after,
        )
    old = kind.current(before).model_dump(mode="json")
    new = after.model_dump(mode="json")
    changed = [key for key in read.values if not _same(old[key], new[key])]
    shown: list[FieldChange] = []
    for key in changed:
        change = read.shown.get(key) or FieldChange(
            field=key, column=labels.get(key, key), before=old[key], after=new[key]
        )
        if change not in shown:  # one change for the fields one column writes
            shown.append(change)
    return _Row(
        RowPlan(
            row=number,
            action="update" if changed else "unchanged",
            id=ident,
            name=kind.name(after),
            system_id=getattr(before, "system_id", None),
            changes=shown,
        ),
        changes={k: new[k] for k in changed},
        version=before.version,
    )


def _file_language(header: Header) -> str:
    ja = sum(1 for i, c in header.columns.items() if header.labels[i] == c.ja and c.ja != c.en)
    en = sum(1 for i, c in header.columns.items() if header.labels[i] == c.en and c.ja != c.en)
    return "en" if en > ja else "ja"


def _planned(session: Session, principal: Principal, kind: SheetTarget, sheet: SheetData) -> _Plan:
    header = match_header(sheet.header, kind.columns, sheet.header_row)
    lang = _file_language(header)
    labels = {c.key: c.label("ja" if lang == "ja" else "en") for c in kind.columns}
    labels |= {c.key: header.labels[i] for i, c in header.columns.items()}
    plan = _Plan(kind, header, sheet, lang, labels, errors=list(header.problems))
    if plan.errors:
        return plan
    present = {c.key for c in header.columns.values()}
    missing = [c for c in kind.columns if c.required and c.key not in present]
    adds = "id" not in present or any(not _cells(row, header).get("id") for row in sheet.rows)
    if missing and adds:
        names = [labels[c.key] for c in missing]
        plan.errors.append(
            problem(
                sheet.header_row,
                "",
                f"the file has no column {', '.join(names)}; a row without an ID adds a new "
                f"{kind.noun[1]}, which needs it",
                f"{'、'.join(f'「{n}」' for n in names)}の列がありません。IDのない行は新しい"
                f"{kind.noun[0]}として追加するため、この列が必要です。",
            )
        )
        return plan
    plan.errors += sheet.problems
    ids: set[int] = set()
    references: set[int] = set()
    for row in sheet.rows:
        cells = _cells(row, header)
        for key, bucket in (("id", ids), ("system_id", references)):
            try:
                if (number := whole_number(cells.get(key))) is not None:
                    bucket.add(number)
            except ValueError:
                continue  # reported with its row
    existing = kind.load(session, principal, ids)
    kind.prepare(session, principal, references)
    seen: dict[int, int] = {}
    failed_rows = {p.row for p in sheet.problems}  # reported already, cell by cell
    for row in sheet.rows:
        if row.number in failed_rows:
            continue
        planned = _plan_row(session, principal, plan, row, existing, seen)
        if planned is not None:
            plan.rows.append(planned)
    position = {label: index for index, label in header.labels.items()}
    plan.errors.sort(key=lambda p: (p.row, position.get(p.column, len(position))))
    return plan


# ----------------------------------------------------------------------------- the use case


def check_may_import(principal: Principal, target: Target) -> None:
    """Refuse a principal whose role may not write what ``target`` imports (called by the
    edges before they read an upload, and by :func:`import_sheet`).

    Raises:
        PermissionDeniedError: the role may not write systems (risks).
    """
    require(principal, sheet_target(target).permission)


def import_sheet(
    session: Session,
    principal: Principal,
    target: Target,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
) -> ImportResult:
    """Import ``data`` (CSV or XLSX) into the inventory (``systems``) or the risk register
    (``risks``): every row is validated first; with any problem, or for a dry run,
    nothing is written and the result says what would happen and what is wrong.

    Raises:
        PermissionDeniedError: the role may not write systems (risks).
        FileLimitError: the file is over a limit.
        InvalidInputError: the file is not a CSV or XLSX table tekisei can read.
        NotFoundError: the risk taxonomy is not loaded (risks).
        ConflictError: a record changed while the import was written (nothing is kept).
    """
    kind = sheet_target(target)
    check_may_import(principal, target)
    sheet = read_sheet(data, filename)
    plan = _planned(session, principal, kind, sheet)
    rows = [r.plan for r in plan.rows]
    result = ImportResult(
        target=target,
        filename=filename,
        format=sheet.format,
        dry_run=dry_run,
        applied=False,
        created=sum(1 for r in rows if r.action == "create"),
        updated=sum(1 for r in rows if r.action == "update"),
        unchanged=sum(1 for r in rows if r.action == "unchanged"),
        rows=rows if not plan.errors else [r for r in rows if r.action != "unchanged"],
        ignored_columns=[
            plan.header.labels[i] for i, c in plan.header.columns.items() if c.kind is Kind.COMPUTED
        ],
        errors=plan.errors,
    )
    if dry_run or plan.errors:
        return result
    _write(session, principal, kind, plan.rows)
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    audit.record(
        session,
        org,
        principal.email,
        f"{target.removesuffix('s')}.import",
        "org",
        org.id,
        {
            "file": filename,
            "format": sheet.format,
            "sha256": hashlib.sha256(data).hexdigest(),
            "rows": len(rows),
            "created": [r.id for r in rows if r.action == "create"],
            "updated": [r.id for r in rows if r.action == "update"],
            "unchanged": result.unchanged,
        },
    )
    result.applied = True
    result.rows = rows
    return result


def _write(session: Session, principal: Principal, kind: SheetTarget, rows: Iterable[_Row]) -> None:
    for row in rows:
        plan = row.plan
        if plan.action == "create":
            assert row.fields is not None
            plan.id = kind.create(session, principal, row.fields, plan.system_id)
        elif plan.action == "update":
            assert plan.id is not None
            kind.update(session, principal, plan.id, row.changes, row.version)
