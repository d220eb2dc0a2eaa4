"""Command start-up: how long a whole ``tekisei`` process takes, against a bare Python.

Each command is run as its own process, as a user or a CI job runs it, five times in
turn with the others; the median wall time is reported, with the same for
``python -c pass`` measured in the same run (the floor no Python command goes below).
A fresh SQLite database with the shipped catalogs and one organisation and system is
made first, so ``check`` and ``catalog show`` do their real work.

Targets (issue 12): ``tekisei --version`` ≤ 0.3 s, ``tekisei check SYSTEM`` ≤ 1.5 s,
``tekisei catalog show REF`` ≤ 1 s.

    .venv/bin/python benchmarks/cli_startup.py [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PYTHON = sys.executable
TARGETS = {"version": 0.3, "check": 1.5, "catalog show": 1.0}


def _tekisei(*args: str) -> list[str]:
    return [PYTHON, "-m", "tekisei", *args]


def _setup(env: dict[str, str]) -> str:
    def run(*args: str) -> str:
        done = subprocess.run(_tekisei(*args), env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"set-up step {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    run("db", "upgrade")
    run("catalog", "load")
    run("orgs", "create", "Bench", "--slug", "bench", "--actor", "business")
    made = run("systems", "create", "--org", "bench", "--name", "bench", "--role", "user", "--json")
    return str(json.loads(made)["id"])


def _time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, TEKISEI_DATA_DIR=folder, LANG="C.UTF-8")
        env.pop("TEKISEI_DATABASE_URL", None)
        system = _setup(env)
        commands = {
            "python -c pass": [PYTHON, "-c", "pass"],
            "version": _tekisei("--version"),
            "check": _tekisei("check", system, "--org", "bench"),
            "catalog show": _tekisei("catalog", "show", "jp-ai-appropriateness-2025:2(1)"),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():  # in turn, so load hits all alike
                times[name].append(_time(command, env))
    floor = statistics.median(times["python -c pass"])
    rows = []
    for name, values in times.items():
        median = statistics.median(values)
        target = TARGETS.get(name)
        rows.append(
            {
                "command": name,
                "median_s": round(median, 3),
                "x_python": round(median / floor, 1),
                "target_s": target,
                "met": None if target is None else median <= target,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"Command start-up, median of {args.runs} runs each (Python {sys.version.split()[0]}):")
    print()
    print("| command | median | × python -c pass | target | met |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        target = "—" if row["target_s"] is None else f"≤ {row['target_s']} s"
        met = "—" if row["met"] is None else ("yes" if row["met"] else "no")
        print(
            f"| {row['command']} | {row['median_s']:.3f} s | {row['x_python']} | {target} | {met} |"
        )


if __name__ == "__main__":
    main()
