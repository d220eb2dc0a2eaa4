"""JSON API of the organisation's allow-list of evaluation targets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from tekisei.services import eval_targets
from tekisei.services.eval_targets import EvalTargetsOut, WebEvalSettings
from tekisei.web.api.common import reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(prefix="/api/orgs/current/eval-targets", tags=["evals"])


class EvalTargetsUpdate(BaseModel):
    """The whole allow-list: ``host`` (default ports 80 and 443), ``host:port``, or
    ``*.domain`` (every subdomain of the domain, not the domain itself)."""

    model_config = ConfigDict(extra="forbid")

    hosts: list[Annotated[str, Field(max_length=260)]] = Field(max_length=eval_targets.MAX_HOSTS)


def _config(request: Request) -> WebEvalSettings:
    return WebEvalSettings.from_settings(request.app.state.settings)


@router.get("", response_model=EvalTargetsOut)
def get_eval_targets(request: Request, principal: PrincipalDep) -> EvalTargetsOut:
    """The hosts runs started from the web and the API may reach, the demo target, and
    whether the operator allows private addresses."""
    with reading(request) as session:
        return eval_targets.targets_view(session, principal, _config(request))


@router.put("", response_model=EvalTargetsOut)
def put_eval_targets(
    request: Request, principal: PrincipalDep, body: EvalTargetsUpdate
) -> EvalTargetsOut:
    """Replace the allow-list (admins; audited as eval_targets.set)."""
    with transaction(request) as session:
        return eval_targets.set_hosts(session, principal, body.hosts, _config(request))
