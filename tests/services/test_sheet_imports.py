"""Importing the inventory and the risk register (services/sheet_imports.py): everything is
validated before anything is written; a bad row writes nothing; another organisation's
ids are a row's problem, never a change; an export imported back changes nothing."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.risks import RiskRow
from tekisei.db.systems import SystemRow
from tekisei.errors import FileLimitError, InvalidInputError, PermissionDeniedError
from tekisei.render.sheets import Table, csv_text, xlsx_bytes
from tekisei.services import orgs, reports, risks, systems, users
from tekisei.services.database import Database
from tekisei.services.sheet_imports import ImportResult, import_sheet

PASSWORD = "correct horse battery"
TRICKY = "=1+1 は数式ではない"
"""A name that starts like a formula: exports keep it text, imports read it back."""


@pytest.fixture
def acme(loaded_db: Database) -> dict[str, Any]:
    """Acme with two systems and two risks (one owned as written before owners were members,
    one by a member), an Other organisation with one of each and a member, and Acme's
    members of several roles."""
    with loaded_db.transaction() as session:
        for name, slug in (("Acme", "acme"), ("Other", "other")):
            orgs.create_org(
                session, OrgCreate(name=name, slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        for email, org, role in (
            ("viewer@acme.example", "acme", Role.VIEWER),
            ("audit@acme.example", "acme", Role.AUDITOR),
            ("assessor@acme.example", "acme", Role.ASSESSOR),
            ("editor@acme.example", "acme", Role.EDITOR),
            ("stranger@other.example", "other", Role.EDITOR),
        ):
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli"
            )
        admin = orgs.cli_principal(session, "acme")
        other = orgs.cli_principal(session, "other")
        first = systems.register_system(
            session,
            admin,
            SystemFacts.model_validate(
                {
                    "name": "採用書類スクリーニング",
                    "org_role": "user",
                    "domain": "employment",
                    "purpose": "応募書類の一次確認。\r\n最終判断は人が行う。",
                    "models": ["gpt-4o-mini", "社内モデル v2"],
                    "vendors": ["Example Cloud"],
                    "data_categories": ["personal"],
                    "affected": ["third_parties"],
                    "stage": "operate",
                    "responsible_person": "山田 花子",
                    "contact_window": "+81 3-1234-5678",
                }
            ),
        )
        second = systems.register_system(
            session,
            admin,
            SystemFacts.model_validate({"name": TRICKY, "org_role": "developer"}),
        )
        risk = risks.add_risk(
            session,
            admin,
            first.id,
            RiskFields(
                title="性別による偏り",
                taxonomy=["social.bias", "social.privacy"],
                description="- 学習データの偏り\r\n- 評価の不足",
                likelihood=4,
                impact=5,
                residual_likelihood=2,
                residual_impact=3,
                treatment="mitigate",
                treatment_plan="@担当: 四半期ごとに監査",
                due=date(2026, 3, 31),
            ),
        )
        row = session.get(RiskRow, risk.id)
        assert row is not None
        row.owner_text = "人事部"  # as migration 0017 keeps an owner written before
        editor = users.principal_for(session, "editor@acme.example", "acme")
        owned = risks.add_risk(
            session,
            admin,
            second.id,
            RiskFields(
                title="幻覚",
                taxonomy=["technical.hallucination", "social.over-reliance"],
                likelihood=3,
                impact=2,
                owner_id=editor.user_id,
            ),
        )
        foreign = systems.register_system(
            session, other, SystemFacts.model_validate({"name": "他社の秘密", "org_role": "user"})
        )
        foreign_risk = risks.add_risk(
            session,
            other,
            foreign.id,
            RiskFields(title="他社のリスク", taxonomy=["social.bias"], likelihood=1, impact=1),
        )
        people = {
            role: users.principal_for(session, f"{role}@acme.example", "acme")
            for role in ("viewer", "audit", "assessor", "editor")
        }
    return {
        "db": loaded_db,
        "admin": admin,
        "other": other,
        **people,
        "systems": [first.id, second.id],
        "risk": risk.id,
        "owned": owned.id,
        "foreign": foreign.id,
        "foreign_risk": foreign_risk.id,
    }


def _import(
    db: Database, who: Principal, target: str, data: bytes, name: str, dry_run: bool = False
) -> ImportResult:
    with db.transaction() as session:
        return import_sheet(session, who, target, data, name, dry_run=dry_run)  # type: ignore[arg-type]


def _export(db: Database, who: Principal, target: str, fmt: str, lang: str) -> bytes:
    with db.reading() as session:
        if target == "systems":
            return reports.system_inventory(session, who, fmt, lang).content  # type: ignore[arg-type]
        return reports.risk_register(session, who, fmt, lang).content  # type: ignore[arg-type]


def _state(db: Database) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]], list[str]]:
    """Every system's and risk's id and version, and the audit actions, in order."""
    with db.reading() as session:
        found = session.execute(select(SystemRow.id, SystemRow.version, SystemRow.name))
        system_rows = sorted((r.id, r.version, r.name) for r in found)
        risk_rows = sorted(tuple(r) for r in session.execute(select(RiskRow.id, RiskRow.version)))
        actions = list(session.scalars(select(AuditEventRow.action).order_by(AuditEventRow.id)))
    return system_rows, risk_rows, actions  # type: ignore[return-value]


def _csv(rows: list[list[Any]]) -> bytes:
    return csv_text(Table(title="t", header=rows[0], rows=rows[1:])).encode("utf-8")


def _rows(data: bytes, fmt: str) -> list[list[Any]]:
    if fmt == "csv":
        return [list(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))]
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


# ----------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("target", ["systems", "risks"])
@pytest.mark.parametrize(("fmt", "lang"), [("csv", "ja"), ("xlsx", "en"), ("xlsx", "ja")])
def test_an_export_imported_back_changes_nothing(
    acme: dict[str, Any], target: str, fmt: str, lang: str
) -> None:
    db = acme["db"]
    exported = _export(db, acme["admin"], target, fmt, lang)
    before = _state(db)
    result = _import(db, acme["admin"], target, exported, f"export.{fmt}")
    assert result.errors == [] and result.applied
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == 2
    systems_after, risks_after, actions = _state(db)
    assert (systems_after, risks_after) == before[:2]  # no new version anywhere
    assert actions[len(before[2]) :] == [f"{target.removesuffix('s')}.import"]


# ----------------------------------------------------------------------------- changes


def test_changed_cells_update_and_rows_without_an_id_add_systems(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    rows = _rows(_export(db, admin, "systems", "csv", "ja"), "csv")
    header = rows[0]
    first = next(r for r in rows[1:] if r[header.index("名称")] == "採用書類スクリーニング")
    first[header.index("責任者")] = "佐藤 一郎"
    first[header.index("利用するモデル")] = "gpt-4o-mini\n社内モデル v3"
    new = [""] * len(header)
    new[header.index("名称")] = "問い合わせチャットボット"
    new[header.index("自組織の立場")] = "provider"
    new[header.index("提供範囲")] = "public"
    new[header.index("ライフサイクル段階")] = "設計"  # the stage's Japanese name works too
    result = _import(db, admin, "systems", _csv([header, *rows[1:], new]), "inventory.csv")
    assert result.errors == [] and result.applied
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    updated = next(r for r in result.rows if r.action == "update")
    assert {c.field for c in updated.changes} == {"responsible_person", "models"}
    assert next(c for c in updated.changes if c.field == "models").column == "利用するモデル"
    created = next(r for r in result.rows if r.action == "create")
    with db.reading() as session:
        row = systems.visible_system(session, admin, acme["systems"][0])
        assert (row.responsible_person, row.version) == ("佐藤 一郎", 2)
        assert row.models == ["gpt-4o-mini", "社内モデル v3"]
        added = systems.visible_system(session, admin, created.id or 0)
        assert (added.stage, added.deployment, added.tier) == ("design", "public", "limited")
        event = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "system.import").order_by(AuditEventRow.id)
        ).one()
    assert event.summary["created"] == [created.id] and event.summary["unchanged"] == 1
    assert event.summary["updated"] == [acme["systems"][0]]


def test_a_file_of_ids_and_one_column_changes_only_that_column(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    data = _csv([["ID", "担当者"], [acme["risk"], "Editor@Acme.example "]])
    result = _import(db, admin, "risks", data, "owners.csv")
    assert result.errors == [] and result.updated == 1
    # one change, shown as the file writes it: the owner as written before → the email
    assert [c.model_dump() for c in result.rows[0].changes] == [
        {"field": "owner", "column": "担当者", "before": "人事部", "after": "editor@acme.example"}
    ]
    with db.reading() as session:
        editor = users.principal_for(session, "editor@acme.example", "acme")
        risk = risks.visible_risk(session, admin, acme["risk"])
        assert (risk.owner_id, risk.owner_text, risk.likelihood, risk.taxonomy) == (
            editor.user_id,
            "",  # choosing a member replaces the owner written before
            4,
            ["social.bias", "social.privacy"],
        )


def test_the_owner_as_exported_is_kept_and_an_empty_cell_clears_it(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    kept = _csv([["ID", "Owner"], [acme["risk"], "人事部"], [acme["owned"], "EDITOR@acme.example"]])
    before = _state(db)
    result = _import(db, admin, "risks", kept, "kept.csv")
    assert result.errors == [] and (result.updated, result.unchanged) == (0, 2)
    assert _state(db)[:2] == before[:2]
    cleared = _csv([["ID", "担当者"], [acme["risk"], ""], [acme["owned"], " "]])
    result = _import(db, admin, "risks", cleared, "cleared.csv")
    assert result.errors == [] and result.updated == 2
    assert [c.before for r in result.rows for c in r.changes] == ["人事部", "editor@acme.example"]
    with db.reading() as session:
        for ident in (acme["risk"], acme["owned"]):
            risk = risks.visible_risk(session, admin, ident)
            assert (risk.owner_id, risk.owner_text) == (None, "")


def test_an_owner_who_is_not_a_member_is_the_rows_problem(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    before = _state(db)
    rows = [
        ["ID", "AIシステムID", "リスク名", "リスクの分類", "発生可能性", "影響度", "担当者"],
        [acme["risk"], "", "性別による偏り", "social.bias", 4, 5, "品質保証部"],  # new text
        [acme["owned"], "", "幻覚", "technical.hallucination", 3, 2, "stranger@other.example"],
        ["", acme["systems"][0], "新しいリスク", "social.bias", 1, 1, "nobody@acme.example"],
        ["", acme["systems"][0], "もう一つ", "social.bias", 1, 1, "人事部"],  # not its owner
    ]
    result = _import(db, admin, "risks", _csv(rows), "owners.csv")
    assert not result.applied and _state(db) == before
    assert [(p.row, p.column) for p in result.errors] == [(n, "担当者") for n in (2, 3, 4, 5)]
    # another organisation's member is refused with the words of an unknown email
    stranger, nobody = result.errors[1], result.errors[2]
    assert stranger.message.replace("stranger@other.example", "X") == nobody.message.replace(
        "nobody@acme.example", "X"
    )
    assert stranger.message_ja.replace("stranger@other.example", "X") == (
        nobody.message_ja.replace("nobody@acme.example", "X")
    )
    assert "write the owner's email" in stranger.message and "Organisation page" in stranger.message
    assert (
        "メールアドレスで書いて" in stranger.message_ja and "「組織」ページ" in stranger.message_ja
    )


def test_risks_are_added_to_a_visible_system_and_scores_and_dates_are_read(
    acme: dict[str, Any],
) -> None:
    db = acme["db"]
    header = ["AI system ID", "Risk name", "Taxonomy", "Likelihood", "Impact", "Due", "Treatment",
              "Owner"]  # fmt: skip
    row = [acme["systems"][1], "誤情報の拡散", "social.disinformation, social.bias", "３", 4.0,
           "2026/4/1", "avoid", "assessor@acme.example"]  # fmt: skip
    result = _import(db, acme["assessor"], "risks", _csv([header, row]), "risks.csv")
    assert result.errors == [] and result.created == 1
    with db.reading() as session:
        added = risks.visible_risk(session, acme["admin"], result.rows[0].id or 0)
        assert (added.likelihood, added.impact, added.due, added.treatment, added.status) == (
            3,
            4,
            date(2026, 4, 1),
            "avoid",
            "treating",
        )
        assert added.taxonomy == ["social.disinformation", "social.bias"]
        assert added.owner_id == acme["assessor"].user_id


def test_exports_write_choices_in_the_readers_words(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    for lang, words in (
        ("ja", {"自組織の立場": "利用者", "利用分野": "雇用・人事", "ライフサイクル段階": "運用",
                "扱うデータ": "個人情報", "影響を受ける人": "利用者以外の第三者",
                "自律の度合い": "提案のみ（人が判断）", "利用規模（年間）": "1,000人未満",
                "提供範囲": "組織内", "リスク区分": "高"}),
        ("en", {"Our role": "User", "Field of use": "employment", "Lifecycle stage": "Operate",
                "Data categories": "personal", "Affected people": "third parties",
                "Degree of autonomy": "assistive (a person decides)",
                "Scale (per year)": "under 1,000", "Deployment": "internal", "Risk tier": "High"}),
    ):  # fmt: skip
        header, *rows = _rows(_export(db, admin, "systems", "csv", lang), "csv")
        first = next(
            dict(zip(header, r, strict=True)) for r in rows if r[1] == "採用書類スクリーニング"
        )
        assert {key: first[key] for key in words} == words
    header, *rows = _rows(_export(db, admin, "risks", "xlsx", "ja"), "xlsx")
    risk = next(dict(zip(header, r, strict=True)) for r in rows if r[0] == acme["risk"])
    assert (risk["リスクの分類"], risk["対応方針"], risk["状態"], risk["担当者"]) == (
        "偏見・差別の助長\nプライバシーの侵害",
        "低減",
        "対応中",
        "人事部",
    )
    owned = next(dict(zip(header, r, strict=True)) for r in rows if r[0] == acme["owned"])
    assert owned["担当者"] == "editor@acme.example"
    assert "過度な依存" in owned["リスクの分類"]


def test_choices_are_read_as_codes_or_words_of_either_language(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    header = ["名称", "自組織の立場", "利用分野", "扱うデータ", "影響を受ける人", "自律の度合い",
              "Scale (per year)", "提供範囲"]  # fmt: skip
    rows = [
        header,
        ["一", "提供者", "Finance", "個人情報\nconfidential", "the public\n子ども", "autonomous",
         "1,000万人まで", "partners"],
        ["二", "Developer", "医療・健康", "personal, Sensitive", "staff、customers",
         "a person approves each output", "up to 100,000", "一般公開"],
    ]  # fmt: skip
    result = _import(db, admin, "systems", _csv(rows), "words.csv")
    assert result.errors == [] and result.created == 2
    with db.reading() as session:
        found = {
            row.name: row
            for row in (systems.visible_system(session, admin, r.id or 0) for r in result.rows)
        }
    first, second = found["一"], found["二"]
    assert (first.org_role, first.domain, first.autonomy, first.scale, first.deployment) == (
        "provider", "finance", "autonomous", "large", "partners",
    )  # fmt: skip
    assert (first.data_categories, first.affected) == (
        ["personal", "confidential"], ["public", "children"],
    )  # fmt: skip
    assert (second.org_role, second.domain, second.autonomy, second.scale) == (
        "developer", "healthcare", "human_in_the_loop", "medium",
    )  # fmt: skip
    assert (second.data_categories, second.affected, second.deployment) == (
        ["personal", "sensitive"], ["staff", "customers"], "public",
    )  # fmt: skip
    titles = ["Bias and discrimination\n偽・誤情報の生成・拡散", "social.over-reliance",
              "Impersonation for blackmail, fraud or defamation\nsocial.bias"]  # fmt: skip
    risk_rows = [["AIシステムID", "リスク名", "リスクの分類", "発生可能性", "影響度", "対応方針"]]
    risk_rows += [[acme["systems"][0], f"r{i}", t, 2, 2, "移転"] for i, t in enumerate(titles)]
    result = _import(db, admin, "risks", _csv(risk_rows), "risks.csv")
    assert result.errors == [] and result.created == 3
    with db.reading() as session:
        added = [risks.visible_risk(session, admin, r.id or 0) for r in result.rows]
    assert [(r.taxonomy, r.treatment) for r in added] == [
        (["social.bias", "social.disinformation"], "transfer"),
        (["social.over-reliance"], "transfer"),
        (["deepfake.impersonation", "social.bias"], "transfer"),
    ]
    unknown = _csv([risk_rows[0], [acme["systems"][0], "x", "偏見", 2, 2, "低減"]])
    refused = _import(db, admin, "risks", unknown, "unknown.csv").errors
    assert [(p.row, p.column) for p in refused] == [(2, "リスクの分類")]
    assert "偏見" in refused[0].message_ja and "social.bias" in refused[0].message


# ----------------------------------------------------------------------------- all or nothing


def test_one_bad_row_writes_nothing_and_every_problem_is_named(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    before = _state(db)
    header = ["ID", "名称", "自組織の立場", "利用分野", "バージョン"]
    rows = [
        header,
        ["", "新しいシステム", "user", "finance", ""],  # fine on its own
        [acme["systems"][0], "", "user", "", ""],  # empty name
        ["", "もう一つ", "owner", "space", ""],  # two bad codes
        [acme["systems"][1], "名前を変える", "developer", "", "7"],  # stale version
        ["abc", "x", "user", "", ""],  # not an id
    ]
    result = _import(db, admin, "systems", _csv(rows), "bad.csv")
    assert not result.applied and _state(db) == before
    found = [(p.row, p.column) for p in result.errors]
    assert found == [
        (3, "名称"),
        (4, "自組織の立場"),
        (4, "利用分野"),
        (5, "バージョン"),
        (6, "ID"),
    ]
    assert result.errors[0].message_ja == "値を入力してください。"
    assert "owner" in result.errors[1].message_ja and "developer" in result.errors[1].message
    assert "version 7" in result.errors[3].message
    assert "nothing was imported: 5 problems" in result.summary("en")


def test_a_dry_run_says_what_would_change_and_writes_nothing(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    before = _state(db)
    data = _csv([["名称", "自組織の立場"], ["下書きのシステム", "user"]])
    result = _import(db, admin, "systems", data, "new.csv", dry_run=True)
    assert result.errors == [] and not result.applied and result.dry_run
    assert [(r.action, r.name, r.id) for r in result.rows] == [("create", "下書きのシステム", None)]
    assert "追加 1件" in result.summary("ja") and "would be added" in result.summary("en")
    assert _state(db) == before


# ----------------------------------------------------------------------------- scope


def test_another_organisations_ids_are_a_rows_problem_never_a_change(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    before = _state(db)
    systems_file = _csv([["ID", "名称", "自組織の立場"], [acme["foreign"], "乗っ取り", "user"]])
    result = _import(db, admin, "systems", systems_file, "steal.csv")
    assert [(p.row, p.column) for p in result.errors] == [(2, "ID")]
    assert "他社の秘密" not in result.errors[0].message_ja
    risks_file = _csv(
        [
            ["ID", "AIシステムID", "リスク名", "リスクの分類", "発生可能性", "影響度"],
            [acme["foreign_risk"], "", "乗っ取り", "social.bias", 1, 1],
            ["", acme["foreign"], "他社に追加", "social.bias", 1, 1],
            [acme["risk"], acme["systems"][1], "別のシステムへ", "social.bias", 1, 1],
        ]
    )
    result = _import(db, admin, "risks", risks_file, "steal.csv")
    assert [(p.row, p.column) for p in result.errors] == [
        (2, "ID"),
        (3, "AIシステムID"),
        (4, "AIシステムID"),
    ]
    assert _state(db) == before
    with db.reading() as session:
        assert systems.visible_system(session, acme["other"], acme["foreign"]).name == "他社の秘密"


@pytest.mark.parametrize("who", ["viewer", "audit"])
def test_read_only_roles_cannot_import_but_can_export(acme: dict[str, Any], who: str) -> None:
    db = acme["db"]
    exported = _export(db, acme[who], "systems", "xlsx", "ja")
    assert "採用書類スクリーニング" in str(_rows(exported, "xlsx"))
    for target in ("systems", "risks"):
        with pytest.raises(PermissionDeniedError):
            _import(db, acme[who], target, exported, "x.xlsx", dry_run=True)


def test_an_assessor_may_import_risks_but_not_systems(acme: dict[str, Any]) -> None:
    data = _csv([["名称", "自組織の立場"], ["x", "user"]])
    with pytest.raises(PermissionDeniedError):
        _import(acme["db"], acme["assessor"], "systems", data, "x.csv")


# ----------------------------------------------------------------------------- the rules


def test_the_rules_of_single_edits_hold_for_imported_rows(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    second = acme["systems"][1]
    gate = _csv([["ID", "ライフサイクル段階"], [second, "deploy"]])
    result = _import(db, admin, "systems", gate, "gate.csv")
    assert (
        "approval" in result.errors[0].message and result.errors[0].column == "ライフサイクル段階"
    )
    twice = _csv([["ID", "責任者"], [second, "a"], [second, "b"]])
    result = _import(db, admin, "systems", twice, "twice.csv")
    assert [(p.row, p.column) for p in result.errors] == [(3, "ID")]
    header = ["ID", "リスクの分類", "対策後の発生可能性", "対策後の影響度"]
    rules = _csv(
        [
            header,
            [acme["risk"], "social.nonsense", 2, 2],
            [acme["risk"] + 1, "technical.hallucination", 2, ""],
        ]
    )
    result = _import(db, admin, "risks", rules, "rules.csv")
    messages = {(p.row, p.column): p.message_ja for p in result.errors}
    assert "social.nonsense" in messages[(2, "リスクの分類")]
    assert "両方" in messages[(3, "対策後の発生可能性")]


def test_an_accepted_risk_changed_by_an_import_loses_its_acceptance(acme: dict[str, Any]) -> None:
    db = acme["db"]
    with db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="ceo@acme.example", password=PASSWORD),
            "acme",
            Role.EXECUTIVE,
            "cli",
        )
        ceo = users.principal_for(session, "ceo@acme.example", "acme")
        risks.accept_risk(session, ceo, acme["risk"], "残余は許容範囲", 1)
    result = _import(
        db, acme["admin"], "risks", _csv([["ID", "影響度"], [acme["risk"], 4]]), "x.csv"
    )
    assert result.updated == 1
    with db.reading() as session:
        assert risks.visible_risk(session, acme["admin"], acme["risk"]).status == "treating"


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (["名称", "自組織の立場", "備考"], "unknown column '備考'"),
        (["名称", "Name", "自組織の立場"], "appears twice"),
        (["名称", "利用目的"], "no column 自組織の立場"),
    ],
)
def test_header_problems_stop_the_import(
    acme: dict[str, Any], header: list[str], words: str
) -> None:
    data = _csv([header, ["x"] * len(header)])
    result = _import(acme["db"], acme["admin"], "systems", data, "x.csv")
    assert not result.applied and words in result.errors[0].message
    assert result.errors[0].row == 1 and result.errors[0].message_ja


def test_a_shift_jis_file_from_japanese_excel_imports(acme: dict[str, Any]) -> None:
    text = "名称,自組織の立場,利用目的\r\n経費精算の自動チェック,user,①領収書の確認\r\n"
    result = _import(acme["db"], acme["admin"], "systems", text.encode("cp932"), "経費.csv")
    assert result.errors == [] and result.created == 1


def test_file_level_refusals_are_errors_with_both_languages(acme: dict[str, Any]) -> None:
    db, admin = acme["db"], acme["admin"]
    with pytest.raises(InvalidInputError) as empty:
        _import(db, admin, "systems", b"", "empty.csv")
    assert empty.value.message_ja
    workbook = xlsx_bytes([Table(title="t", header=["名称", "自組織の立場"], rows=[["x", "user"]])])
    with zipfile.ZipFile(io.BytesIO(workbook)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
        target.writestr("xl/media/bomb.bin", b"\0" * (64 * 1024 * 1024))
    with pytest.raises(FileLimitError) as refused:
        _import(db, admin, "systems", bomb.getvalue(), "bomb.xlsx")
    assert "zip bomb" in refused.value.message and refused.value.message_ja
    with db.reading() as session:
        imports = select(func.count()).where(AuditEventRow.action.like("%.import"))
        assert session.scalar(imports) == 0
