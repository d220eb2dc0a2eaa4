"""``tekisei catalog``: browse, search, cross-reference, validate and load frameworks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table
from rich.tree import Tree

from tekisei.cli.common import (
    JsonOption,
    Lang,
    LangOption,
    console,
    database,
    handle_errors,
    print_json,
    resolve_lang,
)
from tekisei.core.catalog import CatalogFile, CrosswalkFile, json_schemas
from tekisei.core.catalog_views import NodeDetail, NodeSummary
from tekisei.services import catalog as catalog_service
from tekisei.services.catalog_files import validate_files

app = typer.Typer(help="The guideline and the frameworks linked to it.", no_args_is_help=True)

LABELS: dict[str, dict[Lang, str]] = {
    "id": {"ja": "ID", "en": "ID"},
    "version": {"ja": "版", "en": "Version"},
    "title": {"ja": "名称", "en": "Title"},
    "nodes": {"ja": "項目", "en": "Nodes"},
    "assessable": {"ja": "評価対象", "en": "Assessable"},
    "status": {"ja": "確認状況", "en": "Status"},
    "section": {"ja": "項番", "en": "Section"},
    "framework": {"ja": "枠組み", "en": "Framework"},
    "relation": {"ja": "関係", "en": "Relation"},
    "rationale": {"ja": "根拠", "en": "Rationale"},
    "evidence": {"ja": "根拠資料の例", "en": "Evidence"},
    "actors": {"ja": "対象主体", "en": "Actors"},
    "children": {"ja": "下位項目", "en": "Children"},
    "crosswalk": {"ja": "対応関係", "en": "Crosswalk"},
    "none": {"ja": "対応なし", "en": "No counterpart"},
    "no_results": {"ja": "該当する項目はありません。", "en": "No matching nodes."},
    "valid": {"ja": "問題ありません", "en": "valid"},
    "loaded": {"ja": "読み込み", "en": "loaded"},
    "unchanged": {"ja": "変更なし", "en": "unchanged"},
    "equal": {"ja": "同等", "en": "equal"},
    "subset": {"ja": "部分", "en": "subset"},
    "superset": {"ja": "包含", "en": "superset"},
    "intersect": {"ja": "重なり", "en": "intersect"},
    "related": {"ja": "関連", "en": "related"},
    "research": {"ja": "研究開発機関", "en": "R&D institutions"},
    "business": {"ja": "活用事業者", "en": "business operators"},
    "national": {"ja": "国", "en": "national government"},
    "local": {"ja": "地方公共団体", "en": "local governments"},
    "citizen": {"ja": "国民", "en": "citizens"},
}


def _t(key: str, lang: Lang) -> str:
    return LABELS[key][lang]


@app.command("list")
@handle_errors
def list_command(lang: LangOption = None, as_json: JsonOption = False) -> None:
    """List the loaded frameworks with their node counts."""
    language = resolve_lang(lang)
    db = database()
    with db.reading() as session:
        frameworks = catalog_service.list_frameworks(session)
    if as_json:
        print_json([fw.model_dump(mode="json") for fw in frameworks])
        return
    table = Table(
        *(_t(k, language) for k in ("id", "version", "title", "nodes", "assessable", "status"))
    )
    for fw in frameworks:
        table.add_row(
            fw.id, fw.version, fw.title(language), str(fw.nodes), str(fw.assessable), fw.status
        )
    console.print(table)


@app.command("show")
@handle_errors
def show_command(
    reference: Annotated[
        str,
        typer.Argument(
            metavar="REF",
            help="A URN, '<framework-id>:<section>' (e.g. 'jp-ai-appropriateness-2025:2(3)'), "
            "or a framework id for its whole tree.",
        ),
    ],
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a node with its text and crosswalk, or a framework's tree."""
    language = resolve_lang(lang)
    db = database()
    with db.reading() as session:
        if ":" not in reference:
            framework = catalog_service.get_framework(session, reference)
            nodes = catalog_service.framework_tree(session, reference)
            if as_json:
                print_json(
                    {
                        **framework.model_dump(mode="json"),
                        "tree": [n.model_dump(mode="json") for n in nodes],
                    }
                )
            else:
                _print_tree(framework.title(language), nodes, language)
            return
        detail = catalog_service.get_node(session, reference)
    if as_json:
        print_json(detail.as_document(language))
    else:
        _print_node(detail, language)


