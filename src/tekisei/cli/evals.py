"""``tekisei eval`` and ``tekisei demo-target``: evaluation runs from the command line."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tekisei.cli.common import (
    JsonOption,
    LangOption,
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
from tekisei.core import times
from tekisei.errors import InvalidInputError
from tekisei.logs import configure_logging
from tekisei.services import eval_execution, eval_runs, eval_targets, eval_worker, risk_suggestions
from tekisei.services import evals as eval_service
from tekisei.services import reports as report_service
from tekisei.services.eval_jobs import LeaseConfig
from tekisei.services.orgs import org_zone

EXIT_BELOW_THRESHOLD = 2
EXIT_RUN_FAILED = 10
"""The run failed: too many cases errored for it to measure anything."""


def shown(text: str) -> str:
    """Text a target or a file chose, safe to print inside console markup: no terminal
    control sequences (they could clear the screen or rewrite what the operator reads),
    no markup of its own."""
    return escape(plain(text).plain)


app = typer.Typer(help="Evaluation and red-teaming runs.", no_args_is_help=True)


def demo_target_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8900,
    latency: Annotated[float, typer.Option(help="Milliseconds before each answer.")] = 0.0,
) -> None:
    """Serve a chat-completions model with deliberate weaknesses (no API key needed)."""
    typer.echo(f"demo target: http://{host}:{port}/v1 (model tekisei-demo-1)")
    uvicorn.run(eval_service.demo_app(latency), host=host, port=port, log_level="warning")


@handle_errors
def worker_command(
    runs: Annotated[
        int, typer.Option(min=1, max=32, help="Runs executed at once by this worker.")
    ] = 2,
    poll: Annotated[
        float, typer.Option(min=0.05, max=60, help="Seconds between looks at an empty queue.")
    ] = 1.0,
) -> None:
    """Execute the evaluation runs started from the web and the API (what 'make run'
    starts next to the server). Several workers may run, on one machine or more.

    Ctrl-C or SIGTERM: runs in progress go back to the queue at their next result, for
    the next worker. After kill -9 another worker resumes them once their lease expires
    (TEKISEI_EVAL_LEASE_SECONDS).
    """
    config = settings()
    configure_logging(config.log_level, config.log_format)
    stop = threading.Event()

    def on_signal(number: int, frame: FrameType | None) -> None:
        del number, frame
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    db = database()
    try:
        worker = eval_worker.WorkerConfig.from_settings(config, slots=runs, poll_seconds=poll)
        eval_worker.run_worker(db, worker, stop)
    finally:
        db.close()


@app.command("suites")
@handle_errors
def suites_command(as_json: JsonOption = False) -> None:
    """List the built-in suites."""
    rows = eval_service.suite_rows(settings().data_dir)
    if as_json:
        print_json(rows)
        return
    table(
        ["suite", "version", "origin", "cases", "perspectives", "languages"],
        [
            [
                r["name"],
                r["version"],
                r["origin"] + (" (needs --judge)" if r["needs_judge"] else ""),
                r["cases"],
                " ".join(r["perspectives"]),
                " ".join(r["languages"]),
            ]
            for r in rows
        ],
    )
    for item in eval_service.promptless_perspectives():
        refs = ", ".join(ref.split(":", 1)[1] for ref in item["covered_by"])
        console.print(
            f"{item['perspective']} ({item['title_en']}) is not tested by prompts; the guideline "
            f"items {refs} cover it with records.",
            markup=False,
        )


@app.command("run")
@handle_errors
def run_command(
    suite: Annotated[str, typer.Option(help="A built-in suite's name or a suite .yaml file.")],
    target: Annotated[
        str, typer.Option(help="openai:MODEL@URL, responses:MODEL@URL or http:CONFIG.yaml.")
    ],
    probe: Annotated[
        list[str] | None, typer.Option(help="Attack transform to add (repeatable).")
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(help="A target that also judges every answer against a rubric (LLM judge)."),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight at once.")] = 10,
    rate: Annotated[
        str | None, typer.Option(help="At most this many requests, e.g. 600/min.")
    ] = None,
    retries: Annotated[int, typer.Option(min=0, help="Retries of 429, 5xx and timeouts.")] = 2,
    executor: Annotated[
        str, typer.Option(help="local (this process) or ray (shards on a Ray cluster).")
    ] = "local",
    shards: Annotated[int, typer.Option(min=1, help="With --executor ray: Ray tasks.")] = 2,
    ray_address: Annotated[
        str | None,
        typer.Option(help="With --executor ray: the cluster (default: start a local one)."),
    ] = None,
    run_id: Annotated[
        str | None, typer.Option(help="Name of the new run (default: generated).")
    ] = None,
    resume: Annotated[
        str | None, typer.Option(help="Continue this run; finished cases are not run again.")
    ] = None,
    fail_under: Annotated[
        float | None, typer.Option(min=0, max=1, help="Exit 2 when the pass rate is below this.")
    ] = None,
    epochs: Annotated[int, typer.Option(min=1, max=20, help="Ask each case this many times.")] = 1,
    temperature: Annotated[
        float | None, typer.Option(min=0, max=2, help="Sampling temperature sent to API targets.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Sampling seed sent to API targets.")] = None,
    max_tokens: Annotated[
        int | None, typer.Option(min=1, max=100_000, help="Longest answer, in tokens.")
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            help="Keep answers in this file and reuse them: a request answered before is not "
            "sent again (successful answers only; the file is private)."
        ),
    ] = None,
    system: Annotated[
        int | None,
        typer.Option(help="The system tested: the run is stored, summarised and kept as evidence."),
    ] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="The organisation's id (with --system).")
    ] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a suite against a target, writing a resumable run log.

    With --system (and --org) the run belongs to that system: its results are stored in
    the database as they finish, and the finished run becomes evidence on the guideline
    requirements it tests and suggests risks for its failing categories. Without it the
    run is only a local log. The API key, if the target needs one, is read from
    TEKISEI_TARGET_API_KEY (the judge's from TEKISEI_JUDGE_API_KEY).

    Runs started here, by the operator on the server, may reach any host, private
    addresses included (never cloud metadata); runs started from the web are bound by
    the organisation's allow-list ('tekisei orgs eval-targets').
    """
    if (system is None) != (org is None):
        raise InvalidInputError(
            "give --system and --org together", ja="--system と --org は一緒に指定してください。"
        )
    request = eval_service.RunRequest(
        suite=suite,
        target=target,
        probes=probe or [],
        concurrency=concurrency,
        retries=retries,
        rate=rate,
        run_id=run_id,
        resume=resume,
        api_key=os.environ.get("TEKISEI_TARGET_API_KEY"),
        judge=judge,
        judge_api_key=os.environ.get("TEKISEI_JUDGE_API_KEY"),
        executor=executor,
        shards=shards,
        ray_address=ray_address,
        network=eval_targets.operator_policy(),
        cache=cache,
        epochs=epochs,
        temperature=temperature,
        seed=seed,
        max_tokens=max_tokens,
    )
    err = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=as_json or not err.is_terminal) as progress:
        failed = 0
        task = progress.add_task("", total=None, failed=0)

        def start(prepared: eval_service.PreparedRun) -> None:
            progress.update(task, description=prepared.log.header.run_id, total=prepared.todo)

        def advance(passed: bool) -> None:
            nonlocal failed
            failed += int(not passed)
            progress.update(task, advance=1, failed=failed)

        if system is not None and org is not None:
            db = database()
            with db.reading() as session:
                who = principal(session, org, user)
            stored = eval_execution.run_on_system(
                db,
                who,
                settings().data_dir,
                system,
                request,
                start,
                lambda r: advance(r.passed),
                LeaseConfig.from_settings(settings()),
            )
            with db.reading() as session:
                report = eval_runs.run_report(session, who, stored.key)
        else:
            prepared = eval_service.prepare(settings().data_dir, request)
            start(prepared)
            eval_service.execute(prepared, lambda result: advance(result.passed))
            report = eval_service.report(prepared)
    if as_json:
        print_json(report)
    else:
        _print_report(report)
    if report.get("status") == "failed":
        err.print(
            f"the run failed: {report['errors']} of {report['answered']} cases errored (more "
            "than 20 %), so it measures nothing; it is kept as no evidence. Check the target, "
            "then resume the run with --resume to retry the errored cases.",
            markup=False,
        )
        raise typer.Exit(EXIT_RUN_FAILED)
    if fail_under is not None and report["pass_rate"] < fail_under:
        raise typer.Exit(EXIT_BELOW_THRESHOLD)


