"""Inquiries and requests from the public (guideline fn 17: answering disclosure requests,
fn 18: a contact window; 2(5): requests of data holders).

Anyone may send an inquiry without an account; the sender keeps a tracking number and a
secret to read its status and the answers. What a sender writes is validated here before
anything is stored: the kind as a code (its words live in the message catalogs as
``inquiry-kind:<code>``), the lengths, an e-mail address that looks like one. The form
carries a signed time (:func:`form_token`) so that a bot that posts at once, or a page
left open for days, is refused with a message to reload.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from tekisei.errors import InvalidInputError

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Message = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Honeypot = Annotated[str, StringConstraints(max_length=200)]
Lang = Literal["ja", "en"]

TRACKING_PREFIX = "INQ-"
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Letters and digits nobody confuses when reading them out (no 0/O, 1/I/L)."""
TRACKING_LENGTH = 10
MAX_ENTRIES = 500
"""Notes, replies and changes recorded for one inquiry."""
MAX_DUE_DAYS = 365
MAX_RETENTION_DAYS = 3650
DEFAULT_RETENTION_DAYS = 365
FORM_MAX_AGE = timedelta(days=1)
"""A form older than this is refused (reload it)."""
EMAIL_RULE = "write an e-mail address such as name@example.jp, or leave it empty"
RULES_JA = {EMAIL_RULE: "name@example.jp のようなメールアドレスを書くか、空欄にしてください。"}
"""The rules above in Japanese, for forms."""
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InquiryKind(StrEnum):
    """What a sender asks for."""

    QUESTION = "question"
    COMPLAINT = "complaint"
    OBJECTION = "objection"
    DISCLOSURE = "disclosure"
    """A request to disclose the training data or how it was used (fn 17)."""
    OPT_OUT = "opt_out"
    CORRECTION = "correction"
    COMPENSATION = "compensation"
    RIGHTS_HOLDER = "rights_holder"
    """A request of a data or rights holder (2(5))."""


class InquiryState(StrEnum):
    """Where an inquiry stands."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"
    REJECTED = "rejected"


OPEN_STATES = (InquiryState.RECEIVED, InquiryState.IN_PROGRESS)
"""An inquiry waiting for an answer: it can be overdue."""
ENDED_STATES = (InquiryState.CLOSED, InquiryState.REJECTED)
"""An inquiry that ended: its personal data is kept only for the retention period."""


class EntryKind(StrEnum):
    """An entry of an inquiry's history."""

    NOTE = "note"
    """An internal note (never shown to the sender)."""
    REPLY = "reply"
    """An answer to the sender (shown on the public status page)."""
    STATE = "state"
    ASSIGN = "assign"
    LINK = "link"
    ERASE = "erase"
    """The sender's personal data was erased."""


DEFAULT_DUE_DAYS: dict[InquiryKind, int] = dict.fromkeys(InquiryKind, 14) | {
    InquiryKind.DISCLOSURE: 30,
    InquiryKind.COMPENSATION: 30,
}
"""Days to answer each kind, unless the organisation sets its own."""


SUBJECT_FROM_MESSAGE = 60
"""Characters of the message's first line that stand in for a subject left out."""


class InquirySubmission(BaseModel):
    """What a sender writes. Only the message is required: the kind defaults to a question
    and a subject left out (or blank) is the message's first line, shortened."""

    model_config = ConfigDict(extra="forbid")

    kind: InquiryKind = InquiryKind.QUESTION
    subject: Subject = Field(
        default="",
        description="Left out or blank: the message's first line, shortened to 60 characters",
    )
    message: Message
    name: PersonName = Field(default="", description="Optional; personal data")
    contact: Email = Field(default="", description="Optional e-mail address; personal data")
    lang: Lang = Field(default="ja", description="The language answers should be in")

    @model_validator(mode="before")
    @classmethod
    def _subject(cls, data: object) -> object:
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            return data
        subject = data.get("subject")
        if subject is None or (isinstance(subject, str) and not subject.strip()):
            lines = [line.strip() for line in data["message"].splitlines() if line.strip()]
            first = lines[0] if lines else ""
            if len(first) > SUBJECT_FROM_MESSAGE:
                first = first[: SUBJECT_FROM_MESSAGE - 1] + "…"
            return {**data, "subject": first}
        return data

    @field_validator("contact")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not _EMAIL.fullmatch(value):
            raise ValueError(EMAIL_RULE)
        return value


