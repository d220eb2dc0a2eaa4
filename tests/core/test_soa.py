"""The Statement of Applicability's rules: a system's state for a control, the
organisation's state across systems, what an excluded control shows, and what an
approval vouches for."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tekisei.core.assessments import AnswerState, Source
from tekisei.core.catalog import Relation
from tekisei.core.soa import (
    ControlFields,
    ControlLine,
    Hint,
    Origin,
    Statement,
    combine,
    stated,
    substance,
    system_state,
    tally,
)

IM, P, NI, NS, NA = (
    AnswerState.IMPLEMENTED,
    AnswerState.PARTIAL,
    AnswerState.NOT_IMPLEMENTED,
    AnswerState.NOT_STARTED,
    AnswerState.NOT_APPLICABLE,
)


def source(relation: Relation, state: AnswerState, ref: str = "2.1") -> Source:
    return Source(f"urn:tekisei:req:jp-ai-appropriateness-2025:{ref}", ref, relation, state)


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([IM, IM, IM], IM),  # every system implemented it
        ([IM, NS], P),  # mixed
        ([IM, NI], P),
        ([P, P], P),
        ([NS, NS], NS),  # nobody answered
        ([NI, NS], NI),
        ([NI, NI], NI),
        ([IM, NA], IM),  # a system for which it does not apply is left out
        ([NS, NA, NA], NS),
        ([NA, NA], NA),  # it applies to no system
        ([IM, None], IM),  # a system the control draws nothing from is left out
        ([None, None], None),
        ([], None),
    ],
)
def test_the_organisations_state_combines_its_systems(
    states: list[AnswerState | None], expected: AnswerState | None
) -> None:
    assert combine(states) is expected


def test_a_systems_state_is_its_direct_answer_else_what_the_crosswalk_carries() -> None:
    carrying = [source(Relation.EQUAL, IM), source(Relation.INTERSECT, NS, "fn16")]
    assert system_state(carrying, None) == (IM, Origin.DERIVED)
    # an intersecting item carries at most "partial"
    assert system_state([source(Relation.INTERSECT, IM)], None) == (P, Origin.DERIVED)
    # a direct answer to the control wins over the derivation
    assert system_state(carrying, NI) == (NI, Origin.DIRECT)
    # related items carry nothing: no state
    assert system_state([source(Relation.RELATED, IM)], None) == (None, Origin.NONE)
    assert system_state([], None) == (None, Origin.NONE)


def test_every_system_implemented_through_equal_links_makes_the_control_implemented() -> None:
    systems = [
        system_state([source(Relation.EQUAL, IM)], None)[0],
        system_state([source(Relation.SUPERSET, IM)], None)[0],
    ]
    assert combine(systems) is IM
    systems.append(system_state([source(Relation.EQUAL, NS)], None)[0])
    assert combine(systems) is P


def test_an_excluded_control_is_not_applicable_whatever_the_assessments_say() -> None:
    assert stated(False, IM, systems=2) == (NA, None)
    assert stated(False, None, systems=0) == (NA, None)


def test_a_control_the_assessments_cannot_give_a_state_says_why() -> None:
    assert stated(True, None, systems=0) == (NS, Hint.NO_SYSTEMS)
    assert stated(True, None, systems=3) == (NS, Hint.NO_COUNTERPART)
    # the statement says it applies; every assessment says the linked items do not
    assert stated(True, NA, systems=2) == (NS, Hint.ASSESSED_NOT_APPLICABLE)
    assert stated(True, P, systems=2) == (P, None)


def test_excluding_a_control_needs_a_justification() -> None:
    with pytest.raises(ValidationError, match="justification"):
        ControlFields(applicable=False)
    with pytest.raises(ValidationError, match="justification"):
        ControlFields(applicable=False, justification="   ")
    assert ControlFields(applicable=False, justification="AIを開発しない").justification
    with pytest.raises(ValidationError):
        ControlFields(notes="x" * 4001)
    with pytest.raises(ValidationError):
        ControlFields.model_validate({"applicable": True, "colour": "red"})


def _line(ref: str, state: AnswerState, applicable: bool = True) -> ControlLine:
    return ControlLine(
        ref=ref, urn=f"urn:tekisei:req:iso-iec-42001-2023:{ref}", objective="A.2",
        objective_ja="AIに関する方針", objective_en="Policies related to AI", title_ja="AI方針",
        title_en="AI policy", text_ja="", text_en="", applicable=applicable, justification="",
        notes="", owner=None, state=state, derived_state=state, hint=None, systems=[],
        evidence=[], version=1, updated_at=None, updated_by="田中",
    )  # fmt: skip


def test_an_approval_vouches_for_what_is_stated_not_for_when_or_how_names_read() -> None:
    first = Statement(
        org_name="Acme",
        version=3,
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        systems=1,
        controls=[_line("A.2.2", P)],
    )
    later = first.model_copy(
        update={
            "generated_at": datetime(2026, 2, 1, tzinfo=UTC),
            "controls": [_line("A.2.2", P).model_copy(update={"updated_by": "tanaka@acme"})],
        }
    )
    assert substance(first) == substance(later)
    changed = first.model_copy(update={"controls": [_line("A.2.2", IM)]})
    assert substance(first) != substance(changed)


def test_the_tally_counts_states_and_applicable_controls() -> None:
    counts = tally([_line("A.2.2", P), _line("A.2.3", NA, applicable=False), _line("A.2.4", P)])
    assert counts["partial"] == 2 and counts["not_applicable"] == 1
    assert counts["applicable"] == 2 and counts["implemented"] == 0
