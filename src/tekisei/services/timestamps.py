"""RFC 3161 time-stamps for image signatures: the deployment's own responder (answering
queries over HTTP, and on a loopback port while a command signs without a server), or an
outside time-stamp authority the operator configured (``TEKISEI_TSA_URL``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tekisei.errors import ConfigError, InvalidInputError
from tekisei.provenance import (
    MAX_QUERY_BYTES,
    QUERY_MIME,
    REPLY_MIME,
    DeploymentPki,
    PkiKeyError,
    TimeStampAuthority,
    TimeStampQueryError,
    respond,
)

__all__ = [
    "MAX_QUERY_BYTES",
    "QUERY_MIME",
    "REPLY_MIME",
    "answer",
    "authority_in_use",
    "time_stamp_url",
]


def _pki(data_dir: Path, master: bytes) -> DeploymentPki:
    return DeploymentPki(data_dir / "pki", master)


def answer(data_dir: Path, query: bytes, *, master: bytes) -> bytes:
    """The deployment's time-stamp reply to ``query`` (DER ``TimeStampReq``).

    Raises:
        InvalidInputError: not a query the responder answers, or signing is not set up.
        ConfigError: the time-stamping key does not open with this deployment secret.
    """
    deployment = _pki(data_dir, master)
    if not deployment.exists():
        raise InvalidInputError(
            "this deployment does not time-stamp yet: it has no signing certificates "
            "(tekisei provenance pki init)",
            ja="この環境はまだタイムスタンプを発行できません（署名用の証明書がありません）。",
        )
    try:
        return respond(query, _authority(deployment))
    except TimeStampQueryError as exc:
        raise InvalidInputError(str(exc), ja=exc.ja) from None


def _authority(deployment: DeploymentPki) -> TimeStampAuthority:
    try:
        deployment.ensure_root()
        return deployment.time_stamping()
    except PkiKeyError as exc:
        raise ConfigError(str(exc), ja=exc.ja) from None


def authority_in_use(setting: str) -> str:
    """The time-stamp authority signing uses, in words for ``pki show``."""
    if setting == "none":
        return "none (signatures are not time-stamped)"
    if setting == "own":
        return "own (this deployment's RFC 3161 responder, POST /api/provenance/tsa)"
    return setting


class _Handler(BaseHTTPRequestHandler):
    authority: TimeStampAuthority

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_QUERY_BYTES:
            self.send_error(413)
            return
        try:
            body = respond(self.rfile.read(length), self.authority)
        except TimeStampQueryError:
            self.send_error(400)
            return
        self.send_response(200)
        self.send_header("Content-Type", REPLY_MIME)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the signing command reports what matters."""


@contextmanager
def time_stamp_url(setting: str, data_dir: Path, *, master: bytes) -> Iterator[str | None]:
    """The URL signing sends its time-stamp query to, for the duration of the block:
    ``None`` for ``none``, the configured URL, or for ``own`` the deployment's responder
    on a loopback port (127.0.0.1, a port the system picks), stopped afterwards."""
    if setting == "none":
        yield None
        return
    if setting != "own":
        yield setting
        return
    handler = type("OwnTimeStamps", (_Handler,), {"authority": _authority(_pki(data_dir, master))})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # a short poll: stopping waits for the loop to look, which is every poll interval
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
