"""Image content credentials: C2PA signed with the deployment's own CA → leaf chain and read
offline (Trusted with the anchor, Valid but untrusted without, Invalid when altered), the
keyed watermark as soft binding that finds a stripped manifest again only for a picture
that looks like the signed one (never for a forged or copied watermark), signing that
keeps transparency, ICC, EXIF and JPEG quality, the commands and the public API."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from bs4 import BeautifulSoup
from PIL import Image, ImageCms

from tekisei.config import Settings, load_settings
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.db.provenance import ImageCredentialRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.provenance import (
    AI_GENERATED,
    HASH_BOUND,
    LEGACY_WATERMARK_ALG,
    WATERMARK_ALG,
    check_image,
    decode_payload,
    embed_bits,
    embed_watermark,
    encode_payload,
    hash_distance,
    init_pki,
    payload_bits,
    perceptual_hash,
    read_bits,
    read_watermark,
    sign_image,
)
from tekisei.provenance._watermark import BCH_T
from tekisei.services import credentials, orgs, systems, users
from tekisei.services.credentials import WatermarkFinding
from tekisei.services.database import Database
from tekisei.services.provenance import master_key
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


def unrelated(kind: str = "png") -> bytes:
    """A 384×512 picture that looks nothing like ``picture()``: bands and boxes."""
    y, x = np.mgrid[0:384, 0:512]
    image = np.stack([(y // 48 % 2) * 180 + 40, (x // 64 % 3) * 90 + 20, 255 - y // 2], -1)
    image = (image + np.random.default_rng(7).normal(0, 10, image.shape)).clip(0, 255)
    image = image.astype(np.uint8)
    cv2.rectangle(image, (300, 40), (480, 200), (250, 250, 30), -1)
    ok, encoded = cv2.imencode(f".{kind}", image)
    assert ok
    return bytes(encoded.tobytes())


KEY = b"deployment-watermark-key-0123456"
OTHER_KEY = b"another-deployment-key-987654321"


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


def test_the_watermark_gives_back_the_exact_asset_id_only_under_its_key() -> None:
    marked = embed_watermark(picture("png"), KEY, 0x9F3A1C2B4D5E)
    assert read_watermark(marked, KEY) == (0x9F3A1C2B4D5E, 0)
    assert read_watermark(reencode(marked, 75), KEY) is not None
    assert read_watermark(reencode(marked, 75), KEY)[0] == 0x9F3A1C2B4D5E  # type: ignore[index]
    assert read_watermark(marked, OTHER_KEY) is None  # another deployment reads nothing
    assert read_watermark(picture("png", seed=2), KEY) is None
    assert read_watermark(unrelated(), KEY) is None
    with pytest.raises(ValueError, match="PNG or JPEG"):
        embed_watermark(b"GIF89a....", KEY, 1)
    with pytest.raises(ValueError, match="decoded"):
        read_watermark(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, KEY)
    small = cv2.imencode(".png", np.zeros((100, 400, 3), np.uint8))[1].tobytes()
    assert read_bits(small) is None
    with pytest.raises(ValueError, match="too small"):
        embed_watermark(small, KEY, 1)


def test_the_code_corrects_up_to_its_bound_and_refuses_anything_further() -> None:
    rng = np.random.default_rng(3)
    sent = encode_payload(KEY, 0x0123456789AB)
    assert len(sent) == payload_bits() and payload_bits() >= 40 + 2 * BCH_T
    for flips in range(BCH_T + 1):
        noisy = sent.copy()
        noisy[rng.choice(len(sent), flips, replace=False)] ^= 1
        assert decode_payload(KEY, noisy) == (0x0123456789AB, flips)
    for _ in range(200):  # far from the codeword: no id at all, never a wrong one
        noisy = sent.copy()
        noisy[rng.choice(len(sent), 3 * BCH_T, replace=False)] ^= 1
        assert decode_payload(KEY, noisy) is None
    assert decode_payload(KEY, sent[:-1]) is None


def test_random_bit_strings_decode_to_no_asset_id() -> None:
    # Each string decodes with probability about 1.6e-11; the underlying BCH library on
    # its own "corrects" about 1 in 50,000 (positions in its padding), which the exact
    # distance check refuses.
    rng = np.random.default_rng(11)
    strings = rng.integers(0, 2, (20_000, payload_bits()), dtype=np.uint8)
    assert sum(decode_payload(KEY, bits) is not None for bits in strings) == 0


def test_the_perceptual_hash_tells_a_copy_from_another_picture() -> None:
    signed = embed_watermark(picture("png"), KEY, 5)
    copy = perceptual_hash(reencode(signed, 60))
    assert hash_distance(perceptual_hash(signed), copy) <= HASH_BOUND
    assert hash_distance(perceptual_hash(signed), perceptual_hash(unrelated())) > HASH_BOUND


def _rgba_png() -> bytes:
    rgb = Image.open(io.BytesIO(picture("png"))).convert("RGB")
    alpha = Image.linear_gradient("L").resize(rgb.size)
    rgb.putalpha(alpha)
    out = io.BytesIO()
    rgb.save(out, "PNG")
    return out.getvalue()


def _with_metadata(kind: str, quality: int = 70) -> tuple[bytes, bytes, bytes]:
    """A picture with an ICC profile and EXIF (maker and a comment): bytes, ICC, EXIF."""
    image = Image.open(io.BytesIO(picture("png"))).convert("RGB")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "Tekisei Test Camera"  # Make
    exif[0x9286] = "a comment kept through signing"  # UserComment
    raw = exif.tobytes()
    out = io.BytesIO()
    if kind == "png":
        image.save(out, "PNG", icc_profile=icc, exif=raw)
    else:
        image.save(out, "JPEG", quality=quality, icc_profile=icc, exif=raw)
    return out.getvalue(), icc, raw


@pytest.fixture
def acme(loaded_db: Database) -> tuple[Principal, int]:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="デモ商事", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate({"name": "広告画像生成", "org_role": "provider"})
        return admin, systems.register_system(session, admin, facts).id


def _signed(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, int], data: bytes
) -> tuple[bytes, ImageCredentialRow]:
    admin, system_id = acme
    master = master_key(settings)
    with loaded_db.transaction() as session:
        if not credentials.pki(settings.data_dir).exists():
            credentials.pki_init(session, admin, settings.data_dir, master=master_key(settings))
        signed, row = credentials.sign(
            session, admin, settings.data_dir, data, system_id, "demo-diffusion-1", master=master
        )
        session.expunge(row)
    return signed, row


def test_a_forged_watermark_is_never_reported_as_credentials(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, int]
) -> None:
    signed, row = _signed(loaded_db, settings, acme, picture())
    master = master_key(settings)
    binding = check_image(signed, None).soft_binding
    assert binding == row.asset_id  # the value is public: in every manifest
    # 1. the public value written into an unrelated picture without the deployment's key
    guessed = embed_watermark(unrelated(), OTHER_KEY, int(binding, 16))
    # 2. the copy attack: the raw bits of the signed picture written into another one
    raw = read_bits(signed)
    assert raw is not None
    copied = embed_bits(unrelated(), raw)
    with loaded_db.reading() as session:
        for forged in (guessed, copied, reencode(copied, 90)):
            found = credentials.verify(session, settings.data_dir, forged, acme[0], master=master)
            assert found.c2pa.present is False and found.recovered is None
            assert found.watermark in (WatermarkFinding.ABSENT, WatermarkFinding.MISMATCH)
        copy = credentials.verify(session, settings.data_dir, copied, master=master)
        assert copy.watermark is WatermarkFinding.MISMATCH  # the bits do name the image
        # the same raw bits in the signed picture itself (its manifest stripped) count
        real = credentials.verify(session, settings.data_dir, reencode(signed), master=master)
        assert real.recovered is not None and real.recovered.asset_id == row.asset_id


def test_a_stripped_manifest_is_offered_as_a_possibly_related_images_credentials(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, int]
) -> None:
    admin, system_id = acme
    master = master_key(settings)
    with pytest.raises(InvalidInputError, match="pki init"), loaded_db.transaction() as s:
        credentials.sign(
            s, admin, settings.data_dir, picture(), system_id, "demo-diffusion-1", master=master
        )
    with loaded_db.transaction() as session:
        credentials.pki_init(session, admin, settings.data_dir, master=master_key(settings))
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        credentials.pki_init(session, admin, settings.data_dir, master=master_key(settings))
    signed, row = _signed(loaded_db, settings, acme, picture())
    asset = row.asset_id
    assert len(asset) == 12 and row.watermark_alg == WATERMARK_ALG and row.perceptual_hash
    with loaded_db.reading() as session:
        direct = credentials.verify(session, settings.data_dir, signed, master=master)
        assert direct.c2pa.state == "Trusted" and direct.c2pa.soft_binding == asset
        assert direct.watermark is WatermarkFinding.NOT_CHECKED  # credentials decide
        assert direct.recovered is None
        stripped = reencode(signed)
        found = credentials.verify(session, settings.data_dir, stripped, admin, master=master)
        assert found.c2pa.present is False and found.watermark is WatermarkFinding.FOUND
        assert found.recovered is not None and found.recovered.asset_id == asset
        assert found.recovered.hash_distance <= found.recovered.hash_bound == HASH_BOUND
        assert found.recovered.system_id == system_id and found.recovered.manifest
        public = credentials.verify(session, settings.data_dir, stripped, master=master)
        assert public.recovered is not None
        assert (public.recovered.system_id, public.recovered.manifest) == (None, None)
        other = Principal(user_id=None, email="cli", org_id=admin.org_id + 1, org_slug="o",
                          role=admin.role)  # fmt: skip
        theirs = credentials.verify(session, settings.data_dir, stripped, other, master=master)
        assert theirs.recovered is not None and theirs.recovered.system_id is None
        # another deployment (another secret) finds nothing in the same picture
        elsewhere = credentials.verify(session, settings.data_dir, stripped, master=b"x" * 32)
        assert elsewhere.recovered is None and elsewhere.watermark is WatermarkFinding.ABSENT
        unknown = credentials.verify(session, settings.data_dir, picture(seed=5), master=master)
        assert unknown.c2pa.present is False and unknown.recovered is None
        with pytest.raises(InvalidInputError) as bad:
            credentials.verify(session, settings.data_dir, b"not an image", master=master)
        assert "PNG" in str(bad.value.message_ja) and "not an image" not in str(
            bad.value.message_ja
        )


def test_soft_binding_values_are_parsed_strictly(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, int]
) -> None:
    _, row = _signed(loaded_db, settings, acme, picture())
    asset = row.asset_id
    with loaded_db.reading() as session:
        label = credentials.manifest_id(row)
        assert label.startswith("urn:c2pa:")  # the manifest's label names it
        assert credentials.find_by_binding(session, WATERMARK_ALG, asset) == [label]
        assert credentials.find_by_binding(session, WATERMARK_ALG, "0" * 12) in ([], [label])
        for value in ("ABCDEF012345", asset + "0", f" {asset}", f"{asset}\n",
                      "0x" + asset[2:], "１２３４５６７８９０ab", "", "zzzzzzzzzzzz"):  # fmt: skip
            with pytest.raises(InvalidInputError, match="12 lower-case hex") as refused:
                credentials.find_by_binding(session, WATERMARK_ALG, value)
            assert "16進数12桁" in str(refused.value.message_ja)
        with pytest.raises(InvalidInputError, match=WATERMARK_ALG) as legacy:
            credentials.find_by_binding(session, LEGACY_WATERMARK_ALG, asset[:8])
        assert "32ビット" in str(legacy.value.message_ja) and WATERMARK_ALG in str(
            legacy.value.message_ja
        )
        with pytest.raises(InvalidInputError, match="unknown soft-binding"):
            credentials.find_by_binding(session, "com.example.other", asset)
        assert credentials.credential_by_asset(session, asset).asset_id == asset
        for value in ("ABCDEF012345", asset + " ", "%", "0" * 12):
            with pytest.raises(NotFoundError):
                credentials.credential_by_asset(session, value)


def test_images_signed_with_the_32_bit_watermark_keep_their_rows_but_no_lookup(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, int]
) -> None:
    signed, row = _signed(loaded_db, settings, acme, picture())
    with loaded_db.transaction() as session:
        legacy = session.get(ImageCredentialRow, row.id)
        assert legacy is not None
        legacy.asset_id, legacy.watermark_alg, legacy.perceptual_hash = (
            "9f3a1c2b", LEGACY_WATERMARK_ALG, None)  # fmt: skip
    with loaded_db.reading() as session:
        assert credentials.credential_by_asset(session, "9f3a1c2b").id == row.id
        assert credentials.find_by_binding(session, WATERMARK_ALG, row.asset_id) == []
        found = credentials.verify(
            session, settings.data_dir, reencode(signed), master=master_key(settings)
        )
        assert found.recovered is None and found.watermark is WatermarkFinding.ABSENT


def test_images_under_256_pixels_a_side_get_credentials_without_a_watermark(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, int]
) -> None:
    small = cv2.imencode(".png", cv2.imdecode(np.frombuffer(picture(), np.uint8), 1)[:200])[1]
    signed, row = _signed(loaded_db, settings, acme, bytes(small.tobytes()))
    assert row.watermark_alg is None
    check = check_image(signed, credentials.trust_anchor(settings.data_dir))
    assert check.state == "Trusted" and check.soft_binding is None
    assert np.array_equal(
        cv2.imdecode(np.frombuffer(signed, np.uint8), 1), cv2.imdecode(small, 1)
    )  # the pixels are untouched
    with loaded_db.reading() as session:
        stripped = credentials.verify(
            session, settings.data_dir, reencode(signed), master=master_key(settings)
        )
        assert stripped.watermark is WatermarkFinding.TOO_SMALL and stripped.recovered is None
        assert credentials.find_by_binding(session, WATERMARK_ALG, row.asset_id) == []


def test_signing_keeps_transparency(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, int]
) -> None:
    source = _rgba_png()
    signed, row = _signed(loaded_db, settings, acme, source)
    before, after = Image.open(io.BytesIO(source)), Image.open(io.BytesIO(signed))
    assert after.mode == "RGBA" and row.watermark_alg == WATERMARK_ALG
    assert np.array_equal(np.asarray(before)[..., 3], np.asarray(after)[..., 3])
    assert check_image(signed, credentials.trust_anchor(settings.data_dir)).state == "Trusted"


@pytest.mark.parametrize("kind", ["png", "jpg"])
def test_signing_keeps_the_icc_profile_and_exif(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, int], kind: str
) -> None:
    source, icc, _ = _with_metadata(kind)
    signed, row = _signed(loaded_db, settings, acme, source)
    after = Image.open(io.BytesIO(signed))
    assert row.watermark_alg == WATERMARK_ALG
    assert after.info.get("icc_profile") == icc
    kept = after.getexif()
    assert (
        kept[0x010F] == "Tekisei Test Camera" and kept[0x9286] == "a comment kept through signing"
    )
    assert check_image(signed, credentials.trust_anchor(settings.data_dir)).state == "Trusted"


@pytest.mark.parametrize("quality", [60, 85])
def test_signing_a_jpeg_keeps_its_quantisation_tables(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, int], quality: int
) -> None:
    source, _, _ = _with_metadata("jpg", quality)
    signed, row = _signed(loaded_db, settings, acme, source)
    before, after = Image.open(io.BytesIO(source)), Image.open(io.BytesIO(signed))
    assert row.watermark_alg == WATERMARK_ALG
    assert after.quantization == before.quantization  # type: ignore[attr-defined]
    # the file stays about the size of the original (quality 95 would double it)
    assert len(signed) < 1.3 * len(source) + 20_000


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
    assert out.exists() and len(signed["asset_id"]) == 12
    shown = json.loads(run("provenance", "verify-image", str(out), "--json").stdout)
    assert shown["c2pa"]["state"] == "Trusted"
    resaved = tmp_path / "resaved.jpg"
    resaved.write_bytes(reencode(out.read_bytes()))
    text = run("provenance", "verify-image", str(resaved)).stdout
    assert "credentials of a possibly related image" in text and signed["asset_id"] in text
    copied = tmp_path / "copied.png"
    raw = read_bits(out.read_bytes())
    assert raw is not None
    copied.write_bytes(embed_bits(unrelated(), raw))
    assert "does not look like it" in run("provenance", "verify-image", str(copied), code=1).stdout
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
        credentials.pki_init(session, admin, settings.data_dir, master=master_key(settings))
        signed, _ = credentials.sign(
            session, admin, settings.data_dir, picture(), system_id, "demo-diffusion-1",
            master=master_key(settings),
        )  # fmt: skip
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
    assert page.status_code == 200
    result = BeautifulSoup(page.text, "html.parser").select_one("#image-result")
    assert result is not None and result.h3 is not None
    assert result.h3["data-state"] == "recovered"
    assert result.h3.get_text() == "関連する可能性のある画像の認証情報"
    assert "64ビット中" in result.select_one("#hash-distance").get_text()  # type: ignore[union-attr]
    assert "広告画像生成" not in page.text  # the system's name is not for the public
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
    assert public["recovered"]["manifest"] is None and "広告画像生成" not in json.dumps(public)
    assert set(public["recovered"]) == {
        "asset_id", "generator", "signed_on", "bits_corrected", "bits_total", "hash_distance",
        "hash_bound", "system_id", "manifest"}  # fmt: skip
    mine = (await http.post(url, files=stripped, headers=member)).json()
    assert mine["recovered"]["system_id"] == acme[1]
    codes = [(await http.post(url, files=stripped, headers=member)).status_code for _ in range(2)]
    assert codes == [200, 429]


@pytest.mark.anyio
async def test_the_page_and_api_never_credit_a_copied_watermark(
    client: tuple[httpx.AsyncClient, bytes],
) -> None:
    http, signed = client
    raw = read_bits(signed)
    assert raw is not None
    forged = embed_bits(unrelated(), raw)
    page = await http.post("/verify/image", files={"file": ("f.png", forged, "image/png")})
    assert page.status_code == 200
    result = BeautifulSoup(page.text, "html.parser").select_one("#image-result h3")
    assert result is not None and result["data-state"] == "mismatch"
    assert "認証情報" in result.get_text() and "関連する可能性" not in page.text
    answer = await http.post(
        "/api/provenance/verify/image", files={"file": ("f.png", forged, "image/png")}
    )
    assert answer.json()["recovered"] is None and answer.json()["watermark"] == "mismatch"
    direct = await http.post("/verify/image", files={"file": ("s.png", signed, "image/png")})
    shown = BeautifulSoup(direct.text, "html.parser")
    assert shown.select_one("#image-result h3")["data-state"] == "Trusted"  # type: ignore[index]
    assert "署名された画像そのもの" in shown.select_one("#signed-image").get_text()  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_the_binding_lookup_answers_only_its_exact_value_format(
    client: tuple[httpx.AsyncClient, bytes],
) -> None:
    http, signed = client
    asset = check_image(signed, None).soft_binding
    url = "/api/provenance/matches/byBinding"
    found = await http.post(url, json={"alg": WATERMARK_ALG, "value": asset})
    assert found.status_code == 200
    assert [m["manifestId"][:9] for m in found.json()["matches"]] == ["urn:c2pa:"]
    upper = await http.post(url, json={"alg": WATERMARK_ALG, "value": "ABCDEF012345"})
    assert upper.status_code == 422 and "12 lower-case hex" in upper.json()["detail"]
    assert "16進数12桁" in upper.json()["detail_ja"]
    legacy = await http.post(url, json={"alg": LEGACY_WATERMARK_ALG, "value": "9f3a1c2b"})
    assert legacy.status_code == 422 and WATERMARK_ALG in legacy.json()["detail"]
    assert "以前の32ビットの透かし" in legacy.json()["detail_ja"]
