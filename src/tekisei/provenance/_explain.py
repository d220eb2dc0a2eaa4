"""What C2PA validation codes mean, in plain English and Japanese: the one table that
turns c2pa's status codes into the words people read, so that no raw library string
reaches a page or a Japanese message.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Reason = Literal["expired", "altered", "untrusted", "signature", "time_stamp", "other"]
"""Why credentials did not come out Trusted, the most serious first."""


class Explanation(BaseModel):
    """One validation problem in words."""

    code: str
    """The C2PA status code (for machines and experts)."""
    reason: Reason
    en: str
    ja: str


_EXPIRED = (
    "the signing certificate has expired",
    "署名に使った証明書の有効期限が切れています",
)
_ALTERED = (
    "the image or its credentials were changed after signing (possibly tampered with)",
    "署名の後で画像または認証情報が変更されています（改ざんの可能性があります）",
)
_TABLE: dict[str, tuple[Reason, str, str]] = {
    "signingCredential.expired": ("expired", *_EXPIRED),
    "claimSignature.outsideValidity": (
        "expired",
        "the signature was made outside the signing certificate's validity period",
        "署名した時点で、証明書が有効期間外でした",
    ),
    "signingCredential.untrusted": (
        "untrusted",
        "the signer's certificate was not issued by an authority this service trusts",
        "署名者の証明書は、このサービスが信頼する発行元のものではありません",
    ),
    "signingCredential.revoked": (
        "signature",
        "the signing certificate has been revoked",
        "署名に使った証明書は失効しています",
    ),
    "signingCredential.invalid": (
        "signature",
        "the signing certificate is not valid for signing content credentials",
        "署名に使った証明書は、内容証明の署名には使えないものです",
    ),
    "claimSignature.mismatch": (
        "altered",
        "the signature does not match the credentials (they were altered after signing)",
        "署名と認証情報が一致しません（署名の後で変更されています）",
    ),
    "claimSignature.missing": (
        "signature",
        "the credentials carry no signature",
        "認証情報に署名がありません",
    ),
    "assertion.dataHash.mismatch": ("altered", *_ALTERED),
    "assertion.boxesHash.mismatch": ("altered", *_ALTERED),
    "assertion.bmffHash.mismatch": ("altered", *_ALTERED),
    "assertion.hashedURI.mismatch": ("altered", *_ALTERED),
    "assertion.missing": ("altered", *_ALTERED),
    "assertion.notRedacted": ("altered", *_ALTERED),
    "assertion.multipleHardBindings": ("altered", *_ALTERED),
    "assertion.undeclared": ("altered", *_ALTERED),
    "timeStamp.mismatch": (
        "time_stamp",
        "the time-stamp does not match the signature",
        "タイムスタンプが署名と一致しません",
    ),
    "timeStamp.untrusted": (
        "time_stamp",
        "the time-stamp was made by an authority this service does not trust",
        "タイムスタンプの発行元は、このサービスが信頼する相手ではありません",
    ),
    "timeStamp.outsideValidity": (
        "time_stamp",
        "the time-stamp was made outside its authority's certificate validity",
        "タイムスタンプは、発行元の証明書の有効期間外に作られています",
    ),
    "timeStamp.malformed": (
        "time_stamp",
        "the time-stamp cannot be read",
        "タイムスタンプを読み取れません",
    ),
}
_OTHER = (
    "the content credentials did not validate",
    "認証情報を検証できませんでした",
)
_ORDER: dict[Reason, int] = {
    "altered": 0,
    "signature": 1,
    "time_stamp": 2,
    "expired": 3,
    "untrusted": 4,
    "other": 5,
}


def explain(code: str) -> Explanation:
    """``code`` in words (a code this table does not know gets general words)."""
    reason, en, ja = _TABLE.get(code, ("other", *_OTHER))
    return Explanation(code=code, reason=reason, en=en, ja=ja)


def explain_all(codes: list[str]) -> list[Explanation]:
    """Each distinct problem once, the most serious first."""
    seen: dict[tuple[str, str], Explanation] = {}
    for code in codes:
        found = explain(code)
        seen.setdefault((found.en, found.ja), found)
    return sorted(seen.values(), key=lambda e: _ORDER[e.reason])


def main_reason(state: str | None, codes: list[str]) -> Reason | None:
    """Why the credentials are not Trusted: ``expired`` only when the certificate's expiry
    is the one thing wrong (an untrusted signer whose certificate also expired stays
    ``untrusted``, a changed image ``altered``); ``None`` when Trusted."""
    if state == "Trusted":
        return None
    found = explain_all(codes)
    if not found:
        return "untrusted" if state == "Valid" else "other"
    reasons = {e.reason for e in found}
    if reasons == {"expired"}:
        return "expired"
    if reasons == {"expired", "untrusted"}:
        return "untrusted"  # an expired chain is also untrusted: the caller tells which
    return found[0].reason
