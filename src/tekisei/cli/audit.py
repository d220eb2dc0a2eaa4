"""``tekisei audit``: export and verify the tamper-evident log, anchor it outside the
database, and start the checkpoint rule on an old chain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tekisei.cli.common import (
    EXIT_INVALID,
    JsonOption,
    LangOption,
    OrgOption,
    UserOption,
    console,
    database,
    handle_errors,
    principal,
    print_json,
    resolve_lang,
    settings,
    table,
)
from tekisei.core.audit import CHECKPOINT_EVERY, json_schemas
from tekisei.errors import ConfigError, InvalidInputError, NotFoundError
from tekisei.services import audit as audit_service
from tekisei.services import audit_anchors
from tekisei.services import users as user_service
from tekisei.untrusted import MAX_FILE_BYTES, read_text

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

AnchorsOption = Annotated[
    Path | None,
    typer.Option(
        "--anchors",
        help="Anchor file to check against (default for the live check: "
        "TEKISEI_AUDIT_ANCHOR_FILE).",
    ),
]


@app.command("export")
@handle_errors
def export(
    org: OrgOption,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default stdout).")
    ] = None,
    user: UserOption = None,
) -> None:
    """Write a self-contained export: every event, signed checkpoints and the public key.

    Refused (exit 4) when the chain does not verify: a new checkpoint would vouch for it.
    """
    config = settings()
    db = database()
    assert db.signer is not None
    with db.transaction() as session:
        data = audit_service.export_log(
            session, principal(session, org, user), db.signer, config.audit_anchor_file
        )
    text = data.model_dump_json(indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"{len(data.events)} events written to {output}", markup=False)


def _read_export(file: Path) -> str:
    try:
        text = read_text(file, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise NotFoundError(f"{file}: no such file", ja=f"{file}: ファイルがありません。") from None
    except UnicodeDecodeError:
        raise InvalidInputError(
            f"{file} is not UTF-8 text; it was changed or is not an export",
            ja=f"{file} はUTF-8のテキストではありません。",
        ) from None
    return text


def _signed(check: audit_service.ChainCheck, lang: str) -> str:
    """How far signed checkpoints cover the chain, in words."""
    if check.signed_through:
        if lang == "ja":
            return f"署名付きチェックポイントはイベント {check.signed_through} まで"
        return f"signed through event {check.signed_through}"
    if lang == "ja":
        return (f"署名付きチェックポイントはまだありません（イベント {CHECKPOINT_EVERY} に"
                "達したとき、またはエクスポートしたときに作られます。それまではハッシュチェーン"
                "だけが、アンカーを取っていればそれも保護します）")  # fmt: skip
    return (f"no signed checkpoint yet (one is made at event {CHECKPOINT_EVERY} or by an "
            "export; until then the hash chain alone protects it, and anchors if you take "
            "them)")  # fmt: skip


def _ok_line(check: audit_service.ChainCheck, lang: str) -> str:
    """The line for a chain that verifies."""
    if lang == "ja":
        return f"ok: {check.org}、イベント{check.events}件、{_signed(check, lang)}"
    events = "event" if check.events == 1 else "events"
    return f"ok: {check.org}, {check.events} {events}, {_signed(check, lang)}"


def _anchor_summary(check: audit_service.ChainCheck) -> str:
    if check.anchor is None:
        return ""
    if check.anchor.latest_seq is None:
        return "; no anchor yet"
    return (
        f"; {check.anchor.checked} anchors checked, latest at event {check.anchor.latest_seq} "
        f"({check.anchor.latest_at})"
    )


def _check_json(check: audit_service.ChainCheck, lang: str) -> dict[str, Any]:
    return {
        "org": check.org,
        "ok": check.ok,
        "events": check.events,
        "signed_through": check.signed_through,
        "problems": check.messages(lang),
        "warnings": [w.localized(lang) for w in check.warnings],
        "anchor": check.anchor,
    }


def _warn(check: audit_service.ChainCheck, lang: str, as_json: bool) -> None:
    if not as_json:
        label = "注意" if lang == "ja" else "warning"
        for warning in check.warnings:
            typer.echo(f"{label}: {warning.localized(lang)}", err=True)


@app.command("verify")
@handle_errors
def verify(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="An export written by 'tekisei audit export'; without it, the live "
            "database is checked."
        ),
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="Trusted public key (base64); checks who signed it.")
    ] = None,
    anchors: AnchorsOption = None,
    org: Annotated[
        str | None,
        typer.Option("--org", help="Live check of this organisation only (default: all)."),
    ] = None,
    lang_option: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check an export offline, or the live chains; exits 4 and names every problem
    (event, organisation, anchor line) when it fails."""
    lang = resolve_lang(lang_option)
    if anchors is not None and not anchors.is_file():
        raise NotFoundError(
            f"{anchors}: no such anchor file", ja=f"{anchors}: アンカーファイルがありません。"
        )
    if file is not None:
        data = audit_service.parse_export(_read_export(file))
        check = audit_service.check_export(data, key, anchors)
        if as_json:
            print_json(_check_json(check, lang) | {"key_id": data.key_id})
        elif check.ok:
            typer.echo(
                f"ok: {check.events} events of {data.org}, chain intact, signed by key "
                f"{data.key_id}{_anchor_summary(check)}"
            )
        else:
            for problem in check.messages(lang):
                typer.echo(problem, err=True)
        _warn(check, lang, as_json)
        if not check.ok:
            raise typer.Exit(EXIT_INVALID)
        return
    anchor_path = anchors if anchors is not None else settings().audit_anchor_file
    db = database()
    assert db.signer is not None
    with db.reading() as session:
        result = audit_anchors.check_all(session, db.signer, anchor_path, org)
    file_problems = [p.localized(lang) for p in result.file_problems]
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "key_id": db.signer.key_id,
                "anchor_file": str(anchor_path) if anchor_path else None,
                "orgs": [_check_json(c, lang) for c in result.checks],
                "problems": file_problems,
            }
        )
    else:
        for check in result.checks:
            if check.ok:
                typer.echo(_ok_line(check, lang) + _anchor_summary(check))
            for problem in check.messages(lang):
                typer.echo(problem, err=True)
            _warn(check, lang, as_json)
        for problem in file_problems:
            typer.echo(problem, err=True)
        missing = sorted({c.org for c in result.checks for p in c.problems if p.kind == "missing"})
        for slug in missing:
            typer.echo(_baseline_hint(slug, lang), err=True)
    if not result.ok:
        raise typer.Exit(EXIT_INVALID)


