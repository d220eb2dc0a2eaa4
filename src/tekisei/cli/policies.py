"""``tekisei policies``: the organisation's AI policies (guideline 2(1))."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

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
    table,
)
from tekisei.core import times
from tekisei.core.policies import (
    LANGS,
    Audience,
    Lang,
    PolicyKind,
    PolicyTerms,
    PolicyText,
    kind_name,
)
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import policies as policy_service
from tekisei.services import policy_acknowledgements, policy_approvals, policy_views
from tekisei.services.orgs import org_zone
from tekisei.services.policy_views import PolicyView
from tekisei.untrusted import read_text

app = typer.Typer(help="AI policies of the organisation.", no_args_is_help=True)

PolicyArg = Annotated[int, typer.Argument(metavar="POLICY", help="The policy's id.")]
VersionOpt = Annotated[int, typer.Option(help="The draft version you read.")]
MAX_FILE = 256 * 1024
STATUS: dict[str, tuple[str, str]] = {
    "draft": ("下書き", "draft"),
    "scheduled": ("施行日待ち", "published, not yet in force"),
    "in_force": ("施行中", "in force"),
    "withdrawn": ("廃止", "withdrawn"),
}


def _view(org: str, user: str | None, policy_id: int) -> PolicyView:
    with database().reading() as session:
        actor = principal(session, org, user)
        return policy_views.view(
            session, actor, policy_service.get_policy(session, actor, policy_id)
        )


def _summary(view: PolicyView, lang: Lang) -> None:
    pick = 0 if lang == "ja" else 1
    lines = [
        f"{view.id} {view.content.title(lang)} ({kind_name(view.kind, lang)}): "
        f"{STATUS[view.status][pick]}",
        f"draft version {view.version}"
        + (f", approved as version {view.approved_as}" if view.approved_as else "")
        + (f", in force: version {view.in_force}" if view.in_force else "")
        + (f", publishable: version {view.publishable}" if view.publishable else ""),
    ]
    if view.approval is not None and view.approval.version == view.version:
        lines.append(f"approval: {view.approval.status}")
    for problem in view.problems:
        lines.append(f"- {problem.ja if lang == 'ja' else problem.en}")
    for line in lines:
        console.print(plain(line))


def _out(org: str, user: str | None, policy_id: int, lang: str | None, as_json: bool) -> None:
    view = _view(org, user, policy_id)
    if as_json:
        print_json(view)
        return
    _summary(view, resolve_lang(lang))


@app.command("list")
@handle_errors
def list_command(
    org: OrgOption, user: UserOption = None, lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """List the organisation's policies."""
    with database().reading() as session:
        found = policy_views.list_policies(session, principal(session, org, user))
    if as_json:
        print_json(found)
        return
    language = resolve_lang(lang)
    pick = 0 if language == "ja" else 1
    table(
        ["ID", "種類" if pick == 0 else "Kind", "表題" if pick == 0 else "Title",
         "状態" if pick == 0 else "Status", "施行日" if pick == 0 else "Effective"],
        [[p.id, kind_name(p.kind, language), p.title if pick == 0 else p.title_en,
          STATUS[p.status][pick], p.effective_on or "—"] for p in found],
    )  # fmt: skip


