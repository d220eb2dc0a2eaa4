"""``tekisei orgs``, ``tekisei users`` and ``tekisei tokens``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.orm import Session

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
from tekisei.core.users import MAX_PASSWORD
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import eval_targets
from tekisei.services import invitations as invitation_service
from tekisei.services import orgs as org_service
from tekisei.services import sessions as session_service
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

TimeZoneOption = Annotated[
    str | None,
    typer.Option(
        "--time-zone",
        help="IANA zone pages, reports and exports show times in, e.g. Asia/Tokyo; '' "
        "follows the deployment's default (TEKISEI_TIME_ZONE).",
    ),
]


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
    time_zone: TimeZoneOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register an organisation."""
    data = OrgCreate(
        name=name,
        slug=slug,
        actors=actor,
        responsible_person=responsible,
        responsible_title=responsible_title,
        time_zone=time_zone,
    )
    with database().transaction() as session:
        view = org_service.org_view(session, org_service.create_org(session, data, actor="cli"))
    if as_json:
        print_json(view.__dict__)
        return
    console.print(f"created {view.slug} ({view.name})", markup=False)


@orgs_app.command("update")
@handle_errors
def update_org(
    org: OrgOption,
    name: Annotated[str | None, typer.Option(help="The organisation's new name.")] = None,
    actor: Annotated[
        list[OrgActor] | None,
        typer.Option("--actor", help="Actor role (repeatable; replaces the current ones)."),
    ] = None,
    responsible: Annotated[
        str | None, typer.Option(help="Person responsible for AI governance ('' clears it).")
    ] = None,
    responsible_title: Annotated[str | None, typer.Option(help="Their title.")] = None,
    time_zone: TimeZoneOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change an organisation's settings (audited); what is not given stays as it is."""
    with database().transaction() as session:
        acting = principal(session, org, user)
        row = org_service.update_org(
            session,
            acting,
            version=org_service.get_org(session, org).version,
            name=name,
            actors=actor or None,
            responsible_person=responsible,
            responsible_title=responsible_title,
            time_zone=time_zone,
        )
        view = org_service.org_view(session, row)
    if as_json:
        print_json(view.__dict__)
        return
    console.print(f"updated {view.slug}; time zone {view.time_zone}", markup=False)


@orgs_app.command("show")
@handle_errors
def show_org(org: OrgOption, as_json: JsonOption = False) -> None:
    """Show an organisation and its members."""
    with database().reading() as session:
        view = org_service.org_view(session, org_service.get_org(session, org))
        members = org_service.list_members(session, org_service.cli_principal(session, org))
    if as_json:
        print_json(view.__dict__ | {"members": [m.__dict__ for m in members]})
        return
    console.print(f"{view.name} ({view.slug}) — {', '.join(view.actors)}", markup=False)
    if view.responsible_person:
        console.print(
            f"responsible: {view.responsible_person} {view.responsible_title or ''}", markup=False
        )
    default = " (the deployment's default)" if view.time_zone_is_default else ""
    console.print(f"time zone: {view.time_zone}{default}", markup=False)
    table(["id", "email", "name", "role"], [[m.user_id, m.email, m.name, m.role] for m in members])


def _stdin_password() -> str:
    """One line of standard input, without its newline (a longer one is refused later)."""
    return sys.stdin.readline().rstrip("\n")[: MAX_PASSWORD + 1]


def _need_stdin(flag: bool) -> None:
    if not flag:
        raise InvalidInputError(
            "pass the password on standard input with --password-stdin",
            ja="パスワードは --password-stdin を付けて標準入力から渡してください。",
        )


@users_app.command("create")
@handle_errors
def create_user(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    org: OrgOption,
    role: Annotated[Role, typer.Option(help="Role in the organisation.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    keep_password: Annotated[
        bool,
        typer.Option(
            "--keep-password",
            help="Do not make the account choose its own password at first sign-in (only "
            "when its owner typed this one; recorded in the audit log).",
        ),
    ] = False,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Create an account with a first password and make it a member. Its owner must choose
    their own password at first sign-in unless --keep-password is given. To add a person
    who may already have an account, use 'users invite'."""
    _need_stdin(password_stdin)
    data = user_service.UserCreate(email=email, name=name, password=_stdin_password())
    with database().transaction() as session:
        user = user_service.create_user(
            session, data, org, role, actor="cli", must_change_password=not keep_password
        )
        result = {
            "id": user.id,
            "email": user.email,
            "org": org,
            "role": role.value,
            "password_change_required": user.must_change_password,
        }
    if as_json:
        print_json(result)
        return
    console.print(f"{result['email']} is now {role.value} of {org}", markup=False)
    if user.must_change_password:
        console.print(
            "they must choose their own password at first sign-in / "
            "初回サインイン時に本人がパスワードを設定します",
            markup=False,
        )


@users_app.command("invite")
@handle_errors
def invite(
    email: Annotated[str, typer.Argument(help="The invited person's email.")],
    org: OrgOption,
    role: Annotated[Role, typer.Option(help="Role in the organisation.")],
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Invite a person; prints the one-time code and link once (valid 7 days)."""
    with database().transaction() as session:
        code, view = invitation_service.create_invitation(
            session, principal(session, org, user), email, role
        )
    config = settings()
    link = f"http://{config.host}:{config.port}/invitations/{code}"
    if as_json:
        print_json(view.__dict__ | {"code": code, "url": f"/invitations/{code}"})
        return
    console.print(f"invited {view.email} as {view.role} (invitation {view.id})", markup=False)
    console.print(f"link / リンク: {link}", markup=False, soft_wrap=True)
    console.print(f"code / コード: {code}", markup=False, highlight=False)


@users_app.command("invitations")
@handle_errors
def list_invitations(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """List the organisation's invitations (never their codes)."""
    with database().reading() as session:
        views = invitation_service.list_invitations(session, principal(session, org, user))
    if as_json:
        print_json([v.__dict__ for v in views])
        return
    table(
        ["id", "email", "role", "status", "expires", "invited by"],
        [[v.id, v.email, v.role, v.status, v.expires_at, v.created_by] for v in views],
    )


@users_app.command("revoke-invitation")
@handle_errors
def revoke_invitation(
    invitation_id: Annotated[int, typer.Argument(help="The invitation's id.", min=1)],
    org: OrgOption,
    user: UserOption = None,
) -> None:
    """Withdraw a pending invitation; its code stops working."""
    with database().transaction() as session:
        invitation_service.revoke_invitation(session, principal(session, org, user), invitation_id)
    console.print(f"invitation {invitation_id} revoked", markup=False)


@users_app.command("accept-invitation")
@handle_errors
def accept_invitation(
    code: Annotated[str, typer.Argument(help="The invitation's code.")],
    user: Annotated[
        str | None, typer.Option("--user", help="Accept for this existing account.")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="New account: read its password from stdin."),
    ] = False,
    name: Annotated[str, typer.Option(help="New account: display name.")] = "",
) -> None:
    """Accept an invitation: for an existing account (--user), or by creating the account
    with the invited person's own password (--password-stdin)."""
    if user:
        with database().transaction() as session:
            joined = invitation_service.accept_invitation_for(session, user, code)
    else:
        _need_stdin(password_stdin)
        joined = invitation_service.register_with_invitation(
            database(), code, name, _stdin_password()
        )
    console.print(f"{joined.email} is now {joined.role.value} of {joined.org_slug}", markup=False)


@users_app.command("decline-invitation")
@handle_errors
def decline_invitation(
    code: Annotated[str, typer.Argument(help="The invitation's code.")],
) -> None:
    """Decline an invitation; its code stops working."""
    with database().transaction() as session:
        invitation_service.decline_invitation(session, code)
    console.print("invitation declined", markup=False)


@users_app.command("remove")
@handle_errors
def remove_member(
    email: Annotated[str, typer.Argument(help="The member's email.")],
    org: OrgOption,
    user: UserOption = None,
) -> None:
    """Remove a member: their sessions and tokens for the organisation end (not the last
    admin)."""
    with database().transaction() as session:
        acting = principal(session, org, user)
        target = user_service.find_user(session, email)
        if target is None:
            raise NotFoundError(
                f"no member {email} in {org}", ja=f"{org} にメンバー {email} はいません。"
            )
        org_service.remove_member(session, acting, target.id)
    console.print(f"{email.strip().lower()} removed from {org}", markup=False)


def _member_id(session: Session, email: str, org: str) -> int:
    target = user_service.find_user(session, email)
    if target is None:
        raise NotFoundError(
            f"no member {email} in {org}", ja=f"{org} にメンバー {email} はいません。"
        )
    return target.id


@users_app.command("sessions")
@handle_errors
def member_sessions(
    email: Annotated[str, typer.Argument(help="The member's email.")],
    org: OrgOption,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """How many browser sessions and API tokens a member has open in the organisation."""
    with database().reading() as session:
        acting = principal(session, org, user)
        found = session_service.member_sessions(session, acting, _member_id(session, email, org))
    if as_json:
        print_json(found.__dict__)
        return
    table(
        ["email", "sessions", "tokens", "last seen"],
        [[email.strip().lower(), found.sessions, found.tokens, found.last_seen_at or "-"]],
    )


@users_app.command("sign-out")
@handle_errors
def sign_out_member(
    email: Annotated[str, typer.Argument(help="The member's email.")],
    org: OrgOption,
    keep_tokens: Annotated[
        bool, typer.Option("--keep-tokens", help="Leave the member's API tokens working.")
    ] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """End every browser session a member has in the organisation and revoke their API
    tokens for it (unless --keep-tokens); their sessions elsewhere stay."""
    with database().transaction() as session:
        acting = principal(session, org, user)
        result = session_service.sign_out_member(
            session, acting, _member_id(session, email, org), revoke_tokens=not keep_tokens
        )
    if as_json:
        print_json(result.__dict__)
        return
    console.print(
        f"{email.strip().lower()}: {result.sessions_ended} session(s) ended, "
        f"{result.tokens_revoked} token(s) revoked in {org}",
        markup=False,
    )


@users_app.command("password")
@handle_errors
def change_password(
    user: Annotated[str, typer.Option("--user", help="The account whose password changes.")],
    org: OrgOption,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the current password, then the new one, on two lines of stdin.",
        ),
    ] = False,
) -> None:
    """Change an account's password (the current one is needed); its browser sessions end."""
    _need_stdin(password_stdin)
    current, new = _stdin_password(), _stdin_password()
    db = database()
    with db.reading() as session:
        acting = user_service.principal_for(session, user, org)
    ended = user_service.change_password(db, acting, current, new, client="cli")
    console.print(f"password changed; {ended} browser session(s) ended", markup=False)


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
