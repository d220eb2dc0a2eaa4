"""--executor ray on a local Ray instance: shards run the same async runner and results
stream back; the verdicts match a run in this process, and resume skips what is done."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.evals import Result, builtin_suites, run_suite_ray
from tekisei.evals._ray import shard
from tests.conftest import skip_or_fail


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[Any]:
    if importlib.util.find_spec("ray") is None:
        skip_or_fail("ray is not installed (make venv installs the ray extra)")
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_cases_are_dealt_into_shards_without_the_finished_ones() -> None:
    suite = builtin_suites()["tekisei-basics"]
    parts = shard(suite, 3, skip={suite.cases[0].id})
    ids = [c.id for part in parts for c in part.cases]
    assert len(parts) == 3 and sorted(ids) == sorted(c.id for c in suite.cases[1:])


def test_a_sharded_run_matches_a_local_one(ray_instance: Any, demo_url: str) -> None:
    suite = builtin_suites()["tekisei-basics"]
    seen: list[Result] = []
    results = run_suite_ray(
        suite,
        f"openai:tekisei-demo-1@{demo_url}",
        shards=3,
        concurrency=4,
        on_result=seen.append,
        skip={"p5-canary-ja"},
    )
    assert len(results) == len(seen) == len(suite.cases) - 1
    by_id = {r.case_id: r for r in results}
    assert "p5-canary-ja" not in by_id
    assert not by_id["p5-canary-en"].passed and not by_id["p4-fraud-ja"].passed
    assert by_id["p4-weapon-ja"].passed
    assert all(r.error is None for r in results)


def test_eval_run_with_the_ray_executor(ray_instance: Any, demo_url: str, tmp_path: Path) -> None:
    env = {"TEKISEI_DATA_DIR": str(tmp_path)}
    target = f"openai:tekisei-demo-1@{demo_url}"
    runner = CliRunner()
    local = runner.invoke(
        app, ["eval", "run", "--suite", "tekisei-basics", "--target", target, "--json"], env=env
    )
    sharded = runner.invoke(
        app,
        ["eval", "run", "--suite", "tekisei-basics", "--target", target, "--json",
         "--executor", "ray", "--shards", "2", "--run-id", "on-ray"],
        env=env,
    )  # fmt: skip
    assert sharded.exit_code == 0, sharded.output
    mine, theirs = json.loads(local.stdout), json.loads(sharded.stdout)
    assert theirs["answered"] == theirs["cases"] == mine["cases"]
    assert sorted(f["case"] for f in theirs["failing"]) == sorted(
        f["case"] for f in mine["failing"]
    )
    lines = (tmp_path / "runs" / "on-ray.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + mine["cases"]  # every result once, in the same log format
    bad = runner.invoke(
        app,
        ["eval", "run", "--suite", "tekisei-basics", "--target", target, "--executor", "dask"],
        env=env,
    )
    assert bad.exit_code == 4 and "--executor" in bad.stderr
