"""What differs between importing the inventory and the risk register: their columns and
models, who may write them, which records a row may name (the visible ones only), the
words their choices may be written in, the cells that are no field of the model (a
risk's owner, by email), the rules beyond the model (a lifecycle gate, a known risk
taxonomy, a risk's system), and the services each write goes through."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.orgs import Permission, Principal
from tekisei.core.risks import RiskFields, unknown_taxonomy
from tekisei.core.sheets import RISK_COLUMNS, SYSTEM_COLUMNS, Column, SheetProblem
from tekisei.core.systems import Stage, SystemFacts
from tekisei.db.risks import RiskRow
from tekisei.db.systems import SystemRow
from tekisei.errors import InvalidInputError
from tekisei.services import owners, risks, systems
from tekisei.services.risk_suggestions import taxonomy_titles
from tekisei.services.scope import visible
from tekisei.services.sheet_words import choice_names

Target = Literal["systems", "risks"]
_CHUNK = 500


def problem(row: int, column: str, en: str, ja: str) -> SheetProblem:
    """A problem at a row and column, in English and Japanese."""
    return SheetProblem(row=row, column=column, message=en, message_ja=ja)


class FieldChange(BaseModel):
    """One field a row changes: before and after, as JSON values."""

    field: str
    column: str
    """The column's header as written in the file."""
    before: Any = None
    after: Any = None


@dataclass
class RowFields:
    """What a row's cells give the record's fields."""

    values: dict[str, Any]
    """Field → value, for the model to validate."""
    problems: list[SheetProblem] = field(default_factory=list)
    shown: dict[str, FieldChange] = field(default_factory=dict)
    """Field → how a change of it is shown, for fields a column writes in other terms (a
    risk's owner: a member's email in the file, a user id in the record)."""


class SheetTarget:
    """What differs between importing systems and risks: the columns and model, the
    permission, how visible records are loaded, the words of the choices, the cells that
    are no field, the checks beyond the model, the writes."""

    target: Target
    columns: tuple[Column, ...]
    model: type[BaseModel]
    permission: Permission
    noun: tuple[str, str]  # Japanese, English
    names: dict[str, dict[str, str]]
    """Column key → the words (either language) and codes its cells may hold → code."""

    def load(self, session: Session, principal: Principal, ids: set[int]) -> dict[int, Any]:
        """The records with these ids the principal may see, by id."""
        raise NotImplementedError

    def current(self, row: Any) -> BaseModel:
        """A record's fields as its model holds them."""
        raise NotImplementedError

    def prepare(self, session: Session, principal: Principal, references: set[int]) -> None:
        """Read once what reading the cells and :meth:`check` need."""
        self.names = choice_names(self.columns)

    def fields(
        self,
        session: Session,
        principal: Principal,
        number: int,
        labels: dict[str, str],
        given: dict[str, Any],
        before: Any,
    ) -> RowFields:
        """The fields row ``number``'s cells (``given``: column key → value) write, for
        columns that are no field of the model; ``before`` the record it changes."""
        return RowFields(given)

    def check(
        self,
        number: int,
        labels: dict[str, str],
        after: BaseModel,
        before: Any,
        reference: int | None,
    ) -> list[SheetProblem]:
        """What the rules beyond the model say of row ``number``: ``after`` its validated
        fields, ``before`` the record it changes (None when it adds one), ``reference``
        the record it belongs to (a risk's AI system); ``labels`` name the columns."""
        return []

    def name(self, fields: BaseModel) -> str:
        """How a record is named in a preview."""
        raise NotImplementedError

    def create(
        self, session: Session, principal: Principal, fields: BaseModel, reference: int | None
    ) -> int:
        """Add a record through its service; its id."""
        raise NotImplementedError

    def update(
        self,
        session: Session,
        principal: Principal,
        ident: int,
        changes: dict[str, Any],
        version: int,
    ) -> None:
        """Change a record through its service."""
        raise NotImplementedError


