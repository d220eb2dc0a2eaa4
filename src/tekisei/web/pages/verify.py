"""The public verification page: anyone can check a text for a tekisei watermark."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from tekisei.errors import InvalidInputError, ThrottledError
from tekisei.services.provenance import PublicResult
from tekisei.web.api.provenance import MAX_TEXT, check_text, check_upload, read_upload
from tekisei.web.errors import retry_after
from tekisei.web.files import read_multipart
from tekisei.web.forms import read_form
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request) -> HTMLResponse:
    """The form (no sign-in needed)."""
    return render(request, "verify/index.html", {"result": None, "text": "", "max": MAX_TEXT})


@router.post("/verify", response_class=HTMLResponse)
async def verify_submit(request: Request) -> HTMLResponse:
    """Check the pasted text and explain the verdict in plain words."""
    data = await read_form(request)
    text = str(data.get("text", ""))
    context: dict[str, Any] = {"result": None, "text": text, "max": MAX_TEXT, "error": None}
    try:
        if len(text) > MAX_TEXT:
            raise InvalidInputError(
                f"the text is longer than {MAX_TEXT} characters",
                ja=f"文章が長すぎます（{MAX_TEXT}文字まで）。",
            )
        found = await run_in_threadpool(check_text, request, text, None, None)
        assert isinstance(found, PublicResult)  # the page is the public verifier for all
        context["result"] = found
    except (InvalidInputError, ThrottledError) as exc:
        context["error"] = exc.localized(request.state.lang)
        status = 429 if isinstance(exc, ThrottledError) else 422
        page = render(request, "verify/index.html", context, status_code=status)
        page.headers.update(retry_after(exc))
        return page
    return render(request, "verify/index.html", context)


@router.post("/verify/image", response_class=HTMLResponse)
async def verify_image_submit(request: Request) -> HTMLResponse:
    """Check an uploaded image's content credentials, or its watermark (the rate limit is
    counted before the upload is read)."""
    context: dict[str, Any] = {"result": None, "text": "", "max": MAX_TEXT, "error": None}
    try:
        await run_in_threadpool(request.app.state.public_limiter.check, request)
        files, _ = await read_multipart(request, files=("file",))
        data = await read_upload(request, files["file"])
        context["image"] = await run_in_threadpool(check_upload, request, data)
    except (InvalidInputError, ThrottledError) as exc:
        context["image_error"] = exc.localized(request.state.lang)
        status = 429 if isinstance(exc, ThrottledError) else 422
        page = render(request, "verify/index.html", context, status_code=status)
        page.headers.update(retry_after(exc))
        return page
    return render(request, "verify/index.html", context)
