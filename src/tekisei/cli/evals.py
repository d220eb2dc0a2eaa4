"""``tekisei eval`` and ``tekisei demo-target``: evaluation runs from the command line."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tekisei.cli.common import JsonOption, console, handle_errors, print_json, settings, table
from tekisei.services import evals as eval_service

EXIT_BELOW_THRESHOLD = 2
app = typer.Typer(help="Evaluation and red-teaming runs.", no_args_is_help=True)


def demo_target_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8900,
    latency: Annotated[float, typer.Option(help="Milliseconds before each answer.")] = 0.0,
) -> None:
    """Serve a chat-completions model with deliberate weaknesses (no API key needed)."""
    typer.echo(f"demo target: http://{host}:{port}/v1 (model tekisei-demo-1)")
    uvicorn.run(eval_service.demo_app(latency), host=host, port=port, log_level="warning")


@app.command("suites")
@handle_errors
def suites_command(as_json: JsonOption = False) -> None:
    """List the built-in suites."""
    rows = eval_service.suite_rows()
    if as_json:
        print_json(rows)
        return
    table(
        ["suite", "version", "cases", "perspectives", "languages"],
        [
            [
                r["name"],
                r["version"],
                r["cases"],
                " ".join(r["perspectives"]),
                " ".join(r["languages"]),
            ]
            for r in rows
        ],
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
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight at once.")] = 10,
    rate: Annotated[
        str | None, typer.Option(help="At most this many requests, e.g. 600/min.")
    ] = None,
    retries: Annotated[int, typer.Option(min=0, help="Retries of 429, 5xx and timeouts.")] = 2,
    run_id: Annotated[
        str | None, typer.Option(help="Name of the new run (default: generated).")
    ] = None,
    resume: Annotated[
        str | None, typer.Option(help="Continue this run; finished cases are not run again.")
    ] = None,
    fail_under: Annotated[
        float | None, typer.Option(min=0, max=1, help="Exit 2 when the pass rate is below this.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a suite against a target, writing a resumable run log.

    The API key, if the target needs one, is read from TEKISEI_TARGET_API_KEY.
    """
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
    )
    prepared = eval_service.prepare(settings().data_dir, request)
    err = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=as_json or not err.is_terminal) as progress:
        task = progress.add_task(prepared.log.header.run_id, total=prepared.todo, failed=0)
        failed = 0

        def advance(passed: bool) -> None:
            nonlocal failed
            failed += int(not passed)
            progress.update(task, advance=1, failed=failed)

        eval_service.execute(prepared, lambda result: advance(result.passed))
    report = eval_service.report(prepared)
    if as_json:
        print_json(report)
    else:
        console.print(
            f"run {report['run_id']}: {report['passed']}/{report['answered']} passed"
            f" ({report['pass_rate']:.0%}), {report['errors']} errors — log {report['log']}"
        )
        table(
            ["perspective", "passed", "total"],
            [[p, v["passed"], v["total"]] for p, v in report["by_perspective"].items()],
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
    if fail_under is not None and report["pass_rate"] < fail_under:
        raise typer.Exit(EXIT_BELOW_THRESHOLD)
