"""JSON API of content provenance: verify a text or an image (public and rate limited;
signed-in callers get exact scores against their own organisation's keys only) and the
public list of watermark keys."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from tekisei.core.orgs import Principal
from tekisei.core.plain_text import PlainText
from tekisei.errors import InvalidInputError
from tekisei.services import credentials, provenance_checks, public_provenance, receipts, timestamps
from tekisei.services import provenance as provenance_service
from tekisei.services.credentials import ImageVerification
from tekisei.services.provenance import Detection, PublicResult, WatermarkKey
from tekisei.web.api.common import IdPath, database, reading, transaction
from tekisei.web.auth import OptionalPrincipalDep, PrincipalDep
from tekisei.web.deps import deployment_key
from tekisei.web.files import multipart_body, read_multipart

router = APIRouter(tags=["provenance"])
MAX_TEXT = 100_000


class TextCheck(BaseModel):
    """A text to check, and optionally the key to check it against."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[PlainText, Field(min_length=1, max_length=MAX_TEXT)]
    key_id: Annotated[PlainText | None, Field(max_length=40)] = None
    detector: Literal["tekisei", "transformers"] = "tekisei"
    """``transformers``: check for the watermark of ``transformers``' own
    ``WatermarkingConfig`` (its defaults, SmolLM2's tokenizer) instead of tekisei's keys;
    refused when the deployment has no torch."""
    receipt: bool = False
    """Also return a signed receipt of the verification."""


class DetectionAnswer(Detection):
    """The exact score, with its signed receipt."""

    receipt: str


class PublicAnswer(PublicResult):
    """The public answer, with its signed receipt."""

    receipt: str


def issuer_of(request: Request) -> str:
    """The address receipts name as their issuer (``TEKISEI_PUBLIC_URL``, else the
    address the request came to)."""
    return receipts.issuer(request.app.state.settings, str(request.base_url))


def master_key_of(request: Request) -> bytes:
    """The key that opens watermark secrets, derived once per process (deriving it reads
    the deployment secret's file, which a public endpoint should not do per request)."""
    return deployment_key(request, provenance_service.master_key)


def check_text(
    request: Request, text: str, key_id: str | None, principal: Principal | None
) -> Detection | PublicResult:
    """Verify ``text``: exact scores against the caller's own organisation's keys, the
    public answer (and the public rate limit) for everything else. Shared by the API and
    the page."""
    return provenance_service.check_text(
        database(request),
        master_key_of(request),
        request.app.state.settings.data_dir,
        text,
        key_id,
        principal,
        lambda: request.app.state.public_limiter.check(request),
    )


@router.post(
    "/api/provenance/verify/text",
    response_model=Detection | PublicResult | DetectionAnswer | PublicAnswer,
)
def verify_text(
    request: Request, principal: OptionalPrincipalDep, body: TextCheck
) -> Detection | PublicResult:
    """Whether a text carries a tekisei watermark. Signed-in callers get the exact score
    (tokens scored, green count, z, p-value) against their own organisation's keys: the
    key they name, or the organisation's keys when one of them detects the watermark.
    Everything else gets the public answer (the verdict, a coarse p-value band and the
    token count) and counts against the public limit of ``public_verify_per_minute``
    requests a minute per client. With ``detector: "transformers"`` the text is checked
    for ``transformers``' own watermark instead (every call counts against the limit;
    the exact score goes to signed-in callers only). With ``"receipt": true`` the answer
    also carries a signed receipt (JWS) of the verdict."""
    found: Detection | PublicResult
    if body.detector == "transformers":
        if body.key_id is not None:
            raise InvalidInputError(
                "key_id names a tekisei key; transformers' watermark has none",
                ja="key_id は tekisei の鍵を指定するものです。"
                "transformers の透かしには使えません。",
            )
        request.app.state.public_limiter.check(request)
        exact = provenance_service.verify_transformers_text(body.text)
        found = exact if principal is not None else provenance_service.public_result(exact)
    else:
        found = check_text(request, body.text, body.key_id, principal)
    if not body.receipt:
        return found
    signed = receipts.text_receipt(request.app.state.settings, issuer_of(request), body.text, found)
    answer = DetectionAnswer if isinstance(found, Detection) else PublicAnswer
    return answer(**found.model_dump(), receipt=signed)


@router.post("/api/provenance/keys/{key_id}/retire", response_model=WatermarkKey)
def retire_key(
    request: Request,
    principal: PrincipalDep,
    key_id: Annotated[str, Path(min_length=1, max_length=40)],
) -> WatermarkKey:
    """Retire one of the organisation's watermark keys for good (administrators only): it
    marks nothing more and verifies no new text; a text carrying its watermark is
    answered with the verdict ``key_retired`` and the day. Audited."""
    with transaction(request) as session:
        return provenance_service.view(provenance_service.retire_key(session, principal, key_id))


