"""Image content credentials: C2PA signed with the deployment's own CA → leaf chain and read
offline (Trusted with the anchor, Valid but untrusted without, Invalid when altered), the
dwtDctSvd watermark as soft binding that finds a stripped manifest again, the commands
and the public API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from tekisei.config import Settings, load_settings
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.provenance import (
    AI_GENERATED,
    bits_matching,
    check_image,
    embed_watermark,
    init_pki,
    read_watermark,
    sign_image,
)
from tekisei.services import credentials, orgs, systems, users
from tekisei.services.database import Database
from tekisei.web.app import create_app


def picture(kind: str = "png", seed: int = 1) -> bytes:
    """A 384×512 test picture: gradients, a texture, noise and a disc."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:384, 0:512]
    base = np.stack([x / 512 * 255, y / 384 * 255, (x + y) / 896 * 255], -1)
    base += 40 * (np.sin(x / 17.0) * np.cos(y / 23.0))[..., None]
    image = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    cv2.circle(image, (200, 180), 80, (30, 200, 90), -1)
    ok, encoded = cv2.imencode(f".{kind}", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return bytes(encoded.tobytes())


def reencode(data: bytes, quality: int = 90) -> bytes:
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    ok, encoded = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return bytes(encoded.tobytes())


def flip_pixel_byte(data: bytes) -> bytes:
    """One byte changed inside the image data (PNG IDAT, or the JPEG scan)."""
    marker = data.find(b"IDAT") if data.startswith(b"\x89PNG") else data.rfind(b"\xff\xda")
    assert marker > 0
    changed = bytearray(data)
    changed[marker + 40] ^= 0xFF
    return bytes(changed)


@pytest.mark.parametrize("kind", ["png", "jpg"])
def test_credentials_are_trusted_only_with_the_anchor_and_break_when_altered(
    tmp_path: Path, kind: str
) -> None:
    pki = init_pki(tmp_path / "pki", "試験株式会社")
    anchor = pki.root.read_text()
    signed = sign_image(
        picture(kind), pki, generator="demo-diffusion-1", system="広告画像", soft_binding="0a0b0c0d"
    )
    trusted = check_image(signed, anchor)
    assert trusted.present and trusted.state == "Trusted" and trusted.failures == []
    assert trusted.actions == ["c2pa.created"] and trusted.digital_source_type == AI_GENERATED
    assert trusted.signer and "試験株式会社" in trusted.signer
    assert (trusted.generator, trusted.soft_binding) == ("demo-diffusion-1", "0a0b0c0d")
    untrusted = check_image(signed, None)
    assert untrusted.state == "Valid" and "signingCredential.untrusted" in untrusted.failures
    other = init_pki(tmp_path / "other", "Other")
    assert check_image(signed, other.root.read_text()).state == "Valid"
    altered = check_image(flip_pixel_byte(signed), anchor)
    assert altered.state == "Invalid" and "assertion.dataHash.mismatch" in altered.failures
    assert check_image(picture(kind), anchor).present is False
    with pytest.raises(FileExistsError):
        init_pki(tmp_path / "pki", "again")


def test_the_watermark_survives_re_encoding_and_is_absent_from_other_pictures() -> None:
    marked = embed_watermark(picture("png"), 0x9F3A1C2B)
    assert read_watermark(marked) == 0x9F3A1C2B
    assert bits_matching(read_watermark(reencode(marked, 85)), 0x9F3A1C2B) >= 29
    assert bits_matching(read_watermark(picture("png", seed=2)), 0x9F3A1C2B) < 29
    small = cv2.imencode(".png", np.zeros((100, 100, 3), np.uint8))[1].tobytes()
    with pytest.raises(ValueError, match="256"):
        embed_watermark(small, 1)
    with pytest.raises(ValueError, match="PNG or JPEG"):
        embed_watermark(b"GIF89a....", 1)


@pytest.fixture
def acme(loaded_db: Database) -> tuple[Principal, int]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="デモ商事", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate({"name": "広告画像生成", "org_role": "provider"})
        return admin, systems.register_system(session, admin, facts).id


def test_a_stripped_manifest_is_found_again_through_the_watermark(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, int]
) -> None:
    admin, system_id = acme
    with pytest.raises(InvalidInputError, match="pki init"), loaded_db.transaction() as s:
        credentials.sign(s, admin, settings.data_dir, picture(), system_id, "demo-diffusion-1")
    with loaded_db.transaction() as session:
        credentials.pki_init(session, admin, settings.data_dir)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        credentials.pki_init(session, admin, settings.data_dir)
    with loaded_db.transaction() as session:
        signed, row = credentials.sign(
            session, admin, settings.data_dir, picture(), system_id, "demo-diffusion-1"
        )
        asset = row.asset_id
    with loaded_db.reading() as session:
        direct = credentials.verify(session, settings.data_dir, signed)
        assert direct.c2pa.state == "Trusted" and direct.watermark_bits_matched == 32
        assert direct.recovered is None
        stripped = reencode(signed)
        found = credentials.verify(session, settings.data_dir, stripped, admin)
        assert found.c2pa.present is False
        assert found.recovered is not None and found.recovered.asset_id == asset
        assert found.recovered.bits_matched >= 29 and found.recovered.system_id == system_id
        public = credentials.verify(session, settings.data_dir, stripped)
        assert public.recovered is not None and public.recovered.system_id is None
        other = Principal(user_id=None, email="cli", org_id=admin.org_id + 1, org_slug="o",
                          role=admin.role)  # fmt: skip
        theirs = credentials.verify(session, settings.data_dir, stripped, other)
        assert theirs.recovered is not None and theirs.recovered.system_id is None
        assert found.recovered.manifest["signature_info"]
        unknown = credentials.verify(session, settings.data_dir, picture(seed=5))
        assert unknown.c2pa.present is False and unknown.recovered is None
        alg = credentials.WATERMARK_ALG
        assert credentials.find_by_binding(session, alg, asset) == [asset]
        with pytest.raises(InvalidInputError, match="soft-binding"):
            credentials.find_by_binding(session, "com.example.other", asset)
        with pytest.raises(InvalidInputError):
            credentials.verify(session, settings.data_dir, b"not an image")


