"""JSON API of content provenance: verify a text or an image (public and rate limited;
signed-in callers get exact scores against their own organisation's keys only) and the
public list of watermark keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from tekisei.core.orgs import Principal
from tekisei.errors import InvalidInputError
from tekisei.services import credentials, provenance_checks, timestamps
from tekisei.services import provenance as provenance_service
from tekisei.services.credentials import ImageVerification
from tekisei.services.provenance import Detection, PublicResult, WatermarkKey
from tekisei.web.api.common import IdPath, database, reading, transaction
from tekisei.web.auth import OptionalPrincipalDep, PrincipalDep
from tekisei.web.files import multipart_body, read_multipart

router = APIRouter(tags=["provenance"])
MAX_TEXT = 100_000


class TextCheck(BaseModel):
    """A text to check, and optionally the key to check it against."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    key_id: Annotated[str | None, Field(max_length=40)] = None
    detector: Literal["tekisei", "transformers"] = "tekisei"
    """``transformers``: check for the watermark of ``transformers``' own
    ``WatermarkingConfig`` (its defaults, SmolLM2's tokenizer) instead of tekisei's keys;
    refused when the deployment has no torch."""


def _master_key(request: Request) -> bytes:
    """The key that opens watermark secrets, derived once per process (deriving it reads
    the deployment secret's file, which a public endpoint should not do per request)."""
    master: bytes | None = getattr(request.app.state, "provenance_master_key", None)
    if master is None:
        master = provenance_service.master_key(request.app.state.settings)
        request.app.state.provenance_master_key = master
    return master


def check_text(
    request: Request, text: str, key_id: str | None, principal: Principal | None
) -> Detection | PublicResult:
    """Verify ``text``: exact scores against the caller's own organisation's keys, the
    public answer (and the public rate limit) for everything else. Shared by the API and
    the page."""
    return provenance_service.check_text(
        database(request),
        _master_key(request),
        request.app.state.settings.data_dir,
        text,
        key_id,
        principal,
        lambda: request.app.state.public_limiter.check(request),
    )


@router.post("/api/provenance/verify/text", response_model=Detection | PublicResult)
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
    the exact score goes to signed-in callers only)."""
    if body.detector == "transformers":
        if body.key_id is not None:
            raise InvalidInputError(
                "key_id names a tekisei key; transformers' watermark has none",
                ja="key_id は tekisei の鍵を指定するものです。"
                "transformers の透かしには使えません。",
            )
        request.app.state.public_limiter.check(request)
        found = provenance_service.verify_transformers_text(body.text)
        return found if principal is not None else provenance_service.public_result(found)
    return check_text(request, body.text, body.key_id, principal)


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


class TrustOut(BaseModel):
    """What a verifier may rely on: the text watermark keys and the C2PA trust anchors."""

    text_keys: list[WatermarkKey]
    c2pa_trust_anchor: str | None
    """Every root certificate image credentials may chain to, as one PEM text."""
    c2pa_trust_anchors: list[str]
    """The same roots one by one (PEM): the deployment root, and the root of its earlier
    single signer when it had one."""
    time_stamp_url: str
    """Where the deployment answers RFC 3161 time-stamp queries."""
    soft_binding_alg: str


@router.get("/api/provenance/trust", response_model=TrustOut)
def trust(request: Request) -> TrustOut:
    """The watermark keys in use (ids, scheme, parameters, tokenizer hash, status) and the
    root certificates that image credentials chain to."""
    with reading(request) as session:
        keys = provenance_service.public_keys(session)
    anchors = credentials.trust_anchors(request.app.state.settings.data_dir)
    return TrustOut(
        text_keys=keys,
        c2pa_trust_anchor="".join(anchors) or None,
        c2pa_trust_anchors=anchors,
        time_stamp_url="/api/provenance/tsa",
        soft_binding_alg=credentials.WATERMARK_ALG,
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
        return credentials.pki_init(session, principal, request.app.state.settings.data_dir)


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
            timestamps.answer, request.app.state.settings.data_dir, bytes(body)
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
    """Verify an image with the deployment's trust anchor and soft-binding store."""
    settings = request.app.state.settings
    with reading(request) as session:
        return credentials.verify(
            session, settings.data_dir, data, principal,
            master=provenance_service.master_key(settings),
        )  # fmt: skip


@router.post(
    "/api/provenance/verify/image",
    response_model=ImageVerification,
    openapi_extra=multipart_body(files={"file": "The image (PNG or JPEG)"}),
)
async def verify_image(request: Request, principal: OptionalPrincipalDep) -> ImageVerification:
    """An image's content credentials (C2PA state, signer, actions, source type,
    failures); only when it carries none, its watermark: the credentials of a possibly
    related image, offered when the picture's perceptual hash is close to the signed
    image's (its system and stored manifest only to those who may see that system). Every
    call, signed in or not, counts against the public limit per client, before the upload
    is read: the lookup searches every organisation's images."""
    await run_in_threadpool(request.app.state.public_limiter.check, request)
    files, _ = await read_multipart(request, files=("file",))
    data = await read_upload(request, files["file"])
    return await run_in_threadpool(check_upload, request, data, principal)


class BindingQuery(BaseModel):
    """A soft-binding lookup (C2PA soft-binding API style)."""

    model_config = ConfigDict(extra="forbid")

    alg: Annotated[str, Field(max_length=100)]
    value: Annotated[str, Field(max_length=64)]


class Matches(BaseModel):
    """Manifests whose binding matches."""

    matches: list[dict[str, str]]


@router.post("/api/provenance/matches/byBinding", response_model=Matches)
def by_binding(request: Request, body: BindingQuery) -> Matches:
    """The manifest id whose soft binding is exactly the value (``alg`` must be the
    current watermark's, the value 12 lower-case hex digits)."""
    request.app.state.public_limiter.check(request)
    with reading(request) as session:
        found = credentials.find_by_binding(session, body.alg, body.value)
    return Matches(matches=[{"manifestId": asset} for asset in found])


class ManifestOut(BaseModel):
    """A signed image's stored manifest."""

    asset_id: str
    generator: str
    mime: str
    signed_sha256: str
    signed_at: datetime
    manifest: dict[str, Any]


@router.get("/api/provenance/manifests/{asset_id}", response_model=ManifestOut)
def manifest(
    request: Request, asset_id: Annotated[str, Path(min_length=1, max_length=16)]
) -> ManifestOut:
    """The manifest stored when the image was signed."""
    request.app.state.public_limiter.check(request)
    with reading(request) as session:
        row = credentials.credential_by_asset(session, asset_id)
        return ManifestOut(
            asset_id=row.asset_id,
            generator=row.generator,
            mime=row.mime,
            signed_sha256=row.signed_sha256,
            signed_at=row.created_at,
            manifest=row.manifest,
        )


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