@router.get("/api/provenance/trust", response_model=public_provenance.Trust)
def trust(request: Request, principal: OptionalPrincipalDep) -> public_provenance.Trust:
    """What a verifier may rely on: the text watermark schemes in use (scheme, parameters,
    tokenizer hash; no key ids, which only a signed-in caller's own organisation's keys
    show), the root certificate image credentials chain to, the soft-binding algorithm,
    and the JWK Set that verifies signed receipts."""
    settings = request.app.state.settings
    with reading(request) as session:
        return public_provenance.trust(
            session, settings.data_dir, principal, receipts.key_set(settings)
        )


@router.get("/api/provenance/pki", response_model=credentials.PkiOut)
def pki_show(request: Request, principal: PrincipalDep) -> credentials.PkiOut:
    """The organisation's image signing certificate (none until it first signs), the
    trust anchors and the time-stamp authority signing uses."""
    settings = request.app.state.settings
    with reading(request) as session:
        return credentials.pki_show(session, principal, settings.data_dir, settings.tsa_url)


@router.post("/api/provenance/pki", response_model=credentials.PkiOut, status_code=201)
def pki_init(request: Request, principal: PrincipalDep) -> credentials.PkiOut:
    """Issue the organisation its own image signing certificate (those who manage the
    organisation; the deployment root is created first when there is none). 409 when it
    has one already."""
    with transaction(request) as session:
        return credentials.pki_init(
            session, principal, request.app.state.settings.data_dir, master=master_key_of(request)
        )


_TSA_BODY = {
    "requestBody": {
        "required": True,
        "content": {timestamps.QUERY_MIME: {"schema": {"type": "string", "format": "binary"}}},
    },
    "responses": {
        "200": {
            "description": "A granted RFC 3161 time-stamp reply",
            "content": {timestamps.REPLY_MIME: {"schema": {"type": "string", "format": "binary"}}},
        },
        "400": {"description": "Not an RFC 3161 time-stamp query"},
        "415": {
            "description": f"The body is not sent as {timestamps.QUERY_MIME}",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        },
    },
}


