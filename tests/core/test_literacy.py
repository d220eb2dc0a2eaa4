"""The AI literacy modules the project wrote: at least eight, every one in Japanese and
English with the same quiz, each correct answer a real choice; grading; and a broken file
is refused when the modules load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tekisei.core.literacy import (
    MAX_QUESTIONS,
    MIN_QUESTIONS,
    Module,
    grade,
    grade_module,
    passes,
    self_check_items,
    text_of,
)
from tekisei.services.catalog_files import shipped_files
from tekisei.services.literacy_content import MODULES, load

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
TOPICS = {
    "what-ai-is", "hallucination", "bias", "disinformation", "checking-sources",
    "privacy-security", "intellectual-property", "rights-and-asking", "staff-policy-high-risk",
}  # fmt: skip


def test_at_least_eight_modules_cover_the_topics_the_issue_names() -> None:
    assert len(MODULES) >= 8
    assert {m.id for m in MODULES} >= TOPICS
    assert [m.order for m in MODULES] == sorted(m.order for m in MODULES)
    assert any(m.audience == "staff" for m in MODULES)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_every_module_reads_in_both_languages_with_the_same_quiz(module: Module) -> None:
    ja, en = text_of(module, "ja"), text_of(module, "en")
    assert len(ja.quiz) == len(en.quiz) and MIN_QUESTIONS <= len(ja.quiz) <= MAX_QUESTIONS
    assert len(ja.sections) == len(en.sections) >= 2
    for text in (ja.title, ja.summary, *(p for s in ja.sections for p in s.paragraphs)):
        assert JAPANESE.search(text), text
    for text in (en.title, en.summary, *(p for s in en.sections for p in s.paragraphs)):
        assert not JAPANESE.search(text), text
    for section in module.sections:
        assert 180 <= len(section.body.ja) <= 700  # a few short paragraphs
    for question in module.quiz:
        assert 0 <= question.answer < len(question.choices)
        for text in (question.question, question.explanation, *question.choices):
            assert JAPANESE.search(text.ja) and not JAPANESE.search(text.en)
    # the guideline items it teaches exist in the shipped guideline catalog
    catalog = next(p for p in shipped_files() if p.name == "jp-ai-appropriateness-2025.yaml")
    refs = set(re.findall(r'ref: "([^"]+)"', catalog.read_text(encoding="utf-8")))
    assert set(module.refs) <= refs


def test_the_answers_are_not_always_the_same_choice() -> None:
    firsts = [q.answer for _, q in self_check_items(list(MODULES))]
    assert len(set(firsts)) == 3


def test_grading_counts_right_answers_and_treats_anything_odd_as_unanswered() -> None:
    module = MODULES[0]
    right = [q.answer for q in module.quiz]
    assert grade_module(module, right, "ja").passed
    graded = grade_module(module, [None, 99, -1], "en")
    assert graded.score == 0 and not graded.passed
    assert [g.chosen for g in graded.questions] == [None, None, None]
    assert graded.questions[0].explanation == module.quiz[0].explanation.en
    short = grade_module(module, right[:1], "ja")  # fewer answers than questions
    assert short.score == 1 and short.total == len(module.quiz)


def test_the_pass_mark_is_sixty_percent() -> None:
    assert passes(2, 3) and not passes(1, 3) and passes(3, 5) and not passes(0, 0)


def test_the_self_check_draws_one_question_from_each_public_module() -> None:
    items = self_check_items(list(MODULES))
    assert [m for m, _ in items] == [m.id for m in MODULES if m.audience == "public"]
    graded = grade(items, [q.answer for _, q in items], "ja")
    assert graded.score == graded.total == len(items) >= 8


def test_a_broken_module_is_refused_when_loading(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[2] / "src/tekisei/catalogs/literacy"
    for path in source.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(load(tmp_path)) == len(MODULES)
    first = sorted(tmp_path.glob("*.yaml"))[0]
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("    answer: 1\n", "    answer: 7\n", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="not one of the 3 choices"):
        load(tmp_path)
    first.write_text(text.replace("  en: What AI is, and what it is not\n", ""), encoding="utf-8")
    with pytest.raises(ValueError, match=first.name):
        load(tmp_path)
    first.unlink()
    (tmp_path / "02-hallucination.yaml").unlink()
    with pytest.raises(ValueError, match="at least 8"):
        load(tmp_path)
