"""Provenance per system: the mechanisms it uses, a check of its sample outputs kept as
evidence on 2(3), and ``tekisei check --require-provenance``."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.core.catalog import urn
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.systems import SystemFacts
from tekisei.db.provenance import ProvenanceKeyRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.provenance import GreenList, WatermarkParams, unseal
from tekisei.services import (
    assessments,
    credentials,
    gates,
    orgs,
    provenance_checks,
    systems,
    users,
)
from tekisei.services import provenance as text_provenance
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.provenance.test_images import picture, reencode
from tests.provenance.test_keys_and_verification import WORDS, green_text, word_tokenizer


def test_a_system_check_is_evidence_on_2_3_and_gates_the_check(
    loaded_db: Database, settings: Settings, tmp_path: Path
) -> None:
    master = text_provenance.master_key(settings)
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="デモ商事", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate(
            {"name": "文章・画像生成サービス", "org_role": "provider", "deployment": "public"}
        )
        system_id = systems.register_system(session, admin, facts).id
        assessments.start_assessment(session, admin, system_id)
        key_id = text_provenance.create_key(
            session, admin, master, settings.data_dir, tokenizer=str(word_tokenizer(tmp_path))
        ).key_id
        credentials.pki_init(
            session, admin, settings.data_dir, master=text_provenance.master_key(settings)
        )
        signed, _ = credentials.sign(
            session, admin, settings.data_dir, picture(), system_id, "demo-diffusion-1",
            master=master,
        )  # fmt: skip
        with pytest.raises(NotFoundError):
            provenance_checks.set_mechanisms(
                session, admin, system_id, text_key_id="wk-nobody", c2pa=True
            )
        used = provenance_checks.set_mechanisms(
            session, admin, system_id, text_key_id=key_id, c2pa=True, other="利用規約で明示"
        )
        assert (used.text_key_id, used.c2pa) == (key_id, True)
        row = session.scalars(
            select(ProvenanceKeyRow).where(ProvenanceKeyRow.key_id == key_id)
        ).one()
        green = GreenList(unseal(row.secret_sealed, master, key_id), WatermarkParams())
        missing = gates.check_system(session, admin, system_id, require_provenance=True).missing
        assert "no-provenance-check" in [m.code for m in missing]
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "answer-1.txt").write_text(green_text(green, 150, seed=1), encoding="utf-8")
    (samples / "answer-2.txt").write_text(green_text(green, 150, seed=2), encoding="utf-8")
    (samples / "image-1.png").write_bytes(signed)
    (samples / "image-2.jpg").write_bytes(reencode(signed))  # credentials stripped
    (samples / "notes.csv").write_text("ignored", encoding="utf-8")
    options: dict[str, Any] = {
        "master": master,
        "data_dir": settings.data_dir,
        "files_dir": settings.files_dir,
        "max_bytes": 20 * 1024 * 1024,
        "system_id": system_id,
    }
    with loaded_db.transaction() as session:
        done = provenance_checks.check_samples(session, admin, folder=samples, **options)
        assert (done.texts_detected, done.texts, done.images_verified, done.images) == (2, 2, 2, 2)
        assert done.passed and done.evidence_id is not None
        report = assessments.assessment_report(
            session, admin, assessments.current_assessment(session, admin, system_id).id
        )
        item = next(i for i in report.items if i.urn == urn(assessments.GUIDELINE, "2.3"))
        assert done.evidence_id in [e.id for e in item.evidence]
        shown = provenance_checks.system_provenance(session, admin, system_id)
        assert shown.mechanisms.other == "利用規約で明示"
        assert shown.latest_check is not None and shown.latest_check.id == done.id
        with_marks = gates.check_system(session, admin, system_id, require_provenance=True)
        assert with_marks.missing == gates.check_system(session, admin, system_id).missing
    # the same, as the system's page and API show it
    with loaded_db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="v@acme.example", password="correct horse battery"),
            "acme",
            Role.VIEWER,
            "cli",
        )
        token = users.create_token(session, "v@acme.example", "acme")[0]
        users.create_user(
            session,
            users.UserCreate(email="e@acme.example", password="correct horse battery"),
            "acme",
            Role.EDITOR,
            "cli",
        )
        editor = users.create_token(session, "e@acme.example", "acme")[0]
    web = create_app(settings)
    try:
        with TestClient(web) as http:
            shown_api = http.get(
                f"/api/systems/{system_id}/provenance",
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            url = f"/api/systems/{system_id}/provenance"
            body = {"text_key_id": key_id, "c2pa": True, "other": "利用規約で明示"}
            denied = http.put(url, json=body, headers={"Authorization": f"Bearer {token}"})
            assert denied.status_code == 403  # viewers read only
            saved = http.put(url, json=body, headers={"Authorization": f"Bearer {editor}"})
            assert saved.status_code == 200, saved.text
            wrong = http.put(
                url, json=body | {"text_key_id": "wk-nobody"},
                headers={"Authorization": f"Bearer {editor}"},
            )  # fmt: skip
            assert wrong.status_code == 404
    finally:
        web.state.database.close()
    assert shown_api["mechanisms"]["text_key_id"] == key_id
    assert shown_api["latest_check"]["passed"] is True
    rng = random.Random(4)
    (samples / "answer-3.txt").write_text(
        " ".join(rng.choice(WORDS) for _ in range(150)), encoding="utf-8"
    )
    with loaded_db.transaction() as session:
        failed = provenance_checks.check_samples(session, admin, folder=samples, **options)
        assert not failed.passed and failed.texts_detected == 2 and failed.texts == 3
        missing = gates.check_system(session, admin, system_id, require_provenance=True).missing
        assert "provenance-failing" in [m.code for m in missing]
        empty = tmp_path / "empty"
        empty.mkdir()
        with pytest.raises(InvalidInputError, match="no samples"):
            provenance_checks.check_samples(session, admin, folder=empty, **options)


def test_provenance_use_and_check_commands(cli: Any, tmp_path: Path) -> None:
    run = cli
    system = str(
        json.loads(
            run(
                "systems",
                "create",
                "--org",
                "acme",
                "--name",
                "画像生成",
                "--role",
                "provider",
                "--json",
            ).stdout
        )["id"]
    )
    run("provenance", "pki", "init", "--org", "acme")
    run("provenance", "use", system, "--org", "acme", "--c2pa")
    source, signed = tmp_path / "in.png", tmp_path / "samples" / "out.png"
    source.write_bytes(picture())
    signed.parent.mkdir()
    run("provenance", "sign-image", str(source), "--system", system, "--org", "acme",
        "-o", str(signed))  # fmt: skip
    checked = json.loads(
        run(
            "provenance",
            "check",
            system,
            "--org",
            "acme",
            "--samples",
            str(signed.parent),
            "--json",
        ).stdout
    )
    assert checked["passed"] and checked["images_verified"] == 1
    out = run("check", system, "--org", "acme", "--require-provenance", "--json", code=2).stdout
    assert "no-provenance-check" not in json.loads(out)["codes"]  # other gates still apply
    (signed.parent / "plain.png").write_bytes(picture(seed=7))
    run("provenance", "check", system, "--org", "acme", "--samples", str(signed.parent), code=2)
    out = run("check", system, "--org", "acme", "--require-provenance", "--json", code=2).stdout
    assert "provenance-failing" in json.loads(out)["codes"]
    run("provenance", "check", system, "--org", "acme", "--samples", str(tmp_path / "no"), code=4)
