"""A real OpenID provider for the single sign-on tests: the npm package ``oidc-provider``
(package.json, pinned in package-lock.json) run under Node by :func:`running_provider`.

``make test`` installs it with ``npm ci`` when ``node_modules`` is missing; without Node
or the package the tests skip locally and fail under ``TEKISEI_REQUIRE_ALL=1``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
from bs4 import BeautifulSoup

HERE = Path(__file__).parent
CALLBACK = "http://testserver/signin/sso/callback"
CLIENT_ID = "tekisei"
CLIENT_SECRET = "tekisei-test-client-secret-0123456789"
OTHER_ID = "other-app"
OTHER_SECRET = "other-app-test-client-secret-987654321"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class OidcProvider:
    """A running ``oidc-provider`` and the clients registered with it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.clients: dict[str, dict[str, Any]] = {}
        self.kid = ""

    def client(self, client_id: str, secret: str, base: str = "http://testserver") -> None:
        """Register (or replace) a confidential client redirecting to ``base``."""
        entry = self.clients.setdefault(
            client_id,
            {
                "client_id": client_id,
                "client_secret": secret,
                "redirect_uris": [],
                "post_logout_redirect_uris": [],
            },
        )
        if f"{base}/signin/sso/callback" not in entry["redirect_uris"]:
            entry["redirect_uris"].append(f"{base}/signin/sso/callback")
            entry["post_logout_redirect_uris"].append(f"{base}/signin")
        self.configure()

    def configure(self, *, rotate: bool = False) -> str:
        """Rebuild the provider with the registered clients (``rotate``: and a new
        signing key); the key id now in use."""
        answer = httpx.post(
            f"{self.issuer}/_test/configure",
            json={"clients": list(self.clients.values()), "rotate": rotate},
            timeout=10,
        )
        answer.raise_for_status()
        self.kid = str(answer.json()["kid"])
        return self.kid

    async def login(self, authorize_url: str, account: str, callback: str = CALLBACK) -> str:
        """Sign ``account`` in at the provider's own login page (its development
        interactions: the login is the account, any password) starting from
        ``authorize_url``; the URL the provider sends the browser back to."""
        async with httpx.AsyncClient(timeout=10) as browser:
            url = authorize_url
            for _ in range(12):
                if url.startswith(callback):
                    return url
                page = await browser.get(url)
                if page.is_redirect:
                    url = urljoin(url, page.headers["location"])
                    continue
                form = BeautifulSoup(page.text, "html.parser").find("form")
                assert form is not None, page.text[:500]
                fields = {
                    str(i.get("name")): str(i.get("value", ""))
                    for i in form.find_all("input")
                    if i.get("name")
                }
                if fields.get("prompt") == "login":
                    fields |= {"login": account, "password": "any"}
                answer = await browser.post(urljoin(url, str(form.get("action"))), data=fields)
                assert answer.is_redirect, answer.text[:500]
                url = urljoin(url, answer.headers["location"])
        raise AssertionError(f"the provider never sent the browser back: {url}")


def missing() -> str | None:
    """Why the provider cannot run here (None when it can)."""
    if shutil.which("node") is None:
        return "Node.js is not installed (apt-get install nodejs)"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "oidc-provider is not installed: run 'npm ci' in tests/oidc_provider"
    return None


@contextmanager
def running_provider(log: Path) -> Iterator[OidcProvider]:
    """Start the provider on a free port (its output in ``log``) until the block ends."""
    port = _port()
    node = shutil.which("node") or "node"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [node, str(HERE / "provider.mjs"), str(port)],
            cwd=HERE,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            provider = OidcProvider(port)
            deadline = time.monotonic() + 30
            while True:
                try:
                    provider.configure()
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(log.read_text()[-2000:]) from None
                    time.sleep(0.05)
            provider.client(CLIENT_ID, CLIENT_SECRET)
            provider.client(OTHER_ID, OTHER_SECRET)
            yield provider
        finally:
            process.terminate()
            process.wait(10)
