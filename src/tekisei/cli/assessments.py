"""``tekisei assessments`` and ``tekisei evidence``."""

from __future__ import annotations

import mimetypes
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
    principal,
    print_json,
    resolve_lang,
    table,
)
from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.errors import InvalidInputError
from tekisei.services import assessments as assessment_service
from tekisei.services import evidence as evidence_service
from tekisei.services import owners
from tekisei.services import reports as report_service
from tekisei.services.assessments import GUIDELINE
from tekisei.services.people import ActorNames
from tekisei.untrusted import read_bytes

app = typer.Typer(help="Assessments of systems against the guideline.", no_args_is_help=True)
evidence_app = typer.Typer(help="Evidence: files, links and references.", no_args_is_help=True)

SystemArg = Annotated[int, typer.Argument(metavar="SYSTEM", help="The system's id.")]
FrameworkOpt = Annotated[str, typer.Option("--framework", help="Framework id.")]


@app.command("start")
@handle_errors
def start(
    system: SystemArg,
    org: OrgOption,
    framework: FrameworkOpt = GUIDELINE,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open an assessment (the last closed one's answers carry over)."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = assessment_service.start_assessment(session, actor, system, framework)
        report = assessment_service.assessment_report(session, actor, row.id)
    if as_json:
        print_json(report)
        return
    console.print(
        f"assessment {report.id} started: {report.overall.total} requirements", markup=False
    )


@app.command("show")
@handle_errors
def show(
    system: SystemArg,
    org: OrgOption,
    framework: FrameworkOpt = GUIDELINE,
    user: UserOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the assessment, or another framework's view of it (``--framework``)."""
    language = resolve_lang(lang)
    with database().reading() as session:
        actor = principal(session, org, user)
        if framework != GUIDELINE:
            view = assessment_service.framework_view(session, actor, system, framework)
            if as_json:
                print_json(view)
                return
            table(
                ["section", "title", "state", "from"],
                [
                    [
                        i.section,
                        i.title_ja if language == "ja" else i.title_en,
                        (i.state.value if i.state else "—")
                        + (" (answer directly)" if i.needs_direct_answer else ""),
                        ", ".join(f"{s.section} {s.relation}" for s in i.sources),
                    ]
                    for i in view.items
                ],
            )
            return
        row = assessment_service.current_assessment(session, actor, system)
        report = assessment_service.assessment_report(session, actor, row.id)
    if as_json:
        print_json(report)
        return
    console.print(
        f"assessment {report.id} ({report.status}) — completeness "
        f"{report.overall.completeness:.0%}, conformity {report.overall.conformity:.0%}",
        markup=False,
    )
    table(
        ["section", "title", "state", "evidence"],
        [
            [
                i.section,
                i.title_ja if language == "ja" else i.title_en,
                i.state.value,
                len(i.evidence),
            ]
            for i in report.items
        ],
    )


@app.command("answer")
@handle_errors
def answer(
    system: SystemArg,
    requirement: Annotated[str, typer.Argument(help="Section (e.g. '2(3)') or URN.")],
    org: OrgOption,
    state: Annotated[AnswerState, typer.Option(help="How far it is met.")],
    notes: Annotated[
        str | None, typer.Option(help="What was done (left out: kept as it is).")
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option(
            help="The email of the member who owns it (a member of the org); '' takes the "
            "owner away, left out: kept as it is."
        ),
    ] = None,
    justification: Annotated[
        str | None, typer.Option(help="Why it does not apply (left out: kept as it is).")
    ] = None,
    evidence: Annotated[
        list[int] | None, typer.Option("--evidence", help="Evidence id to attach (repeatable).")
    ] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer one requirement of the open guideline assessment."""
    reference = requirement if ":" in requirement else f"{GUIDELINE}:{requirement}"
    with database().transaction() as session:
        actor = principal(session, org, user)
        keep = [
            name
            for name, value in (
                ("notes", notes),
                ("justification", justification),
                ("owner", owner),
            )
            if value is None
        ]
        # Validated by the service once the kept fields are merged in.
        fields = AnswerFields.model_construct(
            state=state,
            notes=notes or "",
            owner_id=owners.owner_by_email(session, actor, owner or ""),
            owner_text="",
            justification=justification or "",
        )
        row = assessment_service.current_assessment(session, actor, system)
        saved = assessment_service.answer_requirement(
            session, actor, row.id, reference, fields, keep=keep
        )
        for evidence_id in evidence or []:
            assessment_service.attach_evidence(session, actor, row.id, reference, evidence_id)
        result = {"requirement": saved.node_urn, "state": saved.state, "version": saved.version}
    if as_json:
        print_json(result)
        return
    console.print(f"{result['requirement']}: {result['state']}", markup=False)


@app.command("close")
@handle_errors
def close(system: SystemArg, org: OrgOption, user: UserOption = None) -> None:
    """Freeze the open assessment."""
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = assessment_service.current_assessment(session, actor, system)
        assessment_service.close_assessment(session, actor, row.id)
    console.print(f"assessment {row.id} closed", markup=False)


@evidence_app.command("add")
@handle_errors
def add(
    org: OrgOption,
    file: Annotated[Path | None, typer.Option(help="A file to upload.")] = None,
    url: Annotated[str | None, typer.Option(help="A link.")] = None,
    ref: Annotated[str | None, typer.Option(help="A tekisei object, e.g. risk:12.")] = None,
    content_type: Annotated[
        str | None, typer.Option("--type", help="The file's type (guessed from its name).")
    ] = None,
    title: Annotated[str, typer.Option(help="A short title.")] = "",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keep a file, a link or a reference as evidence."""
    if sum(x is not None for x in (file, url, ref)) != 1:
        raise InvalidInputError(
            "give exactly one of --file, --url or --ref",
            ja="--file、--url、--ref のいずれか一つを指定してください。",
        )
    db = database()
    with db.transaction() as session:
        actor = principal(session, org, user)
        if file is not None:
            assert db.files_dir is not None
            guessed = content_type or mimetypes.guess_type(file.name)[0] or ""
            row = evidence_service.add_file(
                session,
                actor,
                db.files_dir,
                filename=file.name,
                data=read_bytes(file, db.max_upload_bytes),
                content_type=guessed,
                max_bytes=db.max_upload_bytes,
                title=title,
            )
        elif url is not None:
            row = evidence_service.add_link(session, actor, url=url, title=title)
        else:
            assert ref is not None
            row = evidence_service.add_reference(session, actor, reference=ref, title=title)
        result = evidence_service.view(row, ActorNames(session, actor))
    if as_json:
        print_json(result)
        return
    console.print(f"evidence {result.id} added ({result.kind})", markup=False)


@app.command("export")
@handle_errors
def export(
    system: SystemArg,
    org: OrgOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the report.")],
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or xlsx.")] = "pdf",
    view: Annotated[
        list[str] | None, typer.Option("--view", help="Framework view to include (repeatable).")
    ] = None,
    user: UserOption = None,
    lang: LangOption = None,
) -> None:
    """Write the assessment report with framework views (HTML, PDF or XLSX)."""
    with database().reading() as session:
        found = report_service.assessment_report(
            session,
            principal(session, org, user),
            system,
            fmt,
            resolve_lang(lang),
            tuple(view) if view else report_service.DEFAULT_VIEWS,
        )
    output.write_bytes(found.content)
    console.print(f"{output}: {len(found.content)} bytes", markup=False)
