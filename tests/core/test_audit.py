"""The audit chain: any change, deletion or reordering is found at the event it hits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tekisei.core.audit import GENESIS, AuditEvent, chain_problems, next_event


def chain(length: int, org: str = "acme") -> list[AuditEvent]:
    events: list[AuditEvent] = []
    for index in range(length):
        prev_seq, prev_hash = (events[-1].seq, events[-1].hash) if events else (0, GENESIS)
        events.append(
            next_event(
                prev_seq,
                prev_hash,
                org=org,
                at=f"2026-01-01T00:00:{index:02d}+00:00",
                actor="alice@example.org",
                action="system.update",
                object_type="system",
                object_id=str(index),
                summary={"after": {"name": f"システム{index}"}},
            )
        )
    return events


def test_a_fresh_chain_verifies() -> None:
    events = chain(5)
    assert events[0].prev_hash == GENESIS
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert chain_problems(events, "acme") == []


def test_events_of_another_org_are_flagged() -> None:
    assert chain_problems(chain(2, org="other"), "acme")[0].reason == "belongs to other"


@given(length=st.integers(2, 12), data=st.data())
def test_changing_any_event_is_found_at_that_event(length: int, data: st.DataObject) -> None:
    events = chain(length)
    target = data.draw(st.integers(0, length - 1))
    field = data.draw(st.sampled_from(["actor", "action", "object_id", "at", "summary"]))
    value = {"summary": {"after": {"name": "改ざん"}}}.get(field, "tampered")
    events[target] = events[target].model_copy(update={field: value})
    problems = chain_problems(events, "acme")
    assert problems and problems[0].position == target


@given(length=st.integers(2, 12), data=st.data())
def test_deleting_any_event_is_found_where_the_gap_is(length: int, data: st.DataObject) -> None:
    events = chain(length)
    target = data.draw(st.integers(0, length - 2))
    del events[target]
    problems = chain_problems(events, "acme")
    assert problems and problems[0].position == target


@given(length=st.integers(2, 12), data=st.data())
def test_swapping_two_events_is_found_at_the_first(length: int, data: st.DataObject) -> None:
    events = chain(length)
    first = data.draw(st.integers(0, length - 2))
    second = data.draw(st.integers(first + 1, length - 1))
    events[first], events[second] = events[second], events[first]
    problems = chain_problems(events, "acme")
    assert problems and problems[0].position == first


def test_rehashing_a_changed_event_still_breaks_the_next_link() -> None:
    events = chain(4)
    forged_content = events[1].content() | {"actor": "mallory"}
    forged = next_event(
        events[0].seq,
        events[0].hash,
        **{
            k: forged_content[k]
            for k in ("org", "at", "actor", "action", "object_type", "object_id", "summary")
        },
    )
    events[1] = forged
    problems = chain_problems(events, "acme")
    assert problems[0].position == 2
