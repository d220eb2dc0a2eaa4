"""Automatic notes: every kind is worded in both languages from the catalogs, and a note
the catalogs cannot word is shown as its key instead of breaking a page."""

from __future__ import annotations

import re

import pytest

from tekisei.core.notes import AutoNote, NoteKey, read_note, read_notes
from tekisei.services.notes import note_text, note_words

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# The values each kind names (core/notes.py documents them).
VALUES: dict[NoteKey, dict[str, str | int | float]] = {
    NoteKey.EVAL_EVIDENCE: {"run": "nightly", "suite": "tekisei-basics", "version": "1.2",
                            "pass_percent": 83},
    NoteKey.EVAL_ATTACHED: {"run": "nightly", "failing": 4},
    NoteKey.PROVENANCE_EVIDENCE: {"system": "Chatbot", "texts_detected": 2, "texts": 3,
                                  "images_verified": 1, "images": 1},
    NoteKey.PROVENANCE_ATTACHED: {},
    NoteKey.MODELS_CHANGED: {},
    NoteKey.VENDORS_CHANGED: {},
    NoteKey.MODELS_VENDORS_CHANGED: {},
    NoteKey.CATALOG_CHANGED: {"sections": "2.3, fn8"},
    NoteKey.MODEL_RECORD_EVIDENCE: {"name": "Llama"},
    NoteKey.DATASET_RECORD_EVIDENCE: {"name": "Corpus"},
    NoteKey.NOTICE_EVIDENCE: {"system": "Chatbot", "number": 2},
    NoteKey.MODEL_RECORD_ATTACHED: {},
    NoteKey.DATASET_RECORD_ATTACHED: {},
    NoteKey.NOTICE_ATTACHED: {},
    NoteKey.SOA_EVIDENCE: {"number": 2, "version": 7},
    NoteKey.SOA_ATTACHED: {},
    NoteKey.POLICY_EVIDENCE: {"title": "Basic AI Policy", "number": 2},
    NoteKey.POLICY_ATTACHED: {},
    NoteKey.STATEMENT_EVIDENCE: {"number": 3},
    NoteKey.STATEMENT_ATTACHED: {},
    NoteKey.HAIP_REPORT_EVIDENCE: {"title": "HAIP 2026", "number": 2},
    NoteKey.HAIP_REPORT_ATTACHED: {},
    NoteKey.STAKEHOLDER_EVIDENCE: {"name": "Photographers"},
    NoteKey.ENGAGEMENT_EVIDENCE: {"name": "Photographers", "day": "2026-11-30"},
    NoteKey.STAKEHOLDER_ATTACHED: {},
    NoteKey.DATA_HOLDER_EVIDENCE: {"name": "Photo agency"},
    NoteKey.DATA_HOLDER_ATTACHED: {},
    NoteKey.VENDOR_EVIDENCE: {"name": "Example LLM"},
    NoteKey.VENDOR_ATTACHED: {},
    NoteKey.VENDOR_MODEL_CHANGED: {"name": "Example LLM"},
    NoteKey.VENDOR_TERMS_CHANGED: {"name": "Example LLM"},
    NoteKey.VENDOR_SECURITY_INCIDENT: {"name": "Example LLM"},
    NoteKey.VENDOR_CHANGED: {"name": "Example LLM"},
    NoteKey.VENDOR_EXITED: {"name": "Example LLM"},
    NoteKey.INQUIRY_EVIDENCE: {"tracking": "INQ-ABCDEFGHJK"},
    NoteKey.INQUIRY_ATTACHED: {},
    NoteKey.CONTINUITY_EVIDENCE: {"name": "Credit check"},
    NoteKey.CONTINUITY_ATTACHED: {},
    NoteKey.INCIDENT_REPORTED: {"number": 42},
    NoteKey.INCIDENT_EVIDENCE: {"number": 42},
    NoteKey.INCIDENT_ATTACHED: {},
    NoteKey.JUDGEMENT_EVIDENCE: {"system": "Credit check", "number": 3},
    NoteKey.JUDGEMENT_ATTACHED: {},
    NoteKey.PROCUREMENT_EVIDENCE: {"title": "Chatbot service 2026"},
    NoteKey.PROCUREMENT_ATTACHED: {},
    NoteKey.LITERACY_EVIDENCE: {"module": "what-ai-is"},
    NoteKey.LITERACY_ATTACHED: {},
}  # fmt: skip


@pytest.mark.parametrize("key", list(NoteKey))
def test_every_kind_of_note_reads_in_both_languages(key: NoteKey) -> None:
    words = note_words(AutoNote.of(key, **VALUES[key]))
    assert JAPANESE.search(words.ja) and not JAPANESE.search(words.en)
    for text in (words.ja, words.en):
        assert "%(" not in text and not text.startswith("note:")
        for value in VALUES[key].values():
            assert str(value) in text


def test_the_eval_evidence_title_says_the_pass_rate_as_a_percentage() -> None:
    note = AutoNote.of(NoteKey.EVAL_EVIDENCE, **VALUES[NoteKey.EVAL_EVIDENCE])
    assert note_text(note, "ja") == "評価実行 nightly（tekisei-basics 1.2）合格率 83%"
    assert note_text(note, "en") == "Evaluation run nightly (tekisei-basics 1.2): 83% passed"


def test_a_note_the_catalogs_cannot_word_shows_its_key() -> None:
    assert note_text(AutoNote(key="dropped-since"), "en") == "dropped-since"
    missing_value = note_text(AutoNote(key=NoteKey.EVAL_ATTACHED.value), "ja")
    assert missing_value.startswith("評価実行")  # the text, without failing the page


def test_stored_notes_read_back_and_anything_else_is_skipped() -> None:
    note = AutoNote.of(NoteKey.EVAL_ATTACHED, run="r", failing=2)
    assert read_note(note.stored()) == note
    assert read_note(None) is None and read_note({"params": {}}) is None
    assert read_notes([note.stored(), "text", {"key": 3}]) == [note]
    assert read_notes(None) == []
