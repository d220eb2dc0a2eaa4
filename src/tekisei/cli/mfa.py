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

app = typer.Typer(help="Two-step sign-in (TOTP): policy, members, reset.", no_args_is_help=True)


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
    """List the members and whether each has an authenticator app set up."""
    with database().reading() as session:
        found = mfa_service.members_mfa(session, principal(session, org, user))
    if as_json:
        print_json([m.__dict__ for m in found])
        return
    table(
        ["id", "email", "role", "enrolled", "required"],
        [[m.user_id, m.email, m.role, m.enrolled, m.required] for m in found],
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
