"""Import decision records from a case system's CSV export (guideline 3(4)).

The file is read by :func:`tekisei.services.sheet_files.read_sheet` (CSV in UTF-8 with
or without BOM or Shift_JIS/CP932, or XLSX; formulas refused, never evaluated; size and
row limits checked before any row is looked at). Every row is validated first: with any
problem nothing is written and every problem is reported by row and column in Japanese
and English. Records are keyed by (system, case reference): importing the same case
again updates its record, never duplicates it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.decisions import (
    COLUMNS,
    CONTRIBUTION_JA,
    MAX_BYTES,
    MAX_ROWS,
    OUTCOME_JA,
    Column,
    Contribution,
    Decision,
    Outcome,
    contribution_of,
    header_map,
    outcome_of,
)
from tekisei.core.orgs import Permission, Principal, require
from tekisei.core.sheets import DATE_TEXT, Cell, SheetProblem, cell_text
from tekisei.core.text import visible
from tekisei.db.decisions import DecisionRow
from tekisei.db.orgs import MembershipRow, OrgRow, UserRow
from tekisei.services import audit
from tekisei.services.decisions import settings_of, system_of
from tekisei.services.sheet_files import SheetLimits, read_sheet

LIMITS = SheetLimits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=30)
"""The limits of a decision file (a file over any of them is refused before its rows)."""
_CHUNK = 500


class DecisionImport(BaseModel):
    """What an import did, or (``applied`` false) would do or why it cannot."""

    system_id: int
    filename: str
    dry_run: bool
    applied: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[SheetProblem] = []
    """Every problem, by row and column; any problem means nothing is written."""

    def summary(self, lang: str) -> str:
        """One sentence on what was (or would be) done, or how many problems stop it."""
        if self.errors:
            count = len(self.errors)
            if lang == "ja":
                return f"{count}件の問題があるため、何も取り込んでいません。"
            return f"nothing was imported: {count} problem{'s' if count != 1 else ''} found"
        if lang == "ja":
            verb = "取り込みました" if self.applied else "取り込みます"
            return (
                f"決定記録: 追加 {self.created}件、更新 {self.updated}件、"
                f"変更なし {self.unchanged}件を{verb}。"
            )
        verb = "" if self.applied else "would be "
        return (
            f"decision records: {self.created} {verb}added, {self.updated} {verb}updated, "
            f"{self.unchanged} unchanged"
        )


@dataclass(frozen=True)
class _Checked:
    row: int
    decision: Decision


def check_may_import(session: Session, principal: Principal, system_id: int) -> None:
    """Refuse, before a byte is read, a caller who may not import into the system.

    Raises:
        NotFoundError: external testers, or no such system in the organisation.
        PermissionDeniedError: the role may not write systems.
    """
    system_of(session, principal, system_id)
    require(principal, Permission.WRITE_SYSTEMS)


def _problem(row: int, label: str, en: str, ja: str) -> SheetProblem:
    return SheetProblem(row=row, column=label, message=en, message_ja=ja)


def _date(value: Cell) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    found = DATE_TEXT.match(unicodedata.normalize("NFKC", cell_text(value)).strip())
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def _choices_en(codes: type[Contribution] | type[Outcome]) -> str:
    return ", ".join(code.value for code in codes)


def _value(
    column: Column, label: str, value: Cell, row: int, oldest: date, today: date
) -> tuple[object, SheetProblem | None]:
    text = visible(cell_text(value))
    if not text:
        if column.required:
            return None, _problem(
                row, label, f"{column.en} is empty; fill it in",
                f"「{column.ja}」が空です。入力してください。",
            )  # fmt: skip
        return "", None
    if column.limit and len(text) > column.limit:
        return None, _problem(
            row, label, f"{column.en} is longer than {column.limit:,} characters; shorten it",
            f"「{column.ja}」が {column.limit:,} 文字を超えています。短くしてください。",
        )  # fmt: skip
    if column.key == "decided_on":
        day = _date(value)
        if day is None:
            return None, _problem(
                row, label, f"'{text[:40]}' is not a date; write it as YYYY-MM-DD",
                f"「{text[:40]}」は日付として読めません。YYYY-MM-DD の形で書いてください。",
            )  # fmt: skip
        if day > today:
            return None, _problem(
                row, label, f"{day} is in the future; a decision is recorded once it is made",
                f"{day} は未来の日付です。判断は、行ってから記録してください。",
            )  # fmt: skip
        if day < oldest:
            return None, _problem(
                row, label,
                f"{day} is older than the retention period (kept from {oldest}); such a "
                "record would be deleted at once: leave it out, or lengthen the retention",
                f"{day} は保存期間（{oldest} 以降）より古い日付です。取り込んでもすぐに削除される"
                "ため、この行を除くか、保存期間を延ばしてください。",
            )  # fmt: skip
        return day, None
    if column.key == "contribution":
        kind = contribution_of(text)
        if kind is None:
            return None, _problem(
                row, label,
                f"'{text[:40]}' is not a contribution; use one of {_choices_en(Contribution)}",
                f"「{text[:40]}」はAIの関与の区分にありません。"
                f"{'、'.join(CONTRIBUTION_JA.values())} のいずれかを書いてください。",
            )  # fmt: skip
        return kind, None
    if column.key == "outcome":
        outcome = outcome_of(text)
        if outcome is None:
            return None, _problem(
                row, label, f"'{text[:40]}' is not an outcome; use one of {_choices_en(Outcome)}",
                f"「{text[:40]}」は審査結果の区分にありません。"
                f"{'、'.join(OUTCOME_JA.values())} のいずれかを書いてください。",
            )  # fmt: skip
        return outcome, None
    return text, None


def _checked(
    data: bytes, filename: str, oldest: date, today: date
) -> tuple[list[_Checked], list[SheetProblem]]:
    sheet = read_sheet(data, filename, LIMITS)
    problems = list(sheet.problems)
    columns, missing, twice = header_map(sheet.header)
    if twice:
        problems.append(_problem(
            sheet.header_row, "", "the header names these columns more than once: "
            + ", ".join(twice) + "; keep one of each",
            "見出しに同じ列が2回以上あります: " + "、".join(twice)
            + "。どちらか一方だけにしてください。",
        ))  # fmt: skip
        return [], problems
    if missing:
        problems.append(_problem(
            sheet.header_row, "", "the header lacks the columns " + ", ".join(missing)
            + "; download the template to get them",
            "見出しに次の列がありません: " + "、".join(missing)
            + "。テンプレートをダウンロードして使ってください。",
        ))  # fmt: skip
        return [], problems
    refused = {(p.row, p.column) for p in problems}
    checked: list[_Checked] = []
    seen: dict[str, int] = {}
    for row in sheet.rows:
        values: dict[str, object] = {}
        row_ok = True
        for index, column in columns.items():
            label = sheet.header[index].strip()
            if (row.number, label) in refused:
                row_ok = False
                continue
            cell = row.cells[index] if index < len(row.cells) else None
            value, problem = _value(column, label, cell, row.number, oldest, today)
            if problem:
                problems.append(problem)
                row_ok = False
            else:
                values[column.key] = value
        if not row_ok:
            continue
        case_ref = str(values["case_ref"])
        if case_ref in seen:
            label = next(sheet.header[i].strip() for i, c in columns.items() if c.key == "case_ref")
            problems.append(_problem(
                row.number, label,
                f"case {case_ref} is also in row {seen[case_ref]}; keep one row per case",
                f"案件番号 {case_ref} は {seen[case_ref]} 行目にもあります。"
                "1件につき1行にしてください。",
            ))  # fmt: skip
            continue
        seen[case_ref] = row.number
        checked.append(_Checked(row.number, Decision.model_validate(values)))
    return checked, problems


def _members(session: Session, org_id: int) -> dict[str, tuple[int, str]]:
    """The organisation's members by lower-cased email: their id and email as stored."""
    rows = session.execute(
        select(UserRow.id, UserRow.email)
        .join(MembershipRow, MembershipRow.user_id == UserRow.id)
        .where(MembershipRow.org_id == org_id)
    )
    return {str(email).lower(): (int(user_id), str(email)) for user_id, email in rows.all()}


