"""HTML form handling: reading fields, CSRF checks, and field-level error messages."""

from __future__ import annotations

import hmac
import importlib
import pkgutil
from typing import Any

from fastapi import Request
from pydantic import ValidationError

import tekisei.core
from tekisei.core.text import BOUND_WORDS, visible
from tekisei.errors import PermissionDeniedError

LIST_FIELDS = {"models", "vendors", "data_categories", "affected", "taxonomy", "actors", "probes"}


async def read_form(request: Request) -> dict[str, Any]:
    """Form fields; list fields keep every value, text lists split on lines or commas."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in set(form.keys()):
        values = [str(v) for v in form.getlist(key)]
        if key in LIST_FIELDS:
            items: list[str] = []
            for value in values:
                items.extend(visible(p) for p in value.replace(",", "\n").splitlines())
            data[key] = [item for item in items if item]
        else:
            data[key] = visible(values[-1]) if values else ""
    return data


def check_csrf(request: Request, data: dict[str, Any]) -> None:
    """Refuse a form post whose CSRF token does not match the session's.

    Raises:
        PermissionDeniedError: missing or wrong token.
    """
    expected = getattr(request.state, "csrf", None)
    sent = str(data.pop("csrf", ""))
    if not expected or not hmac.compare_digest(sent, expected):
        raise PermissionDeniedError(
            "the form expired or did not come from this site; reload the page and try again",
            ja="フォームの有効期限が切れたか、このサイトから送られたものではありません。"
            "ページを読み込み直してからやり直してください。",
        )


# Messages of the rules the models state themselves (ValueError), in Japanese.
_RULES_JA = {
    "give both residual_likelihood and residual_impact, or neither": (
        "対応後の発生可能性と影響度は、両方を選ぶか、両方とも空にしてください。"
    ),
    "say why the requirement does not apply: 'not applicable' needs a justification": (
        "「該当しない」とする場合は、その理由を書いてください。"
    ),
    "likelihood and impact are each 1 to 5": "発生可能性と影響度は1から5で選んでください。",
    "give an http:// or https:// address": (
        "http:// または https:// で始まるアドレスを入力してください。"
    ),
    "an address cannot contain spaces or quotes": "アドレスに空白や引用符は使えません。",
    "the end date cannot be before the start date": "終了日は開始日より前にできません。",
}


def _core_rules_ja() -> dict[str, str]:
    """Every ``RULES_JA`` a module of :mod:`tekisei.core` declares (the Japanese of the
    rules its models state), so that no rule reaches a reader in English by being
    forgotten here."""
    found: dict[str, str] = {}
    for module in pkgutil.iter_modules(tekisei.core.__path__):
        rules = getattr(importlib.import_module(f"tekisei.core.{module.name}"), "RULES_JA", {})
        found.update(rules)
    return found


_RULES_JA |= _core_rules_ja()

_TYPES_JA = {
    "bool": ("はい・いいえ（true か false）で指定してください。", "Give true or false."),
    "dict": ("項目名と値の組（JSON のオブジェクト）で指定してください。", "Give an object."),
    "list": ("一覧（JSON の配列）で指定してください。", "Give a list."),
    "string": ("文字列で指定してください。", "Give a text."),
    "model": ("項目名と値の組（JSON のオブジェクト）で指定してください。", "Give an object."),
}
"""What a value of the wrong kind should have been, by the first word of pydantic's
error type (``bool_type``, ``dict_type``, ``list_type``, ``string_type``, ...)."""


def error_message(error: Any, lang: str) -> str:
    """One validation error in words a person filling in a form understands."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    ja = lang == "ja"
    if kind in ("missing", "string_too_short") or (
        kind == "too_short" and not ctx.get("actual_length")
    ):
        return "入力してください。" if ja else "Fill this in."
    if kind == "string_too_long" or (kind == "too_long" and isinstance(error.get("input"), str)):
        limit = ctx.get("max_length", "")
        return f"{limit}文字以内にしてください。" if ja else f"Keep it to {limit} characters."
    if kind == "too_long":
        limit = ctx.get("max_length", "")
        return f"{limit}件以内にしてください。" if ja else f"Keep it to {limit} items."
    if kind == "decimal_max_places":
        places = ctx.get("decimal_places", "")
        return (
            f"小数点以下{places}桁までにしてください。" if ja else f"Keep it to {places} decimals."
        )
    if kind in (
        "int_parsing",
        "int_type",
        "float_parsing",
        "float_type",
        "decimal_parsing",
        "decimal_type",
        "finite_number",
    ):
        return "数字で入力してください。" if ja else "Enter a number."
    if kind in BOUND_WORDS:
        key, ja_word, en_word = BOUND_WORDS[kind]
        bound = ctx.get(key, "")
        return f"{bound}{ja_word}にしてください。" if ja else f"Give a value {en_word} {bound}."
    if kind in ("enum", "literal_error"):
        return "選択肢から選んでください。" if ja else "Choose one of the options."
    if kind.startswith("date") or kind.startswith("datetime"):
        return "日付を YYYY-MM-DD の形で入力してください。" if ja else "Enter a date as YYYY-MM-DD."
    if kind.startswith("url"):
        return (
            "https:// で始まるアドレスを入力してください。"
            if ja
            else "Enter an address starting with https://."
        )
    if kind == "string_pattern_mismatch":
        return (
            "使えない文字が含まれています。"
            if ja
            else "It contains characters that cannot be used."
        )
    if kind == "extra_forbidden":
        return "この項目は受け付けていません。" if ja else "This field is not accepted."
    if kind in ("json_invalid", "json_type"):
        return "JSON として読めません。" if ja else "This is not valid JSON."
    if kind.endswith(("_type", "_parsing")) and kind.split("_")[0] in _TYPES_JA:
        return _TYPES_JA[kind.split("_")[0]][0 if ja else 1]
    text = str(error["msg"]).removeprefix("Value error, ")
    if not ja:
        return text
    if text in _RULES_JA:
        return _RULES_JA[text]
    # a rule written in English only: said in Japanese as a general refusal (the API's
    # ``detail`` keeps the English) rather than mixed into a Japanese message
    return text if not text.isascii() else "この値は受け付けられません。内容を確かめてください。"


