"""``tekisei backup``: an operator's encrypted backup of the whole deployment (CLI only)."""

from __future__ import annotations

import getpass
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from tekisei import __version__
from tekisei.cli.common import JsonOption, database, handle_errors, print_json, settings
from tekisei.core.backups import DATA_PREFIX, Manifest, json_schemas
from tekisei.errors import InvalidInputError
from tekisei.services import backup_restore
from tekisei.services import backups as backup_service

app = typer.Typer(
    help="Back up and restore the whole deployment (database, files, keys and the secret) "
    "in one encrypted archive.",
    no_args_is_help=True,
)

FileArgument = Annotated[Path, typer.Argument(help="A file written by 'tekisei backup create'.")]


def _passphrase(*, confirm: bool) -> str:
    """TEKISEI_BACKUP_PASSPHRASE, else a line of standard input (asked for on a terminal)."""
    configured = settings().backup_passphrase
    if configured is not None:
        return configured.get_secret_value()
    if sys.stdin.isatty():
        value = getpass.getpass("passphrase / パスフレーズ: ")
        if confirm and getpass.getpass("again / もう一度: ") != value:
            raise InvalidInputError(
                "the two passphrases differ", ja="2回入力したパスフレーズが一致しません。"
            )
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise InvalidInputError(
            "no passphrase: set TEKISEI_BACKUP_PASSPHRASE or pass it on standard input",
            ja="パスフレーズがありません。TEKISEI_BACKUP_PASSPHRASE を設定するか、"
            "標準入力から渡してください。",
        )
    return value


def _contents(manifest: Manifest) -> dict[str, int]:
    """Data files by top folder (files, runs, pki, tokenizers …; a top-level file by name)."""
    folders: Counter[str] = Counter()
    for member in manifest.members:
        if member.name.startswith(DATA_PREFIX):
            rest = member.name[len(DATA_PREFIX) :]
            folders[rest.split("/", 1)[0]] += 1
    return dict(sorted(folders.items()))


def _describe(manifest: Manifest) -> str:
    folders = ", ".join(f"{name}: {count}" for name, count in _contents(manifest).items())
    return (
        f"made {manifest.created_at[:19]} by tekisei {manifest.tekisei_version}; database "
        f"{manifest.database} at revision {manifest.revision}; secret from "
        f"{'TEKISEI_SECRET_KEY' if manifest.secret_source == 'environment' else 'secret.key'}; "
        f"data files {folders or 'none'}"
    )


@app.command("create")
@handle_errors
def create(
    output: Annotated[Path, typer.Option("--output", "-o", help="The archive to write.")],
    as_json: JsonOption = False,
) -> None:
    """Write one consistent, encrypted archive: the database, every file of the data
    folder (evidence, run logs, tokenizers, the signing PKI …) and the secret.

    The passphrase comes from TEKISEI_BACKUP_PASSPHRASE or standard input (at least 12
    characters). Keep it apart from the archive: without it nothing can be restored.
    """
    passphrase = _passphrase(confirm=True)
    config = settings()
    db = database()
    try:
        summary = backup_service.create_backup(
            config, db, output, passphrase, tekisei_version=__version__
        )
    finally:
        db.close()
    if as_json:
        print_json({"file": str(summary.path), "size": summary.size, "manifest": summary.manifest})
        return
    typer.echo(
        f"backup written to {summary.path} ({summary.size} bytes, "
        f"{len(summary.manifest.members)} members): {_describe(summary.manifest)}"
    )
    for skipped in summary.manifest.skipped:
        typer.echo(f"skipped: {skipped}", err=True)


@app.command("verify")
@handle_errors
def verify(file: FileArgument, as_json: JsonOption = False) -> None:
    """Decrypt the archive, check the SHA-256 of every member and say what is inside;
    writes nothing. Exits 4 on a wrong passphrase or a damaged archive."""
    manifest = backup_service.verify_backup(file, _passphrase(confirm=False))
    if as_json:
        print_json({"ok": True, "contents": _contents(manifest), "manifest": manifest})
        return
    typer.echo(f"ok: {file}, {len(manifest.members)} members intact; {_describe(manifest)}")


@app.command("restore")
@handle_errors
def restore(file: FileArgument, as_json: JsonOption = False) -> None:
    """Restore into an empty data folder (TEKISEI_DATA_DIR) and an empty database
    (TEKISEI_DATABASE_URL, SQLite or PostgreSQL); refuses anything not empty.

    A wrong passphrase or a damaged archive restores nothing.
    """
    config = settings()
    summary = backup_restore.restore_backup(config, file, _passphrase(confirm=False))
    if as_json:
        print_json(
            {
                "data_dir": str(config.data_dir),
                "database": summary.database,
                "rows": summary.rows,
                "files": summary.files,
                "manifest": summary.manifest,
            }
        )
        return
    rows = "as it was" if summary.rows is None else f"{summary.rows} rows"
    typer.echo(
        f"restored into {config.data_dir}: database ({summary.database}, {rows}), "
        f"{summary.files} files, the secret; {_describe(summary.manifest)}"
    )
    typer.echo(
        "Everything written after the backup was made is lost. With audit anchors, "
        "'tekisei audit verify' names the anchored events the restored log no longer reaches."
    )


@app.command("schema")
@handle_errors
def schema(kind: Annotated[str, typer.Argument(help="header or manifest.")] = "manifest") -> None:
    """Print the JSON Schema of the archive's plain header or of its manifest."""
    schemas = json_schemas()
    if kind not in schemas:
        raise typer.BadParameter("use header or manifest", param_hint="KIND")
    print_json(schemas[kind])
