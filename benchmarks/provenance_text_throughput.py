"""Text verifications per second through the real HTTP API, at 20 concurrent clients.

The script makes a fresh deployment (SQLite by default) with one organisation holding the
demo company's public text watermark key (SmolLM2's tokenizer), starts ``tekisei serve``
as an operator would (uvicorn, the default workers, the public limit raised for the run
through ``TEKISEI_PUBLIC_VERIFY_PER_MINUTE`` so that the limit is not what is measured),
and runs ``--clients`` threads, each with its own keep-alive connection, posting the
shipped watermarked sample (SmolLM2's answer, about 190 scored tokens) to the public
``POST /api/provenance/verify/text`` for ``--seconds``. Every answer must be 200 with the
verdict ``watermark_detected``; anything else counts as an error.

It prints verifications/s, p50/p95/p99 latency, errors, and the library's own detection
time for the same text in the same run (tokenising, normalised forms, green counts), so
the cost of HTTP, JSON, the rate-limit counter and the database shows as the difference.

    .venv/bin/python benchmarks/provenance_text_throughput.py [--clients 20] [--seconds 30]
    .venv/bin/python benchmarks/provenance_text_throughput.py --workers 2
    .venv/bin/python benchmarks/provenance_text_throughput.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/tekisei_bench

Target: at least 100 verifications/s at 20 clients on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tekisei.config import load_settings
from tekisei.core.orgs import OrgActor, OrgCreate
from tekisei.provenance import GreenList, TokenizerFile, detect_text, smollm2_tokenizer
from tekisei.services import orgs, provenance
from tekisei.services.database import open_database, upgrade_database
from tekisei.services.demo import DEMO_TEXT_SAMPLE, DEMO_TEXT_SECRET

TEXT = DEMO_TEXT_SAMPLE.read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def prepare(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """A deployment with one organisation and the demo's public watermark key."""
    url = database_url or f"sqlite:///{data_dir / 'tekisei.db'}"
    settings = load_settings(data_dir=data_dir, database_url=url)
    upgrade_database(settings)
    database = open_database(settings)
    with database.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Bench", slug="bench", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "bench")
        provenance.create_key(
            session,
            admin,
            provenance.master_key(settings),
            data_dir,
            public_secret=DEMO_TEXT_SECRET,
        )
    database.close()
    return {
        **os.environ,
        "TEKISEI_DATA_DIR": str(data_dir),
        "TEKISEI_DATABASE_URL": url,
        "TEKISEI_PUBLIC_VERIFY_PER_MINUTE": "1000000",
        "TEKISEI_LOG_LEVEL": "WARNING",
    }


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tekisei serve exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/provenance/trust")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("tekisei serve did not answer in 120 s")


def client(port: int, until: float, latencies: list[float], errors: list[str]) -> None:
    """Post the sample until ``until``, one keep-alive connection."""
    body = json.dumps({"text": TEXT}).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            connection.request("POST", "/api/provenance/verify/text", body, headers)
            answer = connection.getresponse()
            data = answer.read()
        except OSError as exc:
            errors.append(type(exc).__name__)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        latencies.append(time.perf_counter() - started)
        if answer.status != 200 or json.loads(data)["verdict"] != "watermark_detected":
            errors.append(f"{answer.status} {data[:80]!r}")


def main() -> None:
    """Prepare, serve, load, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        tokenizer_path = Path(scratch) / "tokenizer.json"
        tokenizer_path.write_bytes(smollm2_tokenizer())
        tokenizer, green = TokenizerFile(tokenizer_path), GreenList(DEMO_TEXT_SECRET)
        detect_text(TEXT, tokenizer, green)
        started = time.perf_counter()
        for _ in range(200):
            found = detect_text(TEXT, tokenizer, green)
        library_ms = (time.perf_counter() - started) / 200 * 1000

        env = prepare(Path(scratch) / "var", args.database_url)
        port = _free_port()
        command = [sys.executable, "-m", "tekisei", "serve", "--port", str(port)]
        if args.workers is not None:
            command += ["--workers", str(args.workers)]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        try:
            _wait_for(port, server)
            warm: list[float] = []
            client(port, time.monotonic() + 2, warm, [])  # first requests load the tokenizer
            latencies: list[float] = []
            errors: list[str] = []
            began = time.monotonic()
            until = began + args.seconds
            threads = [
                threading.Thread(target=client, args=(port, until, latencies, errors))
                for _ in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - began
        finally:
            server.terminate()
            server.wait(timeout=30)

    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{args.clients} clients, {elapsed:.0f} s, workers {args.workers or 'default'}, "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}; text of {found.tokens_scored} "
        "scored tokens"
    )
    print(
        f"verifications/s {len(latencies) / elapsed:.1f} · p50 {cuts[49] * 1000:.1f} ms · "
        f"p95 {cuts[94] * 1000:.1f} ms · p99 {cuts[98] * 1000:.1f} ms · "
        f"errors {len(errors)} (target ≥ 100/s)"
    )
    print(f"library detection of the same text: {library_ms:.2f} ms")
    if errors:
        print("first errors:", errors[:3])


if __name__ == "__main__":
    main()
