"""The citizens' portal (guideline section 4): one public entry point, without signing in,
from which anyone finds an organisation and everything it has published — its governance
statement, its register of AI use, its notices and incident notices, and where to ask a
question or object.

Only what an organisation has published is ever part of the portal: an organisation that
published nothing cannot be found, and a system is found by its name or purpose only while
it is listed on a published register.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from pydantic import BaseModel

from tekisei.errors import InvalidInputError

MAX_QUERY = 100
"""The most characters a search takes."""
MAX_TERMS = 5
"""The most words a search combines (each must be found)."""
MAX_RESULTS = 50
"""The most organisations one search lists."""
MAX_SYSTEMS_SHOWN = 5
"""The most matching systems shown under one organisation in the results."""


def search_terms(query: str) -> list[str]:
    """The words of a search: normalised (NFKC, so half-width katakana and full-width
    letters match what is usually written), split at spaces (the Japanese full-width space
    too), duplicates dropped; empty when the query is blank.

    Raises:
        InvalidInputError: the query is longer than :data:`MAX_QUERY` characters or has
            more than :data:`MAX_TERMS` words.
    """
    if len(query) > MAX_QUERY:
        raise InvalidInputError(
            f"the search is too long; use at most {MAX_QUERY} characters",
            ja=f"検索語が長すぎます。{MAX_QUERY}文字以内で入力してください。",
            field="q",
        )
    words = list(dict.fromkeys(unicodedata.normalize("NFKC", query).split()))
    if len(words) > MAX_TERMS:
        raise InvalidInputError(
            f"the search has too many words; use at most {MAX_TERMS}",
            ja=f"検索語が多すぎます。{MAX_TERMS}語以内にしてください。",
            field="q",
        )
    return words


class FoundSystem(BaseModel):
    """A system listed on an organisation's published register that matches the search."""

    name: str
    purpose: str
    notice_url: str | None
    """The address of its published notice, if there is one."""


class FoundOrg(BaseModel):
    """An organisation that published something, found by its name or by its systems."""

    organisation: str
    slug: str
    actor: list[str]
    url: str
    """The address of its page on the portal."""
    systems: list[FoundSystem]
    """The matching systems on its published register (at most
    :data:`MAX_SYSTEMS_SHOWN`)."""
    more_systems: int
    """How many more of its systems match than are shown."""


class PortalSearch(BaseModel):
    """The organisations a search finds, by name; every one that published something
    when the query is blank."""

    query: str
    results: list[FoundOrg]
    more: bool
    """More organisations match than :data:`MAX_RESULTS`: the reader should narrow the
    search."""


class PublishedItem(BaseModel):
    """Something an organisation published, with its title in each language (the other
    language's when one is missing) and its address."""

    title_ja: str
    title_en: str
    url: str
    published_at: datetime


class OrgHub(BaseModel):
    """An organisation's page on the portal: links to everything it has published."""

    organisation: str
    slug: str
    actor: list[str]
    time_zone: str
    statement_url: str | None
    register_url: str | None
    register_systems: int
    """How many systems its published register lists (0 when it publishes none)."""
    notices: list[PublishedItem]
    incident_notices: list[PublishedItem]
    reports: list[PublishedItem]
    """Its published HAIP reports."""
    decision_stats_url: str | None
    """The address of its anonymised statistics of AI-assisted decisions, when published."""
    inquiry_url: str | None
    """Where to send a question or an objection, when it accepts inquiries."""
    status_url: str
    """Where to follow an inquiry by its tracking number."""