def visible_rows(
    session: Session, principal: Principal, table: type[SystemRow] | type[RiskRow], ids: set[int]
) -> dict[int, Any]:
    """The rows of ``table`` with these ids that the principal may see, by id (the others,
    another organisation's included, are simply absent)."""
    found: dict[int, Any] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        if table is SystemRow:
            query: Any = select(SystemRow).where(
                SystemRow.id.in_(chunk), visible(principal, SystemRow.org_id, SystemRow.id)
            )
        else:
            query = select(RiskRow).where(
                RiskRow.id.in_(chunk), visible(principal, RiskRow.org_id, RiskRow.system_id)
            )
        found.update({row.id: row for row in session.scalars(query)})
    return found


class SystemSheet(SheetTarget):
    """The inventory."""

    target: Target = "systems"
    columns = SYSTEM_COLUMNS
    model = SystemFacts
    permission = Permission.WRITE_SYSTEMS
    noun = ("AIシステム", "AI system")

    def load(self, session: Session, principal: Principal, ids: set[int]) -> dict[int, Any]:
        return visible_rows(session, principal, SystemRow, ids)

    def current(self, row: Any) -> BaseModel:
        return SystemFacts.model_validate({n: getattr(row, n) for n in SystemFacts.model_fields})

    def check(
        self,
        number: int,
        labels: dict[str, str],
        after: BaseModel,
        before: Any,
        reference: int | None,
    ) -> list[SheetProblem]:
        assert isinstance(after, SystemFacts)
        if before is None:
            return []
        refusal = systems.gate_refusal(Stage(before.stage), after.stage)
        if refusal is None:
            return []
        return [problem(number, labels.get("stage", ""), refusal.message, refusal.message_ja or "")]

    def name(self, fields: BaseModel) -> str:
        assert isinstance(fields, SystemFacts)
        return fields.name

    def create(
        self, session: Session, principal: Principal, fields: BaseModel, reference: int | None
    ) -> int:
        assert isinstance(fields, SystemFacts)
        return systems.register_system(session, principal, fields).id

    def update(
        self,
        session: Session,
        principal: Principal,
        ident: int,
        changes: dict[str, Any],
        version: int,
    ) -> None:
        systems.update_system(session, principal, ident, changes, version)