def _print_report(report: dict[str, Any]) -> None:
    where = f"log {report['log']}" if "log" in report else f"system {report['system']}"
    console.print(
        f"run {report['run_id']}: {report['passed']}/{report['answered']} passed"
        f" ({report['pass_rate']:.0%}), {report['errors']} errors — {where}",
        markup=False,
    )
    table(
        ["perspective", "passed", "total"],
        [[p, v["passed"], v["total"]] for p, v in report["by_perspective"].items()],
    )
    if report.get("by_risk"):
        table(
            ["risk", "passed", "total"],
            [[r, v["passed"], v["total"]] for r, v in report["by_risk"].items()],
        )
    if report["failing"]:
        table(
            ["case", "perspective", "why"],
            [
                [f["case"], f["perspective"], f["error"] or "; ".join(f["explanations"])]
                for f in report["failing"]
            ],
            title="failing cases",
        )
    if report["inconsistent"]:
        table(
            ["group", "why"],
            [[group, why] for group, why in report["inconsistent"].items()],
            title="inconsistent across variants",
        )
    if report.get("requirements"):
        console.print(
            f"evidence {report['evidence']} attached to: {', '.join(report['requirements'])}",
            markup=False,
        )
    if report.get("suggested_risks"):
        table(
            ["id", "risk", "failed", "likelihood", "status"],
            [
                [
                    s["id"],
                    s["taxonomy"],
                    f"{s['failed']}/{s['total']}",
                    s["likelihood"],
                    s["status"],
                ]
                for s in report["suggested_risks"]
            ],
            title="suggested risks (tekisei eval suggestions accept|dismiss)",
        )


