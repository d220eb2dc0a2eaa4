"""Who signs image credentials and when: a certificate per organisation issued by the
deployment root (whose key is kept), the root of an earlier single-signer deployment kept
as a trust anchor, RFC 3161 time-stamps from the deployment's own responder that keep an
expired certificate's credentials valid, and the words shown when they are not."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asn1crypto import tsp
from bs4 import BeautifulSoup
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tekisei.config import Settings, load_settings
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.provenance import (
    DeploymentPki,
    TimeStampAuthority,
    TimeStampQueryError,
    check_image,
    explain,
    init_pki,
    issue_signer,
    new_root,
    query_for,
    respond,
    sign_image,
    token_time,
)
from tekisei.provenance._pki import issue_time_stamping
from tekisei.services import credentials, orgs, provenance_checks, systems, timestamps, users
from tekisei.services.database import Database
from tekisei.services.provenance import master_key
from tekisei.web.app import create_app
from tests.provenance.test_images import picture, reencode

EXPIRED_EN = "the signing certificate has expired"
EXPIRED_JA = "署名に使った証明書の有効期限が切れています"
TAMPERED_JA = "改ざんの可能性があります"


def _org(session: Any, name: str, slug: str) -> tuple[Principal, int]:
    orgs.create_org(session, OrgCreate(name=name, slug=slug, actors=[OrgActor.BUSINESS]), "cli")
    admin = orgs.cli_principal(session, slug)
    facts = SystemFacts.model_validate({"name": f"{name}の画像生成", "org_role": "provider"})
    return admin, systems.register_system(session, admin, facts).id


@pytest.fixture
def two_orgs(loaded_db: Database) -> dict[str, tuple[Principal, int]]:
    with loaded_db.transaction() as session:
        return {
            "city": _org(session, "みどり市", "city"),
            "company": _org(session, "あおぞら広告株式会社", "company"),
        }


def _subject(pem: bytes, oid: x509.ObjectIdentifier) -> str:
    found = x509.load_pem_x509_certificates(pem)[0].subject.get_attributes_for_oid(oid)
    return str(found[0].value)


def test_two_organisations_images_name_their_own_organisation_as_signer(
    loaded_db: Database, settings: Settings, two_orgs: dict[str, tuple[Principal, int]]
) -> None:
    city, city_system = two_orgs["city"]
    company, company_system = two_orgs["company"]
    with loaded_db.transaction() as session:
        made = credentials.pki_init(session, city, settings.data_dir, master=master_key(settings))
        assert made.signer is not None and "O=みどり市" in made.signer.subject
        with pytest.raises(ConflictError):
            credentials.pki_init(session, city, settings.data_dir, master=master_key(settings))
        city_image, _ = credentials.sign(
            session,
            city,
            settings.data_dir,
            picture(),
            city_system,
            "gen-1",
            master=master_key(settings),
        )
        # the company never ran pki init: its certificate is issued on first need
        company_image, _ = credentials.sign(
            session,
            company,
            settings.data_dir,
            picture(seed=2),
            company_system,
            "gen-1",
            master=master_key(settings),
        )
    with loaded_db.reading() as session:
        by_city = credentials.verify(
            session, settings.data_dir, city_image, master=master_key(settings)
        ).c2pa
        by_company = credentials.verify(
            session, settings.data_dir, company_image, master=master_key(settings)
        ).c2pa
    assert (by_city.state, by_company.state) == ("Trusted", "Trusted")
    assert (by_city.signer, by_city.issuer) == ("みどり市", "みどり市")
    assert (by_company.signer, by_company.issuer) == ("あおぞら広告株式会社",) * 2
    assert by_city.certificate_serial != by_company.certificate_serial
    assert by_city.time_stamped_at is not None  # the deployment's own time-stamp
    assert by_city.actions == ["c2pa.created", "c2pa.watermarked"]
    deployment = credentials.pki(settings.data_dir, master_key(settings))
    assert len(deployment.trust_anchors()) == 1  # one deployment root, not one per org
    root_key = deployment.root_key
    assert stat.S_IMODE(root_key.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" not in root_key.read_bytes()  # sealed at rest
    for kept in (root_key, *deployment.folder.glob("orgs/*/signer.pem")):
        assert kept.read_bytes().startswith(b"-----BEGIN TEKISEI SEALED KEY-----")


def test_a_check_of_one_organisation_fails_with_anothers_samples(
    loaded_db: Database,
    settings: Settings,
    two_orgs: dict[str, tuple[Principal, int]],
    tmp_path: Path,
) -> None:
    city, city_system = two_orgs["city"]
    company, company_system = two_orgs["company"]
    with loaded_db.transaction() as session:
        credentials.pki_init(session, city, settings.data_dir, master=master_key(settings))
        city_image, _ = credentials.sign(
            session,
            city,
            settings.data_dir,
            picture(),
            city_system,
            "gen-1",
            master=master_key(settings),
        )
        company_image, _ = credentials.sign(
            session,
            company,
            settings.data_dir,
            picture(seed=3),
            company_system,
            "gen-1",
            master=master_key(settings),
        )
    theirs, mine = tmp_path / "theirs", tmp_path / "mine"
    theirs.mkdir()
    mine.mkdir()
    (theirs / "a.png").write_bytes(city_image)
    (theirs / "b.jpg").write_bytes(reencode(city_image))  # found again through the watermark
    (mine / "a.png").write_bytes(company_image)
    (mine / "b.jpg").write_bytes(reencode(company_image))
    db = loaded_db
    assert db.files_dir is not None

    def check(folder: Path) -> provenance_checks.CheckOut:
        with db.transaction() as session:
            return provenance_checks.check_samples(
                session,
                company,
                master=master_key(settings),
                data_dir=settings.data_dir,
                files_dir=db.files_dir,  # type: ignore[arg-type]
                max_bytes=10 * 1024 * 1024,
                system_id=company_system,
                folder=folder,
            )

    with_theirs = check(theirs)
    assert (with_theirs.images, with_theirs.images_verified, with_theirs.passed) == (2, 0, False)
    assert with_theirs.details[0]["state"] == "Trusted"  # valid, but not the company's
    with_mine = check(mine)
    assert (with_mine.images, with_mine.images_verified, with_mine.passed) == (2, 2, True)


def test_an_earlier_deployments_images_keep_validating_beside_the_new_root(
    loaded_db: Database, settings: Settings, two_orgs: dict[str, tuple[Principal, int]]
) -> None:
    city, city_system = two_orgs["city"]
    old = init_pki(settings.data_dir / "pki", "みどり市")  # one root, key thrown away
    old_image = sign_image(picture(), old, generator="gen-0", system="old")
    with loaded_db.transaction() as session:
        new_image, _ = credentials.sign(
            session,
            city,
            settings.data_dir,
            picture(seed=4),
            city_system,
            "gen-1",
            master=master_key(settings),
        )
    anchors = credentials.trust_anchors(settings.data_dir)
    assert len(anchors) == 2 and old.root.read_text() in anchors
    with loaded_db.reading() as session:
        for image in (old_image, new_image):
            assert (
                credentials.verify(
                    session, settings.data_dir, image, master=master_key(settings)
                ).c2pa.state
                == "Trusted"
            )
    new_root_pem = credentials.pki(
        settings.data_dir, master_key(settings)
    ).root_certificate.read_bytes()
    assert new_root_pem != old.root.read_bytes()


def test_an_image_signed_under_another_deployments_root_is_not_trusted(
    loaded_db: Database, settings: Settings, two_orgs: dict[str, tuple[Principal, int]]
) -> None:
    city, _ = two_orgs["city"]
    with loaded_db.transaction() as session:
        credentials.pki_init(session, city, settings.data_dir, master=master_key(settings))
    stranger = issue_signer(new_root("tekisei C2PA root", "tekisei deployment"), "みどり市")
    forged = sign_image(picture(), stranger, generator="gen-1", system="x")
    with loaded_db.reading() as session:
        found = credentials.verify(
            session, settings.data_dir, forged, master=master_key(settings)
        ).c2pa
    assert found.state == "Valid" and found.signer == "みどり市"  # the same name, not ours
    assert found.reason == "untrusted"
    assert [e.code for e in found.explanations] == ["signingCredential.untrusted"]
    assert "信頼する発行元" in found.explanations[0].ja


@pytest.mark.parametrize(
    "name",
    [
        'Acme, Inc. <"evil"> + CN=root; O=other\\',
        "株式会社" + "長" * 300,
        "\u202eevil\u200b\x00\x07 org\nname",
        "A" * 64,
    ],
)
def test_hostile_organisation_names_fit_the_certificate_subject(tmp_path: Path, name: str) -> None:
    signer = issue_signer(new_root("r", "tekisei deployment"), name)
    organisation = _subject(signer.chain, NameOID.ORGANIZATION_NAME)
    common = _subject(signer.chain, NameOID.COMMON_NAME)
    assert organisation == common and 1 <= len(organisation.encode("utf-8")) <= 64
    assert not any(c in organisation for c in "\x00\x07\n\u202e\u200b")
    assert organisation[:4] == name.replace("\u202e", "")[:4]
    signed = sign_image(picture(), signer, generator="g", system="s")
    assert check_image(signed, None).signer == organisation
    if len(name) > 64:
        assert organisation.endswith("…")


def test_an_organisation_name_without_printable_characters_is_refused_clearly(
    loaded_db: Database, settings: Settings
) -> None:
    with loaded_db.transaction() as session:
        admin, _ = _org(session, "みどり市", "city")
        credentials.pki_init(session, admin, settings.data_dir, master=master_key(settings))
        deployment = credentials.pki(settings.data_dir, master_key(settings))
        with pytest.raises(ValueError, match="printable"):
            deployment.issue(admin.org_id, "\u200b\u200b\x00")


def _wait_until(moment: datetime) -> None:
    """Real time passes: the certificate really expires (no clock is faked)."""
    while datetime.now(UTC) <= moment:
        time.sleep(0.2)


@pytest.mark.anyio
async def test_an_expired_certificate_validates_when_time_stamped_and_is_named_when_not(
    loaded_db: Database, settings: Settings, two_orgs: dict[str, tuple[Principal, int]]
) -> None:
    city, _ = two_orgs["city"]
    with loaded_db.transaction() as session:
        credentials.pki_init(session, city, settings.data_dir, master=master_key(settings))
    now = datetime.now(UTC)
    short = credentials.pki(settings.data_dir, master_key(settings)).issue(
        city.org_id,
        "みどり市",
        not_before=now - timedelta(minutes=1),
        not_after=now + timedelta(seconds=3),
    )
    with timestamps.time_stamp_url("own", settings.data_dir, master=master_key(settings)) as url:
        assert url is not None and url.startswith("http://127.0.0.1:")
        stamped = sign_image(picture(), short, generator="g", system="s", time_stamp_url=url)
    plain = sign_image(picture(seed=6), short, generator="g", system="s")
    with loaded_db.reading() as session:
        before = credentials.verify(
            session, settings.data_dir, plain, master=master_key(settings)
        ).c2pa
    assert before.state == "Trusted"  # the test is not vacuous: it was valid when signed
    _wait_until(short.certificate.not_valid_after_utc + timedelta(seconds=1))
    with loaded_db.reading() as session:
        kept = credentials.verify(
            session, settings.data_dir, stamped, master=master_key(settings)
        ).c2pa
        lapsed = credentials.verify(
            session, settings.data_dir, plain, master=master_key(settings)
        ).c2pa
    assert kept.state == "Trusted" and kept.time_stamped_at is not None and kept.reason is None
    assert lapsed.state == "Invalid" and lapsed.reason == "expired"
    assert lapsed.time_stamped_at is None
    assert EXPIRED_EN in [e.en for e in lapsed.explanations]
    assert EXPIRED_JA in [e.ja for e in lapsed.explanations]
    assert not any(TAMPERED_JA in e.ja for e in lapsed.explanations)
    web = create_app(load_settings(database_url=settings.resolved_database_url,
                                   data_dir=settings.data_dir))  # fmt: skip
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        page = await http.post("/verify/image", files={"file": ("p.png", plain, "image/png")})
        english = await http.post(
            "/verify/image?lang=en", files={"file": ("p.png", plain, "image/png")}
        )
    web.state.database.close()
    assert page.status_code == 200
    result = BeautifulSoup(page.text, "html.parser").select_one("#image-result")
    assert result is not None
    heading = result.select_one("h3")
    assert heading is not None and heading["data-reason"] == "expired"
    assert EXPIRED_JA in heading.text and TAMPERED_JA not in result.text
    assert "signingCredential" not in result.select_one("#problems").text  # type: ignore[union-attr]
    shown = BeautifulSoup(english.text, "html.parser").select_one("#image-result")
    assert shown is not None and EXPIRED_EN in shown.text.lower()


def test_the_time_stamp_certificate_is_for_time_stamping_only(
    loaded_db: Database, settings: Settings, two_orgs: dict[str, tuple[Principal, int]]
) -> None:
    with loaded_db.transaction() as session:
        credentials.pki_init(
            session, two_orgs["city"][0], settings.data_dir, master=master_key(settings)
        )
    deployment = credentials.pki(settings.data_dir, master_key(settings))
    authority = deployment.time_stamping()
    leaf, root = x509.load_pem_x509_certificates(authority.chain)
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical and list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert leaf.issuer == root.subject == deployment.root().certificate.subject
    assert deployment.time_stamping() == authority  # kept, not reissued on each use
    reply = respond(query_for(b"claim signature"), authority)
    parsed = tsp.TimeStampResp.load(reply)
    assert parsed["status"]["status"].native == "granted"
    assert abs(token_time(reply) - datetime.now(UTC)) < timedelta(minutes=1)


def _query(algorithm: str, digest: bytes, version: str = "v1") -> bytes:
    return bytes(
        tsp.TimeStampReq(
            {
                "version": version,
                "message_imprint": {
                    "hash_algorithm": {"algorithm": algorithm},
                    "hashed_message": digest,
                },
            }
        ).dump()
    )


@pytest.mark.parametrize(
    ("query", "said"),
    [
        (b"", "empty"),
        (b"\x30\x03\x02\x01\x01", "not an RFC 3161"),
        (b"GET / HTTP/1.1\r\n\r\n", "not an RFC 3161"),
        (b"\x30" + b"\xff" * 5000, "larger than"),
        (query_for(b"x", nonce=1)[:-3], "not an RFC 3161"),
        (query_for(b"x", nonce=1) + b"\x00", "not an RFC 3161"),
        (_query("sha256", b"\x01" * 31), "not a sha256 digest"),
        (_query("md5", b"\x01" * 16), "this responder takes"),
        (_query("sha256", b"\x01" * 32, version="v2"), "not an RFC 3161"),
    ],
    ids=["empty", "integer", "http", "huge", "cut", "trailing", "short", "md5", "v2"],
)
def test_malformed_time_stamp_queries_are_refused_with_a_reason(query: bytes, said: str) -> None:
    chain, key = issue_time_stamping(new_root("r", "tekisei deployment"), "d")
    with pytest.raises(TimeStampQueryError, match=said) as refused:
        respond(query, TimeStampAuthority(chain=chain, key=key))
    assert refused.value.ja and said not in refused.value.ja


@pytest.fixture
async def public(
    settings: Settings, loaded_db: Database, two_orgs: dict[str, tuple[Principal, int]]
) -> AsyncIterator[httpx.AsyncClient]:
    with loaded_db.transaction() as session:
        credentials.pki_init(
            session, two_orgs["city"][0], settings.data_dir, master=master_key(settings)
        )
    limited = load_settings(
        database_url=settings.resolved_database_url,
        data_dir=settings.data_dir,
        public_verify_per_minute=6,
    )
    web = create_app(limited)
    web.state.public_limiter.clock = lambda: 1_800_000_000.0  # one minute for the whole test
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    web.state.database.close()


@pytest.mark.anyio
async def test_the_time_stamp_endpoint_answers_queries_refuses_garbage_and_is_limited(
    public: httpx.AsyncClient,
) -> None:
    url, kind = "/api/provenance/tsa", {"Content-Type": timestamps.QUERY_MIME}
    granted = await public.post(url, content=query_for(b"claim", nonce=42), headers=kind)
    assert granted.status_code == 200
    assert granted.headers["content-type"] == timestamps.REPLY_MIME
    info = tsp.TimeStampResp.load(granted.content)["time_stamp_token"]["content"]
    assert info["encap_content_info"]["content"].parsed["nonce"].native == 42
    garbage = await public.post(url, content=b"\x30\x82\xff\xff" + b"A" * 100, headers=kind)
    assert garbage.status_code == 400
    assert "RFC 3161" in garbage.json()["detail"] and garbage.json()["detail_ja"]
    huge = await public.post(url, content=b"\x30" * 100_000, headers=kind)
    assert huge.status_code == 400 and "larger" in huge.json()["detail"]
    wrong = await public.post(url, content=query_for(b"x"), headers={"Content-Type": "text/plain"})
    assert wrong.status_code == 415 and "timestamp-query" in wrong.json()["detail"]
    codes = [
        (await public.post(url, content=query_for(b"x"), headers=kind)).status_code
        for _ in range(4)
    ]
    assert codes[:2] == [200, 200] and codes[-1] == 429
    limited = await public.post(url, content=query_for(b"x"), headers=kind)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


@pytest.mark.anyio
async def test_the_trust_document_publishes_every_root(
    settings: Settings, loaded_db: Database, two_orgs: dict[str, tuple[Principal, int]]
) -> None:
    old = init_pki(settings.data_dir / "pki", "旧署名者")
    city, system = two_orgs["city"]
    with loaded_db.transaction() as session:
        credentials.sign(
            session,
            city,
            settings.data_dir,
            picture(),
            system,
            "gen-1",
            master=master_key(settings),
        )
    web = create_app(load_settings(database_url=settings.resolved_database_url,
                                   data_dir=settings.data_dir))  # fmt: skip
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        trust = (await http.get("/api/provenance/trust")).json()
    web.state.database.close()
    assert len(trust["c2pa_trust_anchors"]) == 2
    assert old.root.read_text() in trust["c2pa_trust_anchors"]
    assert trust["c2pa_trust_anchor"] == "".join(trust["c2pa_trust_anchors"])
    assert trust["time_stamp_url"] == "/api/provenance/tsa"


def test_an_unreachable_time_stamp_authority_is_a_clear_error(
    loaded_db: Database, settings: Settings, two_orgs: dict[str, tuple[Principal, int]]
) -> None:
    city, system = two_orgs["city"]
    with loaded_db.transaction() as session:
        credentials.pki_init(session, city, settings.data_dir, master=master_key(settings))
    with (
        pytest.raises(InvalidInputError, match="TEKISEI_TSA_URL") as refused,
        loaded_db.transaction() as session,
    ):
        credentials.sign(
                session, city, settings.data_dir, picture(), system, "g",
                time_stamps="http://127.0.0.1:9/tsa", master=master_key(settings)
            )  # fmt: skip
    assert "タイムスタンプ" in (refused.value.message_ja or "")
    with loaded_db.transaction() as session:
        unstamped, _ = credentials.sign(
            session,
            city,
            settings.data_dir,
            picture(),
            system,
            "g",
            time_stamps="none",
            master=master_key(settings),
        )
        assert (
            credentials.verify(
                session, settings.data_dir, unstamped, master=master_key(settings)
            ).c2pa.time_stamped_at
            is None
        )


def test_every_code_has_plain_words_in_both_languages() -> None:
    for code in ["signingCredential.expired", "assertion.dataHash.mismatch", "made.up.code"]:
        words = explain(code)
        assert words.en and words.ja and code not in words.ja
    assert explain("signingCredential.expired").en == EXPIRED_EN
    assert TAMPERED_JA in explain("assertion.dataHash.mismatch").ja


def test_the_pki_commands(cli: Any) -> None:
    cli("provenance", "pki", "show", "--org", "acme")
    made = json.loads(cli("provenance", "pki", "init", "--org", "acme", "--json").stdout)
    assert made["signer"]["subject"] == "O=Acme,CN=Acme"
    cli("provenance", "pki", "init", "--org", "acme", code=8)
    shown = cli("provenance", "pki", "show", "--org", "acme").stdout
    assert "signer: O=Acme,CN=Acme" in shown and "trust anchor: " in shown
    assert "time-stamps: own" in shown


def test_a_root_made_by_two_processes_at_once_is_one_root(tmp_path: Path) -> None:
    deployment = DeploymentPki(tmp_path / "pki", bytes(32))
    first = deployment.create_root()
    with pytest.raises(FileExistsError):
        deployment.create_root()
    assert deployment.ensure_root().certificate == first.certificate


@pytest.mark.anyio
async def test_the_pki_api_issues_the_callers_organisation_its_signer_for_admins_only(
    public: httpx.AsyncClient, loaded_db: Database
) -> None:
    with loaded_db.transaction() as session:
        tokens = {}
        for email, role in (("v@co.example", Role.VIEWER), ("a@co.example", Role.ADMIN)):
            users.create_user(
                session, users.UserCreate(email=email, password="correct horse battery"),
                "company", role, "cli",
            )  # fmt: skip
            bearer = users.create_token(session, email, "company")[0]
            tokens[role] = {"Authorization": f"Bearer {bearer}"}
    shown = await public.get("/api/provenance/pki", headers=tokens[Role.VIEWER])
    assert shown.status_code == 200 and shown.json()["signer"] is None
    assert len(shown.json()["trust_anchors"]) == 1  # the root the city's init made
    refused = await public.post("/api/provenance/pki", headers=tokens[Role.VIEWER])
    assert refused.status_code == 403 and refused.json()["detail_ja"]
    made = await public.post("/api/provenance/pki", headers=tokens[Role.ADMIN])
    assert made.status_code == 201, made.text
    assert made.json()["signer"]["subject"] == "O=あおぞら広告株式会社,CN=あおぞら広告株式会社"
    again = await public.post("/api/provenance/pki", headers=tokens[Role.ADMIN])
    assert again.status_code == 409
    assert (await public.get("/api/provenance/pki")).status_code == 401


def test_a_signer_from_a_replaced_root_is_reissued_before_it_signs(tmp_path: Path) -> None:
    deployment = DeploymentPki(tmp_path / "pki", bytes(32))
    deployment.create_root()
    first = deployment.signer(7, "みどり市")
    assert deployment.signer(7, "みどり市") == first  # kept while valid
    assert deployment.signer(7, "みどり市 (改称)") != first  # renamed: a new subject
    for path in (deployment.root_certificate, deployment.root_key):
        path.unlink()
    root = deployment.ensure_root()
    again = deployment.signer(7, "みどり市 (改称)")
    assert x509.load_pem_x509_certificates(again.chain)[-1] == root.certificate
    signed = sign_image(picture(), again, generator="g", system="s")
    assert check_image(signed, "".join(deployment.trust_anchors())).state == "Trusted"
    assert len(deployment.issued(7)) == 3
