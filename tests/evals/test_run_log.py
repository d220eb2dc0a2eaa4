"""The run log survives a crash: resuming after ``kill -9`` loses and duplicates nothing."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tekisei.evals import (
    CallableTarget,
    Case,
    Expected,
    Message,
    Result,
    Role,
    RunHeader,
    RunLog,
    RunLogError,
    Suite,
    run_suite,
)

CASES = 120


def big_suite() -> Suite:
    return Suite(
        name="crash",
        version="1",
        scorers=["refusal"],
        cases=[
            Case(
                id=f"c{n:03d}",
                input=[Message(role=Role.USER, content=f"質問 {n}")],
                expected=Expected.COMPLY,
                perspective="P8",
            )
            for n in range(CASES)
        ],
    )


def header() -> RunHeader:
    return RunHeader(
        run_id="r1",
        suite="crash",
        suite_version="1",
        target="callable",
        started_at=datetime(2026, 11, 26, tzinfo=UTC),
    )


async def slow_answer(messages: list[Message]) -> str:
    await asyncio.sleep(0.02)
    return "回答します: " + messages[-1].content


WORKER = """
import asyncio, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from evals.test_run_log import big_suite, header, slow_answer
from tekisei.evals import CallableTarget, RunLog, run_suite

log = RunLog.create(Path({path!r}), header(), batch=3)
target = CallableTarget(slow_answer)
asyncio.run(run_suite(big_suite(), target, concurrency=2, on_result=log.append))
log.flush()
"""


def result_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[1:]]


def test_resume_after_kill_9_has_no_lost_or_duplicated_results(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    tests_dir = str(Path(__file__).resolve().parents[1])
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER.format(tests=tests_dir, path=str(path))],
        env={**os.environ, "PYTHONPATH": tests_dir},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text(encoding="utf-8").splitlines()) > 20:
            break
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    assert worker.wait() == -signal.SIGKILL

    written = len(result_lines(path))
    assert 20 <= written < CASES  # killed part-way

    log = RunLog.open(path, batch=3)
    assert len(log.finished()) == written
    resumed = asyncio.run(
        run_suite(
            big_suite(),
            CallableTarget(slow_answer),
            concurrency=8,
            on_result=log.append,
            skip=log.finished(),
        )
    )
    log.flush()
    assert len(resumed) == CASES - written

    ids = [line["case_id"] for line in result_lines(path)]
    assert len(ids) == len(set(ids)) == CASES
    assert sorted(ids) == [case.id for case in big_suite().cases]
    assert all(line["error"] is None for line in result_lines(path))


def test_a_torn_last_line_is_cut_off_and_that_case_runs_again(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    log = RunLog.create(path, header(), batch=1)
    log.append(Result(case_id="c000", output="ok"))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"case_id": "c001", "outp')  # the process died mid-write
    reopened = RunLog.open(path)
    assert reopened.finished() == {"c000"}
    assert path.read_text(encoding="utf-8").endswith("\n")
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2


def test_an_errored_case_is_retried_and_its_new_line_supersedes_the_old(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    log = RunLog.create(path, header(), batch=1)
    log.append(Result(case_id="c000", output=None, error="timeout"))
    reopened = RunLog.open(path)
    assert reopened.finished() == set()
    reopened.append(Result(case_id="c000", output="ok"))
    reopened.flush()
    again = RunLog.open(path)
    assert [r.output for r in again.results()] == ["ok"]
    with pytest.raises(RunLogError, match="already has a result"):
        again.append(Result(case_id="c000", output="twice"))


def test_bad_logs_get_clear_errors_and_are_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    RunLog.create(path, header())
    before = path.read_bytes()
    with pytest.raises(RunLogError, match="--resume"):
        RunLog.create(path, header())
    assert path.read_bytes() == before
    with pytest.raises(RunLogError, match="no run log"):
        RunLog.open(tmp_path / "missing.jsonl")
    edited = tmp_path / "edited.jsonl"
    edited.write_text(header().model_dump_json() + "\n" + '{"case": 1}\n', encoding="utf-8")
    with pytest.raises(RunLogError, match="line 2 is not a result"):
        RunLog.open(edited)
    not_a_log = tmp_path / "other.jsonl"
    not_a_log.write_text('{"hello": "world"}\n', encoding="utf-8")
    with pytest.raises(RunLogError, match="line 1 is not a tekisei run header"):
        RunLog.open(not_a_log)
