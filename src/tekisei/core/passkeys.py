"""Passkeys (WebAuthn) as a second factor: their limits, their names, and which relying
party (RP ID and origin) a deployment is.

Pure rules: the ceremonies themselves (py_webauthn) live in ``services.passkeys``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.text import has_hidden, looks_blank
from tekisei.errors import InvalidInputError

MAX_PASSKEYS = 10
"""Passkeys one account may register."""
MAX_NAME = 60
"""Longest name a passkey may be given."""
MAX_CLIENT_DATA = 2048
"""Largest clientDataJSON accepted, in base64url characters (browsers send ~250 bytes)."""
MAX_ATTESTATION = 8192
"""Largest attestation object accepted, in base64url characters ("none" attestation of a
P-256 key is ~300 bytes; room for a packed certificate chain)."""
MAX_AUTHENTICATOR_DATA = 1024
MAX_SIGNATURE = 1024
MAX_CREDENTIAL_ID = 1400
"""Longest credential id accepted, in base64url characters (WebAuthn allows 1023 bytes)."""
MAX_USER_HANDLE = 200
MAX_TRANSPORTS = 8
CHALLENGE_TTL = timedelta(minutes=5)
"""How long a ceremony's challenge can be answered."""
TIMEOUT_MS = 120_000
"""How long the browser lets the person answer, told in the options."""

Purpose = Literal["register", "authenticate"]

NAME_RULE = (
    "a passkey's name cannot contain control or invisible characters (line breaks, tabs, "
    "text direction overrides, zero-width characters); type it again"
)
RULES_JA = {
    NAME_RULE: "パスキーの名前に制御文字や見えない文字（改行、タブ、文字の向きを変える記号、"
    "ゼロ幅文字など）は使えません。名前を入力し直してください。"
}


def check_name(name: str) -> str:
    """``name`` when a passkey may be called so: it shows as typed wherever it is listed
    (pages, the operator's terminal), nothing reordered or hidden.

    Raises:
        InvalidInputError: it holds a control or invisible character.
    """
    if has_hidden(name) or looks_blank(name):
        raise InvalidInputError(NAME_RULE, ja=RULES_JA[NAME_RULE], field="name")
    return name


def _name_rule(name: str) -> str:
    if has_hidden(name) or looks_blank(name):
        raise ValueError(NAME_RULE)
    return name


PasskeyName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME),
    AfterValidator(_name_rule),
]
"""The name a person gives a passkey ("MacBook Touch ID", "会社のセキュリティキー"):
no control or invisible characters."""


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: the RP ID (a host name) and the exact origin browsers
    must report."""

    rp_id: str
    origin: str


def _unavailable() -> InvalidInputError:
    return InvalidInputError(
        "passkeys need the site's address: the operator sets TEKISEI_PUBLIC_URL "
        "(https://host, or http://localhost:PORT for a test on one's own computer)",
        ja="パスキーを使うには、このサイトのアドレスの設定が必要です。運用者が "
        "TEKISEI_PUBLIC_URL を設定してください（https://ホスト名、手元での試用なら "
        "http://localhost:ポート番号）。",
    )


def relying_party(public_url: str) -> RelyingParty:
    """The relying party of a deployment from its ``public_url`` setting: its host is
    the RP ID and its scheme, host and port the origin.

    Raises:
        InvalidInputError: no address is set, it is plain http on a host other than
            localhost (browsers allow passkeys only on https or localhost), or its host
            is an IP address (which cannot be an RP ID).
    """
    if not public_url:
        raise _unavailable()
    parts = urlsplit(public_url)
    host = (parts.hostname or "").lower()
    if not host or host.replace(".", "").isdigit() or ":" in host:
        raise InvalidInputError(
            "passkeys need a host name in TEKISEI_PUBLIC_URL, not an IP address "
            "(for a test on one's own computer use http://localhost:PORT)",
            ja="パスキーには、TEKISEI_PUBLIC_URL にIPアドレスではなくホスト名が必要です"
            "（手元での試用なら http://localhost:ポート番号）。",
        )
    local = host == "localhost" or host.endswith(".localhost")
    if parts.scheme != "https" and not local:
        raise InvalidInputError(
            "browsers allow passkeys only on https sites: set TEKISEI_PUBLIC_URL to the "
            "https address of this site",
            ja="ブラウザーは https のサイトでのみパスキーを使えます。TEKISEI_PUBLIC_URL に"
            "このサイトの https のアドレスを設定してください。",
        )
    origin = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    return RelyingParty(rp_id=host, origin=origin)


def wrong_origin(expected: str) -> InvalidInputError:
    """The error for a browser that answered from another address than the site's."""
    return InvalidInputError(
        f"this passkey answer came from another address than {expected}; open the site at "
        f"{expected} and try again",
        ja=f"このパスキーの応答は {expected} 以外のアドレスから送られました。"
        f"{expected} でサイトを開いてから、もう一度お試しください。",
    )


_B64 = r"^[A-Za-z0-9_-]*={0,2}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttestationResponse(_Strict):
    """What ``navigator.credentials.create()`` answered, base64url-encoded."""

    clientDataJSON: str = Field(max_length=MAX_CLIENT_DATA, pattern=_B64)  # noqa: N815
    attestationObject: str = Field(max_length=MAX_ATTESTATION, pattern=_B64)  # noqa: N815
    transports: list[Annotated[str, StringConstraints(max_length=20)]] = Field(
        default_factory=list, max_length=MAX_TRANSPORTS
    )


class RegistrationCredential(_Strict):
    """A new passkey as the browser hands it over (the shape of WebAuthn's JSON)."""

    id: str = Field(max_length=MAX_CREDENTIAL_ID, pattern=_B64)
    rawId: str = Field(max_length=MAX_CREDENTIAL_ID, pattern=_B64)  # noqa: N815
    type: Literal["public-key"] = "public-key"
    response: AttestationResponse
    authenticatorAttachment: Literal["platform", "cross-platform"] | None = None  # noqa: N815


class AssertionResponse(_Strict):
    """What ``navigator.credentials.get()`` answered, base64url-encoded."""

    clientDataJSON: str = Field(max_length=MAX_CLIENT_DATA, pattern=_B64)  # noqa: N815
    authenticatorData: str = Field(max_length=MAX_AUTHENTICATOR_DATA, pattern=_B64)  # noqa: N815
    signature: str = Field(max_length=MAX_SIGNATURE, pattern=_B64)
    userHandle: str | None = Field(default=None, max_length=MAX_USER_HANDLE, pattern=_B64)  # noqa: N815


class AuthenticationCredential(_Strict):
    """A passkey's signed answer to a challenge, as the browser hands it over."""

    id: str = Field(max_length=MAX_CREDENTIAL_ID, pattern=_B64)
    rawId: str = Field(max_length=MAX_CREDENTIAL_ID, pattern=_B64)  # noqa: N815
    type: Literal["public-key"] = "public-key"
    response: AssertionResponse
    authenticatorAttachment: Literal["platform", "cross-platform"] | None = None  # noqa: N815
