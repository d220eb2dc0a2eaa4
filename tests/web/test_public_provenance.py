"""The public provenance service under a hostile public: images too large are refused
from their header before decoding, each public operation has its own rate limit with
Retry-After, answers show only what the page shows, the C2PA soft-binding resolution API
serves the signed manifest store, verifications come with signed receipts, and no input
breaks an endpoint, is echoed back or gets English in its Japanese."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import c2pa
import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from tekisei.config import Settings, load_settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.systems import SystemFacts
from tekisei.db.provenance import ImageCredentialRow, ProvenanceKeyRow
from tekisei.errors import InvalidInputError
from tekisei.provenance import HASH_BOUND, GreenList, WatermarkParams, unseal
from tekisei.services import (
    credentials,
    orgs,
    provenance_checks,
    public_provenance,
    receipts,
    systems,
    users,
)
from tekisei.services import provenance as text_service
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.provenance.test_image_headers import huge_png, png_header
from tests.provenance.test_images import picture, reencode
from tests.provenance.test_keys_and_verification import green_text, word_tokenizer

pytestmark = pytest.mark.anyio
NOW = 1_800_000_000.0  # the start of a minute
LIMITERS = ("public_limiter", "image_limiter", "lookup_limiter", "pdf_limiter")


@pytest.fixture
def world(settings: Settings, loaded_db: Database, tmp_path: Path) -> dict[str, Any]:
    """Acme with a watermark key, a system and a signed image; a member of Acme and an
    administrator of another organisation, each with an API token."""
    master = text_service.master_key(settings)
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="デモ商事", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "acme")
        system = systems.register_system(
            session,
            admin,
            SystemFacts.model_validate({"name": "広告画像生成", "org_role": "provider"}),
        )
        key_id = text_service.create_key(
            session, admin, master, settings.data_dir, tokenizer=str(word_tokenizer(tmp_path))
        ).key_id
        credentials.pki_init(
            session, admin, settings.data_dir, master=text_service.master_key(settings)
        )
        signed, row = credentials.sign(
            session, admin, settings.data_dir, picture(), system.id, "demo-diffusion-1",
            master=master,
        )  # fmt: skip
        users.create_user(
            session,
            users.UserCreate(email="v@acme.example", password="correct horse battery"),
            "acme",
            Role.VIEWER,
            "cli",
        )
        member = users.create_token(session, "v@acme.example", "acme")[0]
        orgs.create_org(
            session, OrgCreate(name="Other", slug="other", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="b@other.example", password="correct horse battery"),
            "other",
            Role.ADMIN,
            "cli",
        )
        outsider = users.create_token(session, "b@other.example", "other")[0]
        sealed = session.scalars(
            select(ProvenanceKeyRow.secret_sealed).where(ProvenanceKeyRow.key_id == key_id)
        ).one()
    green = GreenList(unseal(sealed, master, key_id), WatermarkParams())
    return {
        "admin": admin,
        "system": system.id,
        "key_id": key_id,
        "marked": green_text(green, 150),
        "signed": signed,
        "asset": row.asset_id,
        "member": {"Authorization": f"Bearer {member}"},
        "outsider": {"Authorization": f"Bearer {outsider}"},
    }


async def _client(
    settings: Settings, now: float = NOW, **limits: Any
) -> AsyncIterator[httpx.AsyncClient]:
    configured = load_settings(
        database_url=settings.resolved_database_url, data_dir=settings.data_dir, **limits
    )
    app = create_app(configured)
    for name in LIMITERS:
        getattr(app.state, name).clock = lambda: now  # one minute for the whole test
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    app.state.database.close()


@pytest.fixture
async def client(settings: Settings, world: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    """The app with generous limits (the limits have a test of their own)."""
    async for made in _client(
        settings,
        public_verify_per_minute=10_000,
        public_image_checks_per_minute=10_000,
        public_lookups_per_minute=10_000,
    ):
        yield made


def _file(data: bytes, name: str = "a.png") -> dict[str, Any]:
    return {"file": (name, data, "image/png")}


# -- the pixel limit --------------------------------------------------------------------


async def test_an_8000_by_8000_png_is_refused_from_its_header_before_decoding(
    client: httpx.AsyncClient, world: dict[str, Any], loaded_db: Database, settings: Settings,
    tmp_path: Path,
) -> None:  # fmt: skip
    # Its compressed data is damaged: had anything tried to decode it, the answer would
    # be a decoding error, not the size.
    for data in (huge_png(), huge_png(corrupt=True)):
        api = await client.post("/api/provenance/verify/image?lang=en", files=_file(data))
        assert api.status_code == 422, api.text
        assert "8000×8000" in api.json()["detail"] and "4096×4096" in api.json()["detail"]
        assert "4096×4096 ピクセルまで" in api.json()["detail_ja"]
        page = await client.post("/verify/image", files=_file(data))
        assert page.status_code == 422
        alert = BeautifulSoup(page.text, "html.parser").select_one("[role=alert]")
        assert alert is not None and "画像が大きすぎます（8000×8000 ピクセル）" in alert.text
        by_content = await client.post(
            "/api/provenance/sbr/matches/byContent",
            content=data,
            headers={"Content-Type": "image/png"},
        )
        assert by_content.status_code == 422 and "8000×8000" in by_content.json()["detail"]
    with loaded_db.transaction() as session, pytest.raises(InvalidInputError, match="8000×8000"):
        credentials.sign(
            session, world["admin"], settings.data_dir, huge_png(), world["system"], "g",
            master=text_service.master_key(settings),
        )  # fmt: skip
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "huge.png").write_bytes(huge_png(corrupt=True))
    with loaded_db.transaction() as session:
        files_dir = settings.data_dir / "files"
        with pytest.raises(InvalidInputError, match=r"huge\.png: the image is 8000×8000"):
            provenance_checks.check_samples(
                session, world["admin"], master=b"k" * 32, data_dir=settings.data_dir,
                files_dir=files_dir, max_bytes=10**7, system_id=world["system"], folder=samples,
            )  # fmt: skip
    # The limit is the deployment's: a smaller one refuses the ordinary picture too.
    async for small in _client(settings, max_image_pixels=256 * 256):
        refused = await small.post("/api/provenance/verify/image", files=_file(picture()))
        assert refused.status_code == 422 and "256×256" in refused.json()["detail"]


# -- one rate limit per public operation --------------------------------------------------


async def test_each_public_operation_has_its_own_limit_and_every_429_says_when_to_retry(
    settings: Settings, world: dict[str, Any]
) -> None:
    asset = world["asset"]
    binding = {"alg": "org.tekisei.dwtdctsvd.bch.48", "value": asset}
    operations: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
        "text": [
            ("POST", "/api/provenance/verify/text", {"json": {"text": "w1 w2"}}),
            ("POST", "/verify", {"data": {"text": "w1 w2"}}),
        ],
        "image": [
            ("POST", "/api/provenance/verify/image", {"files": _file(picture())}),
            ("POST", "/verify/image", {"files": _file(picture())}),
            (
                "POST",
                "/api/provenance/sbr/matches/byContent",
                {"content": picture(), "headers": {"Content-Type": "image/png"}},
            ),
        ],
        "lookup": [
            ("POST", "/api/provenance/matches/byBinding", {"json": binding}),
            ("GET", "/api/provenance/sbr/matches/byBinding", {"params": binding}),
            ("POST", "/api/provenance/sbr/matches/byBinding", {"json": binding}),
            ("GET", f"/api/provenance/manifests/{asset}", {}),
            ("GET", f"/api/provenance/sbr/manifests/{asset}", {}),
        ],
    }
    for minute, (bucket, calls) in enumerate(operations.items()):
        # One allowed request per operation and minute; a minute of its own for each.
        async for client in _client(
            settings,
            NOW + 60 * minute,
            public_verify_per_minute=1,
            public_image_checks_per_minute=1,
            public_lookups_per_minute=1,
        ):
            for at, (method, url, options) in enumerate(calls):
                answer = await client.request(method, url + "?lang=en", **options)
                if at == 0:
                    assert answer.status_code == 200, (url, answer.text)
                    continue
                assert answer.status_code == 429, (bucket, url, answer.text)
                assert answer.headers["Retry-After"] == "60"
                assert "try again in 60 s" in answer.text
            method, url, options = calls[0]
            again = await client.request(method, url, **options)
            assert again.status_code == 429 and again.headers["Retry-After"] == "60"
            assert "60秒後" in again.text
            # The other operations' buckets are untouched.
            for other, others in operations.items():
                if other != bucket:
                    method, url, options = others[0]
                    answer = await client.request(method, url, **options)
                    assert answer.status_code == 200, (bucket, other, answer.text)


# -- public answers reveal only what the page shows ---------------------------------------


async def test_public_answers_carry_no_internal_ids_names_or_microseconds(
    client: httpx.AsyncClient, world: dict[str, Any], loaded_db: Database
) -> None:
    trust = (await client.get("/api/provenance/trust")).json()
    assert world["key_id"] not in json.dumps(trust) and trust["own_keys"] == []
    assert all(s["tokenizer_sha256"] for s in trust["text_schemes"]) and trust["text_schemes"]
    assert "created_at" not in json.dumps(trust) and "secret" not in json.dumps(trust)
    assert trust["receipt_keys"] == (await client.get(receipts.JWKS_PATH)).json()
    mine = (await client.get("/api/provenance/trust", headers=world["member"])).json()
    assert [k["key_id"] for k in mine["own_keys"]] == [world["key_id"]]
    theirs = (await client.get("/api/provenance/trust", headers=world["outsider"])).json()
    assert theirs["own_keys"] == []

    manifest = (await client.get(f"/api/provenance/manifests/{world['asset']}")).json()
    assert set(manifest) == {"manifest_id", "generator", "mime", "signed_at", "manifest_store"}
    assert manifest["generator"] == "demo-diffusion-1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]00:00)", manifest["signed_at"])
    for said in (manifest, trust):
        text = json.dumps(said, ensure_ascii=False)
        assert "広告画像生成" not in text and "acme" not in text and "@" not in text

    stripped = _file(reencode(world["signed"]), "b.jpg")
    public = (await client.post("/api/provenance/verify/image", files=stripped)).json()
    assert public["recovered"]["manifest"] is None and public["recovered"]["system_id"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", public["recovered"]["signed_on"])
    assert "広告画像生成" not in json.dumps(public, ensure_ascii=False)
    embedded = await client.post("/api/provenance/verify/image", files=_file(world["signed"]))
    assert embedded.json()["c2pa"]["state"] == "Trusted"
    assert embedded.json()["c2pa"]["manifest"] is None
    own = await client.post("/api/provenance/verify/image", files=stripped, headers=world["member"])
    assert own.json()["recovered"]["system_id"] == world["system"]


# -- the C2PA Soft Binding Resolution API ------------------------------------------------


async def test_binding_values_are_read_in_the_resolution_apis_base64_and_as_earlier(
    client: httpx.AsyncClient, world: dict[str, Any], loaded_db: Database
) -> None:
    import base64

    asset, alg = world["asset"], "org.tekisei.dwtdctsvd.bch.48"
    with loaded_db.reading() as session:
        label = credentials.credential_by_asset(session, asset).manifest_label
    six = bytes.fromhex(asset)
    accepted = [
        base64.b64encode(six).decode(),  # the API's encoding: 8 characters
        base64.urlsafe_b64encode(six).decode(),
        base64.b64encode(asset.encode()).decode(),  # the assertion's text, base64-encoded
        asset,  # 12 hex digits, as earlier clients sent
    ]
    for value in accepted:
        got = await client.get(
            "/api/provenance/sbr/matches/byBinding", params={"alg": alg, "value": value}
        )
        assert got.status_code == 200, (value, got.text)
        assert [m["manifestId"] for m in got.json()["matches"]] == [label], value
        posted = await client.post(
            "/api/provenance/sbr/matches/byBinding", json={"alg": alg, "value": value}
        )
        assert [m["manifestId"] for m in posted.json()["matches"]] == [label], value
    refused = [
        base64.b64encode(six).decode() + "==",  # padding where there is none
        base64.b64encode(six + b"x").decode(),  # 7 bytes
        base64.b64encode(asset.upper().encode()).decode(),  # not lower-case hex inside
        " " + base64.b64encode(six).decode(),
        "AAAA+AA_",  # both alphabets at once
        asset.upper(),
    ]
    for value in refused:
        got = await client.get(
            "/api/provenance/sbr/matches/byBinding", params={"alg": alg, "value": value}
        )
        assert got.status_code == 422, (value, got.text)
        assert "base64" in got.json()["detail"] and "base64" in got.json()["detail_ja"]
    nothing = base64.b64encode(bytes(6)).decode()
    assert (
        await client.get(
            "/api/provenance/sbr/matches/byBinding", params={"alg": alg, "value": nothing}
        )
    ).json() == {"matches": []}


async def test_manifests_are_served_by_their_label_and_by_the_earlier_asset_id(
    client: httpx.AsyncClient, world: dict[str, Any], loaded_db: Database
) -> None:
    asset = world["asset"]
    with loaded_db.reading() as session:
        label = credentials.credential_by_asset(session, asset).manifest_label
    assert label is not None
    by_label = await client.get(f"/api/provenance/sbr/manifests/{label}")
    assert by_label.status_code == 200 and by_label.headers["content-type"] == "application/c2pa"
    assert ":" not in by_label.headers["content-disposition"].split("filename=")[1]
    by_asset = await client.get(f"/api/provenance/sbr/manifests/{asset}")
    assert by_asset.content == by_label.content
    shown = (await client.get(f"/api/provenance/manifests/{label}")).json()
    assert shown["manifest_id"] == asset and shown["manifest_store"].endswith(label)
    for unknown in ("urn:c2pa:00000000-0000-4000-8000-000000000000", "urn:c2pa:", "urn:other:x"):
        assert (await client.get(f"/api/provenance/sbr/manifests/{unknown}")).status_code == 404


async def test_the_verify_page_words_image_results_and_shows_the_time_stamp_locally(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    for lang, zone_name, image_word in (("ja", "JST", "画像"), ("en", "JST", "image")):
        page = await client.post(f"/verify/image?lang={lang}", files=_file(world["signed"]))
        soup = BeautifulSoup(page.text, "html.parser")
        stamp = soup.select_one("#time-stamp time")
        assert stamp is not None, page.text[:500]
        assert re.fullmatch(rf"\d{{4}}-\d\d-\d\d \d\d:\d\d {zone_name}", stamp.text), stamp.text
        assert "T" in str(stamp["datetime"])  # the machine-readable instant stays
        notes = soup.select("#notes-image li")
        assert len(notes) == 4 and all(n.text.strip() for n in notes)
        assert any(image_word in n.text for n in notes)
        texts = soup.select("#notes-text li")
        assert texts and not any(image_word in n.text for n in texts)


async def test_the_resolution_api_finds_the_manifest_and_serves_its_signed_store(
    client: httpx.AsyncClient, world: dict[str, Any], loaded_db: Database, settings: Settings
) -> None:
    asset, alg = world["asset"], "org.tekisei.dwtdctsvd.bch.48"
    base = "/api/provenance/sbr"
    with loaded_db.reading() as session:
        label = credentials.credential_by_asset(session, asset).manifest_label
    assert label is not None and re.fullmatch(r"urn:c2pa:[0-9a-f-]{36}", label)
    endpoint = "http://testserver/api/provenance/sbr"
    expected = {"matches": [{"manifestId": label, "endpoint": endpoint, "similarityScore": 100}]}
    got = await client.get(f"{base}/matches/byBinding", params={"alg": alg, "value": asset})
    assert got.json() == expected
    posted = await client.post(f"{base}/matches/byBinding", json={"alg": alg, "value": asset})
    assert posted.json() == expected
    assert (
        await client.post("/api/provenance/matches/byBinding", json={"alg": alg, "value": asset})
    ).json() == expected
    other = await client.get(
        f"{base}/matches/byBinding", params={"alg": "com.adobe.trustmark.Q", "value": asset}
    )
    assert other.status_code == 422 and "org.tekisei.dwtdctsvd.bch.48" in other.json()["detail"]
    embedded = await client.post(
        f"{base}/matches/byContent", content=world["signed"], headers={"Content-Type": "image/png"}
    )
    assert embedded.json() == expected, embedded.text
    stripped = reencode(world["signed"])
    found = (
        await client.post(
            f"{base}/matches/byContent", content=stripped, headers={"Content-Type": "image/jpeg"}
        )
    ).json()["matches"]
    with loaded_db.reading() as session:
        distance = credentials.verify(
            session, settings.data_dir, stripped, master=text_service.master_key(settings)
        ).recovered
    assert distance is not None
    score = public_provenance.similarity_score(distance.hash_distance)
    assert found == [{"manifestId": label, "endpoint": endpoint, "similarityScore": score}]
    assert public_provenance.similarity_score(HASH_BOUND) <= score <= 100
    unmarked = await client.post(
        f"{base}/matches/byContent", content=picture(seed=7), headers={"Content-Type": "image/png"}
    )
    assert unmarked.json() == {"matches": []}
    wrong = await client.post(
        f"{base}/matches/byContent", content=b"hello", headers={"Content-Type": "text/plain"}
    )
    assert wrong.status_code == 415 and "image/png" in wrong.json()["detail_ja"]
    algorithms = (await client.get(f"{base}/services/supportedAlgorithms")).json()
    assert algorithms == {"watermarks": [{"alg": alg}], "fingerprints": []}

    store = await client.get(f"{base}/manifests/{asset}")
    assert store.status_code == 200 and store.headers["content-type"] == "application/c2pa"
    assert "広告画像生成".encode() not in store.content  # the system stays inside the deployment
    assert store.content[4:8] == b"jumb"
    anchor = (await client.get("/api/provenance/trust")).json()["c2pa_trust_anchor"]
    context = c2pa.Context(
        settings=c2pa.Settings.from_dict(
            {
                "trust": {"trust_anchors": anchor},
                "verify": {
                    "verify_trust": True,
                    "ocsp_fetch": False,
                    "remote_manifest_fetch": False,
                },
            }
        )
    )
    with c2pa.Reader("application/c2pa", io.BytesIO(store.content), context=context) as reader:
        active = reader.get_active_manifest()
    assert any(a["label"].startswith("c2pa.soft-binding") for a in active["assertions"])
    with c2pa.Reader(
        "image/png", io.BytesIO(world["signed"]), manifest_data=store.content, context=context
    ) as reader:
        assert reader.get_validation_state() == "Trusted"
    manifest = (await client.get(f"/api/provenance/manifests/{asset}")).json()
    assert manifest["manifest_store"] == f"{base}/manifests/{label}"

    with loaded_db.transaction() as session:  # an image signed before stores were kept
        session.execute(update(ImageCredentialRow).values(manifest_store=None))
    missing = await client.get(f"{base}/manifests/{asset}")
    assert missing.status_code == 404 and "保存されていません" in missing.json()["detail_ja"]
    assert (await client.get(f"/api/provenance/manifests/{asset}")).json()["manifest_store"] is None
    assert (await client.get(f"{base}/manifests/ffffffffffff")).status_code == 404


# -- signed receipts ----------------------------------------------------------------------


def _verify(token: str, keys: Any, data: bytes) -> receipts.ReceiptCheck:
    checked = receipts.check_receipt(token, keys, issuer="http://testserver", data=data)
    assert checked.input_matches is True
    return checked


async def test_verifications_come_with_receipts_that_verify_with_the_published_keys(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    keys = (await client.get(receipts.JWKS_PATH)).json()
    assert (await client.get(receipts.JWKS_PATH)).headers[
        "content-type"
    ] == "application/jwk-set+json"
    url, marked = "/api/provenance/verify/text", world["marked"]
    plain = (await client.post(url, json={"text": marked})).json()
    assert "receipt" not in plain
    public = (await client.post(url, json={"text": marked, "receipt": True})).json()
    said = _verify(public["receipt"], keys, marked.encode()).statement
    assert (said.kind, said.verdict, said.scheme, said.key_id) == (
        "text", "watermark_detected", "keyed-kgw-v1", None,
    )  # fmt: skip
    own = (
        await client.post(url, json={"text": marked, "receipt": True}, headers=world["member"])
    ).json()
    assert (
        own["z"] > 4
        and _verify(own["receipt"], keys, marked.encode()).statement.key_id == world["key_id"]
    )
    theirs = (
        await client.post(url, json={"text": marked, "receipt": True}, headers=world["outsider"])
    ).json()
    assert _verify(theirs["receipt"], keys, marked.encode()).statement.key_id is None

    image = await client.post(
        "/api/provenance/verify/image", files=_file(world["signed"]), data={"receipt": "true"}
    )
    said = _verify(image.json()["receipt"], keys, world["signed"]).statement
    assert (said.kind, said.verdict, said.scheme) == ("image", "trusted", "c2pa")
    without = await client.post("/api/provenance/verify/image", files=_file(world["signed"]))
    assert without.json()["receipt"] is None

    page = BeautifulSoup((await client.post("/verify", data={"text": marked})).text, "html.parser")
    shown = page.select_one("#text-receipt-value")
    assert shown is not None and _verify(shown.text.strip(), keys, marked.encode())
    link = page.select_one("#text-receipt-download")
    assert link is not None and str(link["href"]).startswith("data:application/jose")
    image_page = await client.post("/verify/image", files=_file(reencode(world["signed"]), "b.jpg"))
    box = BeautifulSoup(image_page.text, "html.parser").select_one("#image-receipt-value")
    assert box is not None
    assert (
        _verify(box.text.strip(), keys, reencode(world["signed"])).statement.verdict == "recovered"
    )


# -- hostile input on every public provenance endpoint ------------------------------------

HUGE = "Z" * 1_000_000
LONE = b'"\\ud800"'
ENGLISH = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){2,}")


def _json_bodies(fields: dict[str, Any]) -> list[bytes]:
    bodies = [
        b"",
        b"{",
        b"[]",
        b"null",
        b'"text"',
        b'{"\\ud800": 1}',
        json.dumps(fields).encode()[:-1],
    ]
    for name in fields:
        for value in (LONE, json.dumps(HUGE).encode(), b"123", b"[1, 2]", b"null", b'{"a": 1}'):
            others = {k: v for k, v in fields.items() if k != name}
            body = json.dumps(others).encode()[:-1]
            bodies.append(body + (b", " if others else b"") + f'"{name}": '.encode() + value + b"}")
    return bodies


async def test_no_hostile_input_breaks_a_public_endpoint_or_is_echoed_back(
    client: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    asset = world["asset"]
    text_fields = {"text": "w1 w2", "key_id": "k"}
    binding = {"alg": "org.tekisei.dwtdctsvd.bch.48", "value": asset}
    requests: list[tuple[str, str, dict[str, Any]]] = []
    for url, fields in (
        ("/api/provenance/verify/text", text_fields),
        ("/api/provenance/matches/byBinding", binding),
        ("/api/provenance/sbr/matches/byBinding", binding),
    ):
        for body in _json_bodies(fields):
            requests.append(
                ("POST", url, {"content": body, "headers": {"Content-Type": "application/json"}})
            )
        requests.append(
            ("POST", url, {"content": b"text=1", "headers": {"Content-Type": "text/plain"}})
        )
        requests.append(("POST", url, {"data": {"text": "w1"}}))
    images = [
        b"", b"not an image", b"%PDF-1.7\n", huge_png(corrupt=True), png_header(100, 100),
        png_header(100, 100)[:20], b"\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff",
        picture()[:500],
    ]  # fmt: skip
    for url in ("/api/provenance/verify/image", "/verify/image"):
        for data in images:
            requests.append(("POST", url, {"files": _file(data)}))
        requests.append(("POST", url, {"files": {"other": ("a", b"x")}}))
        requests.append(
            (
                "POST",
                url,
                {
                    "content": b"--x--\r\n",
                    "headers": {"Content-Type": "multipart/form-data; boundary=x"},
                },
            )
        )
        requests.append(
            ("POST", url, {"content": b"", "headers": {"Content-Type": "multipart/form-data"}})
        )
        requests.append(("POST", url, {"json": {"file": HUGE}}))
        requests.append(
            (
                "POST",
                url,
                {
                    "files": {
                        "file": (
                            "\udc80.png".encode("utf-8", "surrogateescape").decode("latin-1"),
                            b"x",
                        )
                    }
                },
            )
        )
    for data in images:
        requests.append(
            (
                "POST",
                "/api/provenance/sbr/matches/byContent",
                {"content": data, "headers": {"Content-Type": "image/png"}},
            )
        )
    requests.append(("POST", "/api/provenance/sbr/matches/byContent", {"json": {"a": HUGE}}))
    for query in (
        "alg=%ED%A0%80&value=1",
        f"alg=x&value={'Z' * 10_000}",
        "alg=x",
        "value=1",
        "maxResults=-1&alg=x&value=1",
        "maxResults=abc",
    ):
        requests.append(("GET", f"/api/provenance/sbr/matches/byBinding?{query}", {}))
    for name in ("%ED%A0%80", "Z" * 5000, "..%2F..%2Fetc", "000000000000", "%00"):
        requests.append(("GET", f"/api/provenance/manifests/{name}", {}))
        requests.append(("GET", f"/api/provenance/sbr/manifests/{name}", {}))
    requests.append(
        ("GET", "/api/provenance/trust", {"headers": {"Authorization": b"Bearer \xff\xfe"}})
    )
    for body in (
        b"text=%ED%A0%80",
        b"text=" + b"Z" * 900_000,
        b"text=%FF%FE",
        b"",
        b"text[]=1&text=2",
    ):
        requests.append(
            (
                "POST",
                "/verify",
                {"content": body, "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
            )
        )
    requests.append(
        (
            "POST",
            "/verify",
            {"content": b'{"text": "\\ud800"}', "headers": {"Content-Type": "application/json"}},
        )
    )

    for method, url, options in requests:
        for lang in ("ja", "en"):
            answer = await client.request(method, url, params={"lang": lang}, **options)
            where = (method, url[:80], str(options)[:120], lang)
            assert answer.status_code < 500, (where, answer.text[:300])
            # A large input is never echoed; the page's form keeps at most what it takes.
            assert len(answer.content) < 200_000, where
            if url != "/verify":
                assert "Z" * 300 not in answer.text, where
            if not answer.headers.get("content-type", "").startswith("application/json"):
                continue
            body = answer.json()
            if answer.status_code >= 400 and isinstance(body, dict):
                assert '"input"' not in answer.text, (where, answer.text[:300])
                japanese = body.get("detail_ja")
                if japanese is not None:
                    assert not japanese.isascii(), (where, japanese)
                    assert not ENGLISH.search(japanese), (where, japanese)


async def test_a_lone_surrogate_in_json_is_a_clean_422_in_both_languages(
    client: httpx.AsyncClient,
) -> None:
    for url in ("/api/provenance/verify/text", "/api/provenance/matches/byBinding"):
        body = b'{"text": "\\ud800", "alg": "\\udfff", "value": "1"}'
        if "text" not in url:
            body = b'{"alg": "org.tekisei.dwtdctsvd.bch.48", "value": "\\ud800"}'
        for lang in ("en", "ja"):
            answer = await client.post(
                f"{url}?lang={lang}", content=body, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == 422, answer.text
            assert "サロゲート" in answer.json()["detail_ja"]
            assert "surrogate" in json.dumps(answer.json()["detail"])
