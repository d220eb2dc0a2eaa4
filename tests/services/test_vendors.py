"""The vendor register (2(4); APPI art. 28), on both databases: roles, isolation,
versions, the APPI rule, reviews opened on a vendor's change or exit, evidence in the
guideline assessments, hostile text and limits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.core.notes import read_note
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.core.vendors import ChangeReason, VendorChange, VendorFields
from tekisei.db.audit import AuditEventRow
from tekisei.db.reviews import ReviewRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import assessments, orgs, systems, users, vendors
from tekisei.services.database import Database
from tekisei.services.notes import note_text
from tekisei.services.people import ActorNames

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
GUIDELINE = "urn:tekisei:req:jp-ai-appropriateness-2025:"


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        return orgs.cli_principal(session, "acme")


@pytest.fixture
def member(loaded_db: Database, admin: Principal) -> MakeMember:
    def make(email: str, role: Role, org: str = "acme") -> Principal:
        with loaded_db.transaction() as session:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role,
                actor="cli", must_change_password=False,
            )  # fmt: skip
            return users.principal_for(session, email, org)

    return make


def system(
    database: Database, principal: Principal, name: str = "問い合わせ応答", **facts: object
) -> int:
    data = {"name": name, "org_role": "provider", "purpose": "顧客の質問に答える。",
            "deployment": "public", "contact_window": "https://acme.example/contact",
            "affected": ["customers"], "data_categories": ["personal"]} | facts  # fmt: skip
    with database.transaction() as session:
        return systems.register_system(session, principal, SystemFacts.model_validate(data)).id


def add(database: Database, principal: Principal, **fields: object) -> int:
    data = {"name": "Example LLM", "kind": "ai_api", "region": "米国",
            "abroad": True, "abroad_basis": "本人の同意（第28条第1項）",
            "contact": "sales@llm.example", "data_categories": ["personal"]} | fields  # fmt: skip
    with database.transaction() as session:
        return vendors.add_vendor(session, principal, VendorFields.model_validate(data)).id


def _items(database: Database, principal: Principal, assessment_id: int) -> dict[str, Any]:
    with database.reading() as session:
        report = assessments.assessment_report(session, principal, assessment_id)
    return {i.urn.removeprefix(GUIDELINE): i for i in report.items}


def _reviews(database: Database, system_id: int) -> list[ReviewRow]:
    with database.reading() as session:
        return list(session.scalars(select(ReviewRow).where(ReviewRow.system_id == system_id)))


def test_a_vendor_is_versioned_audited_with_history_and_a_stale_change_is_refused(
    loaded_db: Database, admin: Principal
) -> None:
    vid = add(loaded_db, admin)
    with loaded_db.transaction() as session:
        vendors.update_vendor(session, admin, vid, {"review_result": "問題なし"}, 1)
    with (
        pytest.raises(ConflictError, match="changed since version 1"),
        loaded_db.transaction() as session,
    ):
        vendors.update_vendor(session, admin, vid, {"name": "上書き"}, 1)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        vendors.update_vendor(session, admin, vid, {"name": "未来"}, 9)
    with loaded_db.reading() as session:
        row = vendors.get_vendor(session, admin, vid)
        events = list(
            session.scalars(select(AuditEventRow).where(AuditEventRow.object_type == "vendor").order_by(AuditEventRow.id))
        )
        log = vendors.history(session, admin, vid)
    assert (row.version, row.name, row.review_result) == (2, "Example LLM", "問題なし")
    assert [e.action for e in events] == ["vendor.create", "vendor.update"]
    assert events[0].summary["after"]["contact"] is True
    assert "sales@llm.example" not in str([e.summary for e in events])
    assert [(e.kind, e.fields) for e in log] == [("updated", ["review_result"]), ("created", [])]


def test_personal_data_abroad_needs_its_legal_basis_under_appi_article_28(
    loaded_db: Database, admin: Principal
) -> None:
    with pytest.raises(ValidationError, match=r"APPI art\. 28") as refused:
        VendorFields.model_validate({"name": "x", "abroad": True, "abroad_basis": "   "})
    assert refused.value.errors()[0]["loc"] == ("abroad_basis",)
    vid = add(loaded_db, admin, abroad=False, abroad_basis="")
    # turning the flag on through a change is held to the same rule, nothing is stored
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        vendors.update_vendor(session, admin, vid, {"abroad": True}, 1)
    with loaded_db.transaction() as session:
        vendors.update_vendor(
            session, admin, vid, {"abroad": True, "abroad_basis": "基準適合体制（第28条第1項）"}, 1
        )
    with loaded_db.reading() as session:
        row = vendors.get_vendor(session, admin, vid)
        assert (row.abroad, row.version) == (True, 2)
        assert [r.id for r in vendors.list_vendors(session, admin, abroad=True)] == [vid]
        assert vendors.list_vendors(session, admin, abroad=False) == []


@pytest.mark.parametrize(
    "data",
    [
        {"name": ""},
        {"name": "x" * 201},
        {"name": "x", "kind": "bank"},
        {"name": "x", "data_categories": ["secrets"]},
        {"name": "x", "region": "r" * 201},
        {"name": "x", "review_result": "r" * 4001},
        {"name": "x", "contact": "c" * 501},
        {"name": "x", "systems": list(range(1, 52))},
        {"name": "x", "systems": [0]},
        {"name": "x", "contract_start": "2026-05-01", "contract_end": "2026-04-30"},
        {"name": "x", "last_review": "2026-05-01", "next_review": "2026-04-30"},
        {"name": "x", "surprise": 1},
    ],
)
def test_limits_codes_and_dates_are_enforced_before_anything_is_stored(
    data: dict[str, object],
) -> None:
    with pytest.raises(ValidationError):
        VendorFields.model_validate(data)


def test_only_administrators_and_editors_write_and_see_contacts(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    vid = add(loaded_db, admin)
    editor = member("editor@acme.example", Role.EDITOR)
    add(loaded_db, editor, name="Cloud", kind="cloud", abroad=False, contact="")
    for role in (Role.VIEWER, Role.ASSESSOR, Role.EXECUTIVE, Role.AUDITOR):
        reader = member(f"{role.value}@acme.example", role)
        with pytest.raises(PermissionDeniedError):
            add(loaded_db, reader, name="x")
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            vendors.update_vendor(session, reader, vid, {"name": "x"}, 1)
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            vendors.mark_changed(session, reader, vid, VendorChange(reason=ChangeReason.OTHER), 1)
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            vendors.archive_vendor(session, reader, vid, 1)
        with loaded_db.reading() as session:
            rows = vendors.list_vendors(session, reader)
            shown = [vendors.view(session, reader, r, ActorNames(session, reader)) for r in rows]
        assert sorted(v.name for v in shown) == ["Cloud", "Example LLM"]
        assert all(v.contact is None for v in shown), role
    with loaded_db.reading() as session:
        row = vendors.get_vendor(session, editor, vid)
        shown_to_editor = vendors.view(session, editor, row, ActorNames(session, editor))
        assert shown_to_editor.contact == "sales@llm.example"


def test_external_testers_and_other_organisations_see_nothing_of_the_register(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    system_id = system(loaded_db, admin)
    vid = add(loaded_db, admin, systems=[system_id])
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, system_id, "tester@lab.example")
    other = member("admin@other.example", Role.ADMIN, "other")
    with loaded_db.reading() as session:
        with pytest.raises(NotFoundError):
            vendors.list_vendors(session, tester)
        assert vendors.for_system(session, tester, system_id) is None
        assert vendors.list_vendors(session, other) == []
        with pytest.raises(NotFoundError):
            vendors.list_vendors(session, other, system_id=system_id)
        for outsider in (tester, other):
            with pytest.raises(NotFoundError):
                vendors.get_vendor(session, outsider, vid)
            with pytest.raises(NotFoundError):
                vendors.history(session, outsider, vid)
    for outsider in (tester, other):
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            vendors.update_vendor(session, outsider, vid, {"name": "stolen"}, 1)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            vendors.mark_changed(session, outsider, vid, VendorChange(reason=ChangeReason.OTHER), 1)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            vendors.archive_vendor(session, outsider, vid, 1)
    with pytest.raises(NotFoundError):  # another organisation's system cannot depend on it
        add(loaded_db, other, systems=[system_id])
    with pytest.raises(NotFoundError):
        add(loaded_db, admin, systems=[system_id, 2**31 - 1])
    assert _reviews(loaded_db, system_id) == []
    with loaded_db.reading() as session:
        row = vendors.get_vendor(session, admin, vid)
        assert (row.name, row.version, row.archived_at) == ("Example LLM", 1, None)


def test_a_vendors_change_opens_a_review_of_each_dependent_system_naming_it(
    loaded_db: Database, admin: Principal
) -> None:
    first, second, alone = (system(loaded_db, admin, n) for n in ("A", "B", "C"))
    vid = add(loaded_db, admin, systems=[first, second])
    add(loaded_db, admin, name="Unrelated", abroad=False, systems=[alone])
    with loaded_db.transaction() as session:
        event = vendors.mark_changed(
            session, admin, vid,
            VendorChange(reason=ChangeReason.MODEL_CHANGE, detail="v4 から v5 へ"), 1,
        )  # fmt: skip
        assert event.reviews == [first, second]
    for system_id in (first, second):
        (review,) = _reviews(loaded_db, system_id)
        assert (review.status, review.trigger) == ("open", "model_change")
        (note,) = [read_note(n) for n in review.auto_reasons]
        assert note is not None
        assert note_text(note, "ja") == "依存するベンダー「Example LLM」がモデルを変更しました。"
        assert (
            note_text(note, "en")
            == "Example LLM, a vendor the system depends on, changed its model."
        )
    assert _reviews(loaded_db, alone) == []
    # a second change extends the open review rather than opening another
    with loaded_db.transaction() as session:
        vendors.mark_changed(
            session, admin, vid, VendorChange(reason=ChangeReason.SECURITY_INCIDENT), 2
        )
    (review,) = _reviews(loaded_db, first)
    assert [n["key"] for n in review.auto_reasons] == [
        "vendor-model-changed", "vendor-security-incident",
    ]  # fmt: skip
    with pytest.raises(ConflictError), loaded_db.transaction() as session:  # stale version
        vendors.mark_changed(session, admin, vid, VendorChange(reason=ChangeReason.OTHER), 2)
    with loaded_db.reading() as session:
        log = vendors.history(session, admin, vid)
        actions = session.scalars(
            select(AuditEventRow.action).where(AuditEventRow.object_type == "vendor")
        ).all()
    assert [(e.kind, e.reason, e.detail) for e in log[:2]] == [
        ("changed", "security_incident", ""), ("changed", "model_change", "v4 から v5 へ"),
    ]  # fmt: skip
    assert list(actions).count("vendor.change") == 2


def test_exiting_a_vendor_archives_it_opens_reviews_and_stops_changes(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    vid = add(loaded_db, admin, systems=[system_id])
    with loaded_db.transaction() as session:
        vendors.archive_vendor(session, admin, vid, 1, detail="自社ホスティングへ移行")
    (review,) = _reviews(loaded_db, system_id)
    note = read_note(review.auto_reasons[0])
    assert note is not None and note.key == "vendor-exited"
    assert "Example LLM" in note_text(note, "ja")
    with pytest.raises(ConflictError, match="archived"), loaded_db.transaction() as session:
        vendors.update_vendor(session, admin, vid, {"name": "x"}, 2)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        vendors.archive_vendor(session, admin, vid, 2)
    with loaded_db.reading() as session:
        assert vendors.list_vendors(session, admin) == []
        assert [r.id for r in vendors.list_vendors(session, admin, archived=True)] == [vid]
        assert vendors.history(session, admin, vid)[0].detail == "自社ホスティングへ移行"


def test_the_system_page_shows_linked_vendors_and_those_its_facts_name(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin, vendors=["example llm ", "Other Cloud"])
    linked = add(loaded_db, admin, name="Data Co", kind="data", abroad=False, systems=[system_id])
    named = add(loaded_db, admin, name="EXAMPLE LLM")
    add(loaded_db, admin, name="Example", abroad=False)  # a prefix is not a match
    with loaded_db.reading() as session:
        shown = vendors.for_system(session, admin, system_id)
        row = vendors.get_vendor(session, admin, named)
        view = vendors.view(session, admin, row, ActorNames(session, admin))
    assert shown is not None
    assert [v.id for v in shown.linked] == [linked]
    assert [v.id for v in shown.named] == [named]
    assert view.named_by == [system_id]


def test_a_vendor_is_evidence_for_2_4_of_the_systems_that_depend_on_it(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    mine, theirs = system(loaded_db, admin, "A"), system(loaded_db, admin, "B")
    with loaded_db.transaction() as session:
        a = assessments.start_assessment(session, admin, mine).id
        b = assessments.start_assessment(session, admin, theirs).id
    vid = add(loaded_db, admin, systems=[mine])
    step = _items(loaded_db, admin, a)["2.4"]
    assert [e.title_in("ja") for e in step.evidence] == ["ベンダー: Example LLM"]
    assert step.evidence[0].title_in("en") == "Vendor: Example LLM"
    assert step.state.value == "partial"
    assert not _items(loaded_db, admin, b)["2.4"].evidence
    # linked later: attached there too; a later assessment finds current vendors only
    with loaded_db.transaction() as session:
        vendors.update_vendor(session, admin, vid, {"systems": [mine, theirs]}, 1)
    assert len(_items(loaded_db, admin, b)["2.4"].evidence) == 1
    gone = add(loaded_db, admin, name="Old Cloud", abroad=False, systems=[mine])
    with loaded_db.transaction() as session:
        vendors.archive_vendor(session, admin, gone, 1)
    third = system(loaded_db, admin, "C")
    with loaded_db.transaction() as session:
        vendors.update_vendor(session, admin, vid, {"systems": [mine, theirs, third]}, 2)
        c = assessments.start_assessment(session, admin, third).id
    assert [e.title_in("en") for e in _items(loaded_db, admin, c)["2.4"].evidence] == [
        "Vendor: Example LLM"
    ]
    # an external tester reads the system's assessment without the organisation's register
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, mine, "tester@lab.example")
    assert _items(loaded_db, tester, a)["2.4"].evidence == []


def test_hostile_text_is_kept_as_written(loaded_db: Database, admin: Principal) -> None:
    vid = add(loaded_db, admin, name='=HYPERLINK("http://x")', region="<script>x</script>")
    with loaded_db.reading() as session:
        row = vendors.get_vendor(session, admin, vid)
    assert (row.name, row.region) == ('=HYPERLINK("http://x")', "<script>x</script>")
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        vendors.update_vendor(session, admin, vid, {"owner": "x"}, 1)


def test_concurrent_edits_of_one_version_let_exactly_one_win(
    loaded_db: Database, admin: Principal
) -> None:
    vid = add(loaded_db, admin)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(text: str) -> None:
        barrier.wait()
        try:
            with loaded_db.transaction() as session:
                vendors.update_vendor(session, admin, vid, {"review_result": text}, 1)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(t,)) for t in ("可", "否")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict", "saved"]
    with loaded_db.reading() as session:
        row = vendors.get_vendor(session, admin, vid)
    assert row.version == 2 and row.review_result in ("可", "否")


def test_the_register_and_a_history_are_limited(
    loaded_db: Database, admin: Principal, member: MakeMember, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vendors, "MAX_VENDORS", 2)
    monkeypatch.setattr(vendors, "MAX_EVENTS", 2)
    first = add(loaded_db, admin, name="一")
    second = add(loaded_db, admin, name="二")
    with loaded_db.transaction() as session:
        vendors.archive_vendor(session, admin, second, 1)
    with pytest.raises(InvalidInputError) as full:
        add(loaded_db, admin, name="三")
    assert "アーカイブ済みを含む" in full.value.localized("ja")
    add(loaded_db, member("admin@other.example", Role.ADMIN, "other"), name="他社")
    with loaded_db.transaction() as session:
        vendors.update_vendor(session, admin, first, {"region": "EU"}, 1)
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        vendors.update_vendor(session, admin, first, {"region": "JP"}, 2)
    with loaded_db.reading() as session:
        assert vendors.get_vendor(session, admin, first).region == "EU"


def test_only_linked_systems_get_reviews_not_those_that_merely_name_the_vendor(
    loaded_db: Database, admin: Principal
) -> None:
    named = system(loaded_db, admin, "A", vendors=["Example LLM"])
    vid = add(loaded_db, admin)
    with loaded_db.transaction() as session:
        event = vendors.mark_changed(
            session, admin, vid, VendorChange(reason=ChangeReason.TERMS_CHANGE), 1
        )
    assert event.reviews == [] and _reviews(loaded_db, named) == []
    with loaded_db.transaction() as session:
        vendors.update_vendor(session, admin, vid, {"systems": [named]}, 2)
        vendors.archive_vendor(session, admin, vid, 3)
    (review,) = _reviews(loaded_db, named)
    note = read_note(review.auto_reasons[0])
    assert note is not None
    assert note_text(note, "ja") == "依存していたベンダー「Example LLM」の利用を終了しました。"
