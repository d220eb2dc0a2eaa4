"""Procurements and their checklists, on both databases: the checklist itself, roles and
isolation, the rules (a reason for "not applicable", dates, a vendor once contracted),
versions, audit events, the contract's gaps, evidence for 3(1), and the CSV annex."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.procurements import (
    AREAS,
    CHECKLIST,
    Applies,
    Area,
    Entry,
    ItemStatus,
    Kind,
    Phase,
    ProcurementFields,
    completeness,
    items_for,
)
from tekisei.core.systems import SystemFacts
from tekisei.core.vendors import VendorFields
from tekisei.db.audit import AuditEventRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import assessments, orgs, procurements, systems, users, vendors
from tekisei.services.database import Database
from tekisei.services.people import ActorNames

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
GUIDELINE = "urn:tekisei:req:jp-ai-appropriateness-2025:"


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("city", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.LOCAL]), "cli"
            )
        return orgs.cli_principal(session, "city")


@pytest.fixture
def member(loaded_db: Database, admin: Principal) -> MakeMember:
    def make(email: str, role: Role, org: str = "city") -> Principal:
        with loaded_db.transaction() as session:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role,
                actor="cli", must_change_password=False,
            )  # fmt: skip
            return users.principal_for(session, email, org)

    return make


def setup(database: Database, who: Principal) -> tuple[int, int]:
    """A system and a vendor of ``who``'s organisation."""
    facts = SystemFacts(name="住民問い合わせAI", org_role="user", purpose="質問に答える。")  # type: ignore[arg-type]
    with database.transaction() as session:
        system_id = systems.register_system(session, who, facts).id
        vendor_id = vendors.add_vendor(session, who, VendorFields(name="クラウドAI社")).id
    return system_id, vendor_id


def fields(vendor_id: int | None = None, **changes: object) -> ProcurementFields:
    data: dict[str, object] = {"title": "チャットボットの利用", "kind": "service",
                               "vendor_id": vendor_id} | changes  # fmt: skip
    return ProcurementFields.model_validate(data)


def test_the_checklist_covers_every_area_with_unique_ids_in_both_languages() -> None:
    assert 20 <= len(CHECKLIST) <= 32
    assert len({i.id for i in CHECKLIST}) == len(CHECKLIST)
    assert {i.area for i in CHECKLIST} == set(Area) == set(AREAS)
    for item in CHECKLIST:
        assert item.ja.endswith("。")
        assert any("\u3040" <= c <= "\u9fff" for c in item.ja)
        assert item.en.isascii() and item.en.endswith(".")
    # each kind has items of its own and shares the rest
    assert {i.applies for i in CHECKLIST} == set(Applies)
    assert len(items_for(Kind.SYSTEM)) < len(CHECKLIST) > len(items_for(Kind.SERVICE))
    ids = {i.id for i in CHECKLIST}
    assert {"data-location", "provenance-marks", "incident-notice", "exit-data-return"} <= ids


def test_not_applicable_needs_a_reason_and_dates_and_vendor_follow_the_rules() -> None:
    with pytest.raises(ValidationError, match="reason"):
        Entry(status=ItemStatus.NOT_APPLICABLE, note="  ")
    assert Entry(status=ItemStatus.NOT_APPLICABLE, note="国内のみ").note == "国内のみ"
    with pytest.raises(ValidationError):
        Entry(status=ItemStatus.OPEN, note="x" * 1001)
    with pytest.raises(ValidationError, match="cannot end before"):
        fields(1, contract_on=date(2026, 4, 1), ends_on=date(2026, 3, 31))
    with pytest.raises(ValidationError, match="names its vendor"):
        fields(None, phase="contracted")
    with pytest.raises(ValidationError):
        fields(1, title="x" * 201)


