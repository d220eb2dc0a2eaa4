"""Answer rules, scores per group and element, and derivation through each relation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tekisei.core.assessments import (
    ELEMENTS,
    Answered,
    AnswerFields,
    AnswerState,
    Source,
    derive,
    elements_of,
    score,
)
from tekisei.core.catalog import Relation

S = AnswerState


def test_not_applicable_needs_a_justification() -> None:
    with pytest.raises(ValidationError, match="justification"):
        AnswerFields(state=S.NOT_APPLICABLE)
    ok = AnswerFields(state=S.NOT_APPLICABLE, justification="学習を行わないため")
    assert ok.state is S.NOT_APPLICABLE


def test_points_and_duties_map_to_elements() -> None:
    assert elements_of("1.2.fairness.1") == ("1.2.fairness",)
    assert elements_of("1.2.innovation.3") == ("1.2.innovation",)
    assert "1.2.safety" in elements_of("2.3")
    assert elements_of("unknown") == ()
    assert len(ELEMENTS) == 10


def test_completeness_and_conformity() -> None:
    result = score(
        [
            Answered("2.1", "2", S.IMPLEMENTED),
            Answered("2.2", "2", S.PARTIAL),
            Answered("2.3", "2", S.NOT_IMPLEMENTED),
            Answered("2.4", "2", S.NOT_APPLICABLE),
            Answered("2.5", "2", S.NOT_STARTED),
        ]
    )
    group = result.groups["2"]
    assert (group.total, group.answered) == (5, 4)
    assert group.completeness == pytest.approx(0.8)
    assert group.conformity == pytest.approx(1.5 / 3)
    assert result.elements["1.2.safety"].total == 2  # 2(3) and 2(4)
    assert result.overall.total == 5


def test_an_empty_score_is_complete_but_not_conforming() -> None:
    empty = score([])
    assert empty.overall.completeness == 1.0 and empty.overall.conformity == 0.0


def src(relation: Relation, state: AnswerState) -> Source:
    return Source(urn="u", section="s", relation=relation, state=state)


@pytest.mark.parametrize(
    ("relation", "state", "expected"),
    [
        (Relation.EQUAL, S.IMPLEMENTED, S.IMPLEMENTED),
        (Relation.SUPERSET, S.IMPLEMENTED, S.IMPLEMENTED),
        (Relation.SUBSET, S.IMPLEMENTED, S.PARTIAL),
        (Relation.INTERSECT, S.IMPLEMENTED, S.PARTIAL),
        (Relation.EQUAL, S.PARTIAL, S.PARTIAL),
        (Relation.INTERSECT, S.NOT_IMPLEMENTED, S.NOT_IMPLEMENTED),
        (Relation.EQUAL, S.NOT_APPLICABLE, S.NOT_APPLICABLE),
        (Relation.SUBSET, S.NOT_STARTED, S.NOT_STARTED),
        (Relation.RELATED, S.IMPLEMENTED, None),
    ],
)
def test_each_relation_carries_what_it_should(
    relation: Relation, state: AnswerState, expected: AnswerState | None
) -> None:
    assert derive([src(relation, state)]) is expected


def test_a_full_source_wins_and_related_links_never_count() -> None:
    assert (
        derive([src(Relation.INTERSECT, S.NOT_IMPLEMENTED), src(Relation.EQUAL, S.IMPLEMENTED)])
        is S.IMPLEMENTED
    )
    assert (
        derive([src(Relation.RELATED, S.IMPLEMENTED), src(Relation.INTERSECT, S.NOT_IMPLEMENTED)])
        is S.NOT_IMPLEMENTED
    )
    assert derive([]) is None
