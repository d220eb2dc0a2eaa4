"""``tekisei reports``: documents an organisation hands out. ``reports haip`` writes the
HAIP report (guideline fn 16) as DOCX, PDF or JSON; ``reports haip-*`` create, edit,
approve, publish and take it down; ``reports soa`` writes the ISO/IEC 42001 Statement of
Applicability as XLSX or PDF."""

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
    settings,
    table,
)
from tekisei.core.haip_documents import HaipReportFile
from tekisei.core.haip_reports import SECTIONS, HaipReportFields, SectionId, SectionText
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.i18n import Lang, messages
from tekisei.render.haip_reports import line_text
from tekisei.services import haip_approvals, haip_views
from tekisei.services import haip_reports as report_service
from tekisei.services.haip_views import HaipReportView
from tekisei.untrusted import read_text

app = typer.Typer(help="Reports to hand out: the HAIP report, the SoA.", no_args_is_help=True)

# ----------------------------------------------------------------------------- HAIP

ReportArg = Annotated[int, typer.Argument(metavar="REPORT", help="The report's id.")]
VersionOpt = Annotated[int, typer.Option(help="The draft version you read.")]
MAX_FILE = 512 * 1024


def _haip_view(org: str, user: str | None, report: int) -> HaipReportView:
    with database().reading() as session:
        actor = principal(session, org, user)
        return haip_views.view(session, actor, report_service.get_report(session, actor, report))


def _haip_summary(view: HaipReportView, lang: Lang) -> None:
    words = messages(lang)
    _ = words.gettext
    line = f"{_('Reporting period')}: {view.period_start} – {view.period_end} · "
    line += f"{_('Draft version')}: {view.version}"
    if view.published_version:
        line += " · " + words.format("Version %(n)s", n=view.published_version)
    lines = [f"#{view.id} {view.title}: {_('haip-status:' + view.status)}", line]
    if view.approval is not None and view.approval.version == view.version:
        decided = {
            "pending": _("Waiting for an executive"),
            "approved": _("Approved for this draft"),
            "rejected": _("Rejected"),
        }
        lines.append(f"{_('Executive approval')}: {decided.get(view.approval.status, '—')}")
    if view.public_path:
        lines.append(f"{_('Public page')}: {view.public_path}")
    for problem in view.problems:
        lines.append(f"- {problem.ja if lang == 'ja' else problem.en}")
    for text in lines:
        console.print(plain(text))


def _haip_done(org: str, user: str | None, report: int, lang: str | None, as_json: bool) -> None:
    view = _haip_view(org, user, report)
    if as_json:
        print_json(view)
        return
    _haip_summary(view, resolve_lang(lang))


def _sections(file: Path | None) -> dict[SectionId, SectionText] | None:
    """The narratives in a JSON file: ``{"1": {"ja": …, "en": …}, …}``."""
    if file is None:
        return None
    try:
        given: Any = json.loads(read_text(file, MAX_FILE))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(
            f"{file} is not a readable JSON file of at most {MAX_FILE} bytes: {exc}",
            ja=f"{file} は読み込めるJSONファイル（{MAX_FILE}バイトまで）ではありません。",
        ) from None
    if not isinstance(given, dict) or set(given) - set(SECTIONS):
        raise InvalidInputError(
            'the file holds an object with sections "1" to "7", each {"ja": …, "en": …}',
            ja='ファイルには、節番号（"1"〜"7"）をキーとし、それぞれに '
            '{"ja": …, "en": …} を持つオブジェクトを書いてください。',
        )
    return {key: SectionText.model_validate(value) for key, value in given.items()}


def _latest(org: str, user: str | None) -> int:
    with database().reading() as session:
        found = report_service.list_reports(session, principal(session, org, user))
    if not found:
        raise NotFoundError(
            f"the organisation {org} has no HAIP report yet; start one "
            "('tekisei reports haip-create')",
            ja=f"組織 {org} にはHAIP報告書がまだありません。作成してください"
            "（tekisei reports haip-create）。",
        )
    return found[0].id


