"""The high-risk judgement sheet (guideline 3(1); the Digital Agency's DS-920).

DS-920 judges whether a use of generative AI is high-risk from four perspectives: who
the users are, the nature of the work, confidential or personal data, and staff
judgement on outputs (the perspectives HR-1 to HR-4 of the shipped catalog
``digital-agency-genai-2025``). The agency's own questions are not known to the project
(the catalog is built from secondary sources), so the questions here are tekisei's own
wording, and every page that shows them says so.

A perspective makes the use high-risk when any of its questions is answered "yes", or
"unsure": a question nobody can answer yet is treated as the risky answer until someone
can (the precautionary reading of 1(3)①).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tekisei.core.systems import SystemFacts, Tier, TierReason
from tekisei.core.text import VisibleText

OUR_WORDING = (
    "tekisei による設問（デジタル庁の原文ではありません）",
    "Questions written by tekisei (not the Digital Agency's text)",
)
"""The mark every page showing the questions carries (Japanese, English)."""

MAX_NOTE = 1000
"""The longest note on one answer, in characters."""

Reply = Literal["yes", "no", "unsure"]
"""An answer to one question."""


class Perspective(StrEnum):
    """The four perspectives of the DS-920 high-risk judgement (catalog HR-1 to HR-4)."""

    USERS = "users"
    WORK = "work"
    DATA = "data"
    OUTPUT = "output"


PERSPECTIVES: dict[Perspective, tuple[str, str, str]] = {
    Perspective.USERS: ("HR-1", "利用者の範囲・種別", "who the users are"),
    Perspective.WORK: ("HR-2", "利用業務の性格", "the nature of the work"),
    Perspective.DATA: ("HR-3", "機密情報・個人情報の学習等", "confidential or personal data"),
    Perspective.OUTPUT: ("HR-4", "出力結果に対する職員の判断", "staff judgement on outputs"),
}
"""Each perspective's catalog reference and name (Japanese, English)."""


@dataclass(frozen=True)
class Question:
    """One question of the sheet, in tekisei's words; "yes" is the risky answer."""

    id: str
    perspective: Perspective
    ja: str
    en: str


QUESTIONS: tuple[Question, ...] = (
    Question(
        "users-public",
        Perspective.USERS,
        "住民や事業者など、職員以外の人が直接使いますか。",
        "Do people other than staff, such as residents or businesses, use it directly?",
    ),
    Question(
        "users-vulnerable",
        Perspective.USERS,
        "子どもや高齢者など、配慮を要する人が使う、または出力を受け取りますか。",
        "Do children, older people or others who need care use it or receive its outputs?",
    ),
    Question(
        "work-rights",
        Perspective.WORK,
        "許認可・給付・課税など、人の権利や義務に関わる業務に使いますか。",
        "Is it used in work that bears on people's rights or duties, such as permits, "
        "benefits or taxes?",
    ),
    Question(
        "work-safety",
        Perspective.WORK,
        "誤りが人の生命・健康・財産や公共の安全に影響し得る業務に使いますか。",
        "Could a mistake in the work affect people's life, health, property or public safety?",
    ),
    Question(
        "work-trust",
        Perspective.WORK,
        "出力が行政の公式な見解や案内として外部に出ますか。",
        "Do outputs go out as the administration's official view or guidance?",
    ),
    Question(
        "data-confidential",
        Perspective.DATA,
        "機密情報（公開前の政策情報など）を入力し、または学習に使いますか。",
        "Is confidential information (such as unpublished policy) entered or used for training?",
    ),
    Question(
        "data-personal",
        Perspective.DATA,
        "個人情報（要配慮個人情報を含む）を入力し、または学習に使いますか。",
        "Is personal information (including special-care information) entered or used "
        "for training?",
    ),
    Question(
        "output-unchecked",
        Perspective.OUTPUT,
        "職員が確認する前に、出力がそのまま使われたり外に出たりしますか。",
        "Are outputs used or sent out before a member of staff checks them?",
    ),
    Question(
        "output-hard-to-check",
        Perspective.OUTPUT,
        "職員が出力の正しさを確かめる手段や時間が十分にありませんか。",
        "Do staff lack the means or the time to check whether outputs are right?",
    ),
)
"""The sheet, perspective by perspective, in the order the form walks it."""

