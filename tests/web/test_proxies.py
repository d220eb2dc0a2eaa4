"""Behind trusted proxies: the real client and scheme; from anyone else, nothing changes."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from starlette.types import Receive, Scope, Send

from tekisei.config import load_settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.errors import ConfigError
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tekisei.web.proxies import ForwardedHeaders

pytestmark = pytest.mark.anyio
PROXY = ("10.0.0.5", 4431)
OUTSIDER = ("203.0.113.9", 5555)
PASSWORD = "correct horse battery"


async def _seen(headers: dict[str, str], peer: tuple[str, int], kind: str = "x-forwarded") -> Any:
    """What an app behind the middleware sees as client and scheme."""
    found: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        found["client"] = scope["client"][0]
        found["scheme"] = scope["scheme"]

    trusted = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8::/32")]
    middleware = ForwardedHeaders(app, trusted=trusted, kind=kind)  # type: ignore[arg-type]
    scope = {
        "type": "http",
        "scheme": "http",
        "client": peer,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }

    async def nothing() -> Any:
        return {}

    await middleware(scope, nothing, nothing)  # type: ignore[arg-type]
    return found["client"], found["scheme"]


@pytest.mark.parametrize(
    ("headers", "peer", "expected"),
    [
        ({"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}, PROXY,
         ("198.51.100.7", "https")),
        # A client's own X-Forwarded-For is kept by the proxy and appended to: the rightmost
        # untrusted address is the client, never what it wrote itself.
        ({"X-Forwarded-For": "1.2.3.4, 198.51.100.7", "X-Forwarded-Proto": "https"}, PROXY,
         ("198.51.100.7", "https")),
        # Through two trusted proxies.
        ({"X-Forwarded-For": "198.51.100.7, 10.9.9.9", "X-Forwarded-Proto": "https, http"},
         PROXY, ("198.51.100.7", "https")),
        # Spoofed headers from an untrusted peer change nothing.
        ({"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"}, OUTSIDER,
         ("203.0.113.9", "http")),
        # Garbage is not believed.
        ({"X-Forwarded-For": "not-an-ip", "X-Forwarded-Proto": "gopher"}, PROXY,
         ("10.0.0.5", "http")),
        ({"X-Forwarded-Proto": "https"}, PROXY, ("10.0.0.5", "https")),
        # The other kind of header is ignored: the proxy passes it on unchecked.
        ({"Forwarded": "for=1.2.3.4;proto=https"}, PROXY, ("10.0.0.5", "http")),
        ({"X-Forwarded-For": "[2001:db8::1]"}, ("2001:db8::9", 1), ("2001:db8::1", "http")),
    ],
)  # fmt: skip
async def test_forwarded_headers_are_believed_only_from_trusted_proxies(
    headers: dict[str, str], peer: tuple[str, int], expected: tuple[str, str]
) -> None:
    assert await _seen(headers, peer) == expected


@pytest.mark.parametrize(
    ("header", "peer", "expected"),
    [
        ('for=198.51.100.7;proto=https;by=10.0.0.5', PROXY, ("198.51.100.7", "https")),
        ('for=1.2.3.4;proto=http, for="[2001:db9:cafe::17]:4711";proto=https', PROXY,
         ("2001:db9:cafe::17", "https")),
        ("for=198.51.100.7;proto=https, for=10.8.8.8;proto=http", PROXY,
         ("198.51.100.7", "https")),
        ("for=198.51.100.7;proto=https", OUTSIDER, ("203.0.113.9", "http")),
        ('for="unterminated;proto=https', PROXY, ("10.0.0.5", "http")),
        ("for=_hidden;proto=https", PROXY, ("10.0.0.5", "http")),
    ],
)  # fmt: skip
async def test_the_standard_forwarded_header_when_the_proxies_write_it(
    header: str, peer: tuple[str, int], expected: tuple[str, str]
) -> None:
    headers = {"Forwarded": header, "X-Forwarded-For": "6.6.6.6"}
    assert await _seen(headers, peer, kind="forwarded") == expected


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    settings = load_settings(trusted_proxies="10.0.0.0/8, 127.0.0.1,::1")
    assert [str(n) for n in settings.trusted_networks] == ["10.0.0.0/8", "127.0.0.1/32", "::1/128"]
    assert load_settings().trusted_networks == ()
    with pytest.raises(ConfigError, match=r"TEKISEI_TRUSTED_PROXIES: 'proxy\.local'"):
        load_settings(trusted_proxies="proxy.local")


@pytest.fixture
async def clients(
    database_url: str, tmp_path: Path, loaded_db: Database
) -> AsyncIterator[Callable[[tuple[str, int]], httpx.AsyncClient]]:
    settings = load_settings(
        database_url=database_url,
        data_dir=tmp_path / "var",
        trusted_proxies="10.0.0.0/8",
        public_verify_per_minute=1,
        public_lookups_per_minute=1,
    )
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="a@acme.example", password=PASSWORD),
            "acme",
            Role.ADMIN,
            "cli",
        )
    app = create_app(settings)
    opened: list[httpx.AsyncClient] = []

    def connect(peer: tuple[str, int]) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=peer)
        client = httpx.AsyncClient(transport=transport, base_url="http://tekisei.example")
        opened.append(client)
        return client

    yield connect
    for client in opened:
        await client.aclose()
    app.state.database.close()


HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}


def _cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


async def test_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent(clients: Any) -> None:
    client = clients(PROXY)
    signin = await client.get("/signin", headers=HTTPS)
    assert signin.headers["strict-transport-security"] == "max-age=31536000"
    assert all("Secure" in c for c in _cookies(signin)) and _cookies(signin)
    lang = await client.get("/lang/en", headers=HTTPS)
    assert _cookies(lang) and all("Secure" in c for c in _cookies(lang))
    token = BeautifulSoup(signin.text, "html.parser").select_one('input[name="login_csrf"]')
    assert token is not None
    # The client talks http to the proxy's address here, so its cookie jar holds back
    # Secure cookies: send the sign-in form's cookie by hand, as a browser on https would.
    form_cookie = client.cookies.get("tekisei_login_csrf")
    assert form_cookie
    signed_in = await client.post(
        "/signin",
        headers={**HTTPS, "Cookie": f"tekisei_login_csrf={form_cookie}"},
        data={"email": "a@acme.example", "password": PASSWORD, "login_csrf": str(token["value"])},
    )
    assert signed_in.status_code == 303, signed_in.text
    session = [c for c in _cookies(signed_in) if c.startswith("tekisei_session=")]
    assert session and "Secure" in session[0] and session[0].count("Secure") == 1


async def test_spoofed_headers_from_an_untrusted_client_change_nothing(clients: Any) -> None:
    response = await clients(OUTSIDER).get("/signin", headers=HTTPS)
    assert "strict-transport-security" not in response.headers
    assert _cookies(response) and not any("Secure" in c for c in _cookies(response))
    plain = await clients(PROXY).get("/signin", headers={"X-Forwarded-For": "198.51.100.7"})
    assert "strict-transport-security" not in plain.headers


async def test_rate_limits_count_the_real_client_behind_the_proxy(clients: Any) -> None:
    proxy = clients(PROXY)
    body = {"alg": "org.tekisei.dwtdctsvd.bch.48", "value": "0" * 12}
    url = "/api/provenance/matches/byBinding"
    first = await proxy.post(url, json=body, headers={"X-Forwarded-For": "198.51.100.7"})
    assert first.status_code == 200, first.text
    again = await proxy.post(url, json=body, headers={"X-Forwarded-For": "198.51.100.7"})
    assert again.status_code == 429
    other = await proxy.post(url, json=body, headers={"X-Forwarded-For": "198.51.100.8"})
    assert other.status_code == 200
    # A client that is not a proxy cannot buy itself a fresh budget with a spoofed header.
    outsider = clients(OUTSIDER)
    assert (await outsider.post(url, json=body)).status_code == 200
    spoofed = await outsider.post(url, json=body, headers={"X-Forwarded-For": "192.0.2.44"})
    assert spoofed.status_code == 429
