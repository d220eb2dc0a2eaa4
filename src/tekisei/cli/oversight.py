"""``tekisei oversight``: oversight across organisations (guideline 3(2)).

An organisation grants a supervising organisation the aggregates of its AI use
(``grant``, ``share``, ``revoke``); the supervisor reads them (``view``). Every grant and
every read is audited in both organisations. Example: ``tekisei oversight grant demo-pref
--org demo-city``, then ``tekisei oversight view demo-city --org demo-pref``."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

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
from tekisei.core.oversight import READER_ROLES, Aggregates
from tekisei.services import oversight as oversight_service
from tekisei.services.oversight import GrantView

app = typer.Typer(help="Oversight across organisations (3(2)).", no_args_is_help=True)


def _typed_slug(value: str | None) -> str | None:
    """A short id as people type it: full-width forms, capitals and spaces forgiven."""
    return unicodedata.normalize("NFKC", value).strip().lower() if value else value


SlugArg = Annotated[
    str,
    typer.Argument(help="The other organisation's short id (slug).", callback=_typed_slug),
]
SystemsOpt = Annotated[
    list[int] | None,
    typer.Option("--system", help="A system to share one by one (repeat for more).", min=1),
]


def _grant_rows(grants: list[GrantView]) -> list[list[str]]:
    return [
        [g.supervisor, "granted" if g.active else "revoked",
         (g.granted_at if g.active else g.revoked_at or g.granted_at).isoformat(),
         ", ".join(s.name for s in g.systems) or "-"]
        for g in grants
    ]  # fmt: skip


@app.command("grant")
@handle_errors
def grant(
    supervisor: SlugArg,
    org: OrgOption,
    systems: SystemsOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Grant SUPERVISOR the aggregates of this organisation (and the summaries of the
    systems given with --system)."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        made = oversight_service.grant(session, actor, supervisor, list(systems or []))
    if as_json:
        print_json(made)
        return
    console.print(f"granted {made.supervisor} oversight of {org}", markup=False)


@app.command("share")
@handle_errors
def share(
    supervisor: SlugArg,
    org: OrgOption,
    version: Annotated[int, typer.Option(help="The grant's version you read.", min=1)],
    systems: SystemsOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set the systems shared one by one with SUPERVISOR (none: only the aggregates)."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        changed = oversight_service.share_systems(
            session, actor, supervisor, list(systems or []), version
        )
    if as_json:
        print_json(changed)
        return
    console.print(f"{len(changed.systems)} systems shared with {supervisor}", markup=False)


@app.command("revoke")
@handle_errors
def revoke(
    supervisor: SlugArg, org: OrgOption, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Revoke the grant to SUPERVISOR: it sees nothing of this organisation from now on."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        revoked = oversight_service.revoke(session, actor, supervisor)
    if as_json:
        print_json(revoked)
        return
    console.print(f"revoked the oversight grant to {supervisor}", markup=False)


@app.command("list")
@handle_errors
def list_grants(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """The grants this organisation gives, and (for admins, executives and auditors) the
    organisations that grant it oversight."""
    with database().reading() as session:
        actor = principal(session, org, user)
        given = oversight_service.list_grants(session, actor)
        received = (
            oversight_service.granting_orgs(session, actor) if actor.role in READER_ROLES else []
        )
    if as_json:
        print_json({"given": given, "received": received})
        return
    table(["supervisor", "status", "since", "systems shared"], _grant_rows(given), title="given")
    table(
        ["organisation", "name", "granted", "systems shared"],
        [[r.slug, r.name, r.granted_at.isoformat(), r.shared_systems] for r in received],
        title="received",
    )


def _aggregate_rows(a: Aggregates) -> list[list[Any]]:
    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    def days(value: float | None) -> str:
        return "-" if value is None else f"{value} days"

    return [
        ["systems", a.systems],
        *[[f"tier {k}", v] for k, v in a.by_tier.items()],
        *[[f"stage {k}", v] for k, v in a.by_stage.items()],
        *[[f"domain {k}", v] for k, v in a.by_domain.items()],
        ["assessed systems", a.assessed],
        ["assessment completeness", share(a.assessment_completeness)],
        ["overdue reviews", a.reviews_overdue],
        *[[f"incidents {k} open/closed", f"{v}/{a.incidents_closed.get(k, 0)}"]
          for k, v in a.incidents_open.items()],
        ["open inquiries", a.inquiries_open],
        ["first reply median", days(a.response_median_days)],
        ["first reply 90th percentile", days(a.response_p90_days)],
    ]  # fmt: skip


@app.command("view")
@handle_errors
def view(
    org: OrgOption,
    of: Annotated[
        str | None,
        typer.Argument(
            help="The granting organisation (none: all of them and the totals).",
            callback=_typed_slug,
        ),
    ] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print the aggregates of OF, an organisation that grants this one oversight (or of
    all of them with their totals). Audited in both organisations."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        if of is not None:
            one = oversight_service.view_org(session, actor, of)
        else:
            every = oversight_service.overview(session, actor)
    if of is not None:
        if as_json:
            print_json(one)
            return
        table(["figure", "value"], _aggregate_rows(one.aggregates), title=one.name)
        if one.systems:
            table(
                ["system", "purpose", "tier", "stage", "last review"],
                [[s.name, s.purpose, s.tier, s.stage, s.last_review or "-"] for s in one.systems],
                title="shared systems",
            )
        return
    if as_json:
        print_json(every)
        return
    for o in every.orgs:
        table(["figure", "value"], _aggregate_rows(o.aggregates), title=o.name)
    table(["figure", "value"], _aggregate_rows(every.totals), title="all together")


@app.command("snapshot")
@handle_errors
def snapshot(
    org: Annotated[
        str | None,
        typer.Option(
            "--org", help="Only the grants this organisation gives or receives (default: all)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Take this month's snapshot of every active grant (for cron, e.g. daily): a month
    nobody read is then no gap in the trend. Running it again the same month updates the
    month's figures. Each snapshot is audited in both organisations."""
    with database().transaction() as session:
        report = oversight_service.take_snapshots(session, "cli", org=org)
    if as_json:
        print_json(report)
        return
    table(
        ["organisation", "supervisor", "month"],
        [[t.org, t.supervisor, t.month] for t in report.taken],
        title=f"{len(report.taken)} snapshots for {report.month}",
    )
