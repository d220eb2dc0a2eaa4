"""Energy records (1(2)) on both databases: added, listed and removed with their
emissions, audited, refused to viewers and to other organisations (as "not found"), the
public switch with its version, and what the public reads when it is on and when off."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tekisei.core.energy import MAX_RECORDS, EnergyFields
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.energy import EnergyRecordRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import energy, notices, orgs, systems, users
from tekisei.services.database import Database

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.LOCAL]), "cli"
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
    database: Database, principal: Principal, name: str = "住民問い合わせチャットボット"
) -> int:
    data = {"name": name, "org_role": "user", "purpose": "住民の問い合わせに答える。",
            "deployment": "public", "affected": ["public"],
            "contact_window": "市民課 問い合わせ窓口",
            "responsible_person": "市民課長"}  # fmt: skip
    with database.transaction() as session:
        return systems.register_system(session, principal, SystemFacts.model_validate(data)).id


def fields(**changes: Any) -> EnergyFields:
    base = {"phase": "inference", "start": "2026-04-01", "end": "2026-09-30", "kwh": "1200",
            "basis": "estimated", "factor": "0.441",
            "factor_source": "東西電力 2025年度 基礎排出係数",
            "source": "GPU 2基 × 0.4 kW × 24時間 × 183日 × PUE 1.5",
            "compute": "クラウドGPU（L4）2基"}  # fmt: skip
    return EnergyFields.model_validate(base | changes)


def test_records_are_added_listed_summarised_removed_and_audited(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        first = energy.add_energy(session, admin, system_id, fields())
        energy.add_energy(session, admin, system_id, fields(
            phase="training", start="2025-10-01", end="2025-12-31", kwh="3000.5",
            basis="measured", factor=None, factor_source=""))  # fmt: skip
    assert first.emissions_kg == Decimal("529.200") and first.kwh == Decimal("1200.000")
    with loaded_db.reading() as session:
        listed = energy.list_energy(session, admin, system_id)
        overview = energy.energy_overview(session, admin, system_id)
        shown = energy.get_energy(session, admin, system_id, first.id)
    assert [r.phase.value for r in listed] == ["inference", "training"]
    assert shown.factor == Decimal("0.441") and shown.recorded_by == "cli"
    assert overview.summary.kwh == Decimal("4200.500")
    assert overview.summary.emissions_kg == Decimal("529.200")
    assert overview.summary.kwh_without_factor == Decimal("3000.500")
    assert not overview.publication.published and overview.publication.version == 0
    with loaded_db.transaction() as session:
        energy.remove_energy(session, admin, system_id, first.id)
    with loaded_db.reading() as session:
        assert len(energy.list_energy(session, admin, system_id)) == 1
        with pytest.raises(NotFoundError):
            energy.get_energy(session, admin, system_id, first.id)
        events = list(session.scalars(select(AuditEventRow).order_by(AuditEventRow.seq)))
    actions = [e.action for e in events if e.action.startswith("energy.")]
    assert actions == ["energy.add", "energy.add", "energy.remove"]
    removed = next(e for e in events if e.action == "energy.remove")
    assert removed.summary["kwh"] == "1200.000" and removed.summary["record"] == first.id


def test_viewers_read_but_do_not_write_and_other_organisations_see_nothing(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        record_id = energy.add_energy(session, admin, system_id, fields()).id
    viewer = member("viewer@acme.example", Role.VIEWER)
    editor = member("editor@acme.example", Role.EDITOR)
    stranger = member("admin@other.example", Role.ADMIN, "other")
    tester = member("tester@acme.example", Role.EXTERNAL_TESTER)
    with loaded_db.reading() as session:
        assert len(energy.list_energy(session, viewer, system_id)) == 1
        with pytest.raises(NotFoundError):
            energy.list_energy(session, tester, system_id)  # not assigned to them
    with loaded_db.transaction() as session:
        with pytest.raises(PermissionDeniedError):
            energy.add_energy(session, viewer, system_id, fields())
        with pytest.raises(PermissionDeniedError):
            energy.remove_energy(session, viewer, system_id, record_id)
        with pytest.raises(PermissionDeniedError):
            energy.set_publication(session, viewer, system_id, True, 0)
        for call in (
            lambda: energy.list_energy(session, stranger, system_id),
            lambda: energy.get_energy(session, stranger, system_id, record_id),
            lambda: energy.add_energy(session, stranger, system_id, fields()),
            lambda: energy.remove_energy(session, stranger, system_id, record_id),
            lambda: energy.set_publication(session, stranger, system_id, True, 0),
        ):
            with pytest.raises(NotFoundError):
                call()
        energy.add_energy(session, editor, system_id, fields(kwh="1"))
    other_system = system(loaded_db, admin, "別のシステム")
    with loaded_db.transaction() as session, pytest.raises(NotFoundError):
        energy.remove_energy(session, admin, other_system, record_id)  # not its record
    with loaded_db.reading() as session:
        assert len(energy.list_energy(session, admin, system_id)) == 2


def test_a_system_holds_a_bounded_number_of_records(loaded_db: Database, admin: Principal) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        for _ in range(MAX_RECORDS):
            session.add(EnergyRecordRow(
                org_id=admin.org_id, system_id=system_id, phase="inference",
                period_start=fields().start, period_end=fields().end, compute="", energy_wh=1,
                basis="estimated", factor_mg=None, factor_source="", source="x",
                recorded_at=energy.datetime.now(energy.UTC), recorded_by="cli"))  # fmt: skip
    with loaded_db.transaction() as session, pytest.raises(InvalidInputError) as refused:
        energy.add_energy(session, admin, system_id, fields())
    assert "1000件まで" in refused.value.localized("ja")


def test_the_public_switch_has_a_version_and_shows_figures_only_when_on(
    loaded_db: Database, admin: Principal, tmp_path: Path
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        energy.add_energy(session, admin, system_id, fields())
        notice = notices.draft_notice(session, admin, system_id)
    with loaded_db.transaction() as session:
        notices.publish_notice(session, admin, system_id, notice.version,
                               files_dir=tmp_path / "files", max_bytes=1024 * 1024)  # fmt: skip
        public_id = notices.get_notice(session, admin, system_id).public_id
    with loaded_db.reading() as session:
        assert energy.public_for_notice(session, public_id) is None
        assert _shown(session, "acme") == []
    with loaded_db.transaction() as session:
        switched = energy.set_publication(session, admin, system_id, True, 0)
    assert switched.published and switched.version == 1
    with loaded_db.transaction() as session, pytest.raises(ConflictError):
        energy.set_publication(session, admin, system_id, False, 0)  # stale
    with loaded_db.reading() as session:
        shown = energy.public_for_notice(session, public_id)
        listed = energy.public_for_org(session, "acme")
        assert energy.public_for_notice(session, "nosuchnotice") is None
        with pytest.raises(NotFoundError):
            energy.public_for_org(session, "nobody")
    assert shown is not None and shown.emissions_kg == Decimal("529.200")
    assert shown.estimated_share == 1.0 and shown.factors[0].source.startswith("東西電力")
    assert [p.system_name for p in listed] == ["住民問い合わせチャットボット"]
    assert "source" not in shown.model_dump() and "compute" not in str(shown.model_dump())
    with loaded_db.transaction() as session:
        energy.set_publication(session, admin, system_id, False, 1)
    with loaded_db.reading() as session:
        assert energy.public_for_notice(session, public_id) is None
        assert _shown(session, "acme") == []


def test_the_organisation_default_covers_systems_without_a_choice_of_their_own(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    """Off by default; an administrator turns it on for every system that has not chosen
    (today's and later ones), with a version and an audit event; a system's own choice
    holds either way; editors and viewers may not change it; other organisations keep
    their own default and see nothing of this one."""
    chosen, silent = system(loaded_db, admin), system(loaded_db, admin, "議事録要約")
    editor, viewer = (
        member("editor@acme.example", Role.EDITOR),
        member("v@acme.example", Role.VIEWER),
    )
    with loaded_db.transaction() as session:
        other = orgs.cli_principal(session, "other")
        for target in (chosen, silent):
            energy.add_energy(session, admin, target, fields())
        energy.set_publication(session, admin, chosen, False, 0)
    with loaded_db.reading() as session:
        start = energy.read_default(session, viewer)
        assert (start.published, start.version, start.following) == (False, 0, 1)
        assert _shown(session, "acme") == []
    for who in (editor, viewer):
        with loaded_db.transaction() as session, pytest.raises(PermissionDeniedError):
            energy.set_default(session, who, True, 0)
    with loaded_db.transaction() as session:
        energy.set_default(session, other, True, 0)
    with loaded_db.reading() as session:
        assert _shown(session, "acme") == []
        assert energy.read_default(session, admin).published is False
    with loaded_db.transaction() as session:
        on = energy.set_default(session, admin, True, 0)
    assert (on.published, on.version, on.following) == (True, 1, 1)
    with loaded_db.transaction() as session, pytest.raises(ConflictError) as stale:
        energy.set_default(session, admin, False, 0)
    assert "既定値" in stale.value.localized("ja")
    later = system(loaded_db, admin, "窓口案内")
    with loaded_db.transaction() as session:
        energy.add_energy(session, admin, later, fields(kwh="3"))
    with loaded_db.reading() as session:
        shown = sorted(e.system_name for e in energy.public_for_org(session, "acme"))
        overview = energy.energy_overview(session, admin, later)
        assert energy.public_for_system(session, chosen) is None  # switched off itself
        assert _shown(session, "other") == []  # no records there
    assert shown == ["窓口案内", "議事録要約"]
    assert overview.publication.published and not overview.publication.own_choice
    with loaded_db.transaction() as session:
        energy.set_publication(session, admin, later, True, 0)
        off = energy.set_default(session, admin, False, 1)
    assert off.following == 1  # 議事録要約 (窓口案内 chose)
    with loaded_db.reading() as session:
        assert [e.system_name for e in energy.public_for_org(session, "acme")] == ["窓口案内"]
        events = session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.action == "energy.default")
            .order_by(AuditEventRow.id)
        ).all()
    assert [(e.org_id, e.summary["published"]) for e in events] == [
        (other.org_id, True), (admin.org_id, True), (admin.org_id, False)
    ]  # fmt: skip


def _shown(session: Any, slug: str) -> list[Any]:
    """What the organisation shows; its public address answers 404 when that is nothing
    (as for an unknown organisation)."""
    try:
        return energy.public_for_org(session, slug)
    except NotFoundError:
        return []
