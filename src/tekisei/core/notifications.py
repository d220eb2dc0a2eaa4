"""Notifications: what happened that a member should know of, in the app and by e-mail.

Pure rules: the events, a person's choices per event, the link a notification points to
(a path inside the app, never another site), a title clipped to its length, an e-mail
subject on one line, and how long a failed e-mail waits before it is tried again.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tekisei.errors import InvalidInputError

Lang = Literal["ja", "en"]
MAX_TITLE = 300
MAX_LINK = 500
MAX_KEY = 200
MAX_LIST = 200
"""Notifications one page or API call lists at most."""
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
SUBJECT_PREFIX = "[tekisei] "
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class Event(StrEnum):
    """Something a member may be notified of."""

    INQUIRY_RECEIVED = "inquiry_received"
    """A new inquiry from the public (fn 17, fn 18)."""
    INQUIRY_DUE = "inquiry_due"
    """An inquiry's answer is due soon or overdue."""
    INCIDENT_REPORTED = "incident_reported"
    """An incident was reported."""
    REVIEW_DUE = "review_due"
    """A system's periodic review is due soon or overdue (1(3)④)."""
    APPROVAL_REQUESTED = "approval_requested"
    """Someone asks for an approval the reader may give."""


class Choice(BaseModel):
    """Whether a person is notified of one event in the app and by e-mail."""

    model_config = ConfigDict(extra="forbid")

    in_app: bool = True
    email: bool = True


class Preferences(BaseModel):
    """A person's choices in one organisation: per event, and the language of e-mails.

    An event left out keeps the defaults: in the app, and by e-mail when the deployment
    sends e-mail."""

    model_config = ConfigDict(extra="forbid")

    events: dict[Event, Choice] = Field(default_factory=dict)
    lang: Lang | None = Field(
        default=None, description="The language of e-mails; none: the deployment's default"
    )

    def choice(self, event: Event) -> Choice:
        """The choice for ``event`` (the defaults when none was made)."""
        return self.events.get(event, Choice())


def check_link(link: str) -> str:
    """``link`` when it is a path inside the app: it starts with one "/", names no other
    site or scheme, and holds no backslash, space or control character.

    Raises:
        InvalidInputError: it could lead elsewhere.
    """
    if (
        not link.startswith("/")
        or link.startswith("//")
        or len(link) > MAX_LINK
        or "\\" in link
        or _CONTROL.search(link)
        or " " in link
        or ":" in link.split("?", 1)[0]
    ):
        raise InvalidInputError(
            f"a notification links to a path inside the app, such as /inquiries/1, not {link!r}",
            ja=f"通知のリンクはアプリ内のパス（/inquiries/1 など）にしてください: {link!r}",
            field="link",
        )
    return link


def clip_title(title: str) -> str:
    """A title on one line, at most :data:`MAX_TITLE` characters (… marks a cut).

    Raises:
        InvalidInputError: the title is empty.
    """
    text = _CONTROL.sub(" ", title).strip()
    if not text:
        raise InvalidInputError(
            "a notification needs a title", ja="通知にはタイトルが必要です。", field="title"
        )
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


def one_line(text: str) -> str:
    """``text`` with every line break and control character made a space: an e-mail
    header built from it cannot start another header."""
    return _CONTROL.sub(" ", text).strip()


def subject(title: str) -> str:
    """The subject of a notification e-mail."""
    return one_line(SUBJECT_PREFIX + title)


def retry_wait(attempts: int) -> timedelta:
    """How long an e-mail that failed ``attempts`` times waits before the next try:
    one minute doubling with each failure, never more than six hours."""
    exponent = max(0, min(attempts - 1, 20))
    return min(RETRY_BASE * (1 << exponent), RETRY_CAP)