@app.command("create")
@handle_errors
def create(
    kind: Annotated[PolicyKind, typer.Argument(help="The kind of policy.")],
    org: OrgOption,
    blank: Annotated[bool, typer.Option(help="Start blank instead of from the template.")] = False,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a policy from tekisei's template of its kind (Japanese and English)."""
    with database().transaction() as session:
        row = policy_service.create_policy(
            session, principal(session, org, user), kind, from_template=not blank
        )
        policy_id = row.id
    _out(org, user, policy_id, lang, as_json)


@app.command("show")
@handle_errors
def show(
    policy: PolicyArg,
    org: OrgOption,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show where a policy stands and its draft in one language."""
    view = _view(org, user, policy)
    if as_json:
        print_json(view)
        return
    language = resolve_lang(lang)
    _summary(view, language)
    text = view.content.text(language)
    if text is None:
        console.print(
            plain("(not written in English)" if language == "en" else "（日本語では未作成）")
        )
        return
    console.print(plain(f"\n{text.title}\n\n{text.body}"))


def _read_file(file: Path) -> dict[str, Any]:
    try:
        given = json.loads(read_text(file, MAX_FILE))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(
            f"{file} is not a readable JSON file of at most {MAX_FILE} bytes: {exc}",
            ja=f"{file} は読み込めるJSONファイル（{MAX_FILE}バイトまで）ではありません。",
        ) from None
    if not isinstance(given, dict) or set(given) - {*LANGS, "items", "audience", "effective_on"}:
        raise InvalidInputError(
            'the file holds an object with "ja", "en", "items", "audience" and "effective_on"',
            ja="ファイルには「ja」「en」「items」「audience」「effective_on」をキーとする"
            "オブジェクトを書いてください。",
        )
    return given


@app.command("edit")
@handle_errors
def edit(
    policy: PolicyArg,
    org: OrgOption,
    version: VersionOpt,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help='A JSON file: {"ja": {"title": …, "body": …}, "en": {…}, "items": […]}; '
            "what it leaves out stays as it is.",
        ),
    ] = None,
    effective_on: Annotated[
        str | None, typer.Option("--effective-on", help="The effective date, YYYY-MM-DD.")
    ] = None,
    audience: Annotated[Audience | None, typer.Option(help="public or internal.")] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change the draft: its texts and items from a JSON file, its effective date and
    audience from options."""
    given = _read_file(file) if file is not None else {}
    current = _view(org, user, policy)
    texts: dict[Lang, PolicyText | None] = {
        code: (
            (None if given[code] is None else PolicyText.model_validate(given[code]))
            if code in given
            else current.content.text(code)
        )
        for code in LANGS
    }
    day: Any = given.get("effective_on", current.effective_on)
    if effective_on:
        try:
            day = date.fromisoformat(effective_on)
        except ValueError:
            raise InvalidInputError(
                f"--effective-on {effective_on!r} is not a date such as 2026-04-01",
                ja=f"--effective-on「{effective_on}」は 2026-04-01 のような日付ではありません。",
            ) from None
    terms = PolicyTerms.model_validate(
        {
            "items": given.get("items", [i.ref for i in current.items]),
            "audience": audience or given.get("audience", current.audience),
            "effective_on": day,
        }
    )
    with database().transaction() as session:
        policy_service.save_draft(
            session, principal(session, org, user), policy, texts, terms, version
        )
    _out(org, user, policy, lang, as_json)


@app.command("request-approval")
@handle_errors
def request_approval(
    policy: PolicyArg,
    org: OrgOption,
    version: VersionOpt,
    note: Annotated[str, typer.Option(help="A note to the executive.")] = "",
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask an executive to approve the draft."""
    with database().transaction() as session:
        policy_approvals.request_approval(
            session, principal(session, org, user), policy, version, note
        )
    _out(org, user, policy, lang, as_json)


@app.command("approve")
@handle_errors
def approve(
    policy: PolicyArg,
    org: OrgOption,
    version: VersionOpt,
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    user: Annotated[str, typer.Option("--user", help="The executive who decides.")],
    reject: Annotated[bool, typer.Option(help="Reject instead of approving.")] = False,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve the draft as the policy's next version, or reject it (executives)."""
    with database().transaction() as session:
        policy_approvals.decide_approval(
            session, principal(session, org, user), policy,
            approve=not reject, reason=reason, version=version,
        )  # fmt: skip
    _out(org, user, policy, lang, as_json)


@app.command("publish")
@handle_errors
def publish(
    policy: PolicyArg,
    org: OrgOption,
    number: Annotated[
        int | None, typer.Option(help="The approved version (by default the one to publish).")
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish the newest approved version; it is in force from its effective date."""
    if number is None:
        number = _view(org, user, policy).publishable
        if number is None:
            raise ConflictError(
                "no approved version waits to be published; an executive approves a draft first",
                ja="公開を待つ承認済みの版はありません。先に経営層が下書きを承認します。",
            )
    with database().transaction() as session:
        policy_service.publish_version(session, principal(session, org, user), policy, number)
    _out(org, user, policy, lang, as_json)


@app.command("withdraw")
@handle_errors
def withdraw(
    policy: PolicyArg,
    org: OrgOption,
    reason: Annotated[str, typer.Option(help="Why (kept with the policy).")],
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Withdraw the policy: no version is in force from now on."""
    with database().transaction() as session:
        policy_service.withdraw_policy(session, principal(session, org, user), policy, reason)
    _out(org, user, policy, lang, as_json)


@app.command("acknowledge")
@handle_errors
def acknowledge(
    policy: PolicyArg,
    org: OrgOption,
    user: Annotated[str, typer.Option("--user", help="The member who read it.")],
    number: Annotated[
        int | None, typer.Option(help="The version read (by default the current one).")
    ] = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that a member read the current version of a policy."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        if number is None:
            current = policy_service.current_version(
                session, policy_service.get_policy(session, actor, policy)
            )
            number = current.number if current is not None else 0
        policy_acknowledgements.acknowledge(session, actor, policy, number)
    acknowledgements(policy, org, user, lang, as_json)


@app.command("acknowledgements")
@handle_errors
def acknowledgements(
    policy: PolicyArg,
    org: OrgOption,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who has and has not acknowledged the current version."""
    with database().reading() as session:
        actor = principal(session, org, user)
        found = policy_acknowledgements.acknowledgements(session, actor, policy)
        where = org_zone(session, actor)
    if as_json:
        print_json(found)
        return
    ja = resolve_lang(lang) == "ja"
    if found.number is None:
        console.print(plain("公開中の版はありません。" if ja else "No version is published."))
        return
    table(
        ["メンバー" if ja else "Member", "確認" if ja else "Acknowledged"],
        [[p.email or p.name, times.shown(p.acknowledged_at, where)] for p in found.people],
        title=f"v{found.number}: {found.acknowledged}/{found.members}",
    )  # fmt: skip


@app.command("take-effect")
@handle_errors
def take_effect(org: OrgOption, user: UserOption = None, as_json: JsonOption = False) -> None:
    """Attach the versions in force today to the open assessments (run it daily: a version
    published ahead of its effective date becomes evidence from that date)."""
    with database().transaction() as session:
        attached = policy_service.take_effect(session, principal(session, org, user))
    if as_json:
        print_json({"attached": attached})
        return
    console.print(plain(f"attached to {len(attached)} item(s)"))
