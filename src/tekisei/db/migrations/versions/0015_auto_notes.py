"""Automatic notes kept as a key and values, worded in each reader's language.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:00:00

tekisei wrote some text itself in Japanese only: the note on an answer when an evaluation
run or a provenance check was attached, the title of that evidence, and (in English
only) why a review was opened after a model, vendor or catalog change. The new columns
hold such text as ``{"key": ..., "params": {...}}`` (``core.notes.AutoNote``). Rows
written before are carried over where their text is exactly what tekisei wrote; anything
a person changed stays as it is, in the column it was in.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_EVAL_ATTACHED = re.compile(
    r"評価実行 (?P<run>.+) の結果を証跡として添付しました（(?P<failing>\d+)件不合格）。"
    r"回答の状態は担当者が判断してください。"
)
_PROVENANCE_ATTACHED = (
    "サンプル出力の来歴（電子透かし・コンテンツ認証情報）を確認した結果を添付しました。"
    "回答の状態は担当者が判断してください。"
)
_REVIEW_REASONS = {
    "models changed": "models-changed",
    "vendors changed": "vendors-changed",
    "models, vendors changed": "models-vendors-changed",
}
_CATALOG_CHANGED = re.compile(r"catalog changed: (?P<sections>.+)")


def _note(key: str, **params: Any) -> dict[str, Any]:
    return {"key": key, "params": params}


def upgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auto_note", sa.JSON(), nullable=True))
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auto_title", sa.JSON(), nullable=True))
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auto_reasons", sa.JSON(), nullable=True))
    _carry_over(op.get_bind())


def _carry_over(connection: sa.Connection) -> None:
    meta = sa.MetaData()
    answers = sa.Table(
        "answers", meta, sa.Column("id", sa.Integer), sa.Column("notes", sa.Text),
        sa.Column("auto_note", sa.JSON),
    )  # fmt: skip
    evidence = sa.Table(
        "evidence", meta, sa.Column("id", sa.Integer), sa.Column("title", sa.String),
        sa.Column("auto_title", sa.JSON),
    )  # fmt: skip
    runs = sa.Table(
        "eval_runs", meta, sa.Column("key", sa.String), sa.Column("suite", sa.String),
        sa.Column("suite_version", sa.String), sa.Column("pass_rate", sa.Float),
        sa.Column("evidence_id", sa.Integer),
    )  # fmt: skip
    checks = sa.Table(
        "provenance_checks", meta, sa.Column("system_id", sa.Integer),
        sa.Column("texts", sa.Integer), sa.Column("texts_detected", sa.Integer),
        sa.Column("images", sa.Integer), sa.Column("images_verified", sa.Integer),
        sa.Column("evidence_id", sa.Integer),
    )  # fmt: skip
    systems = sa.Table("systems", meta, sa.Column("id", sa.Integer), sa.Column("name", sa.String))
    reviews = sa.Table(
        "reviews", meta, sa.Column("id", sa.Integer), sa.Column("reason", sa.Text),
        sa.Column("auto_reasons", sa.JSON),
    )  # fmt: skip

    for answer_id, notes in connection.execute(
        sa.select(answers.c.id, answers.c.notes).where(
            sa.or_(answers.c.notes.like("評価実行 %"), answers.c.notes == _PROVENANCE_ATTACHED)
        )
    ):
        if found := _EVAL_ATTACHED.fullmatch(notes):
            note = _note("eval-attached", run=found["run"], failing=int(found["failing"]))
        elif notes == _PROVENANCE_ATTACHED:
            note = _note("provenance-attached")
        else:
            continue
        connection.execute(
            answers.update().where(answers.c.id == answer_id).values(notes="", auto_note=note)
        )

    for evidence_id, title, key, suite, version, pass_rate in connection.execute(
        sa.select(
            evidence.c.id, evidence.c.title, runs.c.key, runs.c.suite, runs.c.suite_version,
            runs.c.pass_rate,
        ).join(runs, runs.c.evidence_id == evidence.c.id)
    ):  # fmt: skip
        if title.startswith(f"評価実行 {key}（") and pass_rate is not None:
            note = _note(
                "eval-evidence", run=key, suite=suite, version=version,
                pass_percent=round(pass_rate * 100),
            )  # fmt: skip
            connection.execute(
                evidence.update().where(evidence.c.id == evidence_id).values(auto_title=note)
            )

    for evidence_id, title, name, texts, detected, images, verified in connection.execute(
        sa.select(
            evidence.c.id, evidence.c.title, systems.c.name, checks.c.texts,
            checks.c.texts_detected, checks.c.images, checks.c.images_verified,
        )
        .join(checks, checks.c.evidence_id == evidence.c.id)
        .join(systems, systems.c.id == checks.c.system_id)
    ):  # fmt: skip
        if title.startswith("来歴の確認（"):
            note = _note(
                "provenance-evidence", system=name, texts_detected=detected, texts=texts,
                images_verified=verified, images=images,
            )  # fmt: skip
            connection.execute(
                evidence.update().where(evidence.c.id == evidence_id).values(auto_title=note)
            )

    for review_id, reason in connection.execute(sa.select(reviews.c.id, reviews.c.reason)):
        kept: list[str] = []
        notes_found: list[dict[str, Any]] = []
        for line in reason.split("\n"):
            if line.strip() in _REVIEW_REASONS:
                notes_found.append(_note(_REVIEW_REASONS[line.strip()]))
            elif found := _CATALOG_CHANGED.fullmatch(line.strip()):
                notes_found.append(_note("catalog-changed", sections=found["sections"]))
            else:
                kept.append(line)
        if notes_found:
            connection.execute(
                reviews.update()
                .where(reviews.c.id == review_id)
                .values(reason="\n".join(kept).strip(), auto_reasons=notes_found)
            )


def downgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("auto_reasons")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_column("auto_title")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_column("auto_note")
