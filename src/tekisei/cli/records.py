"""``tekisei records``: the models and datasets of a system (guideline 2(2), fn 17, 2(5))."""

from __future__ import annotations

from typing import Annotated

import typer

from tekisei.cli.common import (
    JsonOption,
    OrgOption,
    UserOption,
    console,
    database,
    given,
    handle_errors,
    principal,
    print_json,
    table,
)
from tekisei.core.records import Copyrighted, DatasetFields, ModelFields, OptOut, PersonalData
from tekisei.services import records as record_service
from tekisei.services.people import ActorNames

app = typer.Typer(help="Models and training data of a system.", no_args_is_help=True)
models_app = typer.Typer(help="The AI models a system uses.", no_args_is_help=True)
datasets_app = typer.Typer(help="The datasets a system learns from or uses.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(datasets_app, name="datasets")

SystemOpt = Annotated[int, typer.Option("--system", help="The system's id.")]
NameOpt = Annotated[str, typer.Option("--name", help="The record's name.")]
TextOpt = Annotated[str | None, typer.Option()]
DiscloseOpt = Annotated[
    list[str] | None,
    typer.Option("--disclose", help="A field shown on the public notice (repeatable)."),
]


@models_app.command("add")
@handle_errors
def add_model(
    org: OrgOption,
    system: SystemOpt,
    name: NameOpt,
    provider: TextOpt = None,
    model_version: Annotated[str | None, typer.Option(help="The model's version.")] = None,
    licence: TextOpt = None,
    model_card: Annotated[
        str | None, typer.Option("--model-card", help="The model card's http(s) address.")
    ] = None,
    notes: TextOpt = None,
    disclose: DiscloseOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a model the system uses."""
    fields = ModelFields.model_validate(
        given(
            name=name,
            provider=provider,
            model_version=model_version,
            licence=licence,
            model_card_url=model_card,
            notes=notes,
            disclosed=disclose,
        )
    )
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = record_service.add_model(session, actor, system, fields)
        view = record_service.model_view(row, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    console.print(f"model record {view.id} added to system {view.system_id}", markup=False)


@models_app.command("list")
@handle_errors
def list_models(
    org: OrgOption, system: SystemOpt, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """List the models a system uses."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        views = [
            record_service.model_view(r, actors)
            for r in record_service.list_models(session, actor, system)
        ]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "name", "provider", "version", "licence", "disclosed", "record version"],
        [
            [
                v.id,
                v.name,
                v.provider,
                v.model_version,
                v.licence,
                ", ".join(v.disclosed),
                v.version,
            ]
            for v in views
        ],
    )


@datasets_app.command("add")
@handle_errors
def add_dataset(
    org: OrgOption,
    system: SystemOpt,
    name: NameOpt,
    source: Annotated[str | None, typer.Option(help="Where the data comes from.")] = None,
    collection_method: TextOpt = None,
    licence: TextOpt = None,
    personal_data: Annotated[
        list[PersonalData] | None,
        typer.Option("--personal-data", help="Kind of personal information (repeatable)."),
    ] = None,
    personal_data_basis: Annotated[
        str | None, typer.Option(help="Lawful basis for the personal information (APPI).")
    ] = None,
    copyrighted: Annotated[
        Copyrighted | None, typer.Option(help="Whether it holds copyrighted works.")
    ] = None,
    article_30_4: Annotated[
        str | None,
        typer.Option("--article-30-4", help="How art. 30-4 of the Copyright Act was considered."),
    ] = None,
    opt_out: Annotated[OptOut | None, typer.Option(help="Whether opt-outs are honoured.")] = None,
    opt_out_details: TextOpt = None,
    retention: TextOpt = None,
    data_holder: Annotated[
        list[str] | None, typer.Option("--data-holder", help="A data holder (repeatable).")
    ] = None,
    notes: TextOpt = None,
    disclose: DiscloseOpt = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a dataset the system is trained on or uses."""
    fields = DatasetFields.model_validate(
        given(
            name=name,
            source=source,
            collection_method=collection_method,
            licence=licence,
            personal_data=personal_data,
            personal_data_basis=personal_data_basis,
            copyrighted=copyrighted,
            article_30_4=article_30_4,
            opt_out=opt_out,
            opt_out_details=opt_out_details,
            retention=retention,
            data_holders=data_holder,
            notes=notes,
            disclosed=disclose,
        )
    )
    with database().transaction() as session:
        actor = principal(session, org, user)
        row = record_service.add_dataset(session, actor, system, fields)
        view = record_service.dataset_view(row, ActorNames(session, actor))
    if as_json:
        print_json(view)
        return
    console.print(f"dataset record {view.id} added to system {view.system_id}", markup=False)


@datasets_app.command("list")
@handle_errors
def list_datasets(
    org: OrgOption, system: SystemOpt, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """List the datasets of a system."""
    with database().reading() as session:
        actor = principal(session, org, user)
        actors = ActorNames(session, actor)
        views = [
            record_service.dataset_view(r, actors)
            for r in record_service.list_datasets(session, actor, system)
        ]
    if as_json:
        print_json(views)
        return
    table(
        ["id", "name", "source", "licence", "copyrighted", "opt-out", "disclosed", "version"],
        [
            [
                v.id,
                v.name,
                v.source,
                v.licence,
                v.copyrighted.value,
                v.opt_out.value,
                ", ".join(v.disclosed),
                v.version,
            ]
            for v in views
        ],
    )
