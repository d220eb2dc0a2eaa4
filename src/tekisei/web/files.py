"""Files in and out: multipart uploads read only after the caller is known, and
downloads named safely.

FastAPI reads a route's ``File()`` and ``Form()`` parameters before it runs any
dependency, authentication and rate limits included, and Starlette spools file parts
over 1 MB to temporary files. Upload routes therefore declare no body parameter: they
check the caller first (``PrincipalDep``, or the public rate limit), with nothing
read, and then call :func:`read_multipart`, which keeps the parts in memory (the
request size limit bounds them, and every upload is read into memory anyway);
:func:`multipart_body` documents the body in OpenAPI.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from tekisei.core.evidence import ascii_filename, safe_filename


def multipart_body(
    *, files: dict[str, str], fields: dict[str, tuple[str, int]] | None = None
) -> dict[str, Any]:
    """``openapi_extra`` describing a multipart body: required ``files`` (name →
    description) and optional text ``fields`` (name → (description, max length))."""
    properties: dict[str, Any] = {
        name: {"type": "string", "format": "binary", "description": text}
        for name, text in files.items()
    }
    for name, (text, max_length) in (fields or {}).items():
        properties[name] = {"type": "string", "maxLength": max_length, "description": text}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": sorted(files),
                        "properties": properties,
                    }
                }
            },
        }
    }


def _missing(name: str, kind: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body", name), "msg": message}])


async def read_multipart(
    request: Request, *, files: tuple[str, ...], fields: dict[str, int] | None = None
) -> tuple[dict[str, UploadFile], dict[str, str]]:
    """The named files and text fields of a multipart request (call it after
    authentication). Field values are stripped; unknown parts are ignored.

    Raises:
        RequestValidationError: a file is missing or a field is too long (422, as for
            any other body).
    """
    limits = fields or {}
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise _missing(files[0], "missing", "Field required: send multipart/form-data")
    parser = MultiPartParser(
        request.headers,
        request.stream(),
        max_files=len(files),
        max_fields=len(limits) + 1,
        max_part_size=64 * 1024,
    )
    # In memory, never a temporary file: the request size limit already bounds it.
    parser.spool_max_size = request.app.state.settings.max_request_bytes
    try:
        form: FormData = await parser.parse()
    except MultiPartException as exc:
        raise HTTPException(status_code=400, detail=exc.message) from None
    found: dict[str, UploadFile] = {}
    for name in files:
        value = form.get(name)
        if not isinstance(value, UploadFile):
            raise _missing(name, "missing", "Field required: send the file as a multipart part")
        found[name] = value
    texts: dict[str, str] = {}
    for name, max_length in limits.items():
        value = form.get(name, "")
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > max_length:
            raise _missing(
                name, "string_too_long", f"String should have at most {max_length} characters"
            )
        texts[name] = text
    return found, texts


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` value that makes the browser save the file under a safe
    name (RFC 6266): an ASCII ``filename`` for old clients and the exact UTF-8 name as
    ``filename*`` (RFC 5987)."""
    name = safe_filename(filename)
    return (
        f"attachment; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