def test_completeness_counts_what_is_settled_and_the_contract_gaps() -> None:
    entries = {
        "data-location": Entry(status=ItemStatus.IN_CONTRACT),
        "eval-results": Entry(status=ItemStatus.IN_TENDER),
        "personal-abroad": Entry(status=ItemStatus.NOT_APPLICABLE, note="国内のみ"),
    }
    applicable = len(items_for(Kind.SERVICE))
    planning = completeness(Kind.SERVICE, Phase.TENDER, entries)
    assert (planning.applicable, planning.settled, planning.gaps) == (applicable, 3, ())
    assert not planning.complete and "data-location" not in planning.open
    signed = completeness(Kind.SERVICE, Phase.CONTRACTED, entries)
    assert "eval-results" in signed.gaps and "data-location" not in signed.gaps
    assert len(signed.gaps) == applicable - 2
    everything = {i.id: Entry(status=ItemStatus.CONFIRMED) for i in items_for(Kind.SYSTEM)}
    assert completeness(Kind.SYSTEM, Phase.CLOSED, everything).complete


def test_a_procurement_is_recorded_filled_audited_and_counts_for_3_1(
    loaded_db: Database, admin: Principal
) -> None:
    system_id, vendor_id = setup(loaded_db, admin)
    with loaded_db.transaction() as session:
        aid = assessments.start_assessment(session, admin, system_id).id
        row = procurements.create_procurement(session, admin, system_id, fields(vendor_id))
        pid, version = row.id, row.version
    entries = {
        "data-location": Entry(status=ItemStatus.IN_CONTRACT, note="契約書第8条"),
        "personal-abroad": Entry(status=ItemStatus.NOT_APPLICABLE, note="国内のみ"),
    }
    with loaded_db.transaction() as session:
        row = procurements.set_items(session, admin, system_id, pid, entries, version)
        assert row.version == version + 1
    with loaded_db.transaction() as session, pytest.raises(ConflictError):
        procurements.set_items(session, admin, system_id, pid, entries, version)
    with loaded_db.transaction() as session:
        row = procurements.update_procurement(
            session, admin, system_id, pid, {"phase": "contracted"}, version + 1
        )
        shown = procurements.view(session, row, ActorNames(session, admin))
    assert shown.phase is Phase.CONTRACTED and shown.vendor_name == "クラウドAI社"
    assert shown.checklist["data-location"].note == "契約書第8条"
    assert shown.completeness.settled == 2 and "eval-results" in shown.completeness.gaps
    assert "rights-deliverables" not in shown.checklist  # a system-only item
    with loaded_db.reading() as session:
        actions = list(
            session.scalars(
                select(AuditEventRow.action)
                .where(AuditEventRow.object_type == "procurement")
                .order_by(AuditEventRow.id)
            )
        )
        assert actions == ["procurement.create", "procurement.checklist", "procurement.update"]

    def items(assessment_id: int) -> dict[str, Any]:
        with loaded_db.reading() as session:
            report = assessments.assessment_report(session, admin, assessment_id)
        return {i.urn.removeprefix(GUIDELINE): i for i in report.items}

    step = items(aid)["3.1"]
    assert step.state.value == "partial"
    assert [e.title_in("ja") for e in step.evidence] == [
        "調達「チャットボットの利用」のチェックリスト"
    ]
    # a new assessment starts with the procurements that exist
    with loaded_db.transaction() as session:
        assessments.close_assessment(session, admin, aid)
        again = assessments.start_assessment(session, admin, system_id).id
    assert [e.title_in("en") for e in items(again)["3.1"].evidence] == [
        "Procurement checklist: チャットボットの利用"
    ]
    with loaded_db.reading() as session:
        assert procurements.count_for_system(session, admin, system_id) == 1
        assert [r.id for r in procurements.for_vendor(session, admin, vendor_id)] == [pid]


def test_unknown_and_foreign_items_are_refused(loaded_db: Database, admin: Principal) -> None:
    system_id, vendor_id = setup(loaded_db, admin)
    with loaded_db.transaction() as session:
        row = procurements.create_procurement(session, admin, system_id, fields(vendor_id))
        pid, version = row.id, row.version
    for bad in ({"no-such-item": Entry()}, {"rights-deliverables": Entry()}):
        with loaded_db.transaction() as session, pytest.raises(InvalidInputError) as caught:
            procurements.set_items(session, admin, system_id, pid, bad, version)
        assert caught.value.message_ja
    with loaded_db.transaction() as session, pytest.raises(InvalidInputError) as refused:
        procurements.update_procurement(
            session, admin, system_id, pid, {"phase": "contracted", "vendor_id": None}, version
        )
    assert (
        refused.value.message_ja == "契約済み・終了の調達には、契約した事業者を指定してください。"
    )


