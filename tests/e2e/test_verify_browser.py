"""A citizen checks a text and an image on the public page, without signing in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tekisei.db.provenance import ProvenanceKeyRow
from tekisei.provenance import GreenList, WatermarkParams, unseal
from tekisei.services import credentials, orgs, systems
from tekisei.services import provenance as text_provenance
from tekisei.services.database import open_database
from tests.e2e.conftest import E2E_SETTINGS, SCREENSHOTS
from tests.provenance.test_images import picture, reencode
from tests.provenance.test_keys_and_verification import green_text, word_tokenizer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def marked(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = E2E_SETTINGS[0]
    folder = tmp_path_factory.mktemp("verify")
    database = open_database(settings)
    master = text_provenance.master_key(settings)
    try:
        with database.transaction() as session:
            admin = orgs.cli_principal(session, "demo-corp")
            key = text_provenance.create_key(
                session, admin, master, settings.data_dir, tokenizer=str(word_tokenizer(folder))
            )
            row = session.scalars(
                select(ProvenanceKeyRow).where(ProvenanceKeyRow.key_id == key.key_id)
            ).one()
            green = GreenList(unseal(row.secret_sealed, master, key.key_id), WatermarkParams())
            system = systems.list_systems(session, admin)[1][0].id
            if not credentials.pki(settings.data_dir).exists():
                credentials.pki_init(
                    session, admin, settings.data_dir, master=text_provenance.master_key(settings)
                )
            signed, _ = credentials.sign(
                session, admin, settings.data_dir, picture(), system, "demo-diffusion-1",
                master=master,
            )  # fmt: skip
    finally:
        database.close()
    (folder / "signed.png").write_bytes(signed)
    (folder / "resaved.jpg").write_bytes(reencode(signed))
    return {"text": green_text(green, 150), "folder": folder}


def test_check_a_text_and_images_on_the_public_page(
    page: Any, base_url: str, marked: dict[str, Any]
) -> None:
    page.goto(f"{base_url}/verify")
    assert page.locator("h1").inner_text() == "AIの透かしが入っているか文章を確かめる"
    page.fill("#text", marked["text"])
    page.locator("#verify-text").get_by_role("button", name="確かめる").click()
    assert "透かしを検出しました" in page.locator("#result").inner_text()
    assert page.locator("#band").inner_text() == "p < 0.000001"
    page.screenshot(path=str(SCREENSHOTS / "verify-text-ja.png"), full_page=True)
    folder: Path = marked["folder"]
    page.set_input_files("#file", str(folder / "signed.png"))
    page.locator("#verify-image").get_by_role("button", name="確かめる").click()
    state = page.locator("#image-result h3")
    assert state.get_attribute("data-state") == "Trusted"
    assert "信頼できる署名者" in state.inner_text()
    page.set_input_files("#file", str(folder / "resaved.jpg"))
    page.locator("#verify-image").get_by_role("button", name="確かめる").click()
    assert page.locator("#image-result h3").get_attribute("data-state") == "recovered"
    page.screenshot(path=str(SCREENSHOTS / "verify-image-ja.png"), full_page=True)
    assert page.console_errors == []


def test_a_new_user_sees_positive_results_with_the_demo_samples(
    page: Any, base_url: str, tmp_path: Path
) -> None:
    # nothing but the browser: the demo's watermarked text and signed image
    page.goto(f"{base_url}/lang/en?next=/verify")
    page.click("#sample-text")
    assert len(page.input_value("#text")) > 500
    page.locator("#verify-text").get_by_role("button", name="Check").click()
    assert "Watermark detected" in page.locator("#result").inner_text()
    with page.expect_download() as download:
        page.click("#sample-image")
    saved = tmp_path / "sample.png"
    download.value.save_as(saved)
    page.set_input_files("#file", str(saved))
    page.locator("#verify-image").get_by_role("button", name="Check").click()
    assert page.locator("#image-result h3").get_attribute("data-state") == "Trusted"
    assert page.console_errors == []
