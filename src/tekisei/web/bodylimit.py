"""Request size limits enforced before any route, form parser or authentication runs.

A pure ASGI middleware, the outermost of the app's own: a request whose
``Content-Length`` is over the limit is answered 413 without reading a byte of its
body; a request without one (chunked) is counted as it streams and stopped with 413
at the first chunk past the limit. Multipart uploads and images sent as the body get the
larger limit (``TEKISEI_MAX_REQUEST_MB``); every other request (JSON, forms) the smaller
one (``TEKISEI_MAX_BODY_KB``).
"""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tekisei.web.headers import LANG_COOKIE, SECURITY_HEADERS
from tekisei.web.i18n import pick_lang
from tekisei.web.scim_errors import is_scim, scim_error_body
from tekisei.web.templating import render

log = logging.getLogger(__name__)


class RequestTooLargeError(Exception):
    """The body streamed past the limit (raised from ``receive``)."""


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


class RequestSizeLimit:
    """Refuse request bodies over ``max_upload`` (multipart) or ``max_body`` (others)."""

    def __init__(
        self, app: ASGIApp, *, max_upload: int, max_body: int, default_lang: str = "ja"
    ) -> None:
        self.app = app
        self.max_upload = max_upload
        self.max_body = max_body
        self.default_lang = default_lang

    def limit_for(self, scope: Scope) -> int:
        """The limit of a request: the upload limit for multipart, the body limit else."""
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                if value.lower().startswith((b"multipart/form-data", b"image/")):
                    return self.max_upload  # an upload, or an image sent as the body
                break
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = [v for k, v in scope.get("headers", []) if k == b"content-length"]
        if declared:
            text = declared[0].decode("latin-1").strip()
            if not text.isdigit() or len(set(declared)) > 1:
                await self._refuse(scope, send, 400, limit)
                return
            if int(text) > limit:
                log.info(
                    "request refused: Content-Length %s over the limit %s",
                    text,
                    limit,
                    extra={"path": scope.get("path"), "limit": limit},
                )
                await self._refuse(scope, send, 413, limit)
                return
        received = 0
        exceeded = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise RequestTooLargeError
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise RequestTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's own answer to the broken body is replaced by the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            # Whatever the app raised after its body was cut off (RequestTooLargeError itself,
            # wrapped in an exception group by a middleware, or a parser error) is answered
            # by the 413 below; anything else is the app's own error.
            if not exceeded:
                raise
        if exceeded:
            log.info(
                "request refused: body streamed past the limit %s",
                limit,
                extra={"path": scope.get("path"), "limit": limit},
            )
            if not started:
                await self._refuse(scope, send, 413, limit)

    async def _refuse(self, scope: Scope, send: Send, status: int, limit: int) -> None:
        request = Request(scope)
        lang = pick_lang(
            request.query_params.get("lang"),
            request.cookies.get(LANG_COOKIE),
            request.headers.get("accept-language"),
            "ja" if self.default_lang == "ja" else "en",
        )
        if status == 413:
            en = (
                f"the request is larger than {_mb(limit)}; send a smaller file "
                "(the limits are TEKISEI_MAX_UPLOAD_MB and TEKISEI_MAX_REQUEST_MB)"
            )
            ja = f"リクエストが大きすぎます（上限 {_mb(limit)}）。小さいファイルを送ってください。"
        else:
            en = "the Content-Length header is not a single whole number"
            ja = "Content-Length ヘッダーが正しい数値ではありません。"
        headers = [(b"connection", b"close"), *SECURITY_HEADERS]
        if is_scim(scope.get("path", "")):
            body = scim_error_body(status, ja if lang == "ja" else en, None)
            headers.append((b"content-type", b"application/scim+json"))
        elif scope.get("path", "").startswith("/api/"):
            body = json.dumps({"detail": en, "detail_ja": ja}, ensure_ascii=False).encode()
            headers.append((b"content-type", b"application/json"))
        else:
            request.state.lang = lang
            page = render(
                request, "error.html", {"status": status, "message": ja if lang == "ja" else en}
            )
            body = bytes(page.body)
            headers.append((b"content-type", b"text/html; charset=utf-8"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
