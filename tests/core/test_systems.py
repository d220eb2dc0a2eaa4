"""Risk tier rules and which guideline items apply to a system."""

from __future__ import annotations

from typing import Any

import pytest

from tekisei.core.catalog import SystemRole
from tekisei.core.orgs import OrgActor
from tekisei.core.systems import (
    AffectedGroup,
    Autonomy,
    DataCategory,
    Deployment,
    Requirement,
    Scale,
    SystemFacts,
    Tier,
    UseDomain,
    applies,
    risk_tier,
)


def facts(**changes: Any) -> SystemFacts:
    return SystemFacts(name="test", org_role=SystemRole.PROVIDER, **changes)


def test_an_internal_low_impact_tool_is_minimal_and_says_why() -> None:
    result = risk_tier(facts())
    assert result.tier is Tier.MINIMAL
    assert [r.code for r in result.reasons] == ["no-rule"]
    assert result.reasons[0].ja and result.reasons[0].en


@pytest.mark.parametrize(
    ("changes", "tier", "code"),
    [
        (
            {"data_categories": [DataCategory.PERSONAL]},
            Tier.LIMITED,
            "personal-or-confidential-data",
        ),
        ({"deployment": Deployment.PUBLIC}, Tier.LIMITED, "outside-users"),
        ({"domain": UseDomain.CONTENT_GENERATION}, Tier.LIMITED, "generated-content"),
        ({"data_categories": [DataCategory.COPYRIGHTED]}, Tier.LIMITED, "copyrighted-data"),
        ({"domain": UseDomain.EMPLOYMENT}, Tier.HIGH, "high-impact-domain"),
        ({"data_categories": [DataCategory.SENSITIVE]}, Tier.HIGH, "sensitive-data"),
        ({"affected": [AffectedGroup.CHILDREN]}, Tier.HIGH, "vulnerable-people"),
        (
            {"autonomy": Autonomy.AUTONOMOUS, "deployment": Deployment.PUBLIC},
            Tier.HIGH,
            "autonomous-public",
        ),
        (
            {"deployment": Deployment.PUBLIC, "scale": Scale.VERY_LARGE},
            Tier.HIGH,
            "very-large-public",
        ),
        (
            {"domain": UseDomain.EMPLOYMENT, "autonomy": Autonomy.AUTONOMOUS},
            Tier.CRITICAL,
            "autonomous-high-impact",
        ),
        (
            {"domain": UseDomain.HEALTHCARE, "deployment": Deployment.PUBLIC, "scale": Scale.LARGE},
            Tier.CRITICAL,
            "large-public-high-impact",
        ),
    ],
)
def test_each_rule_raises_the_tier_with_its_reason(
    changes: dict[str, Any], tier: Tier, code: str
) -> None:
    result = risk_tier(facts(**changes))
    assert result.tier is tier
    assert code in [r.code for r in result.reasons]
    assert result.reasons[0].tier is tier  # strongest reason first


def test_a_person_in_the_loop_keeps_a_high_impact_system_below_critical() -> None:
    result = risk_tier(facts(domain=UseDomain.EMPLOYMENT, autonomy=Autonomy.HUMAN_IN_THE_LOOP))
    assert result.tier is Tier.HIGH


def req(ref: str, actors: tuple[str, ...], roles: tuple[str, ...] = ()) -> Requirement:
    return Requirement(
        urn=f"u:{ref}", ref=ref, section=ref, actors=actors, system_roles=roles, assessable=True
    )


BUSINESS = {OrgActor.BUSINESS}
LOCAL = {OrgActor.LOCAL}


def test_items_follow_the_organisations_actor_roles() -> None:
    gov_item = req("3.4", ("national", "local"))
    assert applies(gov_item, LOCAL, facts(), Tier.MINIMAL)
    assert not applies(gov_item, BUSINESS, facts(), Tier.MINIMAL)


def test_section_2_applies_to_a_government_only_when_it_develops_or_provides() -> None:
    item = req("2.2", ("research", "business", "national", "local"), ("developer", "provider"))
    assert applies(item, LOCAL, facts(), Tier.LIMITED)
    user = facts().model_copy(update={"org_role": SystemRole.USER})
    assert not applies(item, LOCAL, user, Tier.LIMITED)


def test_red_teaming_and_management_systems_scale_with_the_tier() -> None:
    actors = ("research", "business", "national", "local")
    assert not applies(req("fn8", actors), BUSINESS, facts(), Tier.MINIMAL)
    assert applies(req("fn8", actors), BUSINESS, facts(), Tier.LIMITED)
    assert not applies(req("fn16", actors), BUSINESS, facts(), Tier.LIMITED)
    assert applies(req("fn16", actors), BUSINESS, facts(), Tier.HIGH)


def test_care_for_data_holders_needs_data_with_holders() -> None:
    item = req("2.5", ("business",), ("developer", "provider"))
    assert not applies(item, BUSINESS, facts(data_categories=[DataCategory.PUBLIC]), Tier.LIMITED)
    copyrighted = facts(data_categories=[DataCategory.COPYRIGHTED])
    assert applies(item, BUSINESS, copyrighted, Tier.LIMITED)


def test_non_assessable_nodes_never_apply() -> None:
    group = Requirement(
        urn="u:2", ref="2", section="2", actors=("business",), system_roles=(), assessable=False
    )
    assert not applies(group, BUSINESS, facts(), Tier.CRITICAL)
