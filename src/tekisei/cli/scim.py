"""``tekisei scim``: the SCIM tokens an identity provider uses to provision members."""

from __future__ import annotations

from typing import Annotated

import typer

from tekisei.cli.common import (
    JsonOption,
    OrgOption,
    UserOption,
    console,
    database,
    handle_errors,
    principal,
    print_json,
    table,
)
from tekisei.services import scim_tokens as scim_token_service

app = typer.Typer(help="SCIM provisioning from an identity provider.", no_args_is_help=True)
token_app = typer.Typer(
    help="SCIM tokens (sent by the identity provider as 'Authorization: Bearer …' to /scim/v2).",
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")


@token_app.command("create")
@handle_errors
def create_token(
    name: Annotated[str, typer.Argument(help="What it is for, e.g. entra-id.")],
    org: OrgOption,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue a SCIM token; it is shown once and stored only as a hash."""
    with database().transaction() as session:
        secret, view = scim_token_service.create_scim_token(
            session, principal(session, org, user), name
        )
    if as_json:
        print_json({"token": secret, "id": view.id, "name": view.name, "url": "/scim/v2"})
        return
    console.print(secret, markup=False, highlight=False)


@token_app.command("list")
@handle_errors
def list_tokens(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """List the organisation's SCIM tokens (never their secrets)."""
    with database().reading() as session:
        tokens = scim_token_service.list_scim_tokens(session, principal(session, org, user))
    if as_json:
        print_json([t.__dict__ for t in tokens])
        return
    table(
        ["id", "name", "prefix", "created by", "last used", "revoked"],
        [[t.id, t.name, t.prefix, t.created_by, t.last_used_at, t.revoked_at] for t in tokens],
    )


@token_app.command("revoke")
@handle_errors
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id (see 'scim token list').")],
    org: OrgOption,
    user: UserOption = None,
) -> None:
    """Revoke a SCIM token at once."""
    with database().transaction() as session:
        scim_token_service.revoke_scim_token(session, principal(session, org, user), token_id)
    console.print(f"SCIM token {token_id} revoked", markup=False)