class RiskSheet(SheetTarget):
    """The risk register."""

    target: Target = "risks"
    columns = RISK_COLUMNS
    model = RiskFields
    permission = Permission.WRITE_RISKS
    noun = ("リスク", "risk")

    def __init__(self) -> None:
        self.taxonomy: set[str] = set()
        self.systems: set[int] = set()
        self.members: dict[str, int | None] = {}
        """Email → member's user id (None: no member of this organisation), as looked up."""
        self.emails: dict[int, str | None] = {}
        """User id → email, for the current owners."""

    def load(self, session: Session, principal: Principal, ids: set[int]) -> dict[int, Any]:
        return visible_rows(session, principal, RiskRow, ids)

    def current(self, row: Any) -> BaseModel:
        return RiskFields.model_validate({n: getattr(row, n) for n in RiskFields.model_fields})

    def prepare(self, session: Session, principal: Principal, references: set[int]) -> None:
        self.taxonomy = risks.known_taxonomy(session)
        self.names = choice_names(self.columns, taxonomy_titles(session))
        self.systems = set(visible_rows(session, principal, SystemRow, references))

    def _member(self, session: Session, principal: Principal, email: str) -> int | None:
        """The user id of the principal's organisation's member with ``email``; None when
        no member of it has that email (another organisation's account included)."""
        wanted = email.strip().lower()
        if wanted not in self.members:
            try:
                self.members[wanted] = owners.owner_by_email(session, principal, wanted)
            except InvalidInputError:
                self.members[wanted] = None
        return self.members[wanted]

    def _email(self, session: Session, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if user_id not in self.emails:
            self.emails[user_id] = owners.owner_email(session, user_id)
        return self.emails[user_id]

    def fields(
        self,
        session: Session,
        principal: Principal,
        number: int,
        labels: dict[str, str],
        given: dict[str, Any],
        before: Any,
    ) -> RowFields:
        """The owner cell as the owner's fields: a member's email (of the principal's
        organisation only) chooses them, an empty cell clears the owner, the owner as
        exported (the current owner's email, or the text written before owners were
        members) keeps it; anything else is the row's problem."""
        if "owner" not in given:
            return RowFields(given)
        values = dict(given)
        cell = str(values.pop("owner"))
        current_email = self._email(session, before.owner_id) if before is not None else None
        current_text = before.owner_text if before is not None else ""
        shown_before = current_email or current_text or None
        if not cell:
            values |= {"owner_id": None, "owner_text": ""}
            shown_after = None
        elif before is not None and (
            cell.replace("\r\n", "\n") == current_text.replace("\r\n", "\n")
            or (current_email is not None and cell.lower() == current_email.lower())
        ):
            return RowFields(values)  # the owner as exported: kept
        else:
            member = self._member(session, principal, cell)
            if member is None:
                return RowFields(values, [_not_a_member(number, labels.get("owner", ""), cell)])
            values |= {"owner_id": member, "owner_text": ""}
            shown_after = cell.lower()
        change = FieldChange(
            field="owner", column=labels.get("owner", ""), before=shown_before, after=shown_after
        )
        return RowFields(values, shown={"owner_id": change, "owner_text": change})

    def check(
        self,
        number: int,
        labels: dict[str, str],
        after: BaseModel,
        before: Any,
        reference: int | None,
    ) -> list[SheetProblem]:
        assert isinstance(after, RiskFields)
        problems = []
        unknown = unknown_taxonomy(after.taxonomy, self.taxonomy)
        if unknown:
            problems.append(
                problem(
                    number,
                    labels.get("taxonomy", ""),
                    f"unknown risk categories: {', '.join(unknown)}; write the names of "
                    "categories of tekisei-risks-1 as exported (one per line), or their ids "
                    "such as social.bias",
                    f"不明なリスクの分類: {'、'.join(unknown)}。tekisei-risks-1 の分類名を"
                    "書き出したとおりに（1行に1つ）、またはID（例: social.bias）を書いてください。",
                )
            )
        column = labels.get("system_id", "")
        if before is not None:
            if reference is not None and reference != before.system_id:
                problems.append(
                    problem(
                        number,
                        column,
                        f"risk {before.id} belongs to AI system {before.system_id}; a risk "
                        "cannot move to another system (add it there as a new risk)",
                        f"リスク {before.id} はAIシステム {before.system_id} のものです。"
                        "別のシステムには移せません（そのシステムに新しいリスクとして追加してください）。",
                    )
                )
        elif reference is None:
            problems.append(
                problem(
                    number,
                    column,
                    "give the ID of the AI system the new risk belongs to",
                    "新しいリスクが属するAIシステムのIDを書いてください。",
                )
            )
        elif reference not in self.systems:
            problems.append(
                problem(
                    number,
                    column,
                    f"no AI system with ID {reference} in this organisation (or you may not "
                    "see it)",
                    f"この組織に ID {reference} のAIシステムはありません（または閲覧できません）。",
                )
            )
        return problems

    def name(self, fields: BaseModel) -> str:
        assert isinstance(fields, RiskFields)
        return fields.title

    def create(
        self, session: Session, principal: Principal, fields: BaseModel, reference: int | None
    ) -> int:
        assert isinstance(fields, RiskFields) and reference is not None
        return risks.add_risk(session, principal, reference, fields).id

    def update(
        self,
        session: Session,
        principal: Principal,
        ident: int,
        changes: dict[str, Any],
        version: int,
    ) -> None:
        risks.update_risk(session, principal, ident, changes, version)


def _not_a_member(number: int, column: str, cell: str) -> SheetProblem:
    """The same words for an unknown email, another organisation's member and a name, so
    that nothing is learnt about accounts elsewhere."""
    return problem(
        number,
        column,
        f"'{cell}' is not the email of a member of this organisation; write the owner's "
        "email as a member's email (administrators see the members' emails on the "
        "Organisation page and through GET /api/orgs/current/members; 'tekisei orgs show "
        "--org ID' lists them), or leave the cell empty for no owner",
        f"「{cell}」はこの組織のメンバーのメールアドレスではありません。担当者はメンバーの"
        "メールアドレスで書いてください（メンバーのメールアドレスは、管理者が「組織」ページと"
        "GET /api/orgs/current/members で確認できます。tekisei orgs show --org ID でも"
        "一覧できます）。担当者をなしにする場合はセルを空にしてください。",
    )


def sheet_target(target: Target) -> SheetTarget:
    """What importing ``target`` needs."""
    return SystemSheet() if target == "systems" else RiskSheet()
