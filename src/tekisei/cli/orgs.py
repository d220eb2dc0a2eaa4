"""``tekisei orgs``, ``tekisei users`` and ``tekisei tokens``."""

from __future__ import annotations

import sys
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
    settings,
    table,
)
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.errors import InvalidInputError
from tekisei.services import eval_targets
from tekisei.services import orgs as org_service
from tekisei.services import users as user_service

orgs_app = typer.Typer(help="Organisations and their members.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
tokens_app = typer.Typer(
    help="API tokens (sent as 'Authorization: Bearer …').", no_args_is_help=True
)
eval_targets_app = typer.Typer(
    help="Hosts that runs started from the web and the API may reach (the allow-list).",
    no_args_is_help=True,
)
orgs_app.add_typer(eval_targets_app, name="eval-targets")


@orgs_app.command("create")
@handle_errors
def create_org(
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
    actor: Annotated[list[OrgActor], typer.Option("--actor", help="Actor role (repeatable).")],
    slug: Annotated[str | None, typer.Option(help="Short id (derived from the name).")] = None,
    responsible: Annotated[
        str | None, typer.Option(help="Person responsible for AI governance (the CAIO).")
    ] = None,
    responsible_title: Annotated[str | None, typer.Option(help="Their title.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register an organisation."""
    data = OrgCreate(
        name=name,
        slug=slug,
        actors=actor,
        responsible_person=responsible,
        responsible_title=responsible_title,
    )
    with database().transaction() as session:
        view = org_service.org_view(org_service.create_org(session, data, actor="cli"))
    if as_json:
        print_json(view.__dict__)
        return
    console.print(f"created {view.slug} ({view.name})", markup=False)


@orgs_app.command("show")
@handle_errors
def show_org(org: OrgOption, as_json: JsonOption = False) -> None:
    """Show an organisation and its members."""
    with database().reading() as session:
        view = org_service.org_view(org_service.get_org(session, org))
        members = org_service.list_members(session, org_service.cli_principal(session, org))
    if as_json:
        print_json(view.__dict__ | {"members": [m.__dict__ for m in members]})
        return
    console.print(f"{view.name} ({view.slug}) — {', '.join(view.actors)}", markup=False)
    if view.responsible_person:
        console.print(
            f"responsible: {view.responsible_person} {view.responsible_title or ''}", markup=False
        )
    table(["email", "name", "role"], [[m.email, m.name, m.role] for m in members])


@users_app.command("create")
@handle_errors
def create_user(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    org: OrgOption,
    role: Annotated[Role, typer.Option(help="Role in the organisation.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Create an account and make it a member (an existing account just joins)."""
    if not password_stdin:
        raise InvalidInputError(
            "pass the password on standard input with --password-stdin",
            ja="パスワードは --password-stdin を付けて標準入力から渡してください。",
        )
    password = sys.stdin.readline().rstrip("\n")
    data = user_service.UserCreate(email=email, name=name, password=password)
    with database().transaction() as session:
        user = user_service.create_user(session, data, org, role, actor="cli")
        result = {"id": user.id, "email": user.email, "org": org, "role": role.value}
    if as_json:
        print_json(result)
        return
    console.print(f"{result['email']} is now {role.value} of {org}", markup=False)


@tokens_app.command("create")
@handle_errors
def create_token(
    user: Annotated[str, typer.Option("--user", help="The member the token acts for.")],
    org: OrgOption,
    expires: Annotated[
        int | None, typer.Option("--expires", help="Days until it expires (1-3650).")
    ] = None,
    role: Annotated[
        Role | None, typer.Option(help="A narrower role than the member's own.")
    ] = None,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Issue an API token; it is shown once and stored only as a hash."""
    with database().transaction() as session:
        secret, row = user_service.create_token(
            session, user, org, name=name, role=role, expires_days=expires
        )
        result = {
            "token": secret,
            "id": row.id,
            "role": row.role,
            "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        }
    if as_json:
        print_json(result)
        return
    console.print(secret, markup=False, highlight=False)


@tokens_app.command("list")
@handle_errors
def list_tokens(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """List tokens (never their secrets)."""
    with database().reading() as session:
        tokens = user_service.list_tokens(session, principal(session, org, user))
    if as_json:
        print_json([t.__dict__ for t in tokens])
        return
    table(
        ["id", "prefix", "email", "role", "expires", "revoked"],
        [[t.id, t.prefix, t.email, t.role, t.expires_at, t.revoked_at] for t in tokens],
    )


@tokens_app.command("revoke")
@handle_errors
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id (see 'tokens list').")],
    org: OrgOption,
    user: UserOption = None,
) -> None:
    """Revoke a token at once."""
    with database().transaction() as session:
        user_service.revoke_token(session, principal(session, org, user), token_id)
    console.print(f"token {token_id} revoked", markup=False)


HostsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="HOST...",
        help="host (ports 443 and 80), host:port, or *.domain (every subdomain).",
    ),
]


def _print_targets(out: eval_targets.EvalTargetsOut, as_json: bool) -> None:
    if as_json:
        print_json(out)
        return
    table(["allowed host"], [[h] for h in out.hosts])
    console.print(
        f"demo target (always allowed): {out.demo_target or '-'}; private addresses: "
        f"{'allowed' if out.private_addresses_allowed else 'refused'} "
        "(TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS)",
        markup=False,
    )


@eval_targets_app.command("list")
@handle_errors
def list_eval_targets(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """List the hosts runs started from the web and the API may reach."""
    config = eval_targets.WebEvalSettings.from_settings(settings())
    with database().reading() as session:
        out = eval_targets.targets_view(session, principal(session, org, user), config)
    _print_targets(out, as_json)


@eval_targets_app.command("add")
@handle_errors
def add_eval_targets(
    hosts: HostsArgument, org: OrgOption, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Allow runs started from the web and the API to reach these hosts (audited)."""
    config = eval_targets.WebEvalSettings.from_settings(settings())
    with database().transaction() as session:
        out = eval_targets.add_hosts(session, principal(session, org, user), hosts, config)
    _print_targets(out, as_json)


@eval_targets_app.command("remove")
@handle_errors
def remove_eval_targets(
    hosts: HostsArgument, org: OrgOption, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Take hosts off the list (audited)."""
    config = eval_targets.WebEvalSettings.from_settings(settings())
    with database().transaction() as session:
        out = eval_targets.remove_hosts(session, principal(session, org, user), hosts, config)
    _print_targets(out, as_json)
