"""``tekisei demo-target``: the deterministic demo model server."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from tekisei.evals import create_demo_app


def demo_target_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8900,
    latency: Annotated[float, typer.Option(help="Milliseconds before each answer.")] = 0.0,
) -> None:
    """Serve a chat-completions model with deliberate weaknesses (no API key needed)."""
    typer.echo(f"demo target: http://{host}:{port}/v1 (model tekisei-demo-1)")
    uvicorn.run(create_demo_app(latency), host=host, port=port, log_level="warning")
