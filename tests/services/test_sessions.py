"""Sessions on both databases: what a session keeps to be recognised, noting visits
without waiting for the write lock, ending one's own sessions and signing out everywhere,
an admin's sign-out of a member in one organisation only, and the audit events of
sign-ins, failures and endings (never a password or a token)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.sessions import MAX_USER_AGENT, describe_user_agent
from tekisei.db.audit import AuditEventRow
from tekisei.db.orgs import ApiTokenRow, WebSessionRow
from tekisei.errors import (
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ThrottledError,
)
from tekisei.services import audit, invitations, orgs, sessions, users
from tekisei.services.database import Database

PASSWORD = "correct horse battery"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
ADDRESS = "198.51.100.7"


@pytest.fixture
def db(empty_db: Database) -> Database:
    with empty_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
    return empty_db


def _account(db: Database, email: str, org: str = "acme", role: Role = Role.VIEWER) -> Principal:
    with db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email=email, password=PASSWORD),
            org,
            role,
            "cli",
            must_change_password=False,
        )
        return users.principal_for(session, email, org)


def _in_both(db: Database, email: str) -> Principal:
    """An account that is a viewer of acme and of other."""
    person = _account(db, email)
    with db.transaction() as session:
        admin = orgs.cli_principal(session, "other")
        code, _ = invitations.create_invitation(session, admin, email, Role.VIEWER)
        invitations.accept_invitation(session, person, code)
    return person


def _events(db: Database, action: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(organisation slug, actor, summary) of every event ``action``, in order written."""
    with db.reading() as session:
        rows = session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.action == action)
            .order_by(AuditEventRow.org_id, AuditEventRow.seq)
        ).all()
        return [(r.org, r.actor, r.summary) for r in rows]


def _chains_hold(db: Database) -> None:
    for slug in ("acme", "other"):
        with db.reading() as session:
            ok, _, problems = audit.verify_live(
                session,
                orgs.cli_principal(session, slug),
                db.signer,  # type: ignore[arg-type]
            )
        assert ok, problems


# ----------------------------------------------------------------------------- recognising


def test_a_browser_is_described_by_its_name_and_system() -> None:
    assert describe_user_agent(FIREFOX).text == "Firefox on Windows"
    assert describe_user_agent(IPHONE).text == "Safari on iPhone"
    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    edge = chrome + " Edg/131.0"
    assert describe_user_agent(chrome).text == "Chrome on Linux"
    assert describe_user_agent(edge).text == "Edge on Linux"
    assert describe_user_agent("curl/8.5.0").text == "curl"
    assert describe_user_agent("something odd").text is None
    assert describe_user_agent(None).text is None


def test_a_session_keeps_how_it_was_opened_its_browser_and_address(db: Database) -> None:
    person = _account(db, "eve@acme.example")
    long_agent = FIREFOX + "\x00\n" + "x" * 1000
    opened = users.sign_in(db, "eve@acme.example", PASSWORD, client=ADDRESS, user_agent=long_agent)
    with db.reading() as session:
        row = session.scalars(select(WebSessionRow)).one()
        assert row.method == "password" and row.address == ADDRESS
        assert row.user_agent is not None and len(row.user_agent) == MAX_USER_AGENT
        assert "\x00" not in row.user_agent and "\n" not in row.user_agent
        mine = sessions.my_sessions(session, person, opened.token)
    [view] = mine.sessions
    assert view.current and view.method == "password" and view.org == "acme"
    assert view.browser.text == "Firefox on Windows" and view.address == ADDRESS
    assert view.last_seen_at is None and view.created_at.tzinfo is not None
    sso = users.open_session(db, person.user_id or 0, "acme", method="oidc", user_agent=IPHONE)
    with db.reading() as session:
        views = sessions.my_sessions(session, person, sso.token).sessions
    assert [(v.method, v.current) for v in views] == [("oidc", True), ("password", False)]
    with pytest.raises(InvalidInputError):
        users.open_session(db, person.user_id or 0, method="carrier-pigeon")
    started = _events(db, "session.start")
    assert [s["method"] for _, _, s in started] == ["password", "oidc"]
    assert started[0][2]["address"] == ADDRESS
    assert opened.token not in str(started) and sso.token not in str(started)


