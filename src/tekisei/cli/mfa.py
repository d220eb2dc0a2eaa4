"""``tekisei mfa``: an organisation's two-step sign-in policy, its members' second factors,
and the operator's reset of a member's authenticator (a lost phone)."""

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
from tekisei.core.mfa import DEFAULT_ROLES, MfaPolicy
from tekisei.core.orgs import Role
from tekisei.services import mfa as mfa_service
from tekisei.services import passkeys as passkey_service

app = typer.Typer(
    help="Two-step sign-in (TOTP and passkeys): policy, members, reset, passkeys.",
    no_args_is_help=True,
)


def _show(policy: MfaPolicy, as_json: bool) -> None:
    if as_json:
        print_json(policy.model_dump(mode="json"))
        return
    state = "required" if policy.enabled else "not required"
    roles = ", ".join(r.value for r in policy.roles)
    console.print(f"two-step sign-in: {state} (roles: {roles})", markup=False)


@app.command("policy")
@handle_errors
def policy(
    org: OrgOption,
    require: Annotated[
        bool | None,
        typer.Option(
            "--require/--no-require", help="Require a second factor, or stop requiring it."
        ),
    ] = None,
    role: Annotated[
        list[Role] | None,
        typer.Option("--role", help="A role it applies to (repeatable; default admin, executive)."),
    ] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the organisation's policy, or change it with --require/--no-require."""
    if require is None and role is None:
        with database().reading() as session:
            found = mfa_service.policy_of(session, principal(session, org, user).org_id)
        _show(found, as_json)
        return
    with database().transaction() as session:
        actor = principal(session, org, user)
        current = mfa_service.policy_of(session, actor.org_id)
        wanted = MfaPolicy(
            enabled=current.enabled if require is None else require,
            roles=list(role) if role else (current.roles or list(DEFAULT_ROLES)),
        )
        saved = mfa_service.set_policy(session, actor, wanted)
    _show(saved, as_json)


@app.command("members")
@handle_errors
def members(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """List the members and their second factor: an authenticator app, how many
    passkeys, and whether one is required."""
    with database().reading() as session:
        found = mfa_service.members_mfa(session, principal(session, org, user))
    if as_json:
        print_json([m.__dict__ for m in found])
        return
    table(
        ["id", "email", "role", "enrolled", "app", "passkeys", "required"],
        [[m.user_id, m.email, m.role, m.enrolled, m.app, m.passkeys, m.required] for m in found],
    )


@app.command("reset")
@handle_errors
def reset(
    email: Annotated[str, typer.Argument(help="The member's email.")],
    org: OrgOption,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a member's authenticator and recovery codes and end their browser sessions
    (a lost phone); they set one up again at their next sign-in if required."""
    with database().transaction() as session:
        ended = mfa_service.reset_by_email(session, principal(session, org, user), email)
    if as_json:
        print_json({"email": email, "sessions_ended": ended})
        return
    console.print(f"reset the second factor of {email}; {ended} session(s) ended", markup=False)


@app.command("passkeys")
@handle_errors
def passkeys(
    email: Annotated[str, typer.Argument(help="The member's email.")],
    org: OrgOption,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a member's passkeys (their ids are what remove-passkey takes)."""
    with database().reading() as session:
        found = passkey_service.member_passkeys(session, principal(session, org, user), email)
    if as_json:
        print_json([{**p.__dict__, "created_at": p.created_at.isoformat(),
                     "last_used_at": p.last_used_at.isoformat() if p.last_used_at else None}
                    for p in found])  # fmt: skip
        return
    table(
        ["id", "name", "added", "last used"],
        [[p.id, p.name, p.created_at.isoformat(timespec="minutes"),
          p.last_used_at.isoformat(timespec="minutes") if p.last_used_at else "-"]
         for p in found],
    )  # fmt: skip


@app.command("remove-passkey")
@handle_errors
def remove_passkey(
    email: Annotated[str, typer.Argument(help="The member's email.")],
    passkey_id: Annotated[int, typer.Argument(help="The passkey's id (tekisei mfa passkeys).")],
    org: OrgOption,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a member's passkey (a lost security key or laptop); the removal is recorded
    in every organisation the account belongs to."""
    with database().transaction() as session:
        passkey_service.remove_by_operator(
            session, principal(session, org, user), email, passkey_id
        )
    if as_json:
        print_json({"email": email, "removed": passkey_id})
        return
    console.print(f"removed passkey {passkey_id} of {email}", markup=False)
