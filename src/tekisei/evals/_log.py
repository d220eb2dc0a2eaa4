"""The run log: one JSONL file per run, written in batches, safe to resume after a crash.

The first line is a :class:`RunHeader`; every further line is a :class:`Result`.
Lines are appended and fsync'd in batches, so a run killed at any moment leaves
at most a torn last line, which :meth:`RunLog.open` cuts off. A case answered
with an error may be tried again on resume; its later line supersedes the
earlier one, so :meth:`RunLog.results` holds one result per case.

One process at a time executes a run: it holds an advisory lock on the log while it
appends (:meth:`RunLog.held`), and a log being appended to is never opened to resume it
(the operating system drops the lock of a killed process, so kill -9 leaves nothing to
clean up).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from tekisei.evals._model import Result, RunHeader
from tekisei.private import private_opener


class RunLogError(ValueError):
    """The run log cannot be used as it is; the message says why and what to do."""


class RunLogBusyError(RunLogError):
    """Another process is executing the run."""

    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"run {run_id} is being executed by another process; wait until it ends (or "
            "stop that process) and resume it then"
        )
        self.run_id = run_id


@contextmanager
def _locked(path: Path) -> Iterator[BinaryIO]:
    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLogBusyError(path.stem) from None
        yield handle  # the lock goes with the descriptor


class RunLog:
    """Append-only JSONL log of one run."""

    def __init__(self, path: Path, header: RunHeader, results: dict[str, Result], batch: int):
        self.path = path
        self.header = header
        self._results = results
        self._pending: list[Result] = []
        self._batch = max(1, batch)

    @classmethod
    def create(cls, path: Path, header: RunHeader, *, batch: int = 20) -> RunLog:
        """Start a new log; refuses to overwrite an existing file."""
        try:
            with open(path, "x", encoding="utf-8", opener=private_opener) as handle:
                handle.write(header.model_dump_json() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except FileExistsError:
            raise RunLogError(
                f"{path} already exists; resume it with --resume or choose another run id"
            ) from None
        return cls(path, header, {}, batch)

    @classmethod
    def open(cls, path: Path, *, batch: int = 20) -> RunLog:
        """Open a log to resume it, cutting off a torn last line left by a crash."""
        try:
            with _locked(path) as handle:  # nobody appends while the torn line is cut off
                data = handle.read()
                if data and not data.endswith(b"\n"):
                    keep = data.rfind(b"\n") + 1
                    if keep == 0:
                        raise RunLogError(f"{path} has no complete header line; start a new run")
                    with path.open("r+b") as writable:
                        writable.truncate(keep)
                        writable.flush()
                        os.fsync(writable.fileno())
                    data = data[:keep]
        except FileNotFoundError:
            raise RunLogError(f"no run log at {path}; check the run id") from None
        lines = data.decode("utf-8").splitlines()
        if not lines:
            raise RunLogError(f"{path} is empty; start a new run")
        try:
            header = RunHeader.model_validate_json(lines[0])
        except ValidationError as exc:
            raise RunLogError(f"{path} line 1 is not a tekisei run header: {exc}") from None
        results: dict[str, Result] = {}
        for number, line in enumerate(lines[1:], start=2):
            try:
                result = Result.model_validate_json(line)
            except ValidationError as exc:
                raise RunLogError(
                    f"{path} line {number} is not a result ({exc.errors()[0]['msg']}); "
                    "the log was edited or corrupted, so it cannot be resumed"
                ) from None
            results[result.case_id] = result
        return cls(path, header, results, batch)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the log while this process executes the run.

        Raises:
            RunLogBusyError: another process holds it.
        """
        with _locked(self.path):
            yield

    def finished(self) -> set[str]:
        """Ids of cases answered without error; resume skips them."""
        return {case_id for case_id, result in self._results.items() if result.error is None}

    def results(self) -> list[Result]:
        """One result per case (the latest line wins), in the order first seen."""
        return list(self._results.values())

    def append(self, result: Result) -> None:
        """Record a result; written to disk once a batch is full (or on :meth:`flush`)."""
        if result.case_id in self.finished():
            raise RunLogError(f"case {result.case_id} already has a result in {self.path}")
        self._results[result.case_id] = result
        self._pending.append(result)
        if len(self._pending) >= self._batch:
            self.flush()

    def flush(self) -> None:
        """Write and fsync the pending results."""
        if not self._pending:
            return
        text = "".join(result.model_dump_json() + "\n" for result in self._pending)
        with open(self.path, "a", encoding="utf-8", opener=private_opener) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        self._pending.clear()