@app.command("haip")
@handle_errors
def haip(
    org: OrgOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the report.")],
    fmt: Annotated[
        str, typer.Option("--format", help="docx, pdf (in --lang) or json (both languages).")
    ] = "docx",
    report: Annotated[
        int | None, typer.Option("--report", help="The report's id (default: the latest period).")
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
) -> None:
    """Write the HAIP report: seven sections with narratives, the workspace's facts (risks,
    evaluation runs, records, notices, provenance) and Code of Conduct coverage."""
    chosen = report if report is not None else _latest(org, user)
    with database().reading() as session:
        found = haip_views.export(
            session,
            principal(session, org, user),
            chosen,
            fmt,
            resolve_lang(lang),
            settings().public_url,
        )
    output.write_bytes(found.content)
    console.print(f"{output}: {len(found.content)} bytes", markup=False, soft_wrap=True)


@app.command("haip-list")
@handle_errors
def haip_list(
    org: OrgOption, user: UserOption = None, lang: LangOption = None, as_json: JsonOption = False
) -> None:
    """List the organisation's HAIP reports."""
    with database().reading() as session:
        found = haip_views.list_reports(session, principal(session, org, user))
    if as_json:
        print_json(found)
        return
    _ = messages(resolve_lang(lang)).gettext
    table(
        ["ID", _("Report title"), _("Reporting period"), _("Status"), _("Draft version")],
        [
            [
                r.id,
                r.title,
                f"{r.period_start} – {r.period_end}",
                _(f"haip-status:{r.status}")
                + (f" ({r.published_version})" if r.published_version else ""),
                r.version,
            ]
            for r in found
        ],
    )


@app.command("haip-create")
@handle_errors
def haip_create(
    org: OrgOption,
    title: Annotated[str, typer.Option(help="The report's title.")],
    start: Annotated[str, typer.Option(help="First day of the reporting period (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last day of the reporting period (YYYY-MM-DD).")],
    details_public: Annotated[
        bool, typer.Option(help="Publish the fact tables too, not only the summary lines.")
    ] = False,
    file: Annotated[
        Path | None,
        typer.Option("--file", help='Narratives as JSON: {"1": {"ja": …, "en": …}, …}.'),
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a HAIP report for a reporting period."""
    fields = HaipReportFields(
        title=title,
        period_start=_date(start, "--start"),
        period_end=_date(end, "--end"),
        details_public=details_public,
    )
    with database().transaction() as session:
        row = report_service.create_report(
            session, principal(session, org, user), fields, _sections(file)
        )
        report = row.id
    _haip_done(org, user, report, lang, as_json)


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(
            f"{option} is a date written YYYY-MM-DD, not {value[:40]!r}",
            ja=f"{option} には YYYY-MM-DD の形で日付を指定してください。",
        ) from None


@app.command("haip-edit")
@handle_errors
def haip_edit(
    report: ReportArg,
    org: OrgOption,
    version: VersionOpt,
    file: Annotated[
        Path | None,
        typer.Option("--file", help='Narratives as JSON: {"1": {"ja": …, "en": …}, …}.'),
    ] = None,
    title: Annotated[str | None, typer.Option(help="A new title.")] = None,
    start: Annotated[str | None, typer.Option(help="A new first day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="A new last day (YYYY-MM-DD).")] = None,
    details_public: Annotated[
        bool | None, typer.Option(help="Publish the fact tables too (or not).")
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change the draft: sections given in the file replace theirs; others stay."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = report_service.get_report(session, actor, report)
        fields = None
        if any(v is not None for v in (title, start, end, details_public)):
            fields = HaipReportFields(
                title=title if title is not None else row.title,
                period_start=_date(start, "--start") if start else row.period_start,
                period_end=_date(end, "--end") if end else row.period_end,
                details_public=row.details_public if details_public is None else details_public,
            )
        report_service.save_report(
            session, actor, report, version, fields=fields, sections=_sections(file)
        )
    _haip_done(org, user, report, lang, as_json)


@app.command("haip-show")
@handle_errors
def haip_show(
    report: ReportArg,
    org: OrgOption,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show where the report stands, and each section's facts, coverage and narrative."""
    view = _haip_view(org, user, report)
    if as_json:
        print_json(view)
        return
    language = resolve_lang(lang)
    _haip_summary(view, language)
    _ = messages(language).gettext
    for section in view.document.sections:
        name = section.title_ja if language == "ja" else section.title_en
        console.print(plain(f"\n[{section.section}. {name}]"))
        for block in section.blocks:
            for note in block.lines:
                console.print(plain(f"  * {line_text(note, language)}"))
        if section.coverage is not None:
            for action in section.coverage.actions:
                status = _(f"haip-coverage:{action.status}")
                console.print(plain(f"  {_('Code of Conduct action')} {action.action}: {status}"))
        text = section.narrative.text(language)
        console.print(plain(text or _("Not written in this language yet.")))


@app.command("haip-request-approval")
@handle_errors
def haip_request_approval(
    report: ReportArg,
    org: OrgOption,
    version: VersionOpt,
    note: Annotated[str, typer.Option(help="A note to the executive.")] = "",
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask an executive to approve the draft; the facts are taken now."""
    with database().transaction() as session:
        haip_approvals.request_approval(
            session, principal(session, org, user), report, version, note
        )
    _haip_done(org, user, report, lang, as_json)


@app.command("haip-approve")
@handle_errors
def haip_approve(
    report: ReportArg,
    org: OrgOption,
    version: VersionOpt,
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    user: Annotated[str, typer.Option("--user", help="The executive who decides.")],
    reject: Annotated[bool, typer.Option(help="Reject instead of approving.")] = False,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve (or reject) the draft with the facts taken for it (executives)."""
    with database().transaction() as session:
        haip_approvals.decide_approval(
            session,
            principal(session, org, user),
            report,
            approve=not reject,
            reason=reason,
            version=version,
        )
    _haip_done(org, user, report, lang, as_json)


@app.command("haip-publish")
@handle_errors
def haip_publish(
    report: ReportArg,
    org: OrgOption,
    version: VersionOpt,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish the approved draft as the report's next version."""
    db = database()
    assert db.files_dir is not None
    with db.transaction() as session:
        report_service.publish_report(
            session,
            principal(session, org, user),
            report,
            version,
            files_dir=db.files_dir,
            max_bytes=db.max_upload_bytes,
        )
    _haip_done(org, user, report, lang, as_json)


@app.command("haip-unpublish")
@handle_errors
def haip_unpublish(
    report: ReportArg,
    org: OrgOption,
    reason: Annotated[str, typer.Option(help="Why; shown at the public address.")],
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take the report down; its address then says when and why."""
    with database().transaction() as session:
        report_service.unpublish_report(session, principal(session, org, user), report, reason)
    _haip_done(org, user, report, lang, as_json)


@app.command("haip-schema")
def haip_schema() -> None:
    """Print the JSON Schema of the exported HAIP report (format tekisei-haip-report/1)."""
    print_json(HaipReportFile.model_json_schema())


# ----------------------------------------------------------------------------- SoA


@app.command("soa")
@handle_errors
def soa(
    org: OrgOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the file.")],
    fmt: Annotated[str, typer.Option("--format", help="xlsx or pdf.")] = "xlsx",
    approval: Annotated[
        int | None,
        typer.Option(help="An approved version, as it was approved (default: as it stands)."),
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
) -> None:
    """Write the ISO/IEC 42001 Statement of Applicability: one row per control (XLSX) or a
    document (PDF)."""
    from tekisei.services.soa_exports import soa_report

    with database().reading() as session:
        found = soa_report(
            session, principal(session, org, user), fmt, resolve_lang(lang), approval
        )
    output.write_bytes(found.content)
    console.print(plain(f"{output}: {len(found.content)} bytes"), soft_wrap=True)
