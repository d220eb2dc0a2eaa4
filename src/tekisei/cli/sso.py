"""``tekisei sso``: the organisation's single sign-on provider (show, set, remove, check).

The local operator (no ``--user``) can always change it, so an organisation whose local
passwords are disabled is never locked out: ``tekisei sso set --org X --passwords-allowed``.
"""

from __future__ import annotations

import asyncio
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
from tekisei.core.orgs import Role
from tekisei.core.sso import SsoSettings
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.services import oidc
from tekisei.services import sso as sso_service
from tekisei.services.sso import SsoPublic

app = typer.Typer(
    help="Single sign-on through the organisation's OpenID Connect provider.",
    no_args_is_help=True,
)


def _print(view: SsoPublic, as_json: bool) -> None:
    if as_json:
        print_json(view)
        return
    table(
        ["setting", "value"],
        [
            ["name", view.name],
            ["issuer", view.issuer],
            ["client id", view.client_id],
            ["client secret", "kept (sealed)" if view.client_secret_set else "none"],
            ["allowed domains", ", ".join(view.allowed_domains)],
            ["role claim", view.role_claim],
            ["role map", ", ".join(f"{k}={v.value}" for k, v in view.role_map.items())],
            ["default role", view.default_role.value],
            ["just-in-time membership", str(view.jit)],
            ["local passwords disabled", str(view.passwords_disabled)],
            ["enabled", str(view.enabled)],
            ["redirect path", view.redirect_path],
        ],
    )


def _missing() -> NotFoundError:
    return NotFoundError(
        "this organisation has no single sign-on provider; set one with 'tekisei sso set'",
        ja="この組織にはシングルサインオンが設定されていません。"
        "tekisei sso set で設定してください。",
    )


@app.command("show")
@handle_errors
def show(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """Show the provider (never its client secret)."""
    with database().reading() as session:
        view = sso_service.get_sso(session, principal(session, org, user))
    if view is None:
        raise _missing()
    _print(view, as_json)


def _mapping(items: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items:
        value, sep, role = item.rpartition("=")
        if not sep or not value.strip():
            raise InvalidInputError(
                f"--map {item!r}: write VALUE=ROLE, e.g. tekisei-admins=admin",
                ja=f"--map {item!r}: 値=権限 の形で指定してください（例: tekisei-admins=admin）。",
            )
        found[value.strip()] = role.strip()
    return found


@app.command("set")
@handle_errors
def set_sso(
    org: OrgOption,
    user: UserOption = None,
    name: Annotated[str | None, typer.Option(help="Name on the sign-in button.")] = None,
    issuer: Annotated[str | None, typer.Option(help="The provider's issuer URL.")] = None,
    client_id: Annotated[str | None, typer.Option("--client-id")] = None,
    client_secret_stdin: Annotated[
        bool, typer.Option("--client-secret-stdin", help="Read the client secret from stdin.")
    ] = False,
    domain: Annotated[
        list[str] | None, typer.Option("--domain", help="Allowed e-mail domain (repeatable).")
    ] = None,
    role_claim: Annotated[str | None, typer.Option("--role-claim")] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="Claim value to role, VALUE=ROLE (repeatable)."),
    ] = None,
    default_role: Annotated[Role | None, typer.Option("--default-role")] = None,
    jit: Annotated[
        bool | None, typer.Option("--jit/--no-jit", help="Join at first sign-in.")
    ] = None,
    passwords_disabled: Annotated[
        bool | None,
        typer.Option(
            "--passwords-disabled/--passwords-allowed",
            help="Refuse (or allow again) password sign-in to the organisation.",
        ),
    ] = None,
    enabled: Annotated[bool | None, typer.Option("--enabled/--disabled")] = None,
    as_json: JsonOption = False,
) -> None:
    """Set the provider, or change the options given (audited; the secret is sealed)."""
    secret = sys.stdin.readline().rstrip("\r\n") if client_secret_stdin else ""
    config = settings()
    with database().transaction() as session:
        actor = principal(session, org, user)
        current = sso_service.get_sso(session, actor)
        values = current.model_dump(mode="json") if current is not None else {}
        given = {
            "name": name,
            "issuer": issuer,
            "client_id": client_id,
            "allowed_domains": domain,
            "role_claim": role_claim,
            "role_map": _mapping(mapping) if mapping is not None else None,
            "default_role": default_role,
            "jit": jit,
            "passwords_disabled": passwords_disabled,
            "enabled": enabled,
        }
        values |= {k: v for k, v in given.items() if v is not None}
        for extra in ("client_secret_set", "redirect_path", "updated_at"):
            values.pop(extra, None)
        values["client_secret"] = secret
        try:
            data = SsoSettings.model_validate(values)
        except ValueError as exc:
            raise InvalidInputError(
                f"check the settings: {exc}",
                ja=f"設定内容を確認してください（issuer、client-id、domain、map）: {exc}",
            ) from None
        view = sso_service.configure_sso(session, actor, data, sso_service.sso_key(config))
    _print(view, as_json)


@app.command("remove")
@handle_errors
def remove(org: OrgOption, user: UserOption = None) -> None:
    """Remove the provider (members sign in with passwords again)."""
    with database().transaction() as session:
        sso_service.remove_sso(session, principal(session, org, user))
    console.print("single sign-on removed")


@app.command("check")
@handle_errors
def check(org: OrgOption, user: UserOption = None) -> None:
    """Fetch the provider's discovery document and keys, as sign-in will."""
    config = settings()
    with database().reading() as session:
        view = sso_service.get_sso(session, principal(session, org, user))
    if view is None:
        raise _missing()
    found = asyncio.run(
        oidc.check_provider(
            view.issuer,
            oidc.SsoConfig(master=b"", allow_private=config.oidc_allow_private_issuers),
        )
    )
    console.print(f"issuer {found.issuer}: discovery and keys read")
    console.print(f"end session: {found.end_session_endpoint or 'not offered'}")
