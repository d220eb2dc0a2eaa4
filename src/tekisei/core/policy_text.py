"""The plain-text markup policies are written in, read into blocks that pages and PDFs
render with every character escaped: no HTML a writer types ever reaches a reader as
markup, and there are no links, images or inline styles to abuse.

The markup is a small part of Markdown that reads well as plain text too:

- ``#``, ``##`` or ``###`` and a space start a heading;
- ``-`` or ``*`` and a space start an item of a bulleted list, ``1.`` or ``1)`` and a
  space an item of a numbered list; an indented line continues the item above it;
- a blank line ends a paragraph; the lines of one paragraph keep their line breaks.

Everything else is text, shown as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["heading", "paragraph", "bullets", "numbers"]

_HEADING = re.compile(r"^(#{1,3})\s+(.*\S)\s*$")
_BULLET = re.compile(r"^[-*・]\s+(.*\S)\s*$")
_NUMBER = re.compile(r"^\d{1,3}[.)]\s+(.*\S)\s*$")


@dataclass(frozen=True)
class Block:
    """One block of a policy's text: a heading (``level`` 1-3, one line), a paragraph (its
    lines) or a list (its items, each item's lines joined by line breaks)."""

    kind: BlockKind
    lines: tuple[str, ...]
    level: int = 0


def _kind_of(line: str) -> tuple[BlockKind, str, int] | None:
    if found := _HEADING.match(line):
        return "heading", found.group(2), len(found.group(1))
    if found := _BULLET.match(line):
        return "bullets", found.group(1), 0
    if found := _NUMBER.match(line):
        return "numbers", found.group(1), 0
    return None


def blocks(text: str) -> list[Block]:
    """The blocks of ``text``, in order."""
    out: list[Block] = []
    kind: BlockKind | None = None
    lines: list[str] = []

    def close() -> None:
        nonlocal kind, lines
        if kind is not None and lines:
            out.append(Block(kind, tuple(lines)))
        kind, lines = None, []

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close()
            continue
        if raw[:1].isspace() and kind in ("bullets", "numbers"):
            lines[-1] = f"{lines[-1]}\n{line}"  # an indented line continues the item
            continue
        started = _kind_of(line)
        if started is None:
            if kind in ("bullets", "numbers"):
                close()
            kind = kind or "paragraph"
            lines.append(line)
            continue
        found, content, level = started
        if found == "heading":
            close()
            out.append(Block("heading", (content,), level))
            continue
        if kind != found:
            close()
            kind = found
        lines.append(content)
    close()
    return out