def _baseline_hint(org: str, lang: str) -> str:
    if lang == "ja":
        return (
            f"注意: {org} のチェーンが、チェックポイントが必須になる前に書かれたものなら、"
            f"tekisei audit baseline --org {org} で一度だけ基準点を署名できます。"
            "チェックポイントが削除された場合と見分けはつかず、基準点より前が書き換えられて"
            "いないことは証明しません（docs/workspace.md）。"
        )
    return (
        f"note: if the chain of {org} was written before checkpoints were required, sign a "
        f"baseline once with 'tekisei audit baseline --org {org}'. It looks the same as "
        "deleted checkpoints, and it proves nothing about the time before it (docs/workspace.md)."
    )


@app.command("anchor")
@handle_errors
def anchor(
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Anchor file (default: TEKISEI_AUDIT_ANCHOR_FILE)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Append the signed head of every organisation's chain to the anchor file.

    Run it often (cron, a systemd timer). A chain that does not verify is not anchored
    (exit 4, its problems on stderr); the others are.
    """
    path = file if file is not None else settings().audit_anchor_file
    if path is None:
        raise ConfigError(
            "no anchor file: give --file PATH or set TEKISEI_AUDIT_ANCHOR_FILE "
            "(a path on another volume or host than the database)",
            ja="アンカーファイルがありません。--file PATH を指定するか、"
            "TEKISEI_AUDIT_ANCHOR_FILE（データベースとは別のボリュームやホスト上のパス）を"
            "設定してください。",
        )
    db = database()
    assert db.signer is not None
    with db.reading() as session:
        run = audit_anchors.anchor_heads(session, db.signer, path)
    lang = resolve_lang(None)
    if as_json:
        print_json(
            {
                "file": str(run.path),
                "started_file": run.started_file,
                "anchored": run.anchored,
                "refused": [_check_json(c, lang) for c in run.refused],
            }
        )
    else:
        if run.started_file:
            typer.echo(f"started a new anchor file {run.path}")
        for item in run.anchored:
            typer.echo(f"anchored {item.org} at event {item.seq}")
        for check in run.refused:
            typer.echo(f"not anchored: {check.org}", err=True)
            for problem in check.messages(lang):
                typer.echo(f"  {problem}", err=True)
    if run.refused:
        raise typer.Exit(EXIT_INVALID)


@app.command("baseline")
@handle_errors
def baseline(org: OrgOption, user: UserOption = None) -> None:
    """One-off for a chain written before signed checkpoints were required at every
    interval: sign its current head as the baseline.

    From then on the rule applies. It proves the chain has not changed since now, not
    that it was never changed before. Refused when the chain is broken otherwise, or
    needs no baseline.
    """
    config = settings()
    db = database()
    assert db.signer is not None
    with db.transaction() as session:
        event = audit_service.baseline(
            session, principal(session, org, user), db.signer, config.audit_anchor_file
        )
    exempt = ", ".join(str(seq) for seq in event.summary["exempt"])
    typer.echo(
        f"baseline of {org} signed at event {event.seq}; intervals without a checkpoint "
        f"accepted: {exempt}. It proves the chain up to event {event.seq} has not changed "
        "since now, not that it was never changed before."
    )


@app.command("schema")
@handle_errors
def schema(
    kind: Annotated[str, typer.Argument(help="export or anchor.")] = "export",
) -> None:
    """Print the JSON Schema of the export file or of one anchor line."""
    schemas = json_schemas()
    if kind not in schemas:
        raise typer.BadParameter("use export or anchor", param_hint="KIND")
    print_json(schemas[kind])


@app.command("events")
@handle_errors
def events(
    org: OrgOption,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. risk.accept.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show recent events, newest first; risk acceptances and gate approvals carry the
    separation-of-duties flags (young_approver, approver_added_by_requester)."""
    with database().reading() as session:
        total, rows = audit_service.list_events(
            session, principal(session, org, user), action=action, limit=limit
        )
        flags = user_service.approval_flags_of(session, rows)
    if as_json:
        items = [e.model_dump(mode="json") | {"flags": flags.get(e.seq, [])} for e in rows]
        print_json({"total": total, "items": items})
        return
    table(
        ["seq", "at", "actor", "action", "object", "flags"],
        [
            [
                e.seq,
                e.at[:19],
                e.actor,
                e.action,
                f"{e.object_type} {e.object_id}",
                ", ".join(flags.get(e.seq, [])),
            ]
            for e in rows
        ],
    )
