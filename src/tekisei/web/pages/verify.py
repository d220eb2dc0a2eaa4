"""The public verification page: anyone can check a text for a tekisei watermark."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool

from tekisei.errors import InvalidInputError, NotFoundError, ThrottledError
from tekisei.services import demo, public_provenance, receipts
from tekisei.services.provenance import PublicResult
from tekisei.web.api.provenance import (
    MAX_TEXT,
    check_text,
    check_upload,
    issuer_of,
    read_upload,
)
from tekisei.web.errors import retry_after
from tekisei.web.files import read_multipart
from tekisei.web.forms import read_form
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)


def _samples(request: Request) -> dict[str, Path]:
    return demo.samples(request.app.state.settings.data_dir)


@router.get("/verify", response_class=HTMLResponse)
def verify_page(
    request: Request, sample: Annotated[str, Query(pattern="^(|text)$")] = ""
) -> HTMLResponse:
    """The form (no sign-in needed); ``?sample=text`` fills in the demo's watermarked
    sample when the demo is loaded."""
    found = _samples(request)
    text = found["text"].read_text(encoding="utf-8") if sample and "text" in found else ""
    return render(
        request,
        "verify/index.html",
        {"result": None, "text": text, "max": MAX_TEXT, "samples": found},
    )


@router.get("/verify/sample.png", response_class=FileResponse)
def sample_image(request: Request) -> FileResponse:
    """The demo's signed sample image, to download and check here."""
    found = _samples(request)
    if "image" not in found:
        raise NotFoundError("the demo is not loaded", ja="デモデータが読み込まれていません。")
    return FileResponse(
        found["image"],
        media_type="image/png",
        filename="tekisei-demo-signed.png",
        content_disposition_type="attachment",
    )


@router.post("/verify", response_class=HTMLResponse)
async def verify_submit(request: Request) -> HTMLResponse:
    """Check the pasted text and explain the verdict in plain words."""
    data = await read_form(request)
    text = str(data.get("text", ""))
    context: dict[str, Any] = {
        "result": None,
        "text": text,
        "max": MAX_TEXT,
        "error": None,
        "samples": _samples(request),
    }
    try:
        if len(text) > MAX_TEXT:
            context["text"] = text[:MAX_TEXT]  # kept to trim, never more than the form takes
            raise InvalidInputError(
                f"the text is longer than {MAX_TEXT} characters",
                ja=f"文章が長すぎます（{MAX_TEXT}文字まで）。",
            )
        found = await run_in_threadpool(check_text, request, text, None, None)
        assert isinstance(found, PublicResult)  # the page is the public verifier for all
        context["result"] = found
        context["receipt"] = receipts.text_receipt(
            request.app.state.settings, issuer_of(request), text, found
        )
    except (InvalidInputError, ThrottledError) as exc:
        context["error"] = exc.localized(request.state.lang)
        status = 429 if isinstance(exc, ThrottledError) else 422
        page = render(request, "verify/index.html", context, status_code=status)
        page.headers.update(retry_after(exc))
        return page
    return render(request, "verify/index.html", context)


@router.post("/verify/image", response_class=HTMLResponse)
async def verify_image_submit(request: Request) -> HTMLResponse:
    """Check an uploaded image's content credentials, or its watermark (the image rate
    limit is counted before the upload is read, the pixel limit before it is decoded)."""
    context: dict[str, Any] = {
        "result": None,
        "text": "",
        "max": MAX_TEXT,
        "error": None,
        "samples": _samples(request),
    }
    try:
        await run_in_threadpool(request.app.state.image_limiter.check, request)
        files, _ = await read_multipart(request, files=("file",))
        data = await read_upload(request, files["file"])
        found = await run_in_threadpool(check_upload, request, data)
        context["image"] = public_provenance.public_image(found)
        context["image_receipt"] = receipts.image_receipt(
            request.app.state.settings, issuer_of(request), data, found
        )
    except (InvalidInputError, ThrottledError) as exc:
        context["image_error"] = exc.localized(request.state.lang)
        status = 429 if isinstance(exc, ThrottledError) else 422
        page = render(request, "verify/index.html", context, status_code=status)
        page.headers.update(retry_after(exc))
        return page
    return render(request, "verify/index.html", context)