def _print_tree(title: str, nodes: list[NodeSummary], lang: Lang) -> None:
    tree = Tree(f"[bold]{title}[/bold]")
    branches: dict[str | None, Tree] = {None: tree}
    for node in nodes:
        mark = " ●" if node.assessable else ""
        label = f"[cyan]{node.section}[/cyan] {node.title(lang)}{mark}"
        branches[node.urn] = branches.get(node.parent, tree).add(label)
    console.print(tree)


def _print_node(detail: NodeDetail, lang: Lang) -> None:
    title = detail.title_ja if lang == "ja" else detail.title_en
    text = detail.text_ja if lang == "ja" else detail.text_en
    console.print(f"[bold cyan]{detail.section}[/bold cyan]  [bold]{title}[/bold]")
    console.print(f"[dim]{detail.urn}[/dim]")
    console.print(text)
    evidence = detail.evidence_ja if lang == "ja" else detail.evidence_en
    if evidence:
        console.print(f"[bold]{_t('evidence', lang)}:[/bold] {evidence}")
    actors = (
        "、".join(_t(a, lang) for a in detail.actors)
        if lang == "ja"
        else ", ".join(_t(a, lang) for a in detail.actors)
    )
    console.print(f"[bold]{_t('actors', lang)}:[/bold] {actors}")
    if detail.children:
        console.print(f"[bold]{_t('children', lang)}:[/bold]")
        for child in detail.children:
            console.print(f"  {child.section}  {child.title(lang)}")
    if detail.crosswalk or detail.no_counterpart:
        table = Table(
            *(_t(k, lang) for k in ("framework", "section", "title", "relation", "rationale")),
            title=_t("crosswalk", lang),
        )
        for entry in detail.crosswalk:
            table.add_row(
                entry.framework,
                entry.section,
                entry.title_ja if lang == "ja" else entry.title_en,
                _t(entry.relation, lang),
                entry.rationale_ja if lang == "ja" else entry.rationale_en,
            )
        for item in detail.no_counterpart:
            table.add_row(
                item.framework,
                "—",
                "",
                _t("none", lang),
                item.rationale_ja if lang == "ja" else item.rationale_en,
            )
        console.print(table)


