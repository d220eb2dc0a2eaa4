"""Every operation of the OpenAPI document, driven by schemathesis with a signed-in
admin on a loaded database: no 5xx, and every response matches the schema (status
codes, content types and bodies). Generic: new routes are covered as they are added.

Bounded for CI: a few examples per operation, derandomised so a run is repeatable.
Outbound traffic (evaluation runs) goes to the demo target only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tekisei.config import load_settings
from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.provenance import QUERY_MIME, query_for
from tekisei.services import assessments, catalog, demo, evidence, reviews, users
from tekisei.services.database import open_database, upgrade_database
from tekisei.web.app import create_app
from tests.conftest import BACKENDS, _new_database_url

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
EXAMPLES = 12
# The time-stamp responder reads DER queries: a well-formed one, and any bytes at all.
schemathesis.openapi.media_type(
    QUERY_MIME, st.one_of(st.just(query_for(b"schemathesis", nonce=1)), st.binary(max_size=300))
)
ADMIN = "admin@demo-corp.example"
OUTBOUND_FIELDS = ("target", "judge")


@dataclass(frozen=True)
class Deployment:
    """One backend's app on a loaded database, and its admin's API token."""

    backend: str
    app: Any
    token: str


@contextmanager
def _deployment(backend: str, folder: Path) -> Iterator[Deployment]:
    """A deployment with the catalogs and the demo workspace, an admin token, and a few
    objects of each kind so that valid ids exist."""
    for url in _new_database_url(backend, folder):
        # The public rate limits have their own tests; here a bucket that refills between
        # an example and Hypothesis' replay of it would make the outcome depend on timing.
        unlimited = {
            f"{name}_per_minute": 1_000_000
            for name in ("public_verify", "public_image_checks", "public_lookups",
                         "public_pdfs", "inquiries")
        }  # fmt: skip
        config = load_settings(database_url=url, data_dir=folder / "var", **unlimited)
        upgrade_database(config)
        database = open_database(config)
        with database.transaction() as session:
            catalog.load_catalogs(session)
        demo.load_demo(database, config.data_dir)
        with database.transaction() as session:
            token, _ = users.create_token(session, ADMIN, "demo-corp")
            admin = users.principal_for(session, ADMIN, "demo-corp")
            system_id = 1
            row = assessments.start_assessment(session, admin, system_id)
            requirement = "jp-ai-appropriateness-2025:2(3)"
            assessments.answer_requirement(
                session, admin, row.id, requirement, AnswerFields(state=AnswerState.PARTIAL)
            )
            link = evidence.add_link(session, admin, url="https://demo.example/doc")
            assessments.attach_evidence(session, admin, row.id, requirement, link.id)
            reviews.open_review(session, admin, system_id, reviews.Trigger.MANUAL, "demo")
        database.close()
        app = create_app(config)
        try:
            yield Deployment(backend, app, token)
        finally:
            app.state.database.close()


@pytest.fixture(scope="module")
def deployments(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Deployment]]:
    """One deployment of each backend. Every generated request goes to both, so that the
    examples are generated once (generating them costs more than answering them)."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(_deployment(b, tmp_path_factory.mktemp(f"openapi-{b}")))
            for b in BACKENDS
        ]


def _point_outbound_at_the_demo(case: Any, demo_url: str) -> None:
    """Any target or judge in a request body names the demo target, never a host the
    generator made up."""
    if isinstance(case.body, dict):
        for field in OUTBOUND_FIELDS:
            if field in case.body and case.body[field] is not None:
                case.body[field] = f"openai:tekisei-demo-1@{demo_url}"


def _described(operation: Any, mode: GenerationMode, backend: str, exc: BaseException) -> str:
    first = str(exc).strip().splitlines()
    return f"{operation.method.upper()} {operation.path} ({mode.value}, {backend}): " + (
        " | ".join(first[:12])
    )


