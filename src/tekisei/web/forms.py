"""HTML form handling: reading fields, CSRF checks, and field-level error messages."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import Request
from pydantic import ValidationError

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
                items.extend(p.strip() for p in value.replace(",", "\n").splitlines())
            data[key] = [item for item in items if item]
        else:
            data[key] = values[-1].strip() if values else ""
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


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The first message for each top-level field of a validation error."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "__all__"
        errors.setdefault(field, error["msg"].removeprefix("Value error, "))
    return errors


def blank_to_none(data: dict[str, Any], *fields: str) -> dict[str, Any]:
    """Drop empty optional inputs so that defaults apply."""
    return {k: v for k, v in data.items() if not (k in fields and v in ("", None))}