def field_errors(exc: ValidationError, lang: str = "en") -> dict[str, str]:
    """The first message for each top-level field of a validation error, in ``lang``."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "__all__"
        errors.setdefault(field, error_message(error, lang))
    return errors


def blank_to_none(data: dict[str, Any], *fields: str) -> dict[str, Any]:
    """Drop empty optional inputs so that defaults apply."""
    return {k: v for k, v in data.items() if not (k in fields and v in ("", None))}


KEEP_OWNER_TEXT = "text"
"""The owner <select>'s value that keeps the owner written as text before owners were chosen
from members (the text itself comes back in the hidden ``owner_text``)."""


def owner_fields(data: dict[str, Any]) -> dict[str, Any]:
    """``owner_id`` and ``owner_text`` from the owner <select> of a form (templates
    ``owners/_owner.html``): a member's id, nothing (no owner), or the text kept as it is.
    Empty when the form has no owner <select>: nothing about the owner changes then."""
    if "owner_id" not in data:
        return {}
    chosen = str(data.get("owner_id", "")).strip()
    text = str(data.get("owner_text", ""))
    if chosen == KEEP_OWNER_TEXT:
        return {"owner_id": None, "owner_text": text}
    if not chosen:
        return {"owner_id": None, "owner_text": ""}
    return {"owner_id": chosen, "owner_text": text}


def without_owner(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the owner <select>'s raw fields (see :func:`owner_fields`)."""
    return {k: v for k, v in data.items() if k not in ("owner_id", "owner_text")}
