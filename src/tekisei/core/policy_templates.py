"""The templates a new policy starts from, one per kind and language, kept as package data
(``catalogs/policies/<kind>.<lang>.md``; ``services/policies.py`` reads them).

The wording is tekisei's own, written from the guideline's items (1(2) the ten elements,
1(3) the basic policies, 2(1)-2(5), 3(1)-3(4) and their footnotes); it is not a text of
the government or of any other body. An organisation edits it into its own policy before
an executive approves it. A template's first line, ``# <title>``, is the policy's title;
the rest is its body, where ``{organisation}`` stands for the organisation's name.
"""

from __future__ import annotations

from tekisei.core.policies import Lang, PolicyKind, PolicyText

TEMPLATE_VERSION = "tekisei-policy-templates/1"
"""Named on every draft started from these templates (and shown with it)."""
PLACEHOLDER = "{organisation}"


def template_name(kind: PolicyKind, lang: Lang) -> str:
    """The file name of the template of ``kind`` in ``lang``: ``acceptable-use.ja.md``."""
    return f"{kind.value.replace('_', '-')}.{lang}.md"


def from_template(text: str, organisation: str) -> PolicyText:
    """A policy's title and body read from a template's ``text``, naming ``organisation``
    (taken as it is: the name is data, never a format string)."""
    first, _, rest = text.replace("\r\n", "\n").partition("\n")
    title = first.removeprefix("#").strip()
    return PolicyText(title=title, body=rest.strip().replace(PLACEHOLDER, organisation))
