"""What differs between importing the inventory and the risk register: their columns and
models, who may write them, which records a row may name (the visible ones only), the
rules beyond the model (a lifecycle gate, a known risk taxonomy, a risk's system), and the
services each write goes through."""

from __future__ import annotations

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
from tekisei.services import risks, systems
from tekisei.services.scope import visible

Target = Literal["systems", "risks"]
_CHUNK = 500


def problem(row: int, column: str, en: str, ja: str) -> SheetProblem:
    """A problem at a row and column, in English and Japanese."""
    return SheetProblem(row=row, column=column, message=en, message_ja=ja)


class SheetTarget:
    """What differs between importing systems and risks: the columns and model, the
    permission, how visible records are loaded, the checks beyond the model, the writes."""

    target: Target
    columns: tuple[Column, ...]
    model: type[BaseModel]
    permission: Permission
    noun: tuple[str, str]  # Japanese, English

    def load(self, session: Session, principal: Principal, ids: set[int]) -> dict[int, Any]:
        """The records with these ids the principal may see, by id."""
        raise NotImplementedError

    def current(self, row: Any) -> BaseModel:
        """A record's fields as its model holds them."""
        raise NotImplementedError

    def prepare(self, session: Session, principal: Principal, references: set[int]) -> None:
        """Read once what :meth:`check` needs."""

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

    def load(self, session: Session, principal: Principal, ids: set[int]) -> dict[int, Any]:
        return visible_rows(session, principal, RiskRow, ids)

    def current(self, row: Any) -> BaseModel:
        return RiskFields.model_validate({n: getattr(row, n) for n in RiskFields.model_fields})

    def prepare(self, session: Session, principal: Principal, references: set[int]) -> None:
        self.taxonomy = risks.known_taxonomy(session)
        self.systems = set(visible_rows(session, principal, SystemRow, references))

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
                    f"unknown risk ids: {', '.join(unknown)}; use ids of tekisei-risks-1 such "
                    "as social.bias",
                    f"不明なリスクID: {'、'.join(unknown)}。tekisei-risks-1 のID（例: social.bias）"
                    "を書いてください。",
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


def sheet_target(target: Target) -> SheetTarget:
    """What importing ``target`` needs."""
    return SystemSheet() if target == "systems" else RiskSheet()
