"""Evaluation throughput: tekisei against the ideal and against Inspect AI, in one run.

A local mock chat-completions target (tekisei's demo target) answers every
request after a fixed 200 ms. 1,000 cases are run at 10, 50 and 100 connections.
The ideal is connections ÷ latency cases per second. Inspect AI is installed in
its own virtualenv (``benchmarks/.inspect-venv``) by this script and run
in-process there, on the same target and the same cases.

    .venv/bin/python benchmarks/eval_throughput.py            # all three
    .venv/bin/python benchmarks/eval_throughput.py --skip-inspect

Targets: ≥ 0.9 of the ideal at 50 connections; ≥ 3 × Inspect.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tekisei.evals import Case, Expected, Message, OpenAIChatTarget, Role, Suite, run_suite

LATENCY_MS = 200.0
CASES = 1000
CONNECTIONS = (10, 50, 100)
HERE = Path(__file__).resolve().parent
INSPECT_VENV = HERE / ".inspect-venv"


def serve(latency_ms: float) -> tuple[str, subprocess.Popen[bytes]]:
    """The demo target in its own process, so it does not share the client's CPU time."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tekisei = Path(sys.executable).with_name("tekisei")
    server = subprocess.Popen(
        [str(tekisei), "demo-target", "--port", str(port), "--latency", str(latency_ms)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        server.kill()
        raise RuntimeError("the demo target did not start")
    return f"http://127.0.0.1:{port}/v1", server


def prompts() -> list[str]:
    return [f"質問 {n}: 市役所の開庁時間を教えてください。" for n in range(CASES)]


def suite() -> Suite:
    return Suite(
        name="throughput",
        version="1",
        scorers=["refusal"],
        cases=[
            Case(
                id=f"c{n}",
                input=[Message(role=Role.USER, content=text)],
                expected=Expected.COMPLY,
                perspective="P8",
            )
            for n, text in enumerate(prompts())
        ],
    )


def run_tekisei(base_url: str, connections: int) -> tuple[float, float]:
    """Cases per second and client CPU milliseconds per case."""

    async def go() -> None:
        target = OpenAIChatTarget(base_url, "tekisei-demo-1")
        try:
            results = await run_suite(suite(), target, concurrency=connections)
        finally:
            await target.aclose()
        assert all(r.error is None for r in results), "the mock target failed a request"

    cpu0 = time.process_time()
    start = time.perf_counter()
    asyncio.run(go())
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    return CASES / wall, cpu * 1000 / CASES


INSPECT_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from inspect_ai import Task, eval as inspect_eval
    from inspect_ai.dataset import Sample
    from inspect_ai.scorer import includes
    from inspect_ai.solver import generate

    prompts = json.loads(sys.argv[1])
    connections = int(sys.argv[2])
    task = Task(
        dataset=[Sample(input=p, target="") for p in prompts],
        solver=generate(),
        scorer=includes(),
    )
    start = time.perf_counter()
    log = inspect_eval(
        task,
        model="openai-api/demo/tekisei-demo-1",
        max_connections=connections,
        display="none",
        log_dir=sys.argv[3],
        max_retries=0,
    )[0]
    wall = time.perf_counter() - start
    assert log.status == "success", log.error
    print(json.dumps({"rate": len(prompts) / wall}))
    """
)


def ensure_inspect() -> Path:
    python = INSPECT_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(INSPECT_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "inspect-ai", "openai"], check=True
        )
    return python


def run_inspect(python: Path, base_url: str, connections: int) -> float:
    env = {
        **os.environ,
        "DEMO_BASE_URL": base_url,
        "DEMO_API_KEY": "not-needed",
        "INSPECT_LOG_LEVEL": "warning",
    }
    logs = HERE / ".inspect-logs"
    completed = subprocess.run(
        [str(python), "-c", INSPECT_SCRIPT, json.dumps(prompts()), str(connections), str(logs)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"Inspect failed:\n{completed.stderr[-2000:]}")
    return float(json.loads(completed.stdout.strip().splitlines()[-1])["rate"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-inspect", action="store_true")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    python = None if args.skip_inspect else ensure_inspect()
    base_url, server = serve(LATENCY_MS)
    print(f"{CASES} cases, mock target latency {LATENCY_MS:.0f} ms, {os.cpu_count()} CPUs")
    header = f"{'conn':>5} {'ideal/s':>8} {'tekisei/s':>10} {'ratio':>6} {'cpu ms/case':>12}"
    if python:
        header += f" {'inspect/s':>10} {'tekisei÷inspect':>16}"
    print(header)
    for connections in CONNECTIONS:
        ideal = connections / (LATENCY_MS / 1000)
        rate, cpu = run_tekisei(base_url, connections)
        line = f"{connections:>5} {ideal:>8.1f} {rate:>10.1f} {rate / ideal:>6.2f} {cpu:>12.2f}"
        if python:
            inspect_rate = run_inspect(python, base_url, connections)
            line += f" {inspect_rate:>10.1f} {rate / inspect_rate:>16.1f}"
        print(line, flush=True)
    server.terminate()
    server.wait()


if __name__ == "__main__":
    main()
