"""The C2PA Soft Binding Resolution API over the deployment's signed images: look-ups by
binding value and by content, the signed manifest store as ``application/c2pa``, and the
algorithms supported. Public and rate limited per client (look-ups by value and manifest
downloads share one limit; look-ups by content count as image checks)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from tekisei.core.plain_text import PlainText
from tekisei.errors import InvalidInputError
from tekisei.services import public_provenance
from tekisei.web.api.common import reading
from tekisei.web.api.provenance import (
    BindingQuery,
    ManifestId,
    Matches,
    lookup_binding,
    master_key_of,
    matches_of,
)

router = APIRouter(tags=["provenance"])
PREFIX = "/api/provenance/sbr"
C2PA = "application/c2pa"
IMAGE_TYPES = ("image/png", "image/jpeg")

MaxResults = Annotated[int, Query(alias="maxResults", ge=1, le=100)]
Alg = Annotated[PlainText, Query(max_length=100)]


@router.get(f"{PREFIX}/matches/byBinding", response_model=Matches)
def by_binding(
    request: Request,
    alg: Alg,
    value: Annotated[
        PlainText,
        Query(
            max_length=64,
            description="The soft binding's value, base64-encoded (for "
            "org.tekisei.dwtdctsvd.bch.48: the 6 bytes of the 48-bit asset id, 8 characters; "
            "the base64 of its 12 hex digits and, as earlier, the 12 hex digits themselves "
            "are accepted too)",
        ),
    ],
    max_results: MaxResults = 10,
) -> Matches:
    """Manifests whose soft binding matches ``value`` under ``alg``: each named by its
    manifest label (``urn:c2pa:<uuid>``), with this service as ``endpoint`` and a
    ``similarityScore`` of 100 (an exact binding)."""
    return lookup_binding(request, alg, value, max_results)


@router.post(f"{PREFIX}/matches/byBinding", response_model=Matches)
def by_large_binding(request: Request, body: BindingQuery, max_results: MaxResults = 10) -> Matches:
    """The same look-up with the value in a JSON body ``{"alg": ..., "value": ...}``."""
    return lookup_binding(request, body.alg, body.value, max_results)


async def _image_body(request: Request) -> bytes:
    limit = request.app.state.settings.max_upload_mb * 1024 * 1024
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > limit:
            raise InvalidInputError(
                f"the image is larger than {limit} bytes (TEKISEI_MAX_UPLOAD_MB)",
                ja="画像が大きすぎます。",
            )
    if not data:
        raise InvalidInputError("the request has no image", ja="画像が送られていません。")
    return bytes(data)


@router.post(
    f"{PREFIX}/matches/byContent",
    response_model=Matches,
    responses={415: {"description": "Not a PNG or JPEG image"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}} for kind in IMAGE_TYPES
            },
        }
    },
)
async def by_content(
    request: Request, alg: Alg | None = None, max_results: MaxResults = 10
) -> Response | Matches:
    """Manifests an image (the request body, ``image/png`` or ``image/jpeg``) leads to
    through its credentials (``similarityScore`` 100) or its watermark
    (``similarityScore`` = round(100 × (64 − d) / 64), d: the perceptual-hash distance
    in bits). Counted as an image check, before the
    body is read; images over ``TEKISEI_MAX_IMAGE_PIXELS`` are refused from their header."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in IMAGE_TYPES:
        return JSONResponse(
            {
                "detail": "send the image as the request body with Content-Type image/png "
                "or image/jpeg",
                "detail_ja": "画像をリクエストの本文として、Content-Type を image/png か "
                "image/jpeg にして送ってください。",
            },
            status_code=415,
        )
    await run_in_threadpool(request.app.state.image_limiter.check, request)
    data = await _image_body(request)
    settings = request.app.state.settings

    def find() -> list[public_provenance.Found]:
        with reading(request) as session:
            return public_provenance.matches_by_content(
                session, settings.data_dir, data, settings.max_image_pixels, alg, max_results,
                master=master_key_of(request),
            )  # fmt: skip

    found = await run_in_threadpool(find)
    return matches_of(request, found)


@router.get(
    f"{PREFIX}/manifests/{{manifest_id}}",
    response_class=Response,
    responses={200: {"content": {C2PA: {}}, "description": "The signed C2PA manifest store"}},
)
def manifest_store(
    request: Request,
    manifest_id: ManifestId,
    return_active_manifest: Annotated[bool, Query(alias="returnActiveManifest")] = False,
) -> Response:
    """The signed C2PA manifest store of an image this deployment signed, by its manifest
    label (``urn:c2pa:<uuid>``, as the look-ups answer) or its asset id, as embedded in
    it (``application/c2pa``; readable by any C2PA reader as a sidecar). Its stores hold
    one manifest, so ``returnActiveManifest`` gives the same bytes."""
    del return_active_manifest  # one manifest per store: the same bytes either way
    request.app.state.lookup_limiter.check(request)
    with reading(request) as session:
        store = public_provenance.manifest_store(session, manifest_id)
    return Response(
        store,
        media_type=C2PA,
        headers={
            "Content-Disposition": 'attachment; filename="'
            + manifest_id.lower().replace(":", "_")
            + '.c2pa"'
        },
    )


@router.get(f"{PREFIX}/services/supportedAlgorithms")
def supported_algorithms() -> dict[str, list[dict[str, str]]]:
    """The soft-binding algorithms this service resolves."""
    return public_provenance.SUPPORTED_ALGORITHMS