def test_a_visit_is_noted_at_most_once_a_minute_with_the_address(db: Database) -> None:
    _account(db, "eve@acme.example")
    opened = users.sign_in(db, "eve@acme.example", PASSWORD, client=ADDRESS)

    def seen() -> tuple[datetime | None, str | None]:
        with db.reading() as session:
            row = session.scalars(select(WebSessionRow)).one()
            return row.last_seen_at, row.address

    principal, csrf, _state = sessions.authenticate_session(db, opened.token, address="192.0.2.5")
    assert principal.email == "eve@acme.example" and csrf == opened.csrf
    first, address = seen()
    assert first is not None and address == "192.0.2.5"
    sessions.authenticate_session(db, opened.token, address="192.0.2.6")
    assert seen() == (first, "192.0.2.5")  # within the minute: not written again
    with db.transaction() as session:
        session.execute(update(WebSessionRow).values(last_seen_at=first - timedelta(minutes=2)))
    sessions.authenticate_session(db, opened.token, address="192.0.2.6")
    later, address = seen()
    assert later is not None and later >= first and address == "192.0.2.6"


def test_a_visit_never_waits_for_the_write_lock(db: Database) -> None:
    _account(db, "eve@acme.example")
    opened = users.sign_in(db, "eve@acme.example", PASSWORD)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with db.transaction() as session:
            session.execute(update(WebSessionRow).values(csrf=opened.csrf))
            holding.set()
            release.wait()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(30)
        principal, _, _state = sessions.authenticate_session(db, opened.token, address=ADDRESS)
        assert principal.email == "eve@acme.example"
    finally:
        release.set()
        thread.join()
    with db.reading() as session:
        assert session.scalars(select(WebSessionRow.last_seen_at)).one() is None


