"""Evaluation runs: choose a suite and a target, run it resumably, report the findings.

Run logs are JSONL files under ``<data_dir>/runs``; a later step records runs
against systems in the database and turns them into evidence.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from starlette.applications import Starlette

from tekisei.core.eval_findings import MAX_ERROR_SHARE
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.evals import (
    Case,
    Generation,
    ImportFileError,
    Judge,
    JudgeError,
    Message,
    NetworkPolicy,
    ResponseCache,
    Result,
    Role,
    RunHeader,
    RunLog,
    RunLogBusyError,
    RunLogError,
    Suite,
    SuiteError,
    Target,
    TargetError,
    TokenBucket,
    apply_probes,
    bias_scores,
    builtin_suites,
    consistency,
    create_demo_app,
    load_suite,
    needs_judge,
    probe_names,
    read_jaisi_csv,
    run_suite,
    run_suite_ray,
    score_answer,
    summary,
    target_from_spec,
    with_epochs,
    with_judge,
)
from tekisei.private import private_dir, write_private
from tekisei.services import storage
from tekisei.untrusted import MAX_CSV_BYTES, load_yaml, read_text


@dataclass(frozen=True)
class RunRequest:
    """What to run and how."""

    suite: str
    target: str
    probes: list[str] = field(default_factory=list)
    concurrency: int = 10
    retries: int = 2
    rate: str | None = None
    run_id: str | None = None
    resume: str | None = None
    api_key: str | None = None
    judge: str | None = None
    """A target spec for an LLM judge that also scores every answer."""
    judge_api_key: str | None = None
    executor: str = "local"
    """``local`` (this process) or ``ray`` (shards on a Ray cluster)."""
    shards: int = 2
    ray_address: str | None = None
    network: NetworkPolicy = field(default_factory=NetworkPolicy.strict)
    """What the target and the judge may reach (default: public addresses only)."""
    epochs: int = 1
    """How many times each case is asked (each answer scored on its own)."""
    temperature: float | None = None
    seed: int | None = None
    max_tokens: int | None = None
    """Sampling settings sent to API targets (None: the endpoint's default)."""
    cache: Path | None = None
    """A file of answers kept between runs (``--cache``): a request answered before is
    not sent again. Only successful answers are kept; the file is private (0600)."""


@dataclass
class PreparedRun:
    """A run ready to start (or continue): its suite, target, log and what is left."""

    suite: Suite
    target: Target
    log: RunLog
    request: RunRequest
    bucket: TokenBucket | None
    todo: int
    judge: Judge | None = None


def _busy(exc: RunLogBusyError) -> ConflictError:
    return ConflictError(
        str(exc),
        ja=f"評価実行 {exc.run_id} は別のプロセスが実行中です。終わるのを待つか、"
        "そのプロセスを止めてから再開してください。",
    )


@contextmanager
def _invalid_input() -> Iterator[None]:
    try:
        yield
    except RunLogBusyError as exc:
        raise _busy(exc) from None
    except RunLogError as exc:
        if "no run log" in str(exc):
            raise NotFoundError(str(exc)) from None
        raise InvalidInputError(str(exc)) from None
    except (SuiteError, ImportFileError, ValueError) as exc:
        raise InvalidInputError(str(exc)) from None
    except KeyError as exc:
        raise InvalidInputError(str(exc.args[0]) if exc.args else str(exc)) from None


def parse_rate(text: str) -> float:
    """Requests per minute from ``600/min``, ``10/s`` or a bare number (per minute).

    Raises:
        InvalidInputError: anything else.
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(min|m|s|sec))?\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise InvalidInputError(
            f"rate {text!r}: write requests per minute, e.g. 600/min or 10/s",
            ja=f"レート {text!r}: 1分あたりのリクエスト数を"
            " 600/min や 10/s のように指定してください",
        )
    value = float(match.group(1))
    return value * 60 if match.group(2) in {"s", "sec"} else value


def runs_dir(data_dir: Path, org_id: int | None = None) -> Path:
    """Where run logs are kept: ``<data_dir>/runs/<org_id>`` for runs on an organisation's
    systems (run names are unique per organisation), ``<data_dir>/runs`` for local runs."""
    folder = private_dir(data_dir / "runs")
    if org_id is not None:
        folder = private_dir(folder / str(int(org_id)))
    return folder


def suites_dir(data_dir: Path) -> Path:
    """Where imported suites are kept: ``<data_dir>/suites``."""
    return data_dir / "suites"


def _imported_suites(data_dir: Path | None) -> dict[str, Suite]:
    if data_dir is None or not suites_dir(data_dir).is_dir():
        return {}
    out: dict[str, Suite] = {}
    for path in sorted(suites_dir(data_dir).glob("*.yaml")):
        try:
            suite = load_suite(str(path))
        except SuiteError:
            continue
        out[suite.name] = suite
    return out


def suite_rows(data_dir: Path | None = None) -> list[dict[str, Any]]:
    """The built-in suites and those imported into ``data_dir``, for listing."""
    rows = []
    for origin, suites in (
        ("built-in", builtin_suites()),
        ("imported", _imported_suites(data_dir)),
    ):
        for suite in suites.values():
            rows.append(
                {
                    "name": suite.name,
                    "version": suite.version,
                    "origin": origin,
                    "cases": len(suite.cases),
                    "perspectives": sorted(
                        {c.perspective for c in suite.cases}, key=perspective_order
                    ),
                    "languages": sorted({c.lang for c in suite.cases}),
                    "scorers": suite.scorers,
                    "needs_judge": any(needs_judge(c) for c in suite.cases),
                    "not_by_prompts": [
                        {"perspective": p["perspective"], "covered_by": p["covered_by"]}
                        for p in promptless_perspectives()
                        if p["perspective"] not in {c.perspective for c in suite.cases}
                    ],
                }
            )
    return rows


def import_dataset(data_dir: Path, path: Path, name: str) -> tuple[Path, Suite]:
    """Turn a J-AISI-style CSV dataset into a suite kept in ``<data_dir>/suites``, runnable
    by name (``--suite NAME``).

    Raises:
        InvalidInputError: unreadable or malformed file, a bad name, or a suite of that
            name exists already.
    """
    with _invalid_input():
        name = _safe_id(name)
        try:
            text = read_text(path, MAX_CSV_BYTES, encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read {path} as UTF-8 text: {exc}") from None
        suite = read_jaisi_csv(text, name, path.name)
    if name in builtin_suites() or name in _imported_suites(data_dir):
        raise InvalidInputError(
            f"a suite named {name} exists already; choose another --name",
            ja=f"スイート {name} はすでにあります。別の --name を指定してください。",
        )
    target = suites_dir(data_dir) / f"{name}.yaml"
    data = suite.model_dump(mode="json")
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    header = f"# Imported from {path.name} (J-AISI dataset format) by tekisei eval import.\n"
    write_private(target, (header + text).encode("utf-8"))
    return target, suite


def probes() -> list[str]:
    """The attack transforms a run may add."""
    return probe_names()


def perspective_order(perspective: str) -> int:
    """P1 < P2 < … < P10."""
    return int(perspective[1:])


def prepare(data_dir: Path, request: RunRequest, org_id: int | None = None) -> PreparedRun:
    """Load the suite and target and create (or reopen, to resume) the run log, in the
    organisation's folder when ``org_id`` is given (see :func:`runs_dir`).

    Raises:
        InvalidInputError: unknown suite, target, probe or rate; a run id in use.
        NotFoundError: ``resume`` names no run.
    """
    if request.concurrency < 1:
        raise InvalidInputError("concurrency is at least 1", ja="同時接続数は1以上にしてください")
    if request.executor not in ("local", "ray") or request.shards < 1:
        raise InvalidInputError(
            "--executor is local or ray, and --shards at least 1",
            ja="--executor は local か ray、--shards は1以上で指定してください。",
        )
    sampling = (request.temperature, request.seed, request.max_tokens)
    if request.executor == "ray" and any(value is not None for value in sampling):
        raise InvalidInputError(
            "--temperature, --seed and --max-tokens are not passed to Ray workers yet; run "
            "with --executor local",
            ja="--temperature・--seed・--max-tokens は Ray のワーカーにはまだ渡せません。"
            "--executor local で実行してください。",
        )
    with _invalid_input():
        imported = _imported_suites(data_dir)
        suite = imported[request.suite] if request.suite in imported else load_suite(request.suite)
        if request.judge is None and any(needs_judge(c) for c in suite.cases):
            raise ValueError(
                f"suite {suite.name} has cases only an LLM judge can score; run it with --judge"
            )
        if request.probes:
            suite = suite.model_copy(update={"cases": apply_probes(suite.cases, request.probes)})
        recorded = _recorded_settings(runs_dir(data_dir, org_id), request)
        epochs = int(recorded.get("epochs", request.epochs))
        generation = Generation(
            **recorded.get(
                "generation",
                {"temperature": request.temperature, "seed": request.seed,
                 "max_tokens": request.max_tokens},
            )
        )  # fmt: skip
        suite = suite.model_copy(update={"cases": with_epochs(suite.cases, epochs)})
        bucket = TokenBucket(per_minute=parse_rate(request.rate)) if request.rate else None
        target = target_from_spec(
            request.target, api_key=request.api_key, policy=request.network, generation=generation
        )
        judge = (
            Judge(
                target_from_spec(
                    request.judge, api_key=request.judge_api_key, policy=request.network
                )
            )
            if request.judge
            else None
        )
        with storage.guard("run logs", data_dir / "runs"):
            log = _open_log(runs_dir(data_dir, org_id), suite, request, data_dir)
    finished = log.finished()
    todo = sum(1 for case in suite.cases if case.id not in finished)
    return PreparedRun(suite, target, log, request, bucket, todo, judge)


def execute(prepared: PreparedRun, on_result: Callable[[Result], None] | None = None) -> None:
    """Run what is left; every result is in the log when this returns or raises."""

    def record(result: Result) -> None:
        prepared.log.append(result)
        if on_result is not None:
            on_result(result)

    try:
        with prepared.log.held():
            try:
                if prepared.request.executor == "ray":
                    _run_on_ray(prepared, record)
                else:
                    asyncio.run(_run(prepared, record))
            finally:
                prepared.log.flush()
    except RunLogBusyError as exc:
        raise _busy(exc) from None


def _run_on_ray(prepared: PreparedRun, record: Callable[[Result], None]) -> None:
    request = prepared.request
    try:
        run_suite_ray(
            prepared.suite,
            request.target,
            shards=request.shards,
            concurrency=request.concurrency,
            retries=request.retries,
            rate_per_minute=parse_rate(request.rate) if request.rate else None,
            on_result=record,
            skip=prepared.log.finished(),
            api_key=request.api_key,
            judge=request.judge,
            judge_api_key=request.judge_api_key,
            address=request.ray_address,
            policy=request.network,
        )
    except RuntimeError as exc:
        if "pip install" in str(exc):
            raise InvalidInputError(
                str(exc), ja="Ray が入っていません: pip install 'tekisei[ray]'"
            ) from None
        raise


MAX_CACHE_BYTES = 512 * 1024 * 1024
"""Largest response cache file read; a larger one is ignored (and rewritten)."""


def _open_cache(path: Path | None) -> ResponseCache | None:
    if path is None:
        return None
    try:
        if path.stat().st_size > MAX_CACHE_BYTES:
            return ResponseCache()
        return ResponseCache.load(path.read_bytes())
    except FileNotFoundError:
        return ResponseCache()
    except OSError as exc:
        raise InvalidInputError(
            f"cannot read the cache {path}: {exc.strerror}",
            ja=f"キャッシュ {path} を読めません: {exc.strerror}",
        ) from None


async def _run(prepared: PreparedRun, record: Callable[[Result], None]) -> None:
    cache = _open_cache(prepared.request.cache)
    try:
        await run_suite(
            prepared.suite,
            prepared.target,
            concurrency=prepared.request.concurrency,
            retries=prepared.request.retries,
            on_result=record,
            rate=prepared.bucket,
            cache=cache,
            skip=prepared.log.finished(),
            judge=prepared.judge,
        )
    finally:
        if cache is not None and prepared.request.cache is not None:
            write_private(prepared.request.cache, cache.dump())
        for target in (prepared.target, prepared.judge.target if prepared.judge else None):
            close = getattr(target, "aclose", None)
            if close is not None:
                await close()


def _recorded_settings(folder: Path, request: RunRequest) -> dict[str, Any]:
    """A resumed run's epochs and sampling settings, as its log recorded them (a resume
    asks exactly what the run asked); nothing for a new run or an older log."""
    if request.resume is None:
        return {}
    path = folder / f"{_safe_id(request.resume)}.jsonl"
    if not path.exists():
        return {}
    settings = RunLog.open(path).header.settings
    return {k: settings[k] for k in ("epochs", "generation") if k in settings}


def _open_log(folder: Path, suite: Suite, request: RunRequest, data_dir: Path) -> RunLog:
    if request.resume is not None:
        path = folder / f"{_safe_id(request.resume)}.jsonl"
        legacy = runs_dir(data_dir) / path.name
        if folder != legacy.parent and not path.exists() and legacy.exists():
            # a run recorded before names were per organisation (names were unique across
            # them then, so the file is this run's): it moves into its organisation's folder
            legacy.replace(path)
        log = RunLog.open(path)
        header = log.header
        if (header.suite, header.suite_version, header.target) != (
            suite.name,
            suite.version,
            request.target,
        ):
            raise ValueError(
                f"run {request.resume} was {header.suite} {header.suite_version} against "
                f"{header.target}; resume it with the same --suite and --target"
            )
        return log
    name = (
        _safe_id(request.run_id)
        if request.run_id
        else datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)
    )
    header = RunHeader(
        run_id=name,
        suite=suite.name,
        suite_version=suite.version,
        target=request.target,
        started_at=datetime.now(UTC),
        settings={
            "concurrency": request.concurrency,
            "probes": request.probes,
            "cases": len(suite.cases),
            "judge": request.judge,
            "epochs": request.epochs,
            "generation": {
                "temperature": request.temperature,
                "seed": request.seed,
                "max_tokens": request.max_tokens,
            },
        },
    )
    return RunLog.create(folder / f"{name}.jsonl", header)


def _safe_id(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", value):
        raise ValueError(f"run id {value!r}: use letters, digits, '.', '_' and '-'")
    return value


def report(prepared: PreparedRun) -> dict[str, Any]:
    """The run's findings: pass rate, by perspective, and every failing case with why."""
    cases = {case.id: case for case in prepared.suite.cases}
    results = [r for r in prepared.log.results() if r.case_id in cases]
    passed = sum(result.passed for result in results)
    rate = passed / len(results) if results else 0.0
    errors = sum(result.error is not None for result in results)
    return {
        "run_id": prepared.log.header.run_id,
        "status": "failed"
        if not results or errors > MAX_ERROR_SHARE * len(results)
        else "finished",
        "log": str(prepared.log.path),
        "suite": f"{prepared.suite.name} {prepared.suite.version}",
        "target": prepared.log.header.target,
        "cases": len(cases),
        "answered": len(results),
        "passed": passed,
        "errors": errors,
        "pass_rate": round(rate, 4),
        "by_perspective": dict(
            sorted(
                summary(results, prepared.suite.cases).items(),
                key=lambda kv: perspective_order(kv[0]),
            )
        ),
        "inconsistent": {
            group: score.explanation
            for group, score in consistency(results, prepared.suite.cases).items()
            if not score.passed
        },
        "bias": bias_scores(prepared.suite.cases, results),
        "failing": [
            {
                "case": result.case_id,
                "perspective": cases[result.case_id].perspective,
                "risks": cases[result.case_id].risks,
                "error": result.error,
                "explanations": [s.explanation for s in result.scores if not s.passed],
            }
            for result in results
            if not result.passed
        ],
    }


