"""What every command shares: language, JSON output, settings and error handling."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from tekisei.config import Settings, load_settings
from tekisei.core.orgs import Principal
from tekisei.core.text import BIDI_CONTROLS
from tekisei.errors import (
    AuthenticationError,
    CatalogFileError,
    ConfigError,
    ConflictError,
    DatabaseError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    TekiseiError,
)
from tekisei.services.database import Database, open_database

Lang = Literal["ja", "en"]

EXIT_ERROR = 1
EXIT_NOT_FOUND = 3
EXIT_INVALID = 4
EXIT_CONFIG = 5
EXIT_DATABASE = 6
EXIT_DENIED = 7
EXIT_CONFLICT = 8
EXIT_STORAGE = 9

console = Console()

LangOption = Annotated[
    str | None,
    typer.Option("--lang", help="Language of the output: ja or en (default: from the locale)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def resolve_lang(value: str | None) -> Lang:
    """The output language: ``--lang`` when given, otherwise the locale (ja when Japanese)."""
    if value is not None:
        if value not in ("ja", "en"):
            raise typer.BadParameter("use ja or en", param_hint="--lang")
        return "ja" if value == "ja" else "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        locale = os.environ.get(name)
        if locale:
            return "ja" if locale.lower().startswith("ja") else "en"
    return "en"


def given(**values: Any) -> dict[str, Any]:
    """The options the user gave (those not left at ``None``), as field changes."""
    return {key: value for key, value in values.items() if value is not None}


def print_json(data: Any) -> None:
    """Print ``data`` (models included) as JSON on stdout."""

    def default(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json")
        return str(value)

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=default) + "\n")


def settings() -> Settings:
    """The settings in effect."""
    return load_settings()


def database() -> Database:
    """The configured database, schema checked."""
    return open_database(settings())


P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn tekisei errors into a message on stderr and a distinct exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        given = kwargs.get("lang")  # a command's --lang applies to its errors too
        lang = resolve_lang(given if isinstance(given, str) else None)
        try:
            return func(*args, **kwargs)
        except CatalogFileError as exc:
            for problem in exc.problems:
                sys.stderr.write(f"{problem}\n")
            count = len(exc.problems)
            sys.stderr.write(f"{count} problem{'s' if count != 1 else ''} found.\n")
            raise typer.Exit(EXIT_INVALID) from None
        except ValidationError as exc:
            label = "エラー" if lang == "ja" else "error"
            lines = []
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"]) or "input"
                message = error["msg"].removeprefix("Value error, ")
                lines.append(f"{where}: {message}")
                sys.stderr.write(f"{label}: {where}: {message}\n")
            if kwargs.get("as_json") is True:
                _json_error(EXIT_INVALID, "; ".join(lines), None)
            raise typer.Exit(EXIT_INVALID) from None
        except TekiseiError as exc:
            label = "エラー" if lang == "ja" else "error"
            sys.stderr.write(f"{label}: {exc.localized(lang)}\n")
            if isinstance(exc, StorageError):  # the operator is at the terminal
                sys.stderr.write(f"  {exc.where}: {exc.reason}\n")
            if kwargs.get("as_json") is True:
                _json_error(_exit_code(exc), exc.message, exc.message_ja)
            raise typer.Exit(_exit_code(exc)) from None

    return wrapper


def _json_error(code: int, message: str, message_ja: str | None) -> None:
    """With ``--json``, the error as JSON on stdout too, so that a script reading stdout
    learns what went wrong (the exit code and the message on stderr stay as they are)."""
    print_json({"error": {"exit_code": code, "message": message, "message_ja": message_ja}})


def _exit_code(exc: TekiseiError) -> int:
    if isinstance(exc, NotFoundError):
        return EXIT_NOT_FOUND
    if isinstance(exc, InvalidInputError | IntegrityError):
        return EXIT_INVALID
    if isinstance(exc, ConfigError):
        return EXIT_CONFIG
    if isinstance(exc, DatabaseError):
        return EXIT_DATABASE
    if isinstance(exc, PermissionDeniedError | AuthenticationError):
        return EXIT_DENIED
    if isinstance(exc, ConflictError):
        return EXIT_CONFLICT
    if isinstance(exc, StorageError):
        return EXIT_STORAGE
    return EXIT_ERROR


OrgOption = Annotated[str, typer.Option("--org", help="The organisation's id (slug).")]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        help="Act as this member (their role applies); by default the local operator acts "
        "as an administrator.",
    ),
]


def principal(session: Session, org: str, user: str | None) -> Principal:
    """The acting principal: a member when ``--user`` is given, else the local operator."""
    if user:
        from tekisei.services import users  # only commands that act as someone need it

        return users.principal_for(session, user, org)
    from tekisei.services import orgs

    return orgs.cli_principal(session, org)


_CONTROL = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}]")


def plain(value: Any) -> Text:
    """A value as printable text: never read as console markup, and without terminal
    control sequences (a target's answer or a file's content may carry them) or
    bidirectional controls (which reorder what the terminal shows)."""
    return Text(_CONTROL.sub("\ufffd", "" if value is None else str(value)))


def table(headers: list[str], rows: list[list[Any]], title: str | None = None) -> None:
    """Print a Rich table of plain cells; long cells wrap, none is cut short."""
    out = Table(title=title)
    for header in headers:
        out.add_column(header, overflow="fold")
    for row in rows:
        out.add_row(*(plain(cell) for cell in row))
    console.print(out)
