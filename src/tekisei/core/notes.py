"""Automatic notes: text tekisei writes itself into records people read later (the note on
an answer when a run's results are attached, the title of that evidence, the reason a
review was opened), kept as a key and values rather than as words, so that each reader
sees it in their own language and in today's terminology.

The words live in the message catalogs under the id ``note:<key>``, with ``{name}`` fields
for the values (``services/notes.py`` words them). What people write stays what they wrote.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

NoteValue = str | int | float


class NoteKey(StrEnum):
    """Each kind of automatic note; the catalog id is ``note:<value>``."""

    EVAL_EVIDENCE = "eval-evidence"
    """The title of an evaluation run kept as evidence (run, suite, version, pass_percent)."""
    EVAL_ATTACHED = "eval-attached"
    """On an answer: a run's results were attached, the state is a person's call (run,
    failing)."""
    PROVENANCE_EVIDENCE = "provenance-evidence"
    """The title of a provenance check kept as evidence (system, texts_detected, texts,
    images_verified, images)."""
    PROVENANCE_ATTACHED = "provenance-attached"
    """On an answer: a provenance check was attached, the state is a person's call."""
    MODELS_CHANGED = "models-changed"
    """Why a review opened: the system's models changed."""
    VENDORS_CHANGED = "vendors-changed"
    """Why a review opened: the system's vendors changed."""
    MODELS_VENDORS_CHANGED = "models-vendors-changed"
    """Why a review opened: the system's models and vendors changed."""
    CATALOG_CHANGED = "catalog-changed"
    """Why a review opened: requirements the system answers changed (sections)."""
    MODEL_RECORD_EVIDENCE = "model-record-evidence"
    """The title of a model record kept as evidence (name)."""
    DATASET_RECORD_EVIDENCE = "dataset-record-evidence"
    """The title of a dataset record kept as evidence (name)."""
    NOTICE_EVIDENCE = "notice-evidence"
    """The title of a published disclosure notice kept as evidence (system, number)."""
    MODEL_RECORD_ATTACHED = "model-record-attached"
    """On an answer: a model record was attached and the answer started as partial."""
    DATASET_RECORD_ATTACHED = "dataset-record-attached"
    """On an answer: a dataset record was attached and the answer started as partial."""
    NOTICE_ATTACHED = "notice-attached"
    """On an answer: a published notice was attached and the answer started as partial."""
    SOA_EVIDENCE = "soa-evidence"
    """The title of an approved Statement of Applicability kept as evidence (number,
    version)."""
    SOA_ATTACHED = "soa-attached"
    """On an answer: an approved Statement of Applicability was attached and the answer
    started as partial."""
    POLICY_EVIDENCE = "policy-evidence"
    """The title of an approved version of an AI policy kept as evidence (title, number)."""
    POLICY_ATTACHED = "policy-attached"
    """On an answer: a policy in force was attached and the answer started as partial."""
    STATEMENT_EVIDENCE = "statement-evidence"
    """The title of a published governance statement kept as evidence (number)."""
    STATEMENT_ATTACHED = "statement-attached"
    """On an answer: the published governance statement was attached and the answer
    started as partial."""
    HAIP_REPORT_EVIDENCE = "haip-report-evidence"
    """The title of a published HAIP report kept as evidence (title, number)."""
    HAIP_REPORT_ATTACHED = "haip-report-attached"
    """On an answer: a published HAIP report was attached and the answer started as
    partial."""
    STAKEHOLDER_EVIDENCE = "stakeholder-evidence"
    """The title of a stakeholder kept as evidence (name)."""
    ENGAGEMENT_EVIDENCE = "engagement-evidence"
    """The title of an engagement with a stakeholder kept as evidence (name, day)."""
    STAKEHOLDER_ATTACHED = "stakeholder-attached"
    """On an answer: a stakeholder or an engagement with one was attached and the answer
    started as partial."""
    DATA_HOLDER_EVIDENCE = "data-holder-evidence"
    """The title of a data holder kept as evidence (name)."""
    DATA_HOLDER_ATTACHED = "data-holder-attached"
    """On an answer: a data holder linked to a dataset of the system was attached and the
    answer started as partial."""
    VENDOR_EVIDENCE = "vendor-evidence"
    """The title of a vendor kept as evidence (name)."""
    VENDOR_ATTACHED = "vendor-attached"
    """On an answer: a vendor the system depends on was attached and the answer started as
    partial."""
    VENDOR_MODEL_CHANGED = "vendor-model-changed"
    """Why a review opened: a vendor the system depends on changed its model (name)."""
    VENDOR_TERMS_CHANGED = "vendor-terms-changed"
    """Why a review opened: a vendor the system depends on changed its terms (name)."""
    VENDOR_SECURITY_INCIDENT = "vendor-security-incident"
    """Why a review opened: a vendor the system depends on had a security incident (name)."""
    VENDOR_CHANGED = "vendor-changed"
    """Why a review opened: a vendor the system depends on changed otherwise (name)."""
    VENDOR_EXITED = "vendor-exited"
    """Why a review opened: the organisation stopped using a vendor the system depended on
    (name)."""
    INQUIRY_EVIDENCE = "inquiry-evidence"
    """The title of an answered inquiry kept as evidence (tracking)."""
    INQUIRY_ATTACHED = "inquiry-attached"
    """On an answer: an answered inquiry about the system was attached and the answer
    started as partial."""
    CONTINUITY_EVIDENCE = "continuity-evidence"
    """The title of a system's business continuity plan, tested by a drill, kept as
    evidence (the system's name)."""
    CONTINUITY_ATTACHED = "continuity-attached"
    """On an answer: the system's business continuity plan, tested by a drill, was attached
    and the answer started as partial."""
    INCIDENT_REPORTED = "incident-reported"
    """Why a review opened: an incident affecting the system was reported (number)."""
    INCIDENT_EVIDENCE = "incident-evidence"
    """The title of a closed incident, with its lessons learned, kept as evidence
    (number)."""
    INCIDENT_ATTACHED = "incident-attached"
    """On an answer: a closed incident of the system, with its lessons learned, was
    attached and the answer started as partial."""
    JUDGEMENT_EVIDENCE = "judgement-evidence"
    """The title of a signed DS-920 high-risk judgement kept as evidence (system, number,
    outcome)."""
    JUDGEMENT_ATTACHED = "judgement-attached"
    """On an answer: a signed DS-920 high-risk judgement of the system was attached and the
    answer started as partial."""
    PROCUREMENT_EVIDENCE = "procurement-evidence"
    """The title of a procurement with its checklist kept as evidence (title)."""
    PROCUREMENT_ATTACHED = "procurement-attached"
    """On an answer: a procurement of the system with its checklist was attached and the
    answer started as partial."""
    LITERACY_EVIDENCE = "literacy-evidence"
    """The title of the first passed quiz of an AI literacy module in the organisation,
    kept as evidence (module)."""
    LITERACY_ATTACHED = "literacy-attached"
    """On an answer: members' completed AI literacy modules were attached and the answer
    started as partial."""


