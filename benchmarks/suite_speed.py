"""The test suite's CPU time before and after a change, on the same tests in one run.

    .venv/bin/python benchmarks/suite_speed.py --base REV [--head REV] [--rounds N] [TESTS...]

Checks out ``--base`` and ``--head`` (default: the working tree as it is) into temporary
git worktrees and runs ``pytest -n0 -q TESTS`` in each, taking turns for ``--rounds``
rounds, against a PostgreSQL cluster of its own started for the run (so that the
server's CPU time is the suite's alone; the machine's ``initdb`` and ``pg_ctl``, run as
the ``postgres`` user when started by root). For each run it prints the tests that
passed, the CPU seconds of pytest and what it started, the PostgreSQL server's CPU
seconds, the wall-clock seconds, and then head ÷ base. CPU time rather than wall time:
other work on the machine slows a run down but hardly changes the CPU time it needs.

TESTS defaults to a sample of every layer (services, web, CLI, database, rendering,
core). Not a test and never run by CI.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = [
    "tests/services/test_vendors.py",
    "tests/services/test_accounts.py",
    "tests/services/test_inquiries.py",
    "tests/web/test_vendors_web.py",
    "tests/web/test_inquiries_web.py",
    "tests/cli/test_inquiries_cli.py",
    "tests/core",
]


@dataclass
class Measured:
    """One run of the tests."""

    label: str
    passed: int
    failed: int
    cpu: float
    server_cpu: float
    wall: float


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Postgres:
    """A throwaway PostgreSQL cluster on a free local port."""

    def __init__(self, folder: Path) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            sys.exit("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = Path(found[-1]).parent
        self.folder = folder
        self.port = _free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(folder, "postgres")
        self._run("initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -k {folder} -c listen_addresses=127.0.0.1"
        log = str(folder / "server.log")  # not a pipe: the server outlives pg_ctl
        self._run("pg_ctl", "-D", str(folder / "data"), "-o", options, "-l", log, "-w", "start")
        try:
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "test")
            self.pid = int((folder / "data" / "postmaster.pid").read_text().split()[0])
        except BaseException:
            self.stop()
            raise
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/test"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / program), *args],
            check=True,
            capture_output=True,
            cwd="/",
        )

    def cpu(self) -> float:
        """CPU seconds of the server so far: the postmaster, its live processes and those
        that ended."""
        ticks = 0
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                text = Path(stat).read_text()
            except OSError:
                continue
            fields = text.rsplit(")", 1)[1].split()
            pid, ppid = int(Path(stat).parent.name), int(fields[1])
            if pid == self.pid:
                ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
            elif ppid == self.pid:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")


def _checkout(rev: str | None, folder: Path) -> Path:
    """The files of ``rev`` (git archive, no worktree registered); the working tree itself
    when ``rev`` is None."""
    if rev is None:
        return ROOT
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _run(label: str, tree: Path, tests: list[str], server: Postgres) -> Measured:
    env = {
        **os.environ,
        "PYTHONPATH": str(tree / "src"),
        "TEKISEI_TEST_DATABASE_URL": server.url,
        "TEKISEI_REQUIRE_ALL": "1",
    }
    command = [sys.executable, "-m", "pytest", "-n0", "-q", "-p", "no:cacheprovider", *tests]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before, started = server.cpu(), time.monotonic()
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|error)", summary)}
    return Measured(
        label,
        counts.get("passed", 0),
        counts.get("failed", 0) + counts.get("error", 0),
        (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        server.cpu() - server_before,
        wall,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, help="the revision before the change")
    parser.add_argument("--head", help="the revision after it (default: the working tree)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("tests", nargs="*", default=SAMPLE)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="suite-speed-"))
    scratch.chmod(0o755)  # the server's user reaches its folder inside
    trees = {
        "base": _checkout(args.base, scratch / "base"),
        "head": _checkout(args.head, scratch / "head"),
    }
    (scratch / "pg").mkdir()
    runs: list[Measured] = []
    server = Postgres(scratch / "pg")
    try:
        for _ in range(args.rounds):
            for label, tree in trees.items():
                runs.append(_run(label, tree, args.tests, server))
                print(runs[-1], flush=True)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n{' '.join(args.tests)}")
    print("| | passed | failed | pytest CPU s | PostgreSQL CPU s | CPU total s | wall s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    totals: dict[str, list[float]] = {"base": [0, 0, 0], "head": [0, 0, 0]}
    for run in runs:
        total = run.cpu + run.server_cpu
        print(
            f"| {run.label} | {run.passed} | {run.failed} | {run.cpu:.0f} | "
            f"{run.server_cpu:.0f} | {total:.0f} | {run.wall:.0f} |"
        )
        for i, value in enumerate((run.cpu, run.server_cpu, total)):
            totals[run.label][i] += value
    base, head = totals["base"], totals["head"]
    print(
        f"\nhead ÷ base: pytest CPU {head[0] / base[0]:.2f}, PostgreSQL CPU "
        f"{head[1] / max(base[1], 0.01):.2f}, CPU total {head[2] / base[2]:.2f}"
    )


if __name__ == "__main__":
    main()