def test_image_commands(cli: Any, tmp_path: Path) -> None:
    run = cli
    system = json.loads(
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
    run("provenance", "pki", "init", "--org", "acme")
    run("provenance", "pki", "init", "--org", "acme", code=8)
    source = tmp_path / "in.png"
    source.write_bytes(picture())
    out = tmp_path / "signed.png"
    signed = json.loads(
        run(
            "provenance",
            "sign-image",
            str(source),
            "--system",
            str(system),
            "--org",
            "acme",
            "-o",
            str(out),
            "--generator",
            "demo-diffusion-1",
            "--json",
        ).stdout
    )
    assert out.exists() and len(signed["asset_id"]) == 8
    shown = json.loads(run("provenance", "verify-image", str(out), "--json").stdout)
    assert shown["c2pa"]["state"] == "Trusted"
    resaved = tmp_path / "resaved.jpg"
    resaved.write_bytes(reencode(out.read_bytes()))
    text = run("provenance", "verify-image", str(resaved)).stdout
    assert "recovered through the watermark" in text and signed["asset_id"] in text
    plain = tmp_path / "plain.png"
    plain.write_bytes(picture(seed=9))
    run("provenance", "verify-image", str(plain), code=1)
    run("provenance", "verify-image", str(tmp_path / "missing.png"), code=4)


@pytest.fixture
async def client(
    settings: Settings, loaded_db: Database, acme: tuple[Principal, int]
) -> AsyncIterator[tuple[httpx.AsyncClient, bytes]]:
    admin, system_id = acme
    with loaded_db.transaction() as session:
        credentials.pki_init(session, admin, settings.data_dir)
        signed, _ = credentials.sign(
            session, admin, settings.data_dir, picture(), system_id, "demo-diffusion-1"
        )
    limited = load_settings(
        database_url=settings.resolved_database_url,
        data_dir=settings.data_dir,
        public_image_checks_per_minute=3,
        max_upload_mb=1,
    )
    web = create_app(limited)
    web.state.image_limiter.clock = lambda: 1_800_000_000.0  # one minute for the whole test
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http, signed
    web.state.database.close()


@pytest.mark.anyio
async def test_the_image_api_and_page(client: tuple[httpx.AsyncClient, bytes]) -> None:
    http, signed = client
    trust = (await http.get("/api/provenance/trust")).json()
    assert trust["c2pa_trust_anchor"].startswith("-----BEGIN CERTIFICATE-----")
    checked = await http.post(
        "/api/provenance/verify/image", files={"file": ("a.png", signed, "image/png")}
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["c2pa"]["state"] == "Trusted"
    page = await http.post(
        "/verify/image", files={"file": ("b.jpg", reencode(signed), "image/jpeg")}
    )
    assert page.status_code == 200 and "透かしから認証情報を見つけました" in page.text
    too_big = await http.post(
        "/api/provenance/verify/image", files={"file": ("c.png", b"x" * (1024 * 1024 + 1))}
    )
    assert too_big.status_code in (422, 429)
    limited = await http.post(
        "/api/provenance/verify/image", files={"file": ("a.png", signed, "image/png")}
    )
    assert limited.status_code == 429


@pytest.mark.anyio
async def test_signed_in_image_checks_count_against_the_public_limit_too(
    client: tuple[httpx.AsyncClient, bytes], loaded_db: Database, acme: tuple[Principal, int]
) -> None:
    http, signed = client
    with loaded_db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="v@acme.example", password="correct horse battery"),
            "acme",
            Role.VIEWER,
            "cli",
        )
        member = {
            "Authorization": f"Bearer {users.create_token(session, 'v@acme.example', 'acme')[0]}"
        }
    stripped = {"file": ("b.jpg", reencode(signed), "image/jpeg")}
    url = "/api/provenance/verify/image"
    public = (await http.post(url, files=stripped)).json()
    assert public["recovered"]["system_id"] is None  # the system is named to its own people
    mine = (await http.post(url, files=stripped, headers=member)).json()
    assert mine["recovered"]["system_id"] == acme[1]
    codes = [(await http.post(url, files=stripped, headers=member)).status_code for _ in range(2)]
    assert codes == [200, 429]
