"""``tekisei statement``: the organisation's public AI governance statement (2(1), 3(4))."""

from __future__ import annotations

from typing import Annotated

import typer

from tekisei.cli.common import (
    JsonOption,
    LangOption,
    OrgOption,
    UserOption,
    console,
    database,
    handle_errors,
    plain,
    principal,
    print_json,
    resolve_lang,
)
from tekisei.core.policies import Lang, kind_name
from tekisei.services import statements as statement_service
from tekisei.services.statements import StatementView

app = typer.Typer(help="The public AI governance statement.", no_args_is_help=True)
STATUS: dict[str, tuple[str, str]] = {
    "draft": ("未公開", "not published"),
    "published": ("公開中", "published"),
    "withdrawn": ("公開取り下げ", "taken down"),
}


def _preview(org: str, user: str | None) -> StatementView:
    with database().reading() as session:
        return statement_service.preview(session, principal(session, org, user))


def _print(view: StatementView, lang: Lang) -> None:
    ja = lang == "ja"
    content = view.content
    lines = [
        f"{content.organisation}: {STATUS[view.status][0 if ja else 1]}"
        + (f" (v{view.published_version})" if view.published_version else ""),
        f"public: {view.public_path}",
        f"digest: {view.digest}"
        + (
            " (changed since the published version)"
            if view.changed_since_published and view.published_version
            else ""
        ),
    ]
    if content.responsible:
        label = "責任者" if ja else "Responsible"
        lines.append(f"{label}: {content.responsible.title} {content.responsible.person}".strip())
    policies = ([content.basic_policy] if content.basic_policy else []) + content.policies
    for p in policies:
        lines.append(
            f"- {kind_name(p.kind, lang)}: {p.content.title(lang)} (v{p.number}, {p.effective_on})"
        )
    for s in content.systems:
        lines.append(f"- {s.name} [{s.tier}] {s.notice_path}")
    for section in content.sections:
        lines.append(f"- {section.heading.get(lang)}: {section.title}")
    for line in lines:
        console.print(plain(line))


@app.command("show")
@handle_errors
def show(
    org: OrgOption, user: UserOption = None, lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """Show the statement as publishing it now would publish it."""
    view = _preview(org, user)
    if as_json:
        print_json(view)
        return
    _print(view, resolve_lang(lang))


@app.command("publish")
@handle_errors
def publish(
    org: OrgOption,
    digest: Annotated[
        str | None,
        typer.Option(help="Publish only if the statement is still the one previewed (its digest)."),
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish the statement as its next version (administrators)."""
    with database().transaction() as session:
        statement_service.publish_statement(session, principal(session, org, user), digest)
    show(org, user, lang, as_json)


@app.command("unpublish")
@handle_errors
def unpublish(
    org: OrgOption,
    reason: Annotated[str, typer.Option(help="Why; shown at the public address.")],
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take the statement down; its address then says when and why."""
    with database().transaction() as session:
        statement_service.unpublish_statement(session, principal(session, org, user), reason)
    show(org, user, lang, as_json)