class InquirySettings(BaseModel):
    """An organisation's days to answer per kind and how long personal data is kept."""

    model_config = ConfigDict(extra="forbid")

    due_days: dict[InquiryKind, Annotated[int, Field(ge=1, le=MAX_DUE_DAYS)]] = Field(
        default_factory=lambda: dict(DEFAULT_DUE_DAYS)
    )
    retention_days: int = Field(
        default=DEFAULT_RETENTION_DAYS,
        ge=1,
        le=MAX_RETENTION_DAYS,
        description="Days the sender's personal data is kept after closing or rejecting",
    )

    def days_for(self, kind: InquiryKind) -> int:
        """The days to answer ``kind``."""
        return self.due_days.get(kind, DEFAULT_DUE_DAYS[kind])


def due_at(received: datetime, kind: InquiryKind, settings: InquirySettings) -> datetime:
    """When an answer to an inquiry of ``kind`` received at ``received`` is due."""
    return received + timedelta(days=settings.days_for(kind))


def new_tracking() -> str:
    """A tracking number: readable aloud, unguessable in practice (about 50 bits; the
    secret guards the content)."""
    return TRACKING_PREFIX + "".join(
        secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH)
    )


_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212\u30fc\uff70", "-"))
"""Hyphens, dashes, the minus sign and the long vowel mark people type for "-"."""


def normal_tracking(text: str) -> str:
    """A tracking number as typed, normalised (full-width forms, case, spaces, dashes);
    "" when it cannot be one."""
    value = unicodedata.normalize("NFKC", text).translate(_DASHES)
    value = "".join(value.split()).upper()
    if not value.startswith(TRACKING_PREFIX):
        value = TRACKING_PREFIX + value
    body = value[len(TRACKING_PREFIX) :]
    if len(body) != TRACKING_LENGTH or any(c not in TRACKING_ALPHABET for c in body):
        return ""
    return value


def new_secret() -> str:
    """The sender's secret: 192 random bits."""
    return secrets.token_urlsafe(24)


def secret_hash(secret: str) -> str:
    """What is stored of a secret (SHA-256, hex): the secret itself never is."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored: str) -> bool:
    """Whether ``secret`` is the one whose hash is ``stored`` (constant time)."""
    return hmac.compare_digest(secret_hash(secret), stored)


# ------------------------------------------------------------------------- form tokens


def _sign(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def form_token(key: bytes, scope: str, issued: float) -> str:
    """A token the public form carries: when it was issued, a random nonce (so that a sent
    form cannot be sent again) and an HMAC over both and the form's ``scope``."""
    nonce = secrets.token_hex(12)
    stamp = str(int(issued))
    return f"{stamp}.{nonce}.{_sign(key, f'{scope}|{stamp}|{nonce}')}"


def _refused_token() -> InvalidInputError:
    return InvalidInputError(
        "the form is broken or too old; reload the page and send it again",
        ja="フォームが古いか壊れています。ページを再読み込みしてから、もう一度送ってください。",
        field="form",
    )


def check_form_token(key: bytes, scope: str, token: str, now: float, *, min_seconds: float) -> str:
    """The nonce of a valid form token; refuses one sent too soon after the form was
    shown (a bot) or more than :data:`FORM_MAX_AGE` later.

    Raises:
        InvalidInputError: forged, for another form, too fast or too old.
    """
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12 or len(token) > 200:
        raise _refused_token()
    stamp, nonce, mac = parts
    if not hmac.compare_digest(_sign(key, f"{scope}|{stamp}|{nonce}"), mac):
        raise _refused_token()
    age = now - int(stamp)
    if age > FORM_MAX_AGE.total_seconds():
        raise _refused_token()
    if age < min_seconds:
        raise InvalidInputError(
            "the form was sent too quickly to have been filled in by a person; wait a "
            "moment, reload the page and send it again",
            ja="送信が速すぎるため、自動送信と判断しました。少し待ってからページを"
            "再読み込みし、もう一度送ってください。",
            field="form",
        )
    return nonce
