"""The ``tekisei`` command.

Subcommands are imported when they are run, not when ``tekisei`` starts: a command
loads only the services it uses, and ``tekisei --version`` loads none
(``benchmarks/cli_startup.py`` measures it).
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from tekisei import __version__

# name -> (module, attribute, help shown in ``tekisei --help``); the attribute is a Typer
# app (a group of subcommands) or a command function.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "apply": ("tekisei.cli.governance", "apply_command", "Apply governance as code."),
    "approvals": ("tekisei.cli.gates", "app", "Stage-change requests and approvals."),
    "assessments": ("tekisei.cli.assessments", "app", "Guideline assessments."),
    "audit": ("tekisei.cli.audit", "app", "The audit log."),
    "backup": ("tekisei.cli.backups", "app", "Backups."),
    "catalog": ("tekisei.cli.catalog", "app", "Frameworks and crosswalks."),
    "check": ("tekisei.cli.gates", "check_command", "Whether a system meets its gates."),
    "data-holders": ("tekisei.cli.data_holders", "app", "Data holders and benefits returned."),
    "db": ("tekisei.cli.db", "app", "The database."),
    "continuity": ("tekisei.cli.continuity", "app", "Business continuity plans and drills."),
    "decisions": ("tekisei.cli.decisions", "app", "Records of AI-assisted decisions."),
    "demo": ("tekisei.cli.demo", "app", "Demo data."),
    "demo-target": ("tekisei.cli.evals", "demo_target_command", "Serve the demo model."),
    "energy": ("tekisei.cli.energy", "app", "Compute and energy records of systems."),
    "eval": ("tekisei.cli.evals", "app", "Evaluation and red-teaming runs."),
    "evidence": ("tekisei.cli.assessments", "evidence_app", "Evidence for assessments."),
    # incident_records adds timeline, told and action to the incidents app
    "incidents": ("tekisei.cli.incident_records", "app", "Incidents and their public notices."),
    "inquiries": ("tekisei.cli.inquiries", "app", "Inquiries from the public."),
    "notices": ("tekisei.cli.notices", "app", "Disclosure notices of systems."),
    "notifications": ("tekisei.cli.notifications", "app", "Notifications and e-mail."),
    "judgements": ("tekisei.cli.judgements", "app", "High-risk judgements (DS-920)."),
    "procurements": (
        "tekisei.cli.procurements",
        "app",
        "Procurements of AI systems and their checklists.",
    ),
    "literacy": ("tekisei.cli.literacy", "app", "AI literacy modules, assignments, progress."),
    "mfa": ("tekisei.cli.mfa", "app", "Two-step sign-in (TOTP): policy, reset."),
    "orgs": ("tekisei.cli.orgs", "orgs_app", "Organisations."),
    "policies": ("tekisei.cli.policies", "app", "AI policies of the organisation."),
    "provenance": ("tekisei.cli.provenance", "app", "Watermarks and content credentials."),
    "records": ("tekisei.cli.records", "app", "Models and training data of systems."),
    "oversight": ("tekisei.cli.oversight", "app", "Oversight across organisations (3(2))."),
    "register": ("tekisei.cli.registers", "app", "The public register of AI use."),
    "reports": ("tekisei.cli.reports", "app", "Reports to hand out (HAIP, SoA)."),
    "reviews": ("tekisei.cli.reviews", "app", "Periodic (PDCA) reviews."),
    "risks": ("tekisei.cli.risks", "app", "The risk register."),
    "scim": ("tekisei.cli.scim", "app", "SCIM provisioning (tokens)."),
    "serve": ("tekisei.cli.serve", "serve_command", "Run the web app."),
    "soa": ("tekisei.cli.soa", "app", "The ISO/IEC 42001 Statement of Applicability."),
    "sso": ("tekisei.cli.sso", "app", "Single sign-on (OpenID Connect)."),
    "stakeholders": ("tekisei.cli.stakeholders", "app", "Stakeholders and engagements."),
    "vendors": ("tekisei.cli.vendors", "app", "Vendors and third parties."),
    "statement": ("tekisei.cli.statements", "app", "The public AI governance statement."),
    "systems": ("tekisei.cli.systems", "app", "AI systems."),
    "tokens": ("tekisei.cli.orgs", "tokens_app", "API tokens."),
    "users": ("tekisei.cli.orgs", "users_app", "Members and accounts."),
    "worker": ("tekisei.cli.evals", "worker_command", "Run queued evaluation runs."),
}


def load_command(name: str) -> Any:
    """The click command of ``name``, imported now (built as it would be as a part of
    the whole app: no completion options of its own)."""
    module, attribute, _ = COMMANDS[name]
    target: Any = getattr(importlib.import_module(module), attribute)
    holder = typer.Typer(add_completion=False)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
        return _plain(typer.main.get_command(holder).commands[name])  # type: ignore[attr-defined]
    holder.command(name)(target)
    return _plain(typer.main.get_command(holder))


def _plain(command: Any) -> Any:
    """``command`` with its help read as a terminal shows it: docstrings mark code with
    double backticks for the API documentation, which the terminal would print as is."""
    for attribute in ("help", "short_help"):
        text = getattr(command, attribute, None)
        if isinstance(text, str):
            setattr(command, attribute, text.replace("``", ""))
    for param in getattr(command, "params", []):
        if isinstance(getattr(param, "help", None), str):
            param.help = param.help.replace("``", "")
    for sub in getattr(command, "commands", {}).values():
        _plain(sub)
    return command


class LazyGroup(TyperGroup):
    """The top-level group: lists every command, imports one only when it runs (the
    top-level help shows each command's one-line summary without importing it)."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if self._listing:
            summary = COMMANDS[cmd_name][2]
            return TyperCommand(cmd_name, help=summary, short_help=summary)
        return load_command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="tekisei",
    help="tekisei (適正性): governance, evaluation and provenance for Japan's AI "
    "appropriateness guideline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


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
