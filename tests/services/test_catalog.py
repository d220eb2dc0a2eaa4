"""Loading, browsing, searching and cross-referencing the catalog, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from tekisei.db.catalog import CatalogNodeRow, CrosswalkLinkRow, FrameworkRow
from tekisei.errors import CatalogFileError, InvalidInputError, NotFoundError
from tekisei.services import catalog as catalog_service
from tekisei.services.catalog_files import parse_text, shipped_files
from tekisei.services.database import Database

SEED = "jp-ai-appropriateness-2025"


def _counts(database: Database) -> tuple[int, int, int]:
    with database.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(FrameworkRow)) or 0,
            session.scalar(select(func.count()).select_from(CatalogNodeRow)) or 0,
            session.scalar(select(func.count()).select_from(CrosswalkLinkRow)) or 0,
        )


def test_loading_twice_changes_nothing(empty_db: Database) -> None:
    with empty_db.transaction() as session:
        first = catalog_service.load_catalogs(session)
    counts = _counts(empty_db)
    with empty_db.transaction() as session:
        second = catalog_service.load_catalogs(session)
    assert first.changed and SEED in first.loaded
    assert not second.changed
    assert sorted(second.unchanged) == sorted(first.loaded)
    assert _counts(empty_db) == counts


def test_a_corrected_file_updates_nodes_in_place(loaded_db: Database, tmp_path: Path) -> None:
    source = next(p for p in shipped_files() if p.name == "hiroshima-coc-2023.yaml")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["nodes"][0]["title"]["en"] = "Identify and mitigate risks (corrected)"
    data["nodes"].pop()  # action 11 removed in this imaginary correction
    changed = tmp_path / "hiroshima-coc-2023.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with loaded_db.reading() as session:
        before = session.scalars(
            select(CatalogNodeRow.id).where(
                CatalogNodeRow.urn == "urn:tekisei:req:hiroshima-coc-2023:1"
            )
        ).one()
    with loaded_db.transaction() as session:
        report = catalog_service.load_catalogs(session, [changed])
    assert report.loaded == ["hiroshima-coc-2023"]
    with loaded_db.reading() as session:
        node = catalog_service.get_node(session, "hiroshima-coc-2023:1")
        assert node.title_en == "Identify and mitigate risks (corrected)"
        assert (
            session.scalars(select(CatalogNodeRow.id).where(CatalogNodeRow.urn == node.urn)).one()
            == before
        )
        assert catalog_service.get_framework(session, "hiroshima-coc-2023").assessable == 10
        with pytest.raises(NotFoundError):
            catalog_service.get_node(session, "hiroshima-coc-2023:11")


def test_an_invalid_file_writes_nothing(loaded_db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: tekisei-catalog/1\nframework: {}\nnodes: []\n", encoding="utf-8")
    counts = _counts(loaded_db)
    with pytest.raises(CatalogFileError), loaded_db.transaction() as session:
        catalog_service.load_catalogs(session, [bad])
    assert _counts(loaded_db) == counts


def test_counts_per_framework(shared_db: Database) -> None:
    with shared_db.reading() as session:
        counts = {f.id: (f.nodes, f.assessable) for f in catalog_service.list_frameworks(session)}
    assert counts["nist-ai-rmf-1.0"] == (95, 72)
    assert counts["iso-iec-42001-2023"][1] == 38
    assert counts["hiroshima-coc-2023"] == (11, 11)
    assert counts["haip-reporting-v1"] == (7, 7)
    assert counts["meti-ai-business-1.1"] == (10, 10)
    assert counts["jaisi-eval-perspectives-1.10"][1] == 10
    assert counts[SEED][1] == 35


@pytest.mark.parametrize(
    "reference",
    [
        "jp-ai-appropriateness-2025:2(3)",
        "jp-ai-appropriateness-2025:２（３）",
        "jp-ai-appropriateness-2025:2.3",
        "urn:tekisei:req:jp-ai-appropriateness-2025:2.3",
        " jp-ai-appropriateness-2025 : 2(3) ",
    ],
)
def test_a_node_is_found_by_section_ref_or_urn(shared_db: Database, reference: str) -> None:
    with shared_db.reading() as session:
        node = catalog_service.get_node(session, reference)
    assert node.urn == "urn:tekisei:req:jp-ai-appropriateness-2025:2.3"
    assert node.title_ja == "十分な安全性の確保"


def test_every_urn_resolves_to_its_own_node(shared_db: Database) -> None:
    with shared_db.reading() as session:
        for framework in catalog_service.list_frameworks(session):
            for node in catalog_service.framework_tree(session, framework.id):
                assert catalog_service.resolve_node(session, node.urn).urn == node.urn
                by_section = f"{framework.id}:{node.section}"
                assert catalog_service.resolve_node(session, by_section).urn == node.urn


def test_unknown_references_suggest_what_exists(shared_db: Database) -> None:
    with shared_db.reading() as session:
        with pytest.raises(NotFoundError, match=r"Did you mean 'nist-ai-rmf-1\.0'"):
            catalog_service.get_node(session, "nist-ai-rmf-1:GOVERN 1.6")
        with pytest.raises(NotFoundError, match=r"Close sections: .*2\(3\)"):
            catalog_service.get_node(session, "jp-ai-appropriateness-2025:2(9)")
        with pytest.raises(InvalidInputError, match="write a URN"):
            catalog_service.get_node(session, "2(3)")


def test_the_tree_is_in_document_order(shared_db: Database) -> None:
    with shared_db.reading() as session:
        tree = catalog_service.framework_tree(session, SEED)
    sections = [n.section for n in tree]
    assert sections[:3] == ["1", "1(1)", "1(2)"]
    assert sections.index("1(3)①") < sections.index("脚注8") < sections.index("1(3)②")
    assert sections[-3:] == ["4", "4(1)", "4(2)"]
    depth = {n.section: n.depth for n in tree}
    assert (depth["2"], depth["2(1)"], depth["脚注16"]) == (0, 1, 2)


def test_crosswalk_reads_in_both_directions(shared_db: Database) -> None:
    with shared_db.reading() as session:
        seed = catalog_service.get_node(session, "jp-ai-appropriateness-2025:2(3)")
        iso = catalog_service.get_node(session, "iso-iec-42001-2023:A.6.2.4")
    assert {"iso-iec-42001-2023", "nist-ai-rmf-1.0", "hiroshima-coc-2023"} <= {
        e.framework for e in seed.crosswalk
    }
    back = {e.urn: e.relation for e in iso.crosswalk}
    assert back[seed.urn] == "intersect"


def test_explicit_no_counterpart_is_shown_separately(shared_db: Database) -> None:
    with shared_db.reading() as session:
        node = catalog_service.get_node(session, "jp-ai-appropriateness-2025:4(1)")
    assert {n.framework for n in node.no_counterpart} >= {"hiroshima-coc-2023", "nist-ai-rmf-1.0"}
    assert all(e.framework not in {"hiroshima-coc-2023"} for e in node.crosswalk)


def test_a_subset_link_reads_as_superset_from_the_other_side(
    loaded_db: Database, tmp_path: Path
) -> None:
    crosswalk = tmp_path / "custom.yaml"
    crosswalk.write_text(
        "format: tekisei-crosswalk/1\nsource: hiroshima-coc-2023\ntarget: nist-ai-rmf-1.0\n"
        "status: proposed\nlinks:\n"
        "  - {from: '7', to: [MEASURE-2.8], relation: subset, "
        "rationale: {ja: 来歴は透明性の一部, en: Provenance is part of transparency}}\n",
        encoding="utf-8",
    )
    with loaded_db.transaction() as session:
        catalog_service.load_catalogs(session, [crosswalk])
    with loaded_db.reading() as session:
        coc = catalog_service.get_node(session, "hiroshima-coc-2023:7")
        nist = catalog_service.get_node(session, "nist-ai-rmf-1.0:MEASURE 2.8")
    assert [e.relation for e in coc.crosswalk if e.framework == "nist-ai-rmf-1.0"] == ["subset"]
    assert [e.relation for e in nist.crosswalk if e.framework == "hiroshima-coc-2023"] == [
        "superset"
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("電子透かし", "2(3)"),
        ("watermark", "2(3)"),
        ("事業継続計画", "2(4)"),
        ("CAIO", "脚注20"),
        ("GOVERN 1.6", "GOVERN 1.6"),
    ],
)
def test_search_finds_japanese_and_english(shared_db: Database, query: str, expected: str) -> None:
    with shared_db.reading() as session:
        results = catalog_service.search_nodes(session, query)
    assert expected in [n.section for n in results]


def test_search_needs_every_word_and_treats_wildcards_literally(shared_db: Database) -> None:
    with shared_db.reading() as session:
        assert catalog_service.search_nodes(session, "watermark zzzz") == []
        assert catalog_service.search_nodes(session, "%") == []
        assert catalog_service.search_nodes(session, "_") == []
        with pytest.raises(InvalidInputError):
            catalog_service.search_nodes(session, "   ")
        only = catalog_service.search_nodes(session, "安全", framework_id="nist-ai-rmf-1.0")
    assert only and {n.framework for n in only} == {"nist-ai-rmf-1.0"}


def test_export_round_trips_through_the_file_format(shared_db: Database) -> None:
    with shared_db.reading() as session:
        exported = catalog_service.export_framework(session, SEED)
        crosswalks = catalog_service.export_crosswalks(session, "meti-ai-business-1.1")
    source = next(p for p in shipped_files() if p.name == f"{SEED}.yaml")
    original = parse_text(source.read_text(encoding="utf-8"), str(source)).content
    assert exported == original
    text = yaml.safe_dump(
        exported.model_dump(mode="json", by_alias=True, exclude_none=True), allow_unicode=True
    )
    assert parse_text(text, "export.yaml").content == original
    shipped_cw = next(p for p in shipped_files() if p.name.endswith("--meti-ai-business-1.1.yaml"))
    assert crosswalks == [parse_text(shipped_cw.read_text(encoding="utf-8"), "x").content]


def test_diff_between_a_loaded_framework_and_a_new_file(
    shared_db: Database, tmp_path: Path
) -> None:
    source = next(p for p in shipped_files() if p.name == "meti-ai-business-1.1.yaml")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["framework"]["version"] = "1.2"
    data["nodes"][0]["text"]["ja"] = "改訂された本文"
    data["nodes"].append({**data["nodes"][1], "ref": "C-11", "section": "第2部C 11)"})
    newer = tmp_path / "meti-1.2.yaml"
    newer.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with shared_db.reading() as session:
        result = catalog_service.diff_frameworks(session, "meti-ai-business-1.1", str(newer))
    assert result.added == ["C-11"]
    assert result.removed == []
    assert [(c.ref, c.fields) for c in result.changed] == [("C-1", ["text"])]
