"""Evaluation and red-teaming engine, usable as a library on its own.

Vocabulary close to Inspect's: a **suite** is cases and scorers; a **case** has input
messages, an expected behaviour and what it tests (J-AISI perspective, tekisei risk
ids, language); a **target** is what is tested; **scorers** judge outputs.
"""

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
    HttpJsonTarget,
    OpenAIChatTarget,
    OpenAIResponsesTarget,
    Target,
    TargetError,
    target_from_spec,
)

__all__ = [
    "APPROXIMATE",
    "LOG_FORMAT",
    "MAX_EPOCHS",
    "RUBRICS",
    "CallableTarget",
    "Case",
    "Expected",
    "Generation",
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