def test_expired_sessions_are_listed_nowhere_and_purged_at_the_next_sign_in(
    db: Database,
) -> None:
    person = _account(db, "eve@acme.example")
    old = users.sign_in(db, "eve@acme.example", PASSWORD)
    with db.transaction() as session:
        session.execute(
            update(WebSessionRow).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    with db.reading() as session:
        assert sessions.my_sessions(session, person, old.token).sessions == []
        with pytest.raises(AuthenticationError):
            users.resolve_session(session, old.token)
    users.sign_in(db, "eve@acme.example", PASSWORD)
    with db.reading() as session:
        assert len(session.scalars(select(WebSessionRow)).all()) == 1


# ----------------------------------------------------------------------------- ending


def test_ending_another_persons_session_is_404_and_ends_nothing(db: Database) -> None:
    eve = _account(db, "eve@acme.example")
    _account(db, "bob@acme.example")
    bobs = users.sign_in(db, "bob@acme.example", PASSWORD)
    with db.reading() as session:
        bob_session = session.scalars(select(WebSessionRow.id)).one()
    with pytest.raises(NotFoundError), db.transaction() as session:
        sessions.end_my_session(session, eve, bob_session)
    with pytest.raises(NotFoundError), db.transaction() as session:
        sessions.end_my_session(session, eve, 2**31 - 1)
    with db.reading() as session:
        assert users.resolve_session(session, bobs.token)[0].email == "bob@acme.example"
    assert _events(db, "session.revoke") == []


def test_ending_ones_own_session_refuses_its_cookie_at_once(db: Database) -> None:
    eve = _in_both(db, "eve@acme.example")
    here = users.sign_in(db, "eve@acme.example", PASSWORD, org_slug="acme")
    there = users.sign_in(db, "eve@acme.example", PASSWORD, org_slug="other")
    with db.reading() as session:
        views = sessions.my_sessions(session, eve, here.token).sessions
    assert {v.org for v in views} == {"acme", "other"}  # the owner sees all of their own
    other_one = next(v.id for v in views if v.org == "other")
    with db.transaction() as session:
        sessions.end_my_session(session, eve, other_one)
    with db.reading() as session:
        assert not sessions.is_open(session, there.token)
        assert sessions.is_open(session, here.token)
        with pytest.raises(AuthenticationError):
            users.resolve_session(session, there.token)
    # recorded where the session acted, naming its id, not its token
    assert _events(db, "session.revoke") == [
        ("other", "eve@acme.example", {"session": other_one, "by": "owner"})
    ]
    _chains_hold(db)


def test_a_new_session_never_takes_the_id_of_one_ended_before(db: Database) -> None:
    """The audit log names sessions by id: after the newest session ends, the next one gets
    a larger id (SQLite would otherwise hand the highest rowid out again)."""
    _account(db, "ivy@acme.example")
    users.sign_in(db, "ivy@acme.example", PASSWORD, org_slug="acme")
    newest = users.sign_in(db, "ivy@acme.example", PASSWORD, org_slug="acme")
    with db.transaction() as session:
        ended = session.scalars(select(func.max(WebSessionRow.id))).one()
        users.end_session(session, newest.token)
        assert session.scalars(select(func.max(WebSessionRow.id))).one() < ended
    users.sign_in(db, "ivy@acme.example", PASSWORD, org_slug="acme")
    with db.reading() as session:
        started = session.scalars(select(func.max(WebSessionRow.id))).one()
    assert started > ended
    assert [summary["session"] for _, _, summary in _events(db, "session.end")] == [ended]


def test_signing_out_everywhere_keeps_this_browser_and_may_revoke_tokens(db: Database) -> None:
    eve = _in_both(db, "eve@acme.example")
    here = users.sign_in(db, "eve@acme.example", PASSWORD, org_slug="acme")
    users.sign_in(db, "eve@acme.example", PASSWORD, org_slug="acme")
    users.sign_in(db, "eve@acme.example", PASSWORD, org_slug="other")
    _account(db, "bob@acme.example")
    bobs = users.sign_in(db, "bob@acme.example", PASSWORD)
    with db.transaction() as session:
        secret, _ = users.create_token(session, "eve@acme.example", "other")
        bob_secret, _ = users.create_token(session, "bob@acme.example", "acme")
    with db.transaction() as session:
        kept = sessions.sign_out_everywhere(session, eve, here.token)
    assert (kept.sessions_ended, kept.tokens_revoked) == (2, 0)
    with db.reading() as session:
        assert [v.current for v in sessions.my_sessions(session, eve, here.token).sessions] == [
            True
        ]
        assert users.resolve_token(session, secret).email == "eve@acme.example"
    with db.transaction() as session:
        everything = sessions.sign_out_everywhere(
            session, eve, here.token, keep_current=False, revoke_tokens=True
        )
    assert (everything.sessions_ended, everything.tokens_revoked) == (1, 1)
    with db.reading() as session:
        assert not sessions.is_open(session, here.token)
        with pytest.raises(AuthenticationError, match="revoked"):
            users.resolve_token(session, secret)
        # nobody else's sessions or tokens
        assert sessions.is_open(session, bobs.token)
        assert users.resolve_token(session, bob_secret).email == "bob@acme.example"
    ended = _events(db, "session.end_all")
    assert [(org, s["sessions_ended"], s["tokens_revoked"]) for org, _, s in ended] == [
        ("acme", 1, 0),
        ("acme", 1, 0),
        ("other", 1, 0),
        ("other", 0, 1),
    ]
    _chains_hold(db)


# ----------------------------------------------------------------------------- admins


def test_an_admin_signs_a_member_out_of_their_organisation_only(db: Database) -> None:
    _in_both(db, "eve@acme.example")
    admin = _account(db, "admin@acme.example", "acme", Role.ADMIN)
    here = users.sign_in(db, "eve@acme.example", PASSWORD, org_slug="acme")
    there = users.sign_in(db, "eve@acme.example", PASSWORD, org_slug="other")
    with db.transaction() as session:
        acme_secret, _ = users.create_token(session, "eve@acme.example", "acme")
        other_secret, _ = users.create_token(session, "eve@acme.example", "other")
        eve_id = users.find_user(session, "eve@acme.example").id  # type: ignore[union-attr]
    sessions.authenticate_session(db, here.token)
    with db.reading() as session:
        seen = sessions.member_sessions(session, admin, eve_id)
        assert sessions.session_counts(session, admin) == {eve_id: 1}
    assert (seen.sessions, seen.tokens) == (1, 1) and seen.last_seen_at is not None
    with db.transaction() as session:
        result = sessions.sign_out_member(session, admin, eve_id)
    assert (result.sessions_ended, result.tokens_revoked) == (1, 1)
    with db.reading() as session:
        assert not sessions.is_open(session, here.token)
        assert sessions.is_open(session, there.token)  # the other organisation's stays
        assert users.resolve_token(session, other_secret).org_slug == "other"
        with pytest.raises(AuthenticationError):
            users.resolve_token(session, acme_secret)
    assert _events(db, "member.sign_out") == [
        (
            "acme",
            "admin@acme.example",
            {"email": "eve@acme.example", "sessions_ended": 1, "tokens_revoked": 1},
        )
    ]
    _chains_hold(db)


def test_only_an_admin_of_the_members_organisation_signs_them_out(db: Database) -> None:
    _account(db, "eve@acme.example")
    viewer = _account(db, "bob@acme.example")
    stranger = _account(db, "admin@other.example", "other", Role.ADMIN)
    eves = users.sign_in(db, "eve@acme.example", PASSWORD)
    with db.reading() as session:
        eve_id = users.find_user(session, "eve@acme.example").id  # type: ignore[union-attr]
    with pytest.raises(NotFoundError), db.transaction() as session:
        sessions.sign_out_member(session, stranger, eve_id)
    with pytest.raises(NotFoundError), db.reading() as session:
        sessions.member_sessions(session, stranger, eve_id)
    with pytest.raises(PermissionDeniedError), db.transaction() as session:
        sessions.sign_out_member(session, viewer, eve_id)
    with pytest.raises(PermissionDeniedError), db.reading() as session:
        sessions.session_counts(session, viewer)
    with db.reading() as session:
        assert sessions.is_open(session, eves.token)
    assert _events(db, "member.sign_out") == []


def test_the_revoked_tokens_stay_listed_nowhere_as_usable(db: Database) -> None:
    eve = _account(db, "eve@acme.example")
    with db.transaction() as session:
        users.create_token(session, "eve@acme.example", "acme", name="nightly export")
        session.execute(update(ApiTokenRow).values(revoked_at=datetime.now(UTC)))
        users.create_token(session, "eve@acme.example", "acme", name="dashboard")
    with db.reading() as session:
        tokens = sessions.my_sessions(session, eve, None).tokens
    assert [t.name for t in tokens] == ["dashboard"]


# ----------------------------------------------------------------------------- sign-in audit


def test_every_sign_in_and_failure_is_audited_without_the_password(db: Database) -> None:
    _in_both(db, "eve@acme.example")
    users.sign_in(db, "eve@acme.example", PASSWORD, client=ADDRESS)
    with pytest.raises(AuthenticationError):
        users.sign_in(db, "eve@acme.example", "my secret guess!!", client=ADDRESS)
    with pytest.raises(AuthenticationError):
        users.sign_in(db, "nobody@acme.example", "my secret guess!!", client=ADDRESS)
    failures = _events(db, "signin.fail")
    # one per organisation of the account; nothing for an unknown email
    assert [(org, actor) for org, actor, _ in failures] == [
        ("acme", "anonymous"),
        ("other", "anonymous"),
    ]
    assert failures[0][2] == {"email": "eve@acme.example", "method": "password", "address": ADDRESS}
    with db.reading() as session:
        everything = str(session.scalars(select(AuditEventRow.summary)).all())
    assert "my secret guess" not in everything and PASSWORD not in everything
    assert "nobody@acme.example" not in everything
    _chains_hold(db)


def test_only_failures_the_throttle_lets_through_reach_the_audit_log(db: Database) -> None:
    _account(db, "eve@acme.example")
    failures, throttled = 0, False
    for n in range(20):
        try:
            users.sign_in(db, "eve@acme.example", f"wrong guess {n:04d}!", client=ADDRESS)
        except AuthenticationError:
            failures += 1
        except ThrottledError:
            throttled = True
            break
    logged = len(_events(db, "signin.fail"))
    assert throttled and 0 < logged == failures < 20
    for n in range(5):
        with pytest.raises(ThrottledError):
            users.sign_in(db, "eve@acme.example", f"more guesses {n:04d}", client=ADDRESS)
    assert len(_events(db, "signin.fail")) == logged