def demo_app(latency_ms: float = 0.0) -> Starlette:
    """The deterministic demo target as an ASGI app."""
    return create_demo_app(latency_ms)


MAX_ANSWERS_BYTES = 64 * 1024 * 1024
"""Largest answers file ``tekisei eval score`` reads."""
MAX_ANSWER_CHARS = 100_000
"""Longest answer scored; a longer one is an error naming its line."""


def score_answers(
    data_dir: Path | None,
    suite_name: str,
    path: Path,
    *,
    judge_spec: str | None = None,
    judge_api_key: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Score answers produced elsewhere: one JSON object per line, ``{"case": ID,
    "answer": TEXT}`` (``answer`` may be null for no answer; a multi-turn case's line
    may add ``"earlier": [TEXT, ...]``, the answers to the turns before the last), each
    scored by the suite's scorers (and the judge, when given) exactly as a run would.
    Yields, per line,
    ``{"case", "passed", "scores": [{"scorer", "passed", "explanation",
    "explanation_ja"}]}``.

    Raises:
        InvalidInputError: unknown suite; a line that is not such an object, names no
            case of the suite or has an over-long answer (the message names the line);
            cases only a judge can score without ``judge_spec``.
        FileLimitError: the file is larger than ``MAX_ANSWERS_BYTES``.
    """
    with _invalid_input():
        imported = _imported_suites(data_dir)
        suite = imported[suite_name] if suite_name in imported else load_suite(suite_name)
        try:
            text = read_text(path, MAX_ANSWERS_BYTES)
        except FileNotFoundError:
            raise InvalidInputError(
                f"there is no file {path}; give the path of the answers file (.jsonl)",
                ja=f"ファイル {path} がありません。"
                "回答ファイル（.jsonl）のパスを指定してください。",
            ) from None
        except UnicodeDecodeError:
            raise InvalidInputError(
                f"{path} is not UTF-8 text; save it as UTF-8 (one JSON object per line)",
                ja=f"{path} は UTF-8 のテキストではありません。UTF-8 で保存してください"
                "（1行に1つの JSON）。",
            ) from None
        except OSError as exc:
            raise InvalidInputError(
                f"cannot read {path}: {exc.strerror}",
                ja=f"{path} を読めません（{exc.strerror}）。",
            ) from None
        judge = (
            Judge(target_from_spec(judge_spec, api_key=judge_api_key, policy=None))
            if judge_spec
            else None
        )
    cases = {case.id: case for case in suite.cases}
    with asyncio.Runner() as runner:  # one event loop for every verdict of the judge
        yield from _scored_lines(text, path.name, suite, cases, judge, runner)


def _scored_lines(
    text: str,
    name: str,
    suite: Suite,
    cases: dict[str, Case],
    judge: Judge | None,
    runner: asyncio.Runner,
) -> Iterator[dict[str, Any]]:
    parsed = list(_parsed_lines(text, name, suite, cases, judge))
    if not parsed:
        raise InvalidInputError(
            f'{name} has no answers; write one {{"case": ID, "answer": TEXT}} per line',
            ja=f'{name} に回答がありません。1行に1つ、{{"case": ID, "answer": 文字列}} の形で'
            "書いてください。",
        )
    for where, case, answer, earlier in parsed:
        scores = score_answer(suite, case, answer, earlier)
        if judge is not None and answer is not None and answer.strip():
            conversation = _conversation(case, earlier) if earlier else None
            try:
                scores = with_judge(scores, runner.run(judge.score(case, answer, conversation)))
            except (TargetError, JudgeError) as exc:
                raise InvalidInputError(
                    f"{where}: the judge gave no verdict: {exc}",
                    ja=f"{where}: ジャッジが判定を返しませんでした: {exc}",
                ) from None
        yield {
            "case": case.id,
            "passed": all(score.passed for score in scores if not score.advisory),
            "scores": [score.model_dump() for score in scores],
        }


def _parsed_lines(
    text: str, name: str, suite: Suite, cases: dict[str, Case], judge: Judge | None
) -> Iterator[tuple[str, Case, str | None, list[str]]]:
    """Every line checked before any is scored, so a bad line prints no half result:
    (where, case, answer, earlier answers)."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                f"{where}: not JSON ({exc.msg}); write one object per line, "
                '{"case": ID, "answer": TEXT}',
                ja=f"{where}: JSON として読めません（{exc.msg}）。1行に1つ、"
                '{"case": ID, "answer": 文字列} の形で書いてください。',
            ) from None
        except RecursionError:
            raise InvalidInputError(
                f'{where}: nested too deeply; each line is {{"case": ID, "answer": TEXT}}',
                ja=f"{where}: 入れ子が深すぎます。"
                '各行は {"case": ID, "answer": 文字列} の形です。',
            ) from None
        case_id = item.get("case") if isinstance(item, dict) else None
        answer = item.get("answer") if isinstance(item, dict) else None
        if not isinstance(case_id, str) or not (answer is None or isinstance(answer, str)):
            raise InvalidInputError(
                f'{where}: each line is {{"case": ID, "answer": TEXT}}',
                ja=f'{where}: 各行は {{"case": ID, "answer": 文字列}} の形です。',
            )
        if case_id not in cases:
            raise InvalidInputError(
                f"{where}: suite {suite.name} has no case {case_id[:100]!r}",
                ja=f"{where}: スイート {suite.name} にケース「{case_id[:100]}」はありません。",
            )
        if answer is not None and len(answer) > MAX_ANSWER_CHARS:
            raise InvalidInputError(
                f"{where}: the answer is longer than {MAX_ANSWER_CHARS} characters",
                ja=f"{where}: 回答が {MAX_ANSWER_CHARS} 文字を超えています。",
            )
        case = cases[case_id]
        earlier = item.get("earlier", [])
        if (
            not isinstance(earlier, list)
            or not all(isinstance(text, str) for text in earlier)
            or len(earlier) != (len(case.turns) if "earlier" in item else 0)
            or any(len(text) > MAX_ANSWER_CHARS for text in earlier)
        ):
            raise InvalidInputError(
                f'{where}: "earlier" is the list of the {len(case.turns)} answers to the turns '
                f"before the last one of case {case_id} (each at most {MAX_ANSWER_CHARS} "
                "characters)",
                ja=f'{where}: "earlier" にはケース {case_id} の最後より前のターンへの回答 '
                f"{len(case.turns)} 件を、文字列のリストで書いてください（各 {MAX_ANSWER_CHARS} "
                "文字まで）。",
            )
        if judge is None and needs_judge(case):
            raise InvalidInputError(
                f"{where}: case {case_id} can only be scored by an LLM judge; add --judge",
                ja=f"{where}: ケース {case_id} は LLM ジャッジでしか採点できません。"
                "--judge を指定してください。",
            )
        yield where, case, answer, earlier


