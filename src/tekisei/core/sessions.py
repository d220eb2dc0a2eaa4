"""Web sessions as their owner sees them: how a session was opened and which browser it is.

Pure rules: what is kept of a browser's ``User-Agent`` and the short description a person
recognises their browser by ("Firefox on Windows").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_USER_AGENT = 300
"""Characters of a ``User-Agent`` kept with a session (the header itself is unbounded)."""
MAX_ADDRESS = 64


class SignInMethod(StrEnum):
    """How a web session was opened."""

    PASSWORD = "password"
    OIDC = "oidc"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def trimmed_user_agent(value: str | None) -> str | None:
    """The ``User-Agent`` as kept: control characters replaced by a space, surrounding
    spaces removed, cut to :data:`MAX_USER_AGENT`; None when nothing is left."""
    if not value:
        return None
    text = _CONTROL.sub(" ", value).strip()[:MAX_USER_AGENT]
    return text or None


def trimmed_address(value: str | None) -> str | None:
    """A client address as kept (cut to :data:`MAX_ADDRESS`), None when unknown."""
    if not value or value == "unknown":
        return None
    return value[:MAX_ADDRESS]


# Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-httpx/", "httpx"),
    ("python-requests/", "requests"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


@dataclass(frozen=True)
class Browser:
    """The browser and system a ``User-Agent`` names, each None when not recognised."""

    name: str | None
    system: str | None

    @property
    def text(self) -> str | None:
        """In English: "Firefox on Windows", one of the two alone, or None."""
        if self.name and self.system:
            return f"{self.name} on {self.system}"
        return self.name or self.system


def describe_user_agent(value: str | None) -> Browser:
    """The browser and system a person recognises their session by."""
    if not value:
        return Browser(None, None)
    return Browser(
        next((name for marker, name in _BROWSERS if marker in value), None),
        next((name for marker, name in _SYSTEMS if marker in value), None),
    )
