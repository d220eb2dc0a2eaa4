"""Single sign-on rules: an organisation's OpenID provider settings, which e-mail domains
it vouches for, and which role a person's claims give them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from tekisei.core.orgs import Role

MAX_DOMAINS = 50
MAX_ROLE_RULES = 50
CLOCK_SKEW_SECONDS = 60
"""How far the provider's clock may be from ours when ``iat`` and ``exp`` are checked."""
LOGIN_MINUTES = 10
"""How long a sign-in sent to the provider may take to come back."""

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

Domain = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=253)]
ClaimValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SsoSettings(BaseModel):
    """What an administrator sets for the organisation's OpenID provider.

    ``client_secret`` is write-only: left empty on a change, the kept one stays.
    """

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    issuer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)]
    client_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
    ]
    client_secret: Annotated[str, StringConstraints(max_length=1000)] = ""
    allowed_domains: list[Domain] = Field(default_factory=list, max_length=MAX_DOMAINS)
    role_claim: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = "groups"
    role_map: dict[ClaimValue, Role] = Field(default_factory=dict, max_length=MAX_ROLE_RULES)
    default_role: Role = Role.VIEWER
    jit: bool = False
    passwords_disabled: bool = False
    enabled: bool = True

    @field_validator("issuer")
    @classmethod
    def _issuer_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")) or any(c in value for c in " ?#"):
            raise ValueError("the issuer is an https:// (or http://) URL without ? or #")
        if "@" in urlsplit(value).netloc:  # a user name or password would be kept in clear
            raise ValueError("the issuer URL carries no user name or password")
        return value.rstrip("/")

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        for domain in value:
            if not _DOMAIN.match(domain):
                raise ValueError(f"{domain[:60]!r} is not an e-mail domain such as example.co.jp")
        return sorted(set(value))


class SsoFailure(StrEnum):
    """Why a single sign-on did not succeed (each has its own message)."""

    NOT_CONFIGURED = "not_configured"
    PROVIDER_UNREACHABLE = "provider_unreachable"
    PROVIDER_ERROR = "provider_error"
    """The provider answered the sign-in with an error (the user cancelled, for example)."""
    BAD_STATE = "bad_state"
    """Unknown, used or expired ``state``: the answer is not to a sign-in started here."""
    TOKEN_REFUSED = "token_refused"
    BAD_TOKEN = "bad_token"
    WRONG_AUDIENCE = "wrong_audience"
    WRONG_ISSUER = "wrong_issuer"
    EXPIRED = "expired"
    BAD_NONCE = "bad_nonce"
    EMAIL_UNVERIFIED = "email_unverified"
    DOMAIN_NOT_ALLOWED = "domain_not_allowed"
    UNKNOWN_USER = "unknown_user"
    ACCOUNT_INACTIVE = "account_inactive"


@dataclass(frozen=True)
class Vouched:
    """The person an ID token vouches for."""

    subject: str
    email: str
    name: str
    role: Role


def email_domain(email: str) -> str:
    """The domain of an address, lower-cased."""
    return email.rpartition("@")[2].strip().lower()


def domain_allowed(email: str, allowed: list[str]) -> bool:
    """Whether ``email``'s domain is allowed (an empty list allows none: an administrator
    names the domains the provider vouches for)."""
    return email_domain(email) in allowed


_RANK = [
    Role.ADMIN,
    Role.EXECUTIVE,
    Role.EDITOR,
    Role.ASSESSOR,
    Role.AUDITOR,
    Role.VIEWER,
    Role.EXTERNAL_TESTER,
]


def mapped_role(
    claims: dict[str, Any], claim: str, role_map: dict[str, Role], default: Role
) -> Role:
    """The role ``claims`` give: the widest among the mapped values of ``claim`` (a string
    or a list of strings), else ``default``."""
    value = claims.get(claim) if claim else None
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    found = [role_map[v] for v in values if isinstance(v, str) and v in role_map]
    return min(found, key=_RANK.index) if found else default
