"""The published key set of signed verification receipts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tekisei.services import receipts

router = APIRouter(tags=["provenance"])


class JwkSetResponse(JSONResponse):
    """JSON served as a JWK Set."""

    media_type = "application/jwk-set+json"


@router.get(receipts.JWKS_PATH, response_class=JwkSetResponse)
def receipt_keys(request: Request) -> JwkSetResponse:
    """The JWK Set (RFC 7517) that verifies this deployment's receipts; keep a copy to
    verify receipts offline (``tekisei provenance verify-receipt --jwks``)."""
    keys: dict[str, Any] = receipts.key_set(request.app.state.settings)
    return JwkSetResponse(keys)
