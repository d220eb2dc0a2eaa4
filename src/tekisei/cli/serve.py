"""``tekisei serve``: run the web app, in one process or several."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from tekisei.cli.common import handle_errors
from tekisei.config import load_settings
from tekisei.logs import configure_logging
from tekisei.services.database import open_database
from tekisei.services.storage import check_writable
from tekisei.web.app import create_app


@handle_errors
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on (TEKISEI_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (TEKISEI_PORT).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Processes serving requests. Rate limits and sign-in throttling are kept in "
            "the database, so every process shares them.",
        ),
    ] = 1,
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
    options: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        # The app itself believes forwarded headers, and only from TEKISEI_TRUSTED_PROXIES
        # (tekisei.web.proxies); uvicorn's own handling would trust them a second time.
        "proxy_headers": False,
        "server_header": False,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
        return
    # Check the settings and the schema here, once, so that a mistake is one clear error
    # and not one per worker; the secret is made here too, before the workers need it.
    settings.secret()
    open_database(settings).close()
    uvicorn.run(
        "tekisei.web.app:app_from_environment",
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )
