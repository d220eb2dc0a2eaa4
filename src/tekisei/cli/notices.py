"""``tekisei notices``: a system's disclosure notice (guideline 2(2), fn 18)."""

from __future__ import annotations

import json
from pathlib import Path
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
from tekisei.core.notices import LANGS, SECTION_NAMES, SECTIONS, Lang, NoticeContent, NoticeText
from tekisei.errors import InvalidInputError
from tekisei.services import notice_approvals, notice_views
from tekisei.services import notices as notice_service
from tekisei.services.notice_views import NoticeView
from tekisei.untrusted import read_text

app = typer.Typer(help="Disclosure notices of systems.", no_args_is_help=True)

SystemArg = Annotated[int, typer.Argument(metavar="SYSTEM", help="The system's id.")]
VersionOpt = Annotated[int, typer.Option(help="The draft version you read.")]
MAX_FILE = 256 * 1024


def _view(org: str, user: str | None, system: int) -> NoticeView:
    with database().reading() as session:
        actor = principal(session, org, user)
        return notice_views.view(session, actor, notice_service.get_notice(session, actor, system))


def _summary(view: NoticeView, lang: Lang) -> None:
    status = {"draft": ("下書き", "draft"), "published": ("公開中", "published"),
              "withdrawn": ("公開取り下げ", "taken down")}[view.status]  # fmt: skip
    pick = 0 if lang == "ja" else 1
    lines = [
        f"{view.system_name}: {status[pick]}",
        f"draft version {view.version}"
        + (f", published version {view.published_version}" if view.published_version else ""),
    ]
    if view.public_path:
        lines.append(f"public: {view.public_path}")
    for problem in view.problems:
        lines.append(f"- {problem.ja if lang == 'ja' else problem.en}")
    for line in lines:
        console.print(plain(line))


@app.command("draft")
@handle_errors
def draft(
    system: SystemArg,
    org: OrgOption,
    regenerate: Annotated[
        bool, typer.Option(help="Write the draft again over the current one.")
    ] = False,
    version: Annotated[
        int | None, typer.Option(help="With --regenerate: the draft version you read.")
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Generate the draft from the system's facts, records and provenance register."""
    with database().transaction() as session:
        notice_service.draft_notice(
            session, principal(session, org, user), system, regenerate=regenerate, version=version
        )
    view = _view(org, user, system)
    if as_json:
        print_json(view)
        return
    _summary(view, resolve_lang(lang))


@app.command("edit")
@handle_errors
def edit(
    system: SystemArg,
    org: OrgOption,
    version: VersionOpt,
    file: Annotated[
        Path,
        typer.Option("--file", help='A JSON file: {"ja": {"title": …, "limits": …}, "en": {…}}.'),
    ],
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change the draft's texts from a JSON file: the fields it names are replaced, the
    fields and languages it leaves out keep their text, and a language set to null is
    taken out of the notice."""
    try:
        given = json.loads(read_text(file, MAX_FILE))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(
            f"{file} is not a readable JSON file of at most {MAX_FILE} bytes: {exc}",
            ja=f"{file} は読み込めるJSONファイル（{MAX_FILE}バイトまで）ではありません。",
        ) from None
    if not isinstance(given, dict) or set(given) - set(LANGS):
        raise InvalidInputError(
            'the file holds an object with "ja" and/or "en"',
            ja="ファイルには「ja」と「en」をキーとするオブジェクトを書いてください。",
        )
    for code in LANGS:
        if given.get(code) is not None and not isinstance(given[code], dict):
            raise InvalidInputError(
                f'"{code}" holds an object of texts (or null to take the language out)',
                ja=f"「{code}」には文章のオブジェクト（言語を外すときは null）を書いてください。",
            )
    with database().transaction() as session:
        actor = principal(session, org, user)
        content = NoticeContent.model_validate(
            notice_service.get_notice(session, actor, system).content
        )
        texts: dict[Lang, NoticeText | None] = {}
        for code in LANGS:
            current = content.text(code)
            kept = current.model_dump(include=set(NoticeText.model_fields)) if current else {}
            if code not in given:
                texts[code] = NoticeText.model_validate(kept) if current else None
            elif given[code] is None:
                texts[code] = None
            else:
                texts[code] = NoticeText.model_validate(kept | given[code])
        notice_service.save_notice(session, actor, system, texts, version)
    view = _view(org, user, system)
    if as_json:
        print_json(view)
        return
    _summary(view, resolve_lang(lang))


@app.command("show")
@handle_errors
def show(
    system: SystemArg,
    org: OrgOption,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show where the notice stands and its draft text in one language."""
    view = _view(org, user, system)
    if as_json:
        print_json(view)
        return
    language = resolve_lang(lang)
    _summary(view, language)
    text = view.content.text(language)
    if text is None:
        console.print(
            plain("(not given in this language)" if language == "en" else "（この言語では未作成）")
        )
        return
    console.print(plain(f"\n{text.title}"))
    for name in SECTIONS:
        if getattr(text, name):
            heading = SECTION_NAMES[name][0 if language == "ja" else 1]
            console.print(plain(f"\n[{heading}]\n{getattr(text, name)}"))


@app.command("request-approval")
@handle_errors
def request_approval(
    system: SystemArg,
    org: OrgOption,
    version: VersionOpt,
    note: Annotated[str, typer.Option(help="A note to the executive.")] = "",
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask an executive to approve publishing the draft (high and critical tiers)."""
    with database().transaction() as session:
        notice_approvals.request_approval(
            session, principal(session, org, user), system, version, note
        )
    view = _view(org, user, system)
    if as_json:
        print_json(view)
        return
    _summary(view, resolve_lang(lang))


@app.command("approve")
@handle_errors
def approve(
    system: SystemArg,
    org: OrgOption,
    version: VersionOpt,
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    user: Annotated[str, typer.Option("--user", help="The executive who decides.")],
    reject: Annotated[bool, typer.Option(help="Reject instead of approving.")] = False,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve (or reject) publishing the draft (executives)."""
    with database().transaction() as session:
        notice_approvals.decide_approval(
            session,
            principal(session, org, user),
            system,
            approve=not reject,
            reason=reason,
            version=version,
        )
    view = _view(org, user, system)
    if as_json:
        print_json(view)
        return
    _summary(view, resolve_lang(lang))


@app.command("publish")
@handle_errors
def publish(
    system: SystemArg,
    org: OrgOption,
    version: VersionOpt,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish the draft as the notice's next version."""
    db = database()
    assert db.files_dir is not None
    with db.transaction() as session:
        notice_service.publish_notice(
            session,
            principal(session, org, user),
            system,
            version,
            files_dir=db.files_dir,
            max_bytes=db.max_upload_bytes,
        )
    view = _view(org, user, system)
    if as_json:
        print_json(view)
        return
    _summary(view, resolve_lang(lang))


@app.command("unpublish")
@handle_errors
def unpublish(
    system: SystemArg,
    org: OrgOption,
    reason: Annotated[str, typer.Option(help="Why; shown at the public address.")],
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take the notice down; its address then says when and why."""
    with database().transaction() as session:
        notice_service.unpublish_notice(session, principal(session, org, user), system, reason)
    view = _view(org, user, system)
    if as_json:
        print_json(view)
        return
    _summary(view, resolve_lang(lang))
