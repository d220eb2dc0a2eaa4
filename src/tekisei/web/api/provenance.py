"""JSON API of content provenance: verify a text (public, rate limited; signed-in callers
get the full score) and the public list of watermark keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from tekisei.services import provenance as provenance_service
from tekisei.services.provenance import Detection, PublicResult, WatermarkKey
from tekisei.web.api.common import reading
from tekisei.web.auth import OptionalPrincipalDep

router = APIRouter(tags=["provenance"])
MAX_TEXT = 100_000


class TextCheck(BaseModel):
    """A text to check, and optionally the key to check it against."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    key_id: Annotated[str | None, Field(max_length=40)] = None


def check_text(request: Request, text: str, key_id: str | None) -> Detection:
    """Verify ``text`` with the deployment's keys (shared by the API and the page)."""
    settings = request.app.state.settings
    with reading(request) as session:
        return provenance_service.verify_text(
            session, provenance_service.master_key(settings), settings.data_dir, text, key_id
        )


@router.post("/api/provenance/verify/text", response_model=Detection | PublicResult)
def verify_text(
    request: Request, principal: OptionalPrincipalDep, body: TextCheck
) -> Detection | PublicResult:
    """Whether a text carries a tekisei watermark. Without credentials: the verdict, a
    coarse p-value band and the token count, at most ``public_verify_per_minute`` requests
    a minute per client. Signed-in callers get tokens scored, green count, z and the
    exact p-value."""
    if principal is None:
        request.app.state.public_limiter.check(request)
        return provenance_service.public_result(check_text(request, body.text, body.key_id))
    return check_text(request, body.text, body.key_id)


class TrustOut(BaseModel):
    """What a verifier may rely on: the schemes and the public key ids."""

    text_keys: list[WatermarkKey]


@router.get("/api/provenance/trust", response_model=TrustOut)
def trust(request: Request) -> TrustOut:
    """The watermark keys in use (ids, scheme, parameters, tokenizer hash, status)."""
    with reading(request) as session:
        return TrustOut(text_keys=provenance_service.public_keys(session))