QUESTION_IDS = frozenset(q.id for q in QUESTIONS)

Note = Annotated[VisibleText, StringConstraints(strip_whitespace=True, max_length=MAX_NOTE)]


class Answer(BaseModel):
    """The answer to one question, with a note (why, or what is not yet known)."""

    model_config = ConfigDict(extra="forbid")

    answer: Reply
    note: Note = ""


class Answers(BaseModel):
    """Answers by question id; a question not named is not answered yet."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Answer] = Field(default_factory=dict, max_length=len(QUESTIONS))


@dataclass(frozen=True)
class Outcome:
    """What the answers decide: high-risk or not, and the perspectives that made it so."""

    high_risk: bool
    perspectives: tuple[Perspective, ...]
    unanswered: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Every question is answered (a judgement can be signed only then)."""
        return not self.unanswered


def decide(answers: dict[str, Answer]) -> Outcome:
    """The outcome of a sheet: high-risk when any perspective has a question answered
    "yes" or "unsure"; the perspectives are in sheet order."""
    fired: list[Perspective] = []
    for perspective in Perspective:
        replies = [
            answers[q.id].answer
            for q in QUESTIONS
            if q.perspective is perspective and q.id in answers
        ]
        if any(reply != "no" for reply in replies):
            fired.append(perspective)
    unanswered = tuple(q.id for q in QUESTIONS if q.id not in answers)
    return Outcome(bool(fired), tuple(fired), unanswered)


def reasons(outcome: Outcome) -> tuple[tuple[str, str], ...]:
    """Why the outcome is what it is, one line per perspective that fired (Japanese,
    English)."""
    return tuple(
        (
            f"観点「{PERSPECTIVES[p][1]}」（{PERSPECTIVES[p][0]}）で高リスクに当たる回答がある。",
            f"A risky answer under the perspective '{PERSPECTIVES[p][2]}' ({PERSPECTIVES[p][0]}).",
        )
        for p in outcome.perspectives
    )


def tier_reason(perspectives: list[str] | tuple[str, ...]) -> TierReason:
    """The tier reason a signed high-risk judgement gives its system: at least high."""
    named = [PERSPECTIVES[Perspective(p)] for p in perspectives]
    ja = "、".join(n[1] for n in named)
    en = ", ".join(n[2] for n in named)
    return TierReason(
        "ds920-high-risk",
        Tier.HIGH,
        f"DS-920の高リスク判定で高リスクと判定された（観点: {ja}）。",
        f"DS-920 judgement: high-risk (perspectives: {en}).",
    )


JUDGED_FACTS = (
    "purpose",
    "domain",
    "org_role",
    "models",
    "vendors",
    "data_categories",
    "affected",
    "autonomy",
    "scale",
    "deployment",
)
"""The facts a judgement rests on: when one of them changes, the judgement is redone.
(The name, stage and contacts do not change what the system does.)"""


def facts_digest(facts: SystemFacts) -> str:
    """A SHA-256 of the facts a judgement rests on, independent of list order."""
    data = facts.model_dump(mode="json", include=set(JUDGED_FACTS))
    for key, value in data.items():
        if isinstance(value, list):
            data[key] = sorted(value)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _comparable(value: object) -> object:
    return sorted(value) if isinstance(value, list) else value


def changed_facts(signed: Mapping[str, object] | None, now: SystemFacts) -> list[str]:
    """The facts a judgement rests on (:data:`JUDGED_FACTS`, in that order) whose value
    changed between ``signed`` (the facts stored when it was signed) and ``now``; list
    order does not count. Without stored facts, every one of them."""
    current = now.model_dump(mode="json", include=set(JUDGED_FACTS))
    if signed is None:
        return list(JUDGED_FACTS)
    return [
        name
        for name in JUDGED_FACTS
        if _comparable(signed.get(name)) != _comparable(current.get(name))
    ]


def unconfirmed(confirmed: Iterable[str]) -> list[Perspective]:
    """The perspectives not among ``confirmed``, in sheet order: a redo is signed only
    when the signer confirmed each of them again."""
    given = set(confirmed)
    return [p for p in Perspective if p.value not in given]
