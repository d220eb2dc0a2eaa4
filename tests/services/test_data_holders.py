"""The data-holder register, the communication log and the benefit-return arrangements
(2(5)), on both databases: roles, isolation, versions, archiving, the organisation's clock,
dates of arrangements, hostile text, and evidence in the guideline assessments."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.data_holders import (
    BenefitFields,
    CommunicationFields,
    DataHolderFields,
    HolderKind,
    Right,
)
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.records import DatasetFields
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import (
    assessments,
    data_holder_logs,
    data_holders,
    orgs,
    records,
    systems,
    users,
)
from tekisei.services.database import Database
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
                session,
                users.UserCreate(email=email, password=PASSWORD),
                org,
                role,
                actor="cli",
                must_change_password=False,
            )
            return users.principal_for(session, email, org)

    return make


def system(database: Database, principal: Principal, name: str = "写真生成") -> int:
    facts = SystemFacts.model_validate(
        {"name": name, "org_role": "provider", "purpose": "広告用の画像を生成する。",
         "deployment": "public", "contact_window": "https://acme.example/contact",
         "data_categories": ["copyrighted"]}
    )  # fmt: skip
    with database.transaction() as session:
        return systems.register_system(session, principal, facts).id


def dataset(database: Database, principal: Principal, system_id: int, name: str = "写真") -> int:
    with database.transaction() as session:
        return records.add_dataset(
            session, principal, system_id, DatasetFields(name=name, data_holders=["写真家協会"])
        ).id


def add(database: Database, principal: Principal, **fields: object) -> int:
    data = {"name": "写真家協会", "kind": "creators", "data": "報道写真 12万点",
            "rights": ["copyright"], "contact": "info@photo.example"} | fields  # fmt: skip
    with database.transaction() as session:
        return data_holders.add_holder(session, principal, DataHolderFields.model_validate(data)).id


def benefit(**fields: object) -> BenefitFields:
    data = {"kind": "revenue_share", "recipient": "写真家協会", "method": "売上の3%",
            "since": "2026-04-01"} | fields  # fmt: skip
    return BenefitFields.model_validate(data)


def test_a_holder_is_versioned_audited_and_a_stale_change_is_refused(
    loaded_db: Database, admin: Principal
) -> None:
    hid = add(loaded_db, admin)
    with loaded_db.transaction() as session:
        data_holders.update_holder(
            session, admin, hid, {"rights": ["personal_data", "copyright"]}, 1
        )
    with (
        pytest.raises(ConflictError, match="changed since version 1"),
        loaded_db.transaction() as session,
    ):
        data_holders.update_holder(session, admin, hid, {"name": "上書き"}, 1)
    with pytest.raises(ConflictError, match="no version 9"), loaded_db.transaction() as session:
        data_holders.update_holder(session, admin, hid, {"name": "上書き"}, 9)
    with loaded_db.reading() as session:
        row = data_holders.get_holder(session, admin, hid)
        events = list(
            session.scalars(select(AuditEventRow).where(AuditEventRow.object_type == "data_holder").order_by(AuditEventRow.id))
        )
    assert (row.version, row.name, row.rights) == (2, "写真家協会", ["copyright", "personal_data"])
    assert [e.action for e in events] == ["data_holder.create", "data_holder.update"]
    # the contact is personal data: the audit log says there is one, not what it is
    assert events[0].summary["after"]["contact"] is True
    assert "info@photo.example" not in str([e.summary for e in events])


def test_only_administrators_and_editors_write_and_see_contacts(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    hid = add(loaded_db, admin)
    with loaded_db.transaction() as session:
        bid = data_holder_logs.add_benefit(session, admin, hid, benefit()).id
    editor = member("editor@acme.example", Role.EDITOR)
    add(loaded_db, editor, name="市民", kind="individuals", contact="")
    for role in (Role.VIEWER, Role.ASSESSOR, Role.EXECUTIVE, Role.AUDITOR):
        reader = member(f"{role.value}@acme.example", role)
        with pytest.raises(PermissionDeniedError):
            add(loaded_db, reader, name="x")
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            data_holders.update_holder(session, reader, hid, {"name": "x"}, 1)
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            data_holders.archive_holder(session, reader, hid, 1)
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            data_holder_logs.log_communication(
                session, reader, hid, CommunicationFields(summary="x")
            )
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            data_holder_logs.add_benefit(session, reader, hid, benefit())
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            data_holder_logs.update_benefit(session, reader, bid, {"status": "ended"}, 1)
        with loaded_db.reading() as session:
            rows = data_holders.list_holders(session, reader)
            shown = [
                data_holders.view(session, reader, r, ActorNames(session, reader)) for r in rows
            ]
            assert [b.id for b in data_holder_logs.benefits(session, reader, hid)] == [bid]
        assert sorted(s.name for s in shown) == ["写真家協会", "市民"]
        assert all(s.contact is None for s in shown), role
    with loaded_db.reading() as session:
        row = data_holders.get_holder(session, editor, hid)
        assert data_holders.view(session, editor, row, ActorNames(session, editor)).contact == (
            "info@photo.example"
        )


def test_external_testers_and_other_organisations_see_nothing_of_the_register(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    system_id = system(loaded_db, admin)
    dataset_id = dataset(loaded_db, admin, system_id)
    hid = add(loaded_db, admin, datasets=[dataset_id])
    with loaded_db.transaction() as session:
        bid = data_holder_logs.add_benefit(session, admin, hid, benefit()).id
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, system_id, "tester@lab.example")
    other = member("admin@other.example", Role.ADMIN, "other")
    with loaded_db.reading() as session:
        with pytest.raises(NotFoundError):
            data_holders.list_holders(session, tester)
        assert data_holders.for_dataset(session, tester, dataset_id) is None
        assert data_holders.list_holders(session, other) == []
        with pytest.raises(NotFoundError):  # another organisation's dataset as a filter
            data_holders.list_holders(session, other, dataset_id=dataset_id)
        for outsider in (tester, other):
            with pytest.raises(NotFoundError):
                data_holders.get_holder(session, outsider, hid)
            with pytest.raises(NotFoundError):
                data_holder_logs.communications(session, outsider, hid)
            with pytest.raises(NotFoundError):
                data_holder_logs.benefits(session, outsider, hid)
            with pytest.raises(NotFoundError):
                data_holder_logs.get_benefit(session, outsider, bid)
    for outsider in (tester, other):
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            data_holders.update_holder(session, outsider, hid, {"name": "stolen"}, 1)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            data_holder_logs.log_communication(
                session, outsider, hid, CommunicationFields(summary="stolen")
            )
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            data_holder_logs.add_benefit(session, outsider, hid, benefit())
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            data_holder_logs.update_benefit(session, outsider, bid, {"status": "ended"}, 1)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            data_holders.archive_holder(session, outsider, hid, 1)
    # another organisation's admin cannot link its holders to acme's dataset records either
    with pytest.raises(NotFoundError):
        add(loaded_db, other, datasets=[dataset_id])
    with pytest.raises(NotFoundError):
        add(loaded_db, admin, datasets=[dataset_id, 2**31 - 1])
    with loaded_db.reading() as session:
        row = data_holders.get_holder(session, admin, hid)
        assert (row.name, row.version) == ("写真家協会", 1)
        assert data_holder_logs.communications(session, admin, hid) == []
        assert data_holder_logs.get_benefit(session, admin, bid).version == 1


def test_filters_and_the_links_between_holders_and_dataset_records(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    photos, texts = (
        dataset(loaded_db, admin, system_id),
        dataset(loaded_db, admin, system_id, "記事"),
    )
    add(loaded_db, admin, datasets=[photos, photos])
    add(loaded_db, admin, name="新聞社", kind="companies", rights=["copyright", "trade_secrets"],
        datasets=[texts, photos])  # fmt: skip
    add(loaded_db, admin, name="市", kind="public_bodies", rights=[])
    with loaded_db.reading() as session:

        def names(**filters: object) -> list[str]:
            rows = data_holders.list_holders(session, admin, **filters)  # type: ignore[arg-type]
            return [r.name for r in rows]

        assert names(dataset_id=photos) == ["写真家協会", "新聞社"]
        assert names(dataset_id=texts) == ["新聞社"]
        assert names(kind=HolderKind.PUBLIC_BODIES) == ["市"]
        assert names(right=Right.TRADE_SECRETS) == ["新聞社"]
        shown = data_holders.for_dataset(session, admin, photos)
        assert shown is not None and [h.name for h in shown] == ["写真家協会", "新聞社"]
        paper = data_holders.list_holders(session, admin, kind=HolderKind.COMPANIES)[0]
        linked = data_holders.view(session, admin, paper, ActorNames(session, admin)).datasets
        assert [(d.name, d.system_id) for d in linked] == [("写真", system_id), ("記事", system_id)]


def test_an_archived_holder_is_kept_but_no_longer_listed_changed_or_logged(
    loaded_db: Database, admin: Principal
) -> None:
    hid = add(loaded_db, admin)
    with loaded_db.transaction() as session:
        bid = data_holder_logs.add_benefit(session, admin, hid, benefit()).id
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        data_holders.archive_holder(session, admin, hid, 7)
    with loaded_db.transaction() as session:
        data_holders.archive_holder(session, admin, hid, 1)
    with pytest.raises(ConflictError, match="archived"), loaded_db.transaction() as session:
        data_holder_logs.log_communication(session, admin, hid, CommunicationFields(summary="x"))
    with pytest.raises(ConflictError, match="archived"), loaded_db.transaction() as session:
        data_holder_logs.add_benefit(session, admin, hid, benefit())
    with pytest.raises(ConflictError, match="archived"), loaded_db.transaction() as session:
        data_holder_logs.update_benefit(session, admin, bid, {"status": "ended"}, 1)
    with pytest.raises(ConflictError, match="archived"), loaded_db.transaction() as session:
        data_holders.update_holder(session, admin, hid, {"name": "x"}, 2)
    with loaded_db.reading() as session:
        assert data_holders.list_holders(session, admin) == []
        kept = data_holders.list_holders(session, admin, archived=True)
        assert [(r.id, r.version) for r in kept] == [(hid, 2)] and kept[0].archived_at
        actions = session.scalars(
            select(AuditEventRow.action).where(AuditEventRow.object_type == "data_holder")
        ).all()
    assert list(actions) == [
        "data_holder.create", "data_holder.add_benefit", "data_holder.archive",
    ]  # fmt: skip


def test_a_communication_is_dated_on_the_organisations_clock_and_never_in_the_future(
    loaded_db: Database, admin: Principal
) -> None:
    hid = add(loaded_db, admin)
    # 16:00 UTC on 30 November is already 1 December in Tokyo (the default zone)
    evening = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    with loaded_db.transaction() as session:
        entry = data_holder_logs.log_communication(
            session, admin, hid, CommunicationFields(channel="email", summary="利用状況を報告"),
            now=evening,
        )  # fmt: skip
        assert entry.happened_on == date(2026, 12, 1)
    with pytest.raises(InvalidInputError, match="after today"), loaded_db.transaction() as session:
        data_holder_logs.log_communication(
            session, admin, hid,
            CommunicationFields(happened_on=date(2026, 12, 2), summary="未来"), now=evening,
        )  # fmt: skip
    with loaded_db.transaction() as session:
        data_holder_logs.log_communication(
            session, admin, hid,
            CommunicationFields(happened_on=date(2026, 11, 1), summary="協議",
                                outcome="クレジット表記で合意"),
            now=evening,
        )  # fmt: skip
    with loaded_db.reading() as session:
        log = data_holder_logs.communications(session, admin, hid)
        events = session.scalars(
            select(AuditEventRow.summary).where(AuditEventRow.action == "data_holder.communicate")
        ).all()
    assert [(e.happened_on, e.channel) for e in log] == [
        (date(2026, 12, 1), "email"),
        (date(2026, 11, 1), "meeting"),
    ]
    assert [e["day"] for e in events] == ["2026-12-01", "2026-11-01"]


def test_a_benefit_arrangement_is_versioned_audited_and_ends_after_it_starts(
    loaded_db: Database, admin: Principal
) -> None:
    hid = add(loaded_db, admin)
    with loaded_db.transaction() as session:
        bid = data_holder_logs.add_benefit(session, admin, hid, benefit(status="active")).id
        data_holder_logs.add_benefit(
            session, admin, hid,
            benefit(kind="attribution", method="生成画像の説明欄に表記", since="2026-06-01"),
        )  # fmt: skip
    with loaded_db.transaction() as session:
        data_holder_logs.update_benefit(
            session, admin, bid, {"status": "ended", "until": date(2026, 9, 30)}, 1
        )
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        data_holder_logs.update_benefit(session, admin, bid, {"status": "active"}, 1)
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        data_holder_logs.update_benefit(session, admin, bid, {"until": date(2026, 3, 1)}, 2)
    with pytest.raises(InvalidInputError, match="unknown"), loaded_db.transaction() as session:
        data_holder_logs.update_benefit(session, admin, bid, {"holder_id": 99}, 2)
    with loaded_db.reading() as session:
        listed = data_holder_logs.benefits(session, admin, hid)
        events = session.scalars(
            select(AuditEventRow.summary).where(
                AuditEventRow.action == "data_holder.update_benefit"
            )
        ).all()
    assert [(b.kind, b.status, b.until, b.version) for b in listed] == [
        ("attribution", "planned", None, 1),
        ("revenue_share", "ended", date(2026, 9, 30), 2),
    ]
    assert events == [
        {"benefit": bid, "version": 2, "before": {"status": "active", "until": None},
         "after": {"status": "ended", "until": "2026-09-30"}},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 201),
        ("name", "   "),
        ("data", "x" * 4001),
        ("interests", "x" * 4001),
        ("contact", "x" * 501),
        ("kind", "journalists"),
        ("rights", ["moral_rights"]),
        ("datasets", list(range(1, 102))),
        ("datasets", [0]),
        ("datasets", [2**31]),
    ],
)
def test_limits_and_codes_are_enforced_before_anything_is_stored(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        DataHolderFields.model_validate({"name": "n"} | {field: value})


@pytest.mark.parametrize(
    "data",
    [{"summary": ""}, {"summary": "x" * 4001}, {"summary": "x", "channel": "pigeon"},
     {"summary": "x", "outcome": "x" * 4001}, {"summary": "x", "happened_on": "yesterday"}],
)  # fmt: skip
def test_a_communication_out_of_bounds_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CommunicationFields.model_validate(data)


@pytest.mark.parametrize(
    "data",
    [{"kind": "bribe"}, {"recipient": ""}, {"recipient": "x" * 201}, {"method": "x" * 4001},
     {"since": "soon"}, {"status": "paused"}, {"until": "2026-03-31"}],
)  # fmt: skip
def test_a_benefit_out_of_bounds_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        benefit(**data)


def test_hostile_text_is_kept_as_written_and_an_unknown_field_is_refused(
    loaded_db: Database, admin: Principal
) -> None:
    hostile = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script>'
    hid = add(loaded_db, admin, name=hostile, data="+cmd|' /C calc'!A0")
    with pytest.raises(InvalidInputError, match="unknown"), loaded_db.transaction() as session:
        data_holders.update_holder(session, admin, hid, {"org_id": 2}, 1)
    with loaded_db.reading() as session:
        row = data_holders.get_holder(session, admin, hid)
    assert row.name == hostile and row.org_id == admin.org_id and row.version == 1


def _items(database: Database, principal: Principal, assessment_id: int) -> dict[str, Any]:
    with database.reading() as session:
        report = assessments.assessment_report(session, principal, assessment_id)
    return {i.urn.removeprefix(GUIDELINE): i for i in report.items}


def _holder_titles(database: Database, principal: Principal, assessment_id: int) -> list[str]:
    found = _items(database, principal, assessment_id)["2.5"].evidence
    return [e.title_in("en") for e in found if e.title_in("en").startswith("Data holder")]


def test_a_holder_linked_to_a_systems_dataset_is_evidence_for_2_5_of_that_system_only(
    loaded_db: Database, admin: Principal
) -> None:
    mine, theirs = system(loaded_db, admin, "A"), system(loaded_db, admin, "B")
    photos = dataset(loaded_db, admin, mine)
    with loaded_db.transaction() as session:
        a = assessments.start_assessment(session, admin, mine).id
        b = assessments.start_assessment(session, admin, theirs).id
        assessments.answer_requirement(
            session, admin, b, GUIDELINE + "2.5",
            AnswerFields(state=AnswerState.NOT_IMPLEMENTED, notes="まだ"),
        )  # fmt: skip
    hid = add(loaded_db, admin, datasets=[photos])
    add(loaded_db, admin, name="未連携の保有者")  # linked to no dataset: evidence for none
    item = _items(loaded_db, admin, a)["2.5"]
    titles = [e.title_in("ja") for e in item.evidence]
    assert "データ保有者: 写真家協会" in titles and "データ保有者: 未連携の保有者" not in titles
    assert _holder_titles(loaded_db, admin, a) == ["Data holder: 写真家協会"]
    assert item.state.value == "partial"
    assert _holder_titles(loaded_db, admin, b) == []
    # linking it later to a dataset of B attaches it there; the answer a person gave stays
    texts = dataset(loaded_db, admin, theirs, "記事")
    with loaded_db.transaction() as session:
        data_holders.update_holder(session, admin, hid, {"datasets": [photos, texts]}, 1)
    assert _holder_titles(loaded_db, admin, b) == ["Data holder: 写真家協会"]
    assert _items(loaded_db, admin, b)["2.5"].state.value == "not_implemented"


def test_a_new_assessment_finds_current_holders_and_testers_do_not_see_them(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    system_id = system(loaded_db, admin)
    photos = dataset(loaded_db, admin, system_id)
    add(loaded_db, admin, datasets=[photos])
    archived = add(loaded_db, admin, name="旧提供元", datasets=[photos])
    with loaded_db.transaction() as session:
        data_holders.archive_holder(session, admin, archived, 1)
        assessment = assessments.start_assessment(session, admin, system_id).id
    assert _holder_titles(loaded_db, admin, assessment) == ["Data holder: 写真家協会"]
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, system_id, "tester@lab.example")
    assert _holder_titles(loaded_db, tester, assessment) == []


def test_concurrent_edits_of_one_version_let_exactly_one_win(
    loaded_db: Database, admin: Principal
) -> None:
    hid = add(loaded_db, admin)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(text: str) -> None:
        barrier.wait()
        try:
            with loaded_db.transaction() as session:
                data_holders.update_holder(session, admin, hid, {"interests": text}, 1)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(t,)) for t in ("対価", "同意")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict", "saved"]
    with loaded_db.reading() as session:
        row = data_holders.get_holder(session, admin, hid)
        updates = session.scalars(
            select(AuditEventRow.id).where(AuditEventRow.action == "data_holder.update")
        ).all()
    assert row.version == 2 and row.interests in ("対価", "同意") and len(updates) == 1


def test_the_register_and_its_logs_are_limited(
    loaded_db: Database, admin: Principal, member: MakeMember, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_holders, "MAX_HOLDERS", 2)
    monkeypatch.setattr(data_holder_logs, "MAX_COMMUNICATIONS", 1)
    monkeypatch.setattr(data_holder_logs, "MAX_BENEFITS", 1)
    first = add(loaded_db, admin, name="一")
    second = add(loaded_db, admin, name="二")
    with loaded_db.transaction() as session:
        data_holders.archive_holder(session, admin, second, 1)
    with pytest.raises(InvalidInputError) as full:
        add(loaded_db, admin, name="三")  # archived ones count
    assert "アーカイブ済みを含む" in full.value.localized("ja")
    add(loaded_db, member("admin@other.example", Role.ADMIN, "other"), name="他社")
    with loaded_db.transaction() as session:
        data_holder_logs.log_communication(session, admin, first, CommunicationFields(summary="1"))
        data_holder_logs.add_benefit(session, admin, first, benefit())
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        data_holder_logs.log_communication(session, admin, first, CommunicationFields(summary="2"))
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        data_holder_logs.add_benefit(session, admin, first, benefit())
    with loaded_db.reading() as session:
        assert len(data_holders.list_holders(session, admin, archived=True)) == 2
        assert len(data_holder_logs.communications(session, admin, first)) == 1