@router.post("/api/provenance/tsa", response_class=Response, openapi_extra=_TSA_BODY)
async def time_stamp(request: Request) -> Response:
    """The deployment's RFC 3161 time-stamp responder: a DER ``TimeStampReq`` in
    (``application/timestamp-query``), a DER ``TimeStampResp`` out
    (``application/timestamp-reply``), signed by the deployment's time-stamping
    certificate. Public (C2PA signing tools send no credentials) and counted against the
    public limit per client; a body that is not a query is refused with 400."""
    await run_in_threadpool(request.app.state.public_limiter.check, request)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and kind != timestamps.QUERY_MIME:
        return _refused(
            415,
            f"send the query as {timestamps.QUERY_MIME}",
            f"タイムスタンプの要求は {timestamps.QUERY_MIME} で送ってください。",
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > timestamps.MAX_QUERY_BYTES:
            break
    try:
        reply = await run_in_threadpool(
            partial(timestamps.answer, master=master_key_of(request)),
            request.app.state.settings.data_dir,
            bytes(body),
        )
    except InvalidInputError as exc:
        return _refused(400, exc.message, exc.message_ja or exc.message)
    return Response(reply, media_type=timestamps.REPLY_MIME)


def _refused(status: int, detail: str, detail_ja: str) -> JSONResponse:
    return JSONResponse({"detail": detail, "detail_ja": detail_ja}, status_code=status)


async def read_upload(request: Request, upload: UploadFile) -> bytes:
    """The uploaded file, refused above the deployment's upload limit."""
    limit = request.app.state.settings.max_upload_mb * 1024 * 1024
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInputError(
            f"the image is larger than {limit} bytes (TEKISEI_MAX_UPLOAD_MB)",
            ja="画像が大きすぎます。",
        )
    if not data:
        raise InvalidInputError("the file is empty", ja="ファイルが空です。")
    return data


def check_upload(
    request: Request, data: bytes, principal: Principal | None = None
) -> ImageVerification:
    """Verify an image with the deployment's trust anchor and soft-binding store, after
    its header shows it within the pixel limit."""
    settings = request.app.state.settings
    with reading(request) as session:
        return public_provenance.check_image(
            session, settings.data_dir, data, principal, settings.max_image_pixels,
            master=master_key_of(request),
        )  # fmt: skip


@router.post(
    "/api/provenance/verify/image",
    response_model=public_provenance.ImageAnswer,
    openapi_extra=multipart_body(
        files={"file": "The image (PNG or JPEG)"},
        fields={"receipt": ("'true' to also get a signed receipt", 5)},
    ),
)
async def verify_image(
    request: Request, principal: OptionalPrincipalDep
) -> public_provenance.ImageAnswer:
    """An image's content credentials (C2PA state, signer, actions, source type,
    failures); only when it carries none, its watermark: the credentials of a possibly
    related image, offered when the picture's perceptual hash is close to the signed
    image's (its system only to those who may see that system). Every call, signed in or
    not, counts against the public image limit per client, before the upload is read:
    the lookup searches every organisation's images. Images over
    ``TEKISEI_MAX_IMAGE_PIXELS`` are refused from their header, before anything is
    decoded. The answer carries what the page shows (no manifests), and a signed receipt
    when the field ``receipt`` is ``true``."""
    await run_in_threadpool(request.app.state.image_limiter.check, request)
    files, fields = await read_multipart(request, files=("file",), fields={"receipt": 5})
    data = await read_upload(request, files["file"])
    found = await run_in_threadpool(check_upload, request, data, principal)
    answer = public_provenance.public_image(found)
    if fields["receipt"].lower() in ("true", "1", "on", "yes"):
        answer.receipt = receipts.image_receipt(
            request.app.state.settings, issuer_of(request), data, found
        )
    return answer


class BindingQuery(BaseModel):
    """A soft-binding look-up (the C2PA Soft Binding Resolution API's query)."""

    model_config = ConfigDict(extra="forbid")

    alg: Annotated[PlainText, Field(max_length=100)]
    value: Annotated[PlainText, Field(max_length=64)]


class Match(BaseModel):
    """A manifest whose soft binding matches (the C2PA Soft Binding Resolution API's
    match): its identifier (the manifest label, ``urn:c2pa:<uuid>``), the resolution API
    that serves it, and how alike the content is (0-100; 100 for an exact binding)."""

    manifestId: str  # noqa: N815 - the C2PA API's name
    endpoint: str | None = None
    similarityScore: int | None = Field(default=None, ge=0, le=100)  # noqa: N815


class Matches(BaseModel):
    """Manifests whose binding matches."""

    matches: list[Match]


SBR_PREFIX = "/api/provenance/sbr"


def matches_of(request: Request, found: list[public_provenance.Found]) -> Matches:
    """Look-up results as the resolution API gives them, each naming this deployment's
    resolution API (``TEKISEI_PUBLIC_URL``, else the address the request came to) as the
    endpoint that serves the manifest."""
    endpoint = issuer_of(request) + SBR_PREFIX
    return Matches(
        matches=[
            Match(
                manifestId=match.manifest_id,
                endpoint=endpoint,
                similarityScore=match.similarity_score,
            )
            for match in found
        ]
    )


def lookup_binding(request: Request, alg: str, value: str, max_results: int = 10) -> Matches:
    """Count a look-up against the client's limit, then find the manifests."""
    request.app.state.lookup_limiter.check(request)
    with reading(request) as session:
        found = public_provenance.matches_by_binding(session, alg, value, max_results)
    return matches_of(request, found)


@router.post("/api/provenance/matches/byBinding", response_model=Matches)
def by_binding(request: Request, body: BindingQuery) -> Matches:
    """Manifest ids whose watermark matches the value (the resolution API's
    ``/api/provenance/sbr/matches/byBinding`` does the same)."""
    return lookup_binding(request, body.alg, body.value)


ManifestId = Annotated[str, Path(min_length=1, max_length=100, pattern="^[0-9A-Za-z:._-]+$")]


@router.get("/api/provenance/manifests/{asset_id}", response_model=public_provenance.PublicManifest)
def manifest(request: Request, asset_id: ManifestId) -> public_provenance.PublicManifest:
    """What the verification page shows of a signed image (generator, format, when), and
    where its signed manifest store is served as ``application/c2pa``."""
    request.app.state.lookup_limiter.check(request)
    with reading(request) as session:
        return public_provenance.public_manifest(session, asset_id)


@router.get(
    "/api/systems/{system_id}/provenance", response_model=provenance_checks.SystemProvenanceOut
)
def system_provenance(
    request: Request, principal: PrincipalDep, system_id: IdPath
) -> provenance_checks.SystemProvenanceOut:
    """The provenance mechanisms a system uses and its latest check of sample outputs."""
    with reading(request) as session:
        return provenance_checks.system_provenance(session, principal, system_id)


class MechanismsIn(BaseModel):
    """The provenance mechanisms a system uses."""

    model_config = ConfigDict(extra="forbid")

    text_key_id: Annotated[str | None, Field(max_length=40)] = None
    c2pa: bool = False
    other: Annotated[str, Field(max_length=2000)] = ""


@router.put(
    "/api/systems/{system_id}/provenance", response_model=provenance_checks.SystemProvenanceOut
)
def set_system_provenance(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: MechanismsIn
) -> provenance_checks.SystemProvenanceOut:
    """Record which mechanisms a system uses (text watermark key, C2PA, other)."""
    with transaction(request) as session:
        provenance_checks.set_mechanisms(
            session, principal, system_id, text_key_id=body.text_key_id, c2pa=body.c2pa,
            other=body.other,
        )  # fmt: skip
        return provenance_checks.system_provenance(session, principal, system_id)