def _check(
    operation: Any, mode: GenerationMode, deployments: list[Deployment], demo_url: str
) -> list[str]:
    """Run one operation's examples against every deployment; the first failure of each
    deployment, described (a deployment that failed gets no more examples)."""
    failed: dict[str, str] = {}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Any) -> None:
        _point_outbound_at_the_demo(case, demo_url)
        for deployment in deployments:
            if deployment.backend in failed:
                continue
            try:
                case.call_and_validate(
                    app=deployment.app,
                    headers={"Authorization": f"Bearer {deployment.token}"},
                    checks=CHECKS,
                )
            except Exception as exc:  # every failure is reported together at the end
                failed[deployment.backend] = _described(operation, mode, deployment.backend, exc)

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid: an operation without inputs
        pass
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # Hypothesis' own errors, for every deployment
        return [_described(operation, mode, "generation", exc)]
    return list(failed.values())


@pytest.mark.parametrize(
    "mode",
    # One worker per mode (xdist groups), each with both deployments.
    [
        pytest.param(m, marks=pytest.mark.xdist_group(f"openapi-{m.value}"))
        for m in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ],
)
def test_every_operation_answers_within_its_schema_and_never_5xx(
    deployments: list[Deployment], demo_url: str, mode: GenerationMode
) -> None:
    documents = [d.app.openapi() for d in deployments]
    assert all(document == documents[0] for document in documents)  # one set of examples
    schema = schemathesis.openapi.from_asgi("/openapi.json", deployments[0].app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    failures = [
        failure
        for operation in operations
        for failure in _check(operation, mode, deployments, demo_url)
    ]
    assert not failures, f"{len(failures)} failures in {len(operations)} operations:\n" + (
        "\n".join(failures)
    )


FORMATS = {"binary", "date", "date-time"}  # parsed, so bounded
BOUNDED_PATTERN = re.compile(r"^\^\((?:[\w.-]+\|)*[\w.-]+\)\$$")  # ^(a|b|c)$


def _unbounded(
    schema: dict[str, Any], where: str, components: dict[str, Any], seen: set[str]
) -> Iterator[str]:
    """Where an input schema has no limit: strings without a length (or a fixed set),
    numbers without a range, arrays without a most number of items."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from _unbounded(components[name], where, components, seen | {name})
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            yield from _unbounded(part, where, components, seen)
    kind = schema.get("type")
    if "enum" in schema or "const" in schema:
        return
    if kind == "string":
        pattern = schema.get("pattern", "")
        if (
            "maxLength" not in schema
            and schema.get("format") not in FORMATS
            and not (BOUNDED_PATTERN.match(pattern))
        ):
            yield f"{where}: a string without maxLength"
    elif kind in ("integer", "number"):
        if "maximum" not in schema or "minimum" not in schema:
            yield f"{where}: a number without minimum and maximum"
    elif kind == "array":
        if "maxItems" not in schema:
            yield f"{where}: an array without maxItems"
        yield from _unbounded(schema.get("items", {}), f"{where}[]", components, seen)
    elif kind == "object" or "properties" in schema:
        for name, part in schema.get("properties", {}).items():
            yield from _unbounded(part, f"{where}.{name}", components, seen)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            yield from _unbounded(extra, f"{where}.*", components, seen)


@pytest.mark.xdist_group("openapi-positive")
def test_every_input_is_limited_in_the_openapi_document(deployments: list[Deployment]) -> None:
    """Every path and query parameter and every request body field declares its limits
    (lengths, ranges, numbers of items), so that too much is refused with 422 before any
    work starts, and clients can see the limits."""
    problems: list[str] = []
    for deployment in deployments:
        problems += _unlimited_inputs(deployment.app.openapi())
    assert not problems, "\n".join(sorted(set(problems)))


def _unlimited_inputs(document: dict[str, Any]) -> list[str]:
    components = document.get("components", {}).get("schemas", {})
    problems: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                where = f"{name} {parameter['in']} {parameter['name']}"
                problems += _unbounded(parameter.get("schema", {}), where, components, set())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                problems += _unbounded(media.get("schema", {}), f"{name} body", components, set())
    return problems