class AutoNote(BaseModel):
    """One automatic note: what to say (``key``) and the values it names (``params``).

    ``key`` is kept as a string, not a :class:`NoteKey`, so that a stored note of a kind a
    later version drops still reads back (it is then shown as its key)."""

    model_config = ConfigDict(frozen=True)

    key: str
    params: dict[str, NoteValue] = Field(default_factory=dict)

    @classmethod
    def of(cls, key: NoteKey, **params: NoteValue) -> AutoNote:
        """A note of ``key`` naming ``params``."""
        return cls(key=key.value, params=params)

    def stored(self) -> dict[str, Any]:
        """The note as a JSON column holds it."""
        return self.model_dump(mode="json")


def read_note(value: object) -> AutoNote | None:
    """The note a JSON column holds, or None (empty, or not a note)."""
    if not isinstance(value, dict) or not isinstance(value.get("key"), str):
        return None
    params = value.get("params")
    kept = {
        str(k): v
        for k, v in (params.items() if isinstance(params, dict) else ())
        if isinstance(v, str | int | float) and not isinstance(v, bool)
    }
    return AutoNote(key=value["key"], params=kept)


def read_notes(value: object) -> list[AutoNote]:
    """The notes a JSON list column holds (anything else in it is skipped)."""
    if not isinstance(value, list):
        return []
    return [note for item in value if (note := read_note(item)) is not None]
