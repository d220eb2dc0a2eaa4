"""Headers every response carries, and the language of the request.

A pure ASGI middleware: it picks the language (``?lang=``, the cookie,
``Accept-Language``, the default) into ``request.state.lang``, adds the security
headers to every response, and when the request came over HTTPS (directly or through
a trusted proxy, see ``tekisei.web.proxies``) sends ``Strict-Transport-Security`` and
marks every cookie ``Secure``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tekisei.web.i18n import Lang, pick_lang

LANG_COOKIE = "tekisei_lang"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
"""Header names (lower case) and values, as ASGI sends them."""

HSTS = (b"strict-transport-security", b"max-age=31536000")
"""One year; no includeSubDomains, since other hosts of the domain are not ours to bind."""


def secure_cookie(value: bytes) -> bytes:
    """A ``Set-Cookie`` value with the ``Secure`` attribute (added once)."""
    attributes = [a.strip().lower() for a in value.split(b";")[1:]]
    return value if b"secure" in attributes else value + b"; Secure"


class ResponseHeaders:
    """Pick the request's language; add security headers, and HSTS and ``Secure``
    cookies over HTTPS."""

    def __init__(self, app: ASGIApp, *, default_lang: Lang = "ja") -> None:
        self.app = app
        self.default_lang = default_lang

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        scope.setdefault("state", {})["lang"] = pick_lang(
            request.query_params.get("lang"),
            request.cookies.get(LANG_COOKIE),
            request.headers.get("accept-language"),
            self.default_lang,
        )
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [*SECURITY_HEADERS, HSTS] if https else SECURITY_HEADERS
                headers += [(name, value) for name, value in extra if name not in present]
                if https:
                    headers = [
                        (name, secure_cookie(value) if name.lower() == b"set-cookie" else value)
                        for name, value in headers
                    ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