OrgRequired = Annotated[str, typer.Option("--org", help="The organisation's id (slug).")]
RunArgument = Annotated[str, typer.Argument(metavar="RUN", help="The run's name (or number).")]


@app.command("list")
@handle_errors
def list_command(
    org: OrgRequired,
    system: Annotated[int | None, typer.Option(help="Only this system's runs.")] = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the evaluation runs of the organisation's systems, newest first."""
    with database().reading() as session:
        actor = principal(session, org, user)
        rows = eval_runs.list_runs(session, actor, system)
        where = org_zone(session, actor)
    if as_json:
        print_json(rows)
        return
    table(
        ["run", "system", "suite", "state", "passed", "rate", "finished"],
        [
            [
                r.key,
                f"{r.system_id} {r.system_name}",
                f"{r.suite} {r.suite_version}",
                r.state,
                f"{r.passed}/{r.answered}",
                "" if r.pass_rate is None else f"{r.pass_rate:.0%}",
                times.shown(r.finished_at, where) if r.finished_at else "",
            ]
            for r in rows
        ],
    )


@app.command("show")
@handle_errors
def show_command(
    run: RunArgument,
    org: OrgRequired,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a stored run: per perspective and risk, failing cases and suggested risks."""
    with database().reading() as session:
        report = eval_runs.run_report(session, principal(session, org, user), run)
    if as_json:
        print_json(report)
        return
    _print_report(report)


@app.command("cancel")
@handle_errors
def cancel_command(
    run: RunArgument,
    org: OrgRequired,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel a queued or executing run (its API keys are erased; resume it later)."""
    db = database()
    with db.reading() as session:
        who = principal(session, org, user)
    out = eval_execution.cancel_run(db, who, run)
    if as_json:
        print_json(out)
    else:
        console.print(f"run {out.key} cancelled; resume it with --resume {out.key}", markup=False)


@app.command("results")
@handle_errors
def results_command(
    run: RunArgument,
    org: OrgRequired,
    failing: Annotated[bool, typer.Option(help="Only the failing cases.")] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Each case's input, output and the scorers' explanations."""
    with database().reading() as session:
        rows = eval_runs.run_results(session, principal(session, org, user), run, failing)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        mark = "PASS" if row.passed else "FAIL"
        console.rule(shown(f"{mark} {row.case_id} ({row.perspective}, {', '.join(row.risks)})"))
        for message in row.input:
            role = (
                "assistant (written by the suite)" if message.get("scripted") else message["role"]
            )
            console.print(f"[bold]{role}[/bold]: {shown(message['content'])}")
        console.print(
            f"[bold]output[/bold]: {shown(row.output or row.error or '')}", highlight=False
        )
        for score in row.scores:
            console.print(f"  {shown(score['scorer'])}: {shown(score['explanation'])}")


@app.command("score")
@handle_errors
def score_command(
    suite: Annotated[str, typer.Option(help="A built-in or imported suite's name, or a .yaml.")],
    answers: Annotated[
        Path,
        typer.Option(help='JSON lines: {"case": ID, "answer": TEXT}, one answer per line.'),
    ],
    judge: Annotated[
        str | None,
        typer.Option(help="A target that also judges every answer (key: TEKISEI_JUDGE_API_KEY)."),
    ] = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score answers produced elsewhere with a suite's scorers, offline: one JSON line per
    answer with --json, else a table; exits 1 when any answer fails."""
    language = resolve_lang(lang)
    scored = eval_service.score_answers(
        settings().data_dir,
        suite,
        answers,
        judge_spec=judge,
        judge_api_key=os.environ.get("TEKISEI_JUDGE_API_KEY"),
    )
    failed = 0
    rows: list[list[Any]] = []
    for line in scored:
        failed += not line["passed"]
        if as_json:
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            continue
        reasons = [
            (
                s["explanation_ja"]
                if language == "ja" and s.get("explanation_ja")
                else s["explanation"]
            )
            for s in line["scores"]
            if not s["passed"]
        ]
        rows.append([line["case"], "PASS" if line["passed"] else "FAIL", "; ".join(reasons)])
    if not as_json:
        table(["case", "verdict", "why it failed"], rows)
    if failed:
        raise typer.Exit(1)


@app.command("report")
@handle_errors
def report_command(
    run: RunArgument,
    org: OrgRequired,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="html or pdf.")] = "html",
    lang: LangOption = None,
    user: UserOption = None,
) -> None:
    """Write a run's report to hand on: a self-contained HTML page or a PDF (settings and
    results digest, pass rates with 95 % intervals, every failing case with its reasons)."""
    language = resolve_lang(lang)
    with database().reading() as session:
        found = report_service.eval_run_report(
            session, principal(session, org, user), run, fmt, language
        )
    output.write_bytes(found.content)
    console.print(f"wrote {output} ({len(found.content)} bytes)", markup=False)


@app.command("export")
@handle_errors
def export_command(
    run: RunArgument,
    org: OrgRequired,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl (tekisei-eval-log/1) or csv.")
    ] = "jsonl",
    user: UserOption = None,
) -> None:
    """Write a stored run as a run log (JSONL) or a CSV of its results."""
    with database().reading() as session:
        text = eval_runs.export_run(session, principal(session, org, user), run, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command("compare")
@handle_errors
def compare_command(
    before: Annotated[str, typer.Argument(metavar="BEFORE")],
    after: Annotated[str, typer.Argument(metavar="AFTER")],
    org: OrgRequired,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare two runs: per perspective, and which cases were fixed or regressed."""
    with database().reading() as session:
        out = eval_runs.compare_runs(session, principal(session, org, user), before, after)
    if as_json:
        print_json(out)
        return

    def cell(value: dict[str, int] | None) -> str:
        return "" if value is None else f"{value['passed']}/{value['total']}"

    table(
        ["perspective", out.before.key, out.after.key],
        [[row.perspective, cell(row.before), cell(row.after)] for row in out.perspectives],
    )
    console.print(f"fixed: {', '.join(out.fixed) or '-'}", markup=False)
    console.print(f"regressed: {', '.join(out.regressed) or '-'}", markup=False)


suggestions = typer.Typer(help="Risks suggested by failing runs, for a person to decide.")
app.add_typer(suggestions, name="suggestions")


@suggestions.command("list")
@handle_errors
def suggestions_list(
    org: OrgRequired,
    system: Annotated[int | None, typer.Option(help="Only this system.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Decided ones too.")] = False,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """List suggested risks (pending ones unless --all)."""
    with database().reading() as session:
        rows = risk_suggestions.list_suggestions(
            session, principal(session, org, user), system, None if all_ else "pending"
        )
    if as_json:
        print_json(rows)
        return
    table(
        ["id", "system", "risk", "failed", "likelihood", "existing risk", "status", "run"],
        [
            [
                s.id,
                s.system_id,
                f"{s.taxonomy} {s.title_ja}",
                f"{s.failed}/{s.total}",
                s.likelihood,
                s.risk_id or "",
                s.status,
                s.run_key,
            ]
            for s in rows
        ],
    )


@suggestions.command("accept")
@handle_errors
def suggestions_accept(
    suggestion: Annotated[int, typer.Argument(metavar="ID")],
    org: OrgRequired,
    impact: Annotated[
        int | None,
        typer.Option(min=1, max=5, help="Impact 1-5 (needed unless the risk exists already)."),
    ] = None,
    note: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    user: UserOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """Take a suggestion into the risk register (a new risk is named in --lang)."""
    with database().transaction() as session:
        who = principal(session, org, user)
        risk = risk_suggestions.accept_suggestion(
            session, who, suggestion, impact, note, resolve_lang(lang)
        )
        out = {"risk": risk.id, "likelihood": risk.likelihood, "impact": risk.impact}
    if as_json:
        print_json(out)
    else:
        console.print(f"risk {out['risk']}: likelihood {out['likelihood']}, impact {out['impact']}")


@suggestions.command("dismiss")
@handle_errors
def suggestions_dismiss(
    suggestion: Annotated[int, typer.Argument(metavar="ID")],
    org: OrgRequired,
    note: Annotated[str, typer.Option(help="Why no risk is needed.")],
    user: UserOption = None,
) -> None:
    """Decide a suggestion needs no risk, saying why."""
    with database().transaction() as session:
        risk_suggestions.dismiss_suggestion(
            session, principal(session, org, user), suggestion, note
        )
    console.print(f"suggestion {suggestion} dismissed")


@app.command("import")
@handle_errors
def import_command(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="An Inspect .eval/.json log or a J-AISI CSV.")
    ],
    system: Annotated[
        int | None, typer.Option(help="The system an Inspect run was made on.")
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="The organisation's id.")] = None,
    perspective: Annotated[
        str | None,
        typer.Option(help="J-AISI perspective (P1-P10) for samples whose metadata names none."),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Name of the suite made from a CSV dataset.")
    ] = None,
    pass_threshold: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Inspect logs: a score passes at this value or above, read by Inspect's "
            "rules (C 1, P 0.5, I and N 0; numbers as they are).",
        ),
    ] = 1.0,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import an Inspect log as a run on a system, or a J-AISI-style CSV dataset as a suite.

    An Inspect log (.eval or .json, as Inspect writes them) needs --system and --org; the
    run is then summarised, kept as evidence and suggests risks like any other. A CSV
    dataset becomes a suite under <data_dir>/suites, run with --suite NAME.
    """
    suffix = file.suffix.lower()
    if suffix == ".csv":
        path, suite = eval_service.import_dataset(
            settings().data_dir, file, name or file.stem.lower().replace(" ", "-")
        )
        out: dict[str, Any] = {
            "suite": suite.name,
            "cases": len(suite.cases),
            "path": str(path),
            "needs_judge": any(c.metadata.get("judge") == "required" for c in suite.cases),
        }
        if as_json:
            print_json(out)
        else:
            hint = " (run it with --judge)" if out["needs_judge"] else ""
            console.print(
                f"suite {suite.name}: {len(suite.cases)} cases → {path}{hint}", markup=False
            )
        return
    if suffix not in (".eval", ".json"):
        raise InvalidInputError(
            f"{file.name}: give an Inspect log (.eval or .json) or a J-AISI dataset (.csv)",
            ja=f"{file.name}: Inspect のログ（.eval・.json）か"
            " J-AISI 形式の CSV を指定してください。",
        )
    if system is None or org is None:
        raise InvalidInputError(
            "an Inspect log is imported as a run on a system: give --system and --org",
            ja="Inspect のログはシステムの評価実行として取り込みます。"
            "--system と --org を指定してください。",
        )
    db = database()
    with db.reading() as session:
        who = principal(session, org, user)
    run = eval_execution.import_run(db, who, system, file, perspective, pass_threshold)
    if as_json:
        print_json(run)
    else:
        console.print(
            f"run {run.key}: {run.passed}/{run.answered} passed ({(run.pass_rate or 0):.0%}), "
            f"imported from {file.name} onto system {run.system_id}",
            markup=False,
        )
