"""``tekisei serve``: run the web app."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from tekisei.cli.common import handle_errors
from tekisei.config import load_settings
from tekisei.logs import configure_logging
from tekisei.services.storage import check_writable
from tekisei.web.app import create_app


@handle_errors
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on (TEKISEI_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (TEKISEI_PORT).")] = None,
) -> None:
    """Serve the web app and JSON API (what 'make run' calls)."""
    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = load_settings(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    check_writable(settings)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        # The app itself believes forwarded headers, and only from TEKISEI_TRUSTED_PROXIES
        # (tekisei.web.proxies); uvicorn's own handling would trust them a second time.
        proxy_headers=False,
        server_header=False,
    )
