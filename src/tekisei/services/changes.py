"""Applying a partial change to a record: version check, validation, before/after summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from tekisei.errors import ConflictError, InvalidInputError

M = TypeVar("M", bound=BaseModel)


def check_version(
    kind_ja: str, ident: int | str, version: int, current: int, *, kind_en: str
) -> None:
    """Refuse a change based on an outdated version. The record is named ``kind ident`` in
    each language (``kind_en`` "inquiry", ident 12: "inquiry 12"); a record that is one of
    its kind per organisation or system passes ``ident=""`` and its whole name as the kind.

    Raises:
        ConflictError: ``version`` is not ``current``.
    """
    named = ident != ""
    name_en = f"{kind_en} {ident}" if named else kind_en
    name_ja = f"{kind_ja} {ident} " if named else kind_ja
    if version > current:
        raise ConflictError(
            f"{name_en} has no version {version} yet (it is at {current}); "
            "read it again and send the version you read",
            ja=f"{name_ja}にバージョン{version}はまだありません（現在{current}）。"
            "読み込み直して、読んだときのバージョンを送ってください。",
        )
    if version != current:
        raise ConflictError(
            f"{name_en} changed since version {version} (now {current}); "
            "reload it and apply your change again",
            ja=f"{name_ja}はバージョン{version}以降に変更されています（現在{current}）。"
            "読み込み直してから変更してください。",
        )


@dataclass(frozen=True)
class Change(Generic[M]):
    """The record after a partial change, and what changed."""

    after: M
    fields: list[str]
    summary: dict[str, Any]


def merge(before: M, changes: dict[str, Any]) -> Change[M]:
    """Apply ``changes`` to ``before`` and validate the result.

    Raises:
        InvalidInputError: unknown fields or invalid values.
    """
    unknown = sorted(set(changes) - set(type(before).model_fields))
    if unknown:
        raise InvalidInputError(
            f"unknown fields: {', '.join(unknown)}", ja=f"不明な項目: {'、'.join(unknown)}"
        )
    try:
        after = type(before).model_validate(before.model_dump() | changes)
    except ValidationError as exc:
        raise InvalidInputError(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
            ja="入力内容に誤りがあります。",
        ) from None
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    fields = sorted(k for k in new if new[k] != old[k])
    summary = {"before": {k: old[k] for k in fields}, "after": {k: new[k] for k in fields}}
    return Change(after, fields, summary)
