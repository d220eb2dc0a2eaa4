"""What the gates read from records, in one light module: the latest finished
evaluation run and the latest provenance check of a system, and the evaluation gate's
options. Importing it costs no evaluation engine and no image library, so ``tekisei
check`` starts quickly."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.continuity import continuity_problems
from tekisei.core.eval_findings import EvalGate, RunFacts
from tekisei.core.gates import Missing
from tekisei.core.systems import Tier
from tekisei.db.continuity import ContinuityDrillRow, ContinuityPlanRow
from tekisei.db.evals import EvalRunRow
from tekisei.db.orgs import OrgRow
from tekisei.db.provenance import ProvenanceCheckRow
from tekisei.db.systems import SystemRow
from tekisei.errors import InvalidInputError
from tekisei.services import policy_versions
from tekisei.services.database import policy_of


def latest_finished(session: Session, system_id: int, suite: str | None = None) -> RunFacts | None:
    """The latest finished run of a system (of ``suite`` when given), for the gate."""
    query = select(EvalRunRow).where(
        EvalRunRow.system_id == system_id, EvalRunRow.status == "finished"
    )
    if suite:
        query = query.where(EvalRunRow.suite == suite)
    row = session.scalars(
        query.order_by(EvalRunRow.finished_at.desc(), EvalRunRow.id.desc())
    ).first()
    if row is None or row.finished_at is None:
        return None
    finished = row.finished_at
    if finished.tzinfo is None:
        finished = finished.replace(tzinfo=UTC)
    return RunFacts(row.key, row.suite, row.pass_rate or 0.0, finished)


def parse_gate(
    min_pass_rate: float | None, max_age_days: int | None, suite: str | None
) -> EvalGate | None:
    """The evaluation gate from command-line or API options (None when not asked).

    Raises:
        InvalidInputError: out-of-range values, or an age or suite without a pass rate.
    """
    if min_pass_rate is None:
        if max_age_days is not None or suite is not None:
            raise InvalidInputError(
                "give --eval-pass-rate with --eval-max-age or --eval-suite",
                ja="--eval-max-age や --eval-suite には --eval-pass-rate も指定してください。",
            )
        return None
    try:
        return EvalGate(min_pass_rate, max_age_days or 90, suite)
    except ValueError as exc:
        raise InvalidInputError(
            str(exc), ja="合格率は0から1、期間は1日以上で指定してください。"
        ) from None


def gate_problems(session: Session, system_id: int) -> list[Missing]:
    """For ``tekisei check --require-provenance``: the latest check must exist and pass."""
    latest = session.scalars(
        select(ProvenanceCheckRow)
        .where(ProvenanceCheckRow.system_id == system_id)
        .order_by(ProvenanceCheckRow.id.desc())
    ).first()
    if latest is None:
        return [
            Missing(
                "no-provenance-check",
                "サンプル出力の来歴（電子透かし・コンテンツ認証情報）の確認がまだありません。",
                "The system's sample outputs have not been checked for provenance marks yet.",
            )
        ]
    if not latest.passed:
        return [
            Missing(
                "provenance-failing",
                f"最新の来歴の確認で、文章 {latest.texts_detected}/{latest.texts}・"
                f"画像 {latest.images_verified}/{latest.images} しか確認できませんでした。",
                f"The latest provenance check verified only {latest.texts_detected}/"
                f"{latest.texts} texts and {latest.images_verified}/{latest.images} images.",
            )
        ]
    return []


def continuity_gate(session: Session, system: SystemRow) -> list[Missing]:
    """Business continuity before operation (2(4)): a high or critical tier system needs a
    plan and a drill no older than the deployment's ``drill_days``; nothing otherwise."""
    has_plan = (
        session.scalars(
            select(ContinuityPlanRow.id).where(ContinuityPlanRow.system_id == system.id)
        ).first()
        is not None
    )
    last = session.scalars(
        select(ContinuityDrillRow.held_on)
        .where(ContinuityDrillRow.system_id == system.id)
        .order_by(ContinuityDrillRow.held_on.desc())
    ).first()
    org = session.get(OrgRow, system.org_id)
    assert org is not None
    return continuity_problems(
        tier=Tier.parse(system.tier),
        has_plan=has_plan,
        last_drill=last,
        today=policy_versions.today(session, org),
        drill_days=policy_of(session).drill_days,
    )
