"""The portal's services and the public register's speed-ups: the search's words, and the
register judging each combination of facts once (which holds only while no tier rule reads
free text)."""

from __future__ import annotations

import itertools

import pytest

from tekisei.core.orgs import OrgActor, OrgCreate
from tekisei.core.portal import MAX_QUERY, search_terms
from tekisei.core.registers import EntryChoice
from tekisei.core.systems import (
    AffectedGroup,
    Autonomy,
    DataCategory,
    Deployment,
    Scale,
    SystemFacts,
    UseDomain,
    risk_tier,
)
from tekisei.errors import InvalidInputError
from tekisei.services import orgs, public_registers, registers, systems
from tekisei.services.database import Database

TEXTS = [
    {"name": "a", "purpose": "", "vendors": [], "responsible_person": "", "contact_window": ""},
    {"name": "住民の生命に関わる判定", "purpose": "採用 審査 医療 信用 子ども 自律 大規模",
     "vendors": ["大手"], "responsible_person": "市長", "contact_window": "窓口"},
]  # fmt: skip


def test_no_tier_rule_reads_free_text() -> None:
    # public_registers judges each combination of the other facts once; this holds it so
    for domain, autonomy, deployment, scale, data, affected in itertools.product(
        list(UseDomain), list(Autonomy), list(Deployment), list(Scale),
        [[], [DataCategory.SENSITIVE]], [[], [AffectedGroup.CHILDREN]],
    ):  # fmt: skip
        results = {
            risk_tier(
                SystemFacts(
                    **text, org_role="user", domain=domain, autonomy=autonomy,
                    deployment=deployment, scale=scale, data_categories=data, affected=affected,
                )
            )
            for text in TEXTS
        }  # fmt: skip
        assert len(results) == 1, (domain, autonomy, deployment, scale, data, affected)


def test_the_register_gives_each_system_the_tier_of_its_own_facts(loaded_db: Database) -> None:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Tier City", slug="tier-city", actors=[OrgActor.LOCAL]), "cli"
        )
        operator = orgs.cli_principal(session, "tier-city")
        made = []
        for name, domain, affected in [
            ("A", "general", []), ("B", "general", []), ("C", "employment", []),
            ("D", "general", ["children"]), ("E", "general", []),
        ]:  # fmt: skip
            facts = SystemFacts.model_validate(
                {"name": name, "org_role": "user", "domain": domain, "affected": affected}
            )
            row = systems.register_system(session, operator, facts)
            registers.list_system(session, operator, row.id, EntryChoice())
            made.append(facts)
        registers.publish_register(session, operator)
    with loaded_db.reading() as session:
        found = public_registers.read_register(session, "tier-city")
    expected = {f.name: risk_tier(f) for f in made}
    for entry in found.systems:
        tier = expected[entry.name]
        assert entry.tier == tier.tier.label
        assert [r.code for r in entry.tier_reasons] == [r.code for r in tier.reasons]
    assert {e.tier for e in found.systems} != {found.systems[0].tier}  # not all the same


@pytest.mark.parametrize(
    ("query", "words"),
    [("", []), ("  　 ", []), ("デモ市　チャットボット", ["デモ市", "チャットボット"]),
     ("ﾁｬｯﾄ ＡＩ ＡＩ", ["チャット", "AI"])],
)  # fmt: skip
def test_search_words_are_normalised_and_split_at_any_space(query: str, words: list[str]) -> None:
    assert search_terms(query) == words


def test_too_long_or_too_many_words_are_refused_in_both_languages() -> None:
    with pytest.raises(InvalidInputError) as long:
        search_terms("あ" * (MAX_QUERY + 1))
    assert "100文字以内" in long.value.localized("ja") and long.value.field == "q"
    with pytest.raises(InvalidInputError) as many:
        search_terms("a b c d e f")
    assert "5" in many.value.localized("en")
