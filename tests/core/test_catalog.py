"""Rules of the catalog formats, the URN scheme and version diffs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tekisei.core.catalog import (
    CatalogFile,
    CrosswalkFile,
    Relation,
    diff_catalogs,
    split_reference,
    urn,
)


def _catalog(nodes: list[dict[str, Any]], version: str = "1") -> CatalogFile:
    return CatalogFile.model_validate(
        {
            "format": "tekisei-catalog/1",
            "framework": {
                "id": "demo-1",
                "version": version,
                "title": {"ja": "例", "en": "Demo"},
                "publisher": {"ja": "例", "en": "Demo"},
                "published": "2026-01-01",
                "source": "https://example.org",
                "status": "verified",
            },
            "nodes": nodes,
        }
    )


def _node(ref: str, **extra: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "section": extra.pop("section", ref),
        "title": {"ja": f"項目{ref}", "en": f"Item {ref}"},
        "text": {"ja": "本文", "en": "Text"},
        "actors": ["business"],
        **extra,
    }


def test_urn_joins_framework_and_ref() -> None:
    assert (
        urn("jp-ai-appropriateness-2025", "2.3") == "urn:tekisei:req:jp-ai-appropriateness-2025:2.3"
    )


def test_a_reference_is_a_urn_or_framework_and_section() -> None:
    assert split_reference("urn:tekisei:req:nist-ai-rmf-1.0:GOVERN-1.6") == (
        "nist-ai-rmf-1.0",
        "GOVERN-1.6",
        True,
    )
    assert split_reference("jp-ai-appropriateness-2025:2(3)") == (
        "jp-ai-appropriateness-2025",
        "2(3)",
        False,
    )
    assert split_reference("nist-ai-rmf-1.0:GOVERN 1.6") == ("nist-ai-rmf-1.0", "GOVERN 1.6", False)


@pytest.mark.parametrize("bad", ["2(3)", ":2(3)", "jp-ai-appropriateness-2025:", ""])
def test_a_malformed_reference_says_what_to_write(bad: str) -> None:
    with pytest.raises(ValueError, match="write a URN"):
        split_reference(bad)


def test_relations_invert_when_read_from_the_other_side() -> None:
    assert Relation.SUBSET.inverse() is Relation.SUPERSET
    assert Relation.SUPERSET.inverse() is Relation.SUBSET
    for symmetric in (Relation.EQUAL, Relation.INTERSECT, Relation.RELATED):
        assert symmetric.inverse() is symmetric


def test_assessable_nodes_need_an_evidence_hint() -> None:
    with pytest.raises(ValidationError, match="evidence"):
        _catalog([_node("1", assessable=True)])
    ok = _catalog([_node("1", assessable=True, evidence={"ja": "記録", "en": "Record"})])
    assert ok.nodes[0].assessable


def test_refs_and_sections_must_be_unique() -> None:
    with pytest.raises(ValidationError, match="ref '1' is already used"):
        _catalog([_node("1"), _node("1", section="x")])
    with pytest.raises(ValidationError, match="section 'x' is already used"):
        _catalog([_node("1", section="x"), _node("2", section="x")])


def test_parents_must_exist_and_not_loop() -> None:
    with pytest.raises(ValidationError, match="parent '9' is not a ref"):
        _catalog([_node("1", parent="9")])
    with pytest.raises(ValidationError, match="own ancestor"):
        _catalog([_node("1", parent="2"), _node("2", parent="1")])


def test_refs_are_urn_safe() -> None:
    with pytest.raises(ValidationError):
        _catalog([_node("1(3)①")])


def test_a_link_states_a_relation_or_explicitly_no_counterpart() -> None:
    base = {"format": "tekisei-crosswalk/1", "source": "a-1", "target": "b-1", "status": "proposed"}
    why = {"ja": "理由", "en": "Why"}
    with pytest.raises(ValidationError, match="needs a 'relation'"):
        CrosswalkFile.model_validate(
            {**base, "links": [{"from": "1", "to": ["x"], "rationale": why}]}
        )
    with pytest.raises(ValidationError, match="remove 'relation'"):
        CrosswalkFile.model_validate(
            {**base, "links": [{"from": "1", "to": [], "relation": "equal", "rationale": why}]}
        )
    none = CrosswalkFile.model_validate(
        {**base, "links": [{"from": "1", "to": [], "rationale": why}]}
    )
    assert none.links[0].to == [] and none.id == "a-1--b-1"


def test_a_crosswalk_links_two_different_frameworks() -> None:
    with pytest.raises(ValidationError, match="two different"):
        CrosswalkFile.model_validate(
            {
                "format": "tekisei-crosswalk/1",
                "source": "a-1",
                "target": "a-1",
                "status": "proposed",
                "links": [{"from": "1", "to": [], "rationale": {"ja": "理由", "en": "Why"}}],
            }
        )


def test_diff_lists_added_removed_and_changed_nodes() -> None:
    old = _catalog([_node("1"), _node("2"), _node("3")], version="1")
    changed = _node("2")
    changed["text"] = {"ja": "新しい本文", "en": "New text"}
    new = _catalog([_node("1"), changed, _node("4")], version="2")
    result = diff_catalogs(old, new)
    assert result.added == ["4"]
    assert result.removed == ["3"]
    assert [(c.ref, c.fields) for c in result.changed] == [("2", ["text"])]
    assert not result.empty
    assert diff_catalogs(old, old).empty
