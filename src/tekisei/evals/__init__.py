"""Evaluation and red-teaming engine, usable as a library on its own.

Vocabulary close to Inspect's: a **suite** is cases and scorers; a **case** has input
messages, an expected behaviour and what it tests (J-AISI perspective, tekisei risk
ids, language); a **target** is what is tested; **scorers** judge outputs.

The names are imported when first used (``tekisei.evals.Case`` loads the vocabulary,
not the HTTP targets, Ray or the demo server), so that a command or a page that needs
a little of the engine does not pay for all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tekisei.lazy import attribute_loader

if TYPE_CHECKING:
    from tekisei.evals._bias import bias_scores
    from tekisei.evals._consistency import consistency, group_of
    from tekisei.evals._demo import create_demo_app
    from tekisei.evals._hf import HuggingFaceTarget
    from tekisei.evals._imports import (
        ImportedRun,
        ImportFileError,
        perspective_of,
        read_inspect_log,
        read_jaisi_csv,
    )
    from tekisei.evals._judge import (
        APPROXIMATE,
        RUBRICS,
        Judge,
        JudgeError,
        judge_prompt,
        parse_verdict,
        with_judge,
    )
    from tekisei.evals._limits import ResponseCache, TokenBucket
    from tekisei.evals._log import RunLog, RunLogBusyError, RunLogError
    from tekisei.evals._model import (
        LOG_FORMAT,
        Case,
        Expected,
        Message,
        Result,
        Role,
        RunHeader,
        Score,
        Suite,
        log_schemas,
    )
    from tekisei.evals._network import (
        GuardedResolver,
        NetworkPolicy,
        Refusal,
        TargetRefusedError,
        address_refusal,
        endpoint,
        host_entry,
    )
    from tekisei.evals._probes import Probe, apply_probes, probe, probe_names
    from tekisei.evals._ray import run_suite_ray
    from tekisei.evals._runner import needs_judge, run_suite, summary
    from tekisei.evals._scorers import (
        Scorer,
        get_scorer,
        refuses,
        score_answer,
        scorer,
        scorer_names,
    )
    from tekisei.evals._suites import (
        MAX_EPOCHS,
        SuiteError,
        builtin_suites,
        load_suite,
        parse_suite,
        with_epochs,
    )
    from tekisei.evals._targets import (
        CallableTarget,
        Generation,
        GuardedHttp,
        HttpJsonTarget,
        OpenAIChatTarget,
        OpenAIResponsesTarget,
        Target,
        TargetError,
        request_json,
        target_from_spec,
    )

_WHERE: dict[str, str] = {
    "bias_scores": "tekisei.evals._bias",
    "consistency": "tekisei.evals._consistency",
    "group_of": "tekisei.evals._consistency",
    "create_demo_app": "tekisei.evals._demo",
    "HuggingFaceTarget": "tekisei.evals._hf",
    "ImportedRun": "tekisei.evals._imports",
    "ImportFileError": "tekisei.evals._imports",
    "perspective_of": "tekisei.evals._imports",
    "read_inspect_log": "tekisei.evals._imports",
    "read_jaisi_csv": "tekisei.evals._imports",
    "APPROXIMATE": "tekisei.evals._judge",
    "RUBRICS": "tekisei.evals._judge",
    "Judge": "tekisei.evals._judge",
    "JudgeError": "tekisei.evals._judge",
    "judge_prompt": "tekisei.evals._judge",
    "parse_verdict": "tekisei.evals._judge",
    "with_judge": "tekisei.evals._judge",
    "ResponseCache": "tekisei.evals._limits",
    "TokenBucket": "tekisei.evals._limits",
    "RunLog": "tekisei.evals._log",
    "RunLogBusyError": "tekisei.evals._log",
    "RunLogError": "tekisei.evals._log",
    "LOG_FORMAT": "tekisei.evals._model",
    "Case": "tekisei.evals._model",
    "Expected": "tekisei.evals._model",
    "Message": "tekisei.evals._model",
    "Result": "tekisei.evals._model",
    "Role": "tekisei.evals._model",
    "RunHeader": "tekisei.evals._model",
    "Score": "tekisei.evals._model",
    "Suite": "tekisei.evals._model",
    "log_schemas": "tekisei.evals._model",
    "GuardedResolver": "tekisei.evals._network",
    "NetworkPolicy": "tekisei.evals._network",
    "Refusal": "tekisei.evals._network",
    "TargetRefusedError": "tekisei.evals._network",
    "address_refusal": "tekisei.evals._network",
    "endpoint": "tekisei.evals._network",
    "host_entry": "tekisei.evals._network",
    "Probe": "tekisei.evals._probes",
    "apply_probes": "tekisei.evals._probes",
    "probe": "tekisei.evals._probes",
    "probe_names": "tekisei.evals._probes",
    "run_suite_ray": "tekisei.evals._ray",
    "needs_judge": "tekisei.evals._runner",
    "run_suite": "tekisei.evals._runner",
    "summary": "tekisei.evals._runner",
    "Scorer": "tekisei.evals._scorers",
    "get_scorer": "tekisei.evals._scorers",
    "refuses": "tekisei.evals._scorers",
    "score_answer": "tekisei.evals._scorers",
    "scorer": "tekisei.evals._scorers",
    "scorer_names": "tekisei.evals._scorers",
    "MAX_EPOCHS": "tekisei.evals._suites",
    "SuiteError": "tekisei.evals._suites",
    "builtin_suites": "tekisei.evals._suites",
    "load_suite": "tekisei.evals._suites",
    "parse_suite": "tekisei.evals._suites",
    "with_epochs": "tekisei.evals._suites",
    "CallableTarget": "tekisei.evals._targets",
    "Generation": "tekisei.evals._targets",
    "HttpJsonTarget": "tekisei.evals._targets",
    "OpenAIChatTarget": "tekisei.evals._targets",
    "OpenAIResponsesTarget": "tekisei.evals._targets",
    "Target": "tekisei.evals._targets",
    "TargetError": "tekisei.evals._targets",
    "GuardedHttp": "tekisei.evals._targets",
    "request_json": "tekisei.evals._targets",
    "target_from_spec": "tekisei.evals._targets",
}


__getattr__ = attribute_loader(__name__, _WHERE)

__all__ = [
    "APPROXIMATE",
    "LOG_FORMAT",
    "MAX_EPOCHS",
    "RUBRICS",
    "CallableTarget",
    "Case",
    "Expected",
    "Generation",
    "GuardedHttp",
    "GuardedResolver",
    "HttpJsonTarget",
    "HuggingFaceTarget",
    "ImportFileError",
    "ImportedRun",
    "Judge",
    "JudgeError",
    "Message",
    "NetworkPolicy",
    "OpenAIChatTarget",
    "OpenAIResponsesTarget",
    "Probe",
    "Refusal",
    "ResponseCache",
    "Result",
    "Role",
    "RunHeader",
    "RunLog",
    "RunLogBusyError",
    "RunLogError",
    "Score",
    "Scorer",
    "Suite",
    "SuiteError",
    "Target",
    "TargetError",
    "TargetRefusedError",
    "TokenBucket",
    "address_refusal",
    "apply_probes",
    "bias_scores",
    "builtin_suites",
    "consistency",
    "create_demo_app",
    "endpoint",
    "get_scorer",
    "group_of",
    "host_entry",
    "judge_prompt",
    "load_suite",
    "log_schemas",
    "needs_judge",
    "parse_suite",
    "parse_verdict",
    "perspective_of",
    "probe",
    "probe_names",
    "read_inspect_log",
    "read_jaisi_csv",
    "refuses",
    "request_json",
    "run_suite",
    "run_suite_ray",
    "score_answer",
    "scorer",
    "scorer_names",
    "summary",
    "target_from_spec",
    "with_epochs",
    "with_judge",
]
