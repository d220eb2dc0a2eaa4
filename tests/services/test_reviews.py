"""Reviews: due dates by tier, triggers, PDCA records, completion and maturity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal
from tekisei.core.reviews import Trigger
from tekisei.core.systems import SystemFacts
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import assessments, catalog, orgs, reviews, systems
from tekisei.services.catalog_files import shipped_files
from tekisei.services.database import Database
from tekisei.services.people import ActorNames


@pytest.fixture
def ctx(loaded_db: Database) -> tuple[Database, Principal, int]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate(
            {"name": "採用支援", "org_role": "user", "domain": "employment", "models": ["model-a"]}
        )
        system_id = systems.register_system(session, admin, facts).id
    return loaded_db, admin, system_id


def test_a_high_tier_system_is_due_in_90_days(ctx: tuple[Database, Principal, int]) -> None:
    db, admin, system_id = ctx
    today = datetime.now(UTC).date()
    with db.reading() as session:
        [due] = reviews.due_list(session, admin)
        assert (due.system_id, due.due, due.overdue) == (
            system_id,
            today + timedelta(days=90),
            False,
        )
        [late] = reviews.due_list(session, admin, today=today + timedelta(days=91))
        assert late.overdue


def test_a_model_change_opens_a_review(ctx: tuple[Database, Principal, int]) -> None:
    db, admin, system_id = ctx
    with db.transaction() as session:
        systems.update_system(session, admin, system_id, {"models": ["model-b"]}, 1)
    with db.reading() as session:
        [row] = reviews.list_reviews(session, admin, system_id)
        review = reviews.view(row, ActorNames(session, admin))
    assert (review.trigger, review.status) == ("model_change", "open")
    assert review.reason == ""  # nothing a person wrote
    [why] = review.auto_reasons  # what tekisei noted, in the reader's language
    assert (why.ja, why.en) == ("利用するモデルが変更されました。", "The system's models changed.")


def test_completing_needs_all_four_records_and_feeds_maturity(
    ctx: tuple[Database, Principal, int],
) -> None:
    db, admin, system_id = ctx
    with db.transaction() as session:
        review = reviews.open_review(session, admin, system_id, Trigger.MANUAL, "定期点検")
    with pytest.raises(InvalidInputError, match="plan, do, check, act"), db.transaction() as s:
        reviews.complete_review(s, admin, review.id, 3)
    with db.transaction() as session:
        for phase in ("plan", "do", "check", "act"):
            reviews.record_phase(session, admin, review.id, phase, f"{phase} の記録")
        reviews.complete_review(session, admin, review.id, 3)
    with pytest.raises(ConflictError), db.transaction() as session:
        reviews.record_phase(session, admin, review.id, "act", "後から")
    with db.reading() as session:
        [point] = reviews.maturity_trend(session, admin)
        [due] = reviews.due_list(session, admin)
    assert (point.maturity, point.reviews) == (3.0, 1)
    assert due.due == datetime.now(UTC).date() + timedelta(days=90)
    assert due.open_review is None


def test_a_new_catalog_version_reopens_reviews_of_answered_requirements(
    loaded_db: Database, tmp_path: Path
) -> None:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate({"name": "画像生成", "org_role": "provider"})
        answered = systems.register_system(session, admin, facts).id
        untouched = systems.register_system(
            session, admin, facts.model_copy(update={"name": "未回答"})
        ).id
        row = assessments.start_assessment(session, admin, answered)
        assessments.answer_requirement(
            session,
            admin,
            row.id,
            "jp-ai-appropriateness-2025:2(3)",
            AnswerFields(state=AnswerState.IMPLEMENTED),
        )
    source = next(p for p in shipped_files() if p.name == "jp-ai-appropriateness-2025.yaml")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    node = next(n for n in data["nodes"] if n["ref"] == "2.3")
    node["text"]["ja"] += "（改訂）"
    revised = tmp_path / "jp-ai-appropriateness-2025.yaml"
    revised.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with loaded_db.transaction() as session:
        catalog.load_catalogs(session, [revised])
    with loaded_db.reading() as session:
        [review] = reviews.list_reviews(session, admin, answered)
        assert reviews.list_reviews(session, admin, untouched) == []
        seen = reviews.view(review, ActorNames(session, admin))
    assert (review.trigger, review.status) == ("catalog_change", "open")
    [why] = seen.auto_reasons
    assert why.ja.endswith(": 2.3") and why.en == "The catalog changed these requirements: 2.3"
