"""Training-data and model records (2(2), fn 17, 2(5)), on both databases: versions kept,
stale edits refused, addresses limited to http(s), scoping, and evidence in the
assessment."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.records import DatasetFields, ModelFields
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.records import RecordVersionRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import assessments, orgs, records, systems, users
from tekisei.services.database import Database
from tekisei.services.people import ActorNames

PASSWORD = "correct horse battery"
MakeMember = Callable[[str, Role], Principal]


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


def system(database: Database, principal: Principal, **facts: object) -> int:
    data = {
        "name": "画像生成サービス",
        "org_role": "provider",
        "purpose": "広告用の画像を生成する。",
        "deployment": "public",
        "data_categories": ["copyrighted"],
        "contact_window": "https://acme.example/contact",
    } | facts
    with database.transaction() as session:
        return systems.register_system(session, principal, SystemFacts.model_validate(data)).id


MODEL = {"name": "画像モデル", "provider": "Acme Lab", "model_version": "2026-10",
         "licence": "Apache-2.0", "model_card_url": "https://lab.example/card"}  # fmt: skip
DATASET = {
    "name": "写真コーパス",
    "source": "契約した写真素材サイト",
    "personal_data": ["personal"],
    "personal_data_basis": "本人の同意",
    "copyrighted": "yes",
    "article_30_4": "情報解析目的として検討した。",
    "opt_out": "honoured",
    "data_holders": ["写真家協会", "写真家協会", ""],
    "disclosed": ["name", "source", "name"],
}


def test_a_record_keeps_every_version_and_refuses_a_stale_change(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        row = records.add_model(session, admin, system_id, ModelFields.model_validate(MODEL))
        model_id = row.id
    with loaded_db.transaction() as session:
        records.update_model(session, admin, model_id, {"model_version": "2026-11"}, 1)
    with (
        pytest.raises(ConflictError, match="changed since version 1"),
        loaded_db.transaction() as session,
    ):
        records.update_model(session, admin, model_id, {"licence": "MIT"}, 1)
    with loaded_db.reading() as session:
        row = records.visible_model(session, admin, model_id)
        kept = records.versions(session, admin, row)
        actions = list(
            session.scalars(
                select(AuditEventRow.action).where(AuditEventRow.object_id == str(model_id))
            )
        )
    assert row.version == 2 and row.licence == "Apache-2.0"
    assert [v.version for v in kept] == [2, 1]
    assert kept[1].fields["model_version"] == "2026-10"
    assert kept[0].fields["model_version"] == "2026-11"
    assert "model_record.create" in actions and "model_record.update" in actions


def test_lists_are_cleaned_and_disclosed_fields_are_named_once(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        row = records.add_dataset(session, admin, system_id, DatasetFields.model_validate(DATASET))
        view = records.dataset_view(row, ActorNames(session, admin))
    assert view.data_holders == ["写真家協会"]
    assert view.disclosed == ["name", "source"]


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "https://",
        'https://lab.example/card" onmouseover="x',
        "//lab.example/card",
    ],
)
def test_a_model_card_address_is_http_or_https_only(address: str) -> None:
    with pytest.raises(ValidationError):
        ModelFields.model_validate(MODEL | {"model_card_url": address})


def test_an_update_to_a_script_address_is_refused_and_changes_nothing(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        model_id = records.add_model(session, admin, system_id, ModelFields(name="m")).id
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        records.update_model(session, admin, model_id, {"model_card_url": "data:,x"}, 1)
    with loaded_db.reading() as session:
        assert records.visible_model(session, admin, model_id).model_card_url == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 201),
        ("source", "x" * 4001),
        ("data_holders", ["x"] * 51),
        ("data_holders", ["x" * 201]),
        ("disclosed", ["secret_field"]),
    ],
)
def test_limits_are_enforced_before_anything_is_stored(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        DatasetFields.model_validate({"name": "d"} | {field: value})


def test_roles_that_write_systems_write_records_and_readers_only_read(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    system_id = system(loaded_db, admin)
    viewer = member("viewer@acme.example", Role.VIEWER)
    editor = member("editor@acme.example", Role.EDITOR)
    with loaded_db.transaction() as session:
        records.add_model(session, editor, system_id, ModelFields(name="m"))
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        records.add_model(session, viewer, system_id, ModelFields(name="m2"))
    with loaded_db.reading() as session:
        assert [r.name for r in records.list_models(session, viewer, system_id)] == ["m"]


def test_another_organisation_and_an_unassigned_tester_get_not_found(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        model_id = records.add_model(session, admin, system_id, ModelFields(name="m")).id
        dataset_id = records.add_dataset(session, admin, system_id, DatasetFields(name="d")).id
    other = member("admin@other.example", Role.ADMIN, "other")
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    for outsider in (other, tester):
        with loaded_db.reading() as session:
            with pytest.raises(NotFoundError):
                records.visible_model(session, outsider, model_id)
            with pytest.raises(NotFoundError):
                records.visible_dataset(session, outsider, dataset_id)
            with pytest.raises(NotFoundError):
                records.list_models(session, outsider, system_id)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            records.update_model(session, outsider, model_id, {"name": "stolen"}, 1)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            records.add_dataset(session, outsider, system_id, DatasetFields(name="stolen"))
    with loaded_db.reading() as session:
        assert records.visible_model(session, admin, model_id).name == "m"


def _completeness(database: Database, principal: Principal, assessment_id: int) -> float:
    with database.reading() as session:
        return assessments.assessment_report(session, principal, assessment_id).overall.completeness


def test_records_are_evidence_for_the_items_they_serve_and_count_towards_completeness(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        assessment_id = assessments.start_assessment(session, admin, system_id).id
        answer = assessments.answer_requirement(
            session,
            admin,
            assessment_id,
            "urn:tekisei:req:jp-ai-appropriateness-2025:2.2",
            AnswerFields(state=AnswerState.NOT_IMPLEMENTED, notes="開示文書はまだない。"),
        )
        assert answer.state == "not_implemented"
    before = _completeness(loaded_db, admin, assessment_id)
    with loaded_db.transaction() as session:
        records.add_dataset(session, admin, system_id, DatasetFields.model_validate(DATASET))
    with loaded_db.reading() as session:
        report = assessments.assessment_report(session, admin, assessment_id)
    items = {i.urn.rsplit(":", 1)[1]: i for i in report.items}
    for ref in ("2.2", "fn17", "2.5"):
        assert [e.title for e in items[ref].evidence] == ["学習データの記録: 写真コーパス"], ref
        assert [e.title_in("en") for e in items[ref].evidence] == ["Dataset record: 写真コーパス"]
    assert items["fn17"].state.value == "partial" and items["2.5"].state.value == "partial"
    note = items["fn17"].auto_note  # worded for each reader, not stored as words
    assert note is not None and "一部実施" in note.ja and "partially implemented" in note.en
    assert items["2.2"].state.value == "not_implemented"  # a person's answer stays
    assert items["2.2"].notes == "開示文書はまだない。"
    assert report.overall.completeness > before


def test_an_assessment_started_later_gets_the_records_as_evidence(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        records.add_model(session, admin, system_id, ModelFields.model_validate(MODEL))
        assessment_id = assessments.start_assessment(session, admin, system_id).id
    with loaded_db.reading() as session:
        report = assessments.assessment_report(session, admin, assessment_id)
    fn17 = next(i for i in report.items if i.urn.endswith(":fn17"))
    assert [e.title for e in fn17.evidence] == ["AIモデルの記録: 画像モデル"]
    assert fn17.state.value == "partial"


def test_a_user_systems_record_attaches_nothing_the_guideline_does_not_ask_of_it(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin, org_role="user")  # 2(2) asks developers, providers
    with loaded_db.transaction() as session:
        assessment_id = assessments.start_assessment(session, admin, system_id).id
        records.add_model(session, admin, system_id, ModelFields(name="m"))
    with loaded_db.reading() as session:
        report = assessments.assessment_report(session, admin, assessment_id)
        kept = session.scalars(select(RecordVersionRow)).all()
    assert not any(i.evidence for i in report.items)
    assert len(kept) == 1
