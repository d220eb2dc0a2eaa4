"""The ``tekisei`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from tekisei import __version__
from tekisei.cli import (
    assessments,
    audit,
    backups,
    catalog,
    db,
    demo,
    evals,
    gates,
    governance,
    orgs,
    provenance,
    reviews,
    risks,
    serve,
    systems,
)

app = typer.Typer(
    name="tekisei",
    help="tekisei (適正性): governance, evaluation and provenance for Japan's AI "
    "appropriateness guideline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog.app, name="catalog")
app.add_typer(db.app, name="db")
app.add_typer(orgs.orgs_app, name="orgs")
app.add_typer(orgs.users_app, name="users")
app.add_typer(orgs.tokens_app, name="tokens")
app.add_typer(systems.app, name="systems")
app.add_typer(risks.app, name="risks")
app.add_typer(audit.app, name="audit")
app.add_typer(backups.app, name="backup")
app.add_typer(demo.app, name="demo")
app.add_typer(assessments.app, name="assessments")
app.add_typer(assessments.evidence_app, name="evidence")
app.add_typer(gates.app, name="approvals")
app.add_typer(reviews.app, name="reviews")
app.add_typer(evals.app, name="eval")
app.add_typer(provenance.app, name="provenance")
app.command("serve")(serve.serve_command)
app.command("check")(gates.check_command)
app.command("apply")(governance.apply_command)
app.command("demo-target")(evals.demo_target_command)
app.command("worker")(evals.worker_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tekisei {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """tekisei (適正性)."""


def main() -> None:
    """Entry point of the ``tekisei`` script."""
    app()