def _fields(decision: Decision, members: dict[str, tuple[int, str]]) -> dict[str, object]:
    member = members.get(decision.reviewer.lower())
    return {
        "decided_on": decision.decided_on, "decision": decision.decision,
        "grounds": decision.grounds, "contribution": decision.contribution.value,
        "ai_suggestion": decision.ai_suggestion, "outcome": decision.outcome.value,
        "reviewer_id": member[0] if member else None,
        "reviewer_name": member[1] if member else decision.reviewer,
    }  # fmt: skip


def import_decisions(
    session: Session,
    principal: Principal,
    system_id: int,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
) -> DecisionImport:
    """Import the file's decisions into the system, all rows or none; with ``dry_run``
    validate and count only. A case already recorded for the system is updated.

    Raises:
        NotFoundError: external testers, or no such system in the organisation.
        PermissionDeniedError: the role may not write systems.
        FileLimitError: the file is over a limit (size, rows, columns).
        InvalidInputError: the file is empty, not CSV or XLSX, or in an unknown encoding.
    """
    check_may_import(session, principal, system_id)
    # a day ahead of UTC: "today" somewhere in the organisation's zone
    today = datetime.now(UTC).date() + timedelta(days=1)
    oldest = today - timedelta(days=settings_of(session, principal.org_id).retention_days + 1)
    checked, problems = _checked(data, filename, oldest, today)
    result = DecisionImport(system_id=system_id, filename=filename, dry_run=dry_run,
                            applied=False, errors=problems)  # fmt: skip
    if problems:
        return result
    members = _members(session, principal.org_id)
    now = datetime.now(UTC)
    for start in range(0, len(checked), _CHUNK):
        chunk = checked[start : start + _CHUNK]
        existing = {
            row.case_ref: row
            for row in session.scalars(
                select(DecisionRow).where(
                    DecisionRow.system_id == system_id,
                    DecisionRow.case_ref.in_([c.decision.case_ref for c in chunk]),
                )
            )
        }
        for item in chunk:
            fields = _fields(item.decision, members)
            row = existing.get(item.decision.case_ref)
            if row is None:
                result.created += 1
                if not dry_run:
                    session.add(DecisionRow(
                        org_id=principal.org_id, system_id=system_id,
                        case_ref=item.decision.case_ref, updated_at=now,
                        updated_by=principal.email, version=1, **fields,
                    ))  # fmt: skip
            elif all(getattr(row, k) == v for k, v in fields.items()):
                result.unchanged += 1
            else:
                result.updated += 1
                if not dry_run:
                    for key, value in fields.items():
                        setattr(row, key, value)
                    row.updated_at, row.updated_by = now, principal.email
                    row.version += 1
        if not dry_run:
            session.flush()
    if dry_run:
        return result
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    audit.record(
        session, org, principal.email, "decision.import", "system", system_id,
        {"filename": filename, "created": result.created, "updated": result.updated,
         "unchanged": result.unchanged},
    )  # fmt: skip
    return result.model_copy(update={"applied": True})


def template(lang: str) -> bytes:
    """The CSV template: the documented header in ``lang`` (UTF-8 with BOM, which Excel
    opens as UTF-8) and one example row."""
    header = [c.ja if lang == "ja" else c.en for c in COLUMNS]
    example = (
        ["R7-00123", "2026-04-01", "児童手当の支給を決定", "児童手当法第7条", "決定案の提示",
         "支給", "採用", "山田 花子"]
        if lang == "ja"
        else ["R7-00123", "2026-04-01", "Child allowance granted", "Child Allowance Act s.7",
              "proposal", "grant", "kept", "Hanako Yamada"]
    )  # fmt: skip
    lines = [",".join(header), ",".join(example)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