def _conversation(case: Case, earlier: list[str]) -> list[Message]:
    """A multi-turn case's messages with the target's earlier answers between the turns."""
    messages = list(case.input)
    for answer, turn in zip(earlier, case.turns, strict=True):
        messages += [
            Message(role=Role.ASSISTANT, content=answer),
            Message(role=Role.USER, content=turn),
        ]
    return messages


PROMPTLESS = ("P9", "P10")
"""J-AISI perspectives no prompt can test: data quality and verifiability are shown by
records (data checks, logs, development records), so the guideline assessment items the
crosswalk links to them cover them instead."""
_CROSSWALK = "jp-ai-appropriateness-2025--jaisi-eval-perspectives-1.10.yaml"
_PERSPECTIVES = "jaisi-eval-perspectives-1.10.yaml"


def promptless_perspectives() -> list[dict[str, Any]]:
    """For P9 and P10: the perspective's titles, why prompts do not test it, and the
    guideline items (``jp-ai-appropriateness-2025:<ref>``) that cover it instead, read from
    the shipped crosswalk (its catch-all link from fn 8 aside)."""
    folder = resources.files("tekisei.catalogs")
    framework = load_yaml(
        folder.joinpath("frameworks", _PERSPECTIVES).read_text("utf-8"), _PERSPECTIVES
    )
    crosswalk = load_yaml(folder.joinpath("crosswalks", _CROSSWALK).read_text("utf-8"), _CROSSWALK)
    titles = {n["ref"]: n["title"] for n in framework["nodes"] if n.get("ref") in PROMPTLESS}
    out = []
    for perspective in PROMPTLESS:
        covered = [
            f"{crosswalk['source']}:{link['from']}"
            for link in crosswalk["links"]
            if perspective in link["to"] and link["from"] != "fn8"  # fn 8 names all ten
        ]
        out.append(
            {
                "perspective": perspective,
                "title_ja": titles[perspective]["ja"],
                "title_en": titles[perspective]["en"],
                "covered_by": covered,
                "why_ja": "プロンプトへの回答では確かめられないため、記録（データ品質の確認、"
                "ログ、開発記録）を根拠資料とする指針のアセスメント項目で確かめます。",
                "why_en": "No answer to a prompt can show it; the guideline assessment items "
                "below cover it with records (data-quality checks, logs, development records).",
            }
        )
    return out