@app.command("search")
@handle_errors
def search_command(
    text: Annotated[str, typer.Argument(help="Words to find in sections, titles and texts.")],
    framework: Annotated[
        str | None, typer.Option("--framework", "-f", help="Only this framework.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many results (1-200).")] = 50,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search every framework (Japanese and English text)."""
    language = resolve_lang(lang)
    db = database()
    with db.reading() as session:
        results = catalog_service.search_nodes(session, text, framework, limit)
    if as_json:
        print_json([node.model_dump(mode="json") for node in results])
        return
    if not results:
        console.print(_t("no_results", language))
        return
    table = Table(*(_t(k, language) for k in ("framework", "section", "title")), "URN")
    for node in results:
        table.add_row(node.framework, node.section, node.title(language), node.urn)
    console.print(table)


@app.command("crosswalk")
@handle_errors
def crosswalk_command(
    reference: Annotated[str, typer.Argument(metavar="REF", help="A URN or framework:section.")],
    framework: Annotated[
        str | None, typer.Option("--framework", "-f", help="Only counterparts in this framework.")
    ] = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a node's counterparts in the other frameworks, in both directions."""
    language = resolve_lang(lang)
    db = database()
    with db.reading() as session:
        detail = catalog_service.get_node(session, reference)
    data = detail.as_document(language).crosswalk_only(framework)
    if as_json:
        print_json(data)
        return
    title = detail.title_ja if language == "ja" else detail.title_en
    table = Table(
        *(_t(k, language) for k in ("framework", "section", "title", "relation", "rationale")),
        title=f"{detail.section} {title}",
    )
    for entry in data.crosswalk:
        table.add_row(
            entry.framework,
            entry.section,
            entry.title,
            _t(entry.relation, language),
            entry.rationale,
        )
    for item in data.no_counterpart:
        table.add_row(item.framework, "—", "", _t("none", language), item.rationale)
    console.print(table)


@app.command("validate")
@handle_errors
def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Catalog or crosswalk YAML files.")],
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check files against the catalog format; every problem is reported with line and column."""
    language = resolve_lang(lang)
    parsed = validate_files(files)
    if as_json:
        print_json(
            [
                {
                    "path": item.path,
                    "valid": True,
                    "kind": "catalog" if isinstance(item.content, CatalogFile) else "crosswalk",
                }
                for item in parsed
            ]
        )
        return
    for item in parsed:
        console.print(f"{item.path}: {_t('valid', language)}", markup=False)


@app.command("diff")
@handle_errors
def diff_command(
    old: Annotated[
        str, typer.Argument(help="Old version: a catalog file or a loaded framework id.")
    ],
    new: Annotated[
        str, typer.Argument(help="New version: a catalog file or a loaded framework id.")
    ],
    as_json: JsonOption = False,
) -> None:
    """List nodes added, removed and changed between two versions of a framework."""
    needs_db = not (Path(old).exists() and Path(new).exists())
    if needs_db:
        db = database()
        with db.reading() as session:
            result = catalog_service.diff_frameworks(session, old, new)
    else:
        result = catalog_service.diff_frameworks(None, old, new)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    console.print(f"{result.old} → {result.new}", markup=False)
    for ref in result.added:
        console.print(f"[green]+ {ref}[/green]")
    for ref in result.removed:
        console.print(f"[red]- {ref}[/red]")
    for change in result.changed:
        console.print(
            f"[yellow]~ {change.ref}[/yellow] ({change.section}): {', '.join(change.fields)}"
        )
    if result.empty:
        console.print("no differences")


@app.command("export")
@handle_errors
def export_command(
    framework: Annotated[
        str | None, typer.Argument(help="One framework id; all frameworks when omitted.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="yaml or json.")] = "yaml",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write one file per framework and crosswalk into this folder instead of printing.",
        ),
    ] = None,
) -> None:
    """Export loaded frameworks and crosswalks in the catalog file format."""
    if fmt not in ("yaml", "json"):
        raise typer.BadParameter("use yaml or json", param_hint="--format")
    db = database()
    with db.reading() as session:
        ids = (
            [framework] if framework else [fw.id for fw in catalog_service.list_frameworks(session)]
        )
        documents: list[tuple[str, CatalogFile | CrosswalkFile]] = [
            (fid, catalog_service.export_framework(session, fid)) for fid in ids
        ]
        documents += [(cw.id, cw) for cw in catalog_service.export_crosswalks(session, framework)]
    rendered = [(name, _render(doc, fmt)) for name, doc in documents]
    if output is None:
        if fmt == "json":
            print_json([json.loads(text) for _, text in rendered])
        else:
            console.print(
                "\n---\n".join(text for _, text in rendered),
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        return
    output.mkdir(parents=True, exist_ok=True)
    for name, text in rendered:
        (output / f"{name}.{fmt}").write_text(text, encoding="utf-8")
    console.print(f"{len(rendered)} files written to {output}", markup=False)


def _render(document: CatalogFile | CrosswalkFile, fmt: str) -> str:
    data = document.model_dump(mode="json", by_alias=True, exclude_none=True)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


@app.command("load")
@handle_errors
def load_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Catalog and crosswalk files; the shipped catalogs when omitted."),
    ] = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load catalogs into the database; files already loaded unchanged are skipped."""
    language = resolve_lang(lang)
    db = database()
    with db.transaction() as session:
        report = catalog_service.load_catalogs(session, files or None)
    if as_json:
        print_json(report.model_dump(mode="json") | {"changed": report.changed})
        return
    console.print(
        f"{_t('loaded', language)}: {len(report.loaded)}, "
        f"{_t('unchanged', language)}: {len(report.unchanged)}",
        markup=False,
    )
    for name in report.loaded:
        console.print(f"  + {name}", markup=False)


@app.command("schema")
@handle_errors
def schema_command(
    kind: Annotated[str, typer.Argument(help="catalog or crosswalk.")] = "catalog",
) -> None:
    """Print the JSON Schema of the catalog or crosswalk file format."""
    from tekisei.core.governance import json_schema as system_schema  # only this command

    schemas = json_schemas() | {"system": system_schema()}
    if kind not in schemas:
        raise typer.BadParameter("use catalog, crosswalk or system", param_hint="KIND")
    print_json(schemas[kind])