def test_roles_and_other_organisations(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    system_id, vendor_id = setup(loaded_db, admin)
    viewer = member("viewer@city.example", Role.VIEWER)
    auditor = member("auditor@city.example", Role.AUDITOR)
    editor = member("editor@city.example", Role.EDITOR)
    tester = member("tester@city.example", Role.EXTERNAL_TESTER)
    stranger = member("admin@other.example", Role.ADMIN, "other")
    with loaded_db.transaction() as session:
        pid = procurements.create_procurement(session, editor, system_id, fields(vendor_id)).id
    for reader in (viewer, auditor):
        with loaded_db.reading() as session:
            assert procurements.get_procurement(session, reader, system_id, pid).id == pid
        with loaded_db.transaction() as session, pytest.raises(PermissionDeniedError):
            procurements.set_items(session, reader, system_id, pid, {"data-location": Entry()}, 1)
        with loaded_db.transaction() as session, pytest.raises(PermissionDeniedError):
            procurements.create_procurement(session, reader, system_id, fields(vendor_id))
    for outsider in (tester, stranger):
        with loaded_db.reading() as session, pytest.raises(NotFoundError):
            procurements.get_procurement(session, outsider, system_id, pid)
        with loaded_db.reading() as session, pytest.raises(NotFoundError):
            procurements.list_procurements(session, outsider, system_id)
        with loaded_db.transaction() as session, pytest.raises(NotFoundError):
            procurements.set_items(session, outsider, system_id, pid, {}, 1)
    # another organisation's vendor is unknown here, and so is its system
    other_system, other_vendor = setup(loaded_db, orgs_principal(loaded_db, "other"))
    with loaded_db.transaction() as session, pytest.raises(NotFoundError):
        procurements.create_procurement(session, admin, system_id, fields(other_vendor))
    with loaded_db.transaction() as session, pytest.raises(NotFoundError):
        procurements.create_procurement(session, admin, other_system, fields(vendor_id))
    with loaded_db.reading() as session, pytest.raises(NotFoundError):
        procurements.get_procurement(session, admin, other_system, pid)


def orgs_principal(database: Database, slug: str) -> Principal:
    with database.reading() as session:
        return orgs.cli_principal(session, slug)


def test_the_annex_keeps_formulas_as_text_in_both_languages(
    loaded_db: Database, admin: Principal
) -> None:
    system_id, vendor_id = setup(loaded_db, admin)
    with loaded_db.transaction() as session:
        row = procurements.create_procurement(
            session, admin, system_id, fields(vendor_id, title='=HYPERLINK("x")')
        )
        row = procurements.set_items(
            session, admin, system_id, row.id,
            {"data-location": Entry(status=ItemStatus.CONFIRMED, note="@SUM(A1)"),
             "security-logs": Entry(status=ItemStatus.IN_TENDER, note="-1+2")},
            row.version,
        )  # fmt: skip
        shown = procurements.view(session, row, ActorNames(session, admin))
    for lang, header, confirmed in (
        ("ja", "項目ID", "事業者に確認済み"),
        ("en", "Item", "Confirmed with the vendor"),
    ):
        text = procurements.annex_csv(shown, lang)  # type: ignore[arg-type]
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert rows[0] == [("調達" if lang == "ja" else "Procurement"), '\'=HYPERLINK("x")']
        start = next(i for i, r in enumerate(rows) if r and r[0] == header)
        body = {r[0]: r for r in rows[start + 1 :]}
        assert len(body) == len(items_for(Kind.SERVICE))
        assert body["data-location"][4:] == [confirmed, "'@SUM(A1)"]
        assert body["security-logs"][5] == "'-1+2"
        assert any("tekisei" in " ".join(r) for r in rows[:start])
