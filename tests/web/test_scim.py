"""SCIM 2.0 provisioning, driven by a SCIM client written from the examples of RFC 7644
(and the PATCH forms Microsoft Entra ID and Okta send): users, groups that assign roles,
deprovisioning that takes effect at the leaver's very next request, and the hostile
cases (another organisation's token, revoked and API tokens, bad filters, huge bodies)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import delete, select

from tekisei.config import Settings
from tekisei.core.orgs import Role
from tekisei.db.audit import AuditEventRow
from tekisei.db.orgs import ApiTokenRow, MembershipRow, UserRow, WebSessionRow
from tekisei.db.scim import ScimGroupRow, ScimUserRow
from tekisei.services import orgs, scim_tokens, users
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tekisei.web.auth import SESSION_COOKIE
from tests.organisations import PASSWORD, two_organisations

pytestmark = pytest.mark.anyio
SCIM = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

# RFC 7644 §3.3 (creating a User), with an email as userName: tekisei's userName is the
# person's email address.
RFC_USER = {
    "schemas": [USER],
    "userName": "bjensen@example.com",
    "externalId": "bjensen",
    "name": {
        "formatted": "Ms. Barbara J Jensen III",
        "familyName": "Jensen",
        "givenName": "Barbara",
    },
}


@dataclass
class ScimClient:
    """A SCIM client of one organisation's token."""

    http: httpx.AsyncClient
    token: str

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": SCIM} | (extra or {})

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(f"/scim/v2{path}", params=params, headers=self.headers())

    async def send(
        self, method: str, path: str, body: Any, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.http.request(
            method,
            f"/scim/v2{path}",
            content=json.dumps(body).encode(),
            headers=self.headers({"Content-Type": SCIM} | (headers or {})),
        )

    async def delete(self, path: str) -> httpx.Response:
        return await self.http.delete(f"/scim/v2{path}", headers=self.headers())

    async def create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        created = await self.send("POST", "/Users", body)
        assert created.status_code == 201, created.text
        return dict(created.json())

    async def patch(self, path: str, *operations: dict[str, Any]) -> httpx.Response:
        return await self.send("PATCH", path, {"schemas": [PATCH], "Operations": list(operations)})


@dataclass
class World:
    db: Database
    http: httpx.AsyncClient
    acme: ScimClient
    other: ScimClient
    api_tokens: dict[str, str]


@pytest.fixture
async def world(settings: Settings, empty_db: Database) -> AsyncIterator[World]:
    api_tokens = two_organisations(
        empty_db,
        [("admin@acme.example", "acme", Role.ADMIN), ("admin@other.example", "other", Role.ADMIN)],
    )
    with empty_db.transaction() as session:
        acme_secret, _ = scim_tokens.create_scim_token(
            session, orgs.cli_principal(session, "acme"), "entra-id"
        )
        other_secret, _ = scim_tokens.create_scim_token(
            session, orgs.cli_principal(session, "other"), "okta"
        )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield World(
            empty_db,
            http,
            ScimClient(http, acme_secret),
            ScimClient(http, other_secret),
            api_tokens,
        )
    app.state.database.close()


def _scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(SCIM)
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"]


def _role(world: World, email: str, org_slug: str = "acme") -> str | None:
    with world.db.reading() as session:
        org = orgs.get_org(session, org_slug)
        user = users.find_user(session, email)
        assert user is not None
        member = orgs.membership(session, user.id, org.id)
        return member.role if member else None


def _actions(world: World, actor: str) -> list[str]:
    with world.db.reading() as session:
        return list(
            session.scalars(
                select(AuditEventRow.action)
                .where(AuditEventRow.actor == actor)
                .order_by(AuditEventRow.id)
            )
        )


# ----------------------------------------------------------------------------- users


async def test_the_rfc_example_user_is_created_with_scim_json_and_meta(world: World) -> None:
    created = await world.acme.send("POST", "/Users", RFC_USER)
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith(SCIM)
    body = created.json()
    assert body["schemas"] == [USER]
    assert body["userName"] == "bjensen@example.com" and body["externalId"] == "bjensen"
    assert body["name"]["givenName"] == "Barbara" and body["active"] is True
    meta = body["meta"]
    assert meta["resourceType"] == "User"
    assert meta["location"] == f"http://testserver/scim/v2/Users/{body['id']}"
    assert created.headers["location"] == meta["location"]
    assert created.headers["etag"] == meta["version"] and meta["version"].startswith('W/"')
    assert meta["created"].endswith("Z") and meta["lastModified"].endswith("Z")
    assert _role(world, "bjensen@example.com") == "viewer"
    with world.db.reading() as session:
        user = users.find_user(session, "bjensen@example.com")
        assert user is not None and user.name == "Barbara Jensen"
    # No password works for a provisioned account: the person signs in by SSO.
    with pytest.raises(Exception, match="wrong"):
        users.sign_in(world.db, "bjensen@example.com", "!scim-provisioned")
    assert "scim.user.create" in _actions(world, "scim:entra-id")
    got = await world.acme.get(f"/Users/{body['id']}")
    assert got.status_code == 200 and got.json() == body
    assert got.headers["etag"] == meta["version"]


async def test_another_organisations_account_is_not_joined_and_a_duplicate_is_refused(
    world: World,
) -> None:
    # a token must not put someone else's member into its organisation (they would be
    # seen and managed by administrators they did not choose): invitations do that
    elsewhere = await world.acme.send(
        "POST", "/Users", {"schemas": [USER], "userName": "Admin@Other.example"}
    )
    _scim_error(elsewhere, 409, "uniqueness")
    assert "招待" in elsewhere.json()["detail"]  # Japanese unless the caller asks for English
    assert _role(world, "admin@other.example", "acme") is None
    assert _role(world, "admin@other.example", "other") == "admin"  # untouched
    # an account that belongs to no organisation any more is taken in
    with world.db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="former@acme.example", password=PASSWORD),
            "acme",
            Role.VIEWER,
            "cli",
            must_change_password=False,
        )
        former = users.find_user(session, "former@acme.example")
        assert former is not None
        session.execute(delete(MembershipRow).where(MembershipRow.user_id == former.id))
    taken = await world.acme.send(
        "POST", "/Users", {"schemas": [USER], "userName": "former@acme.example"}
    )
    assert taken.status_code == 201, taken.text
    assert _role(world, "former@acme.example", "acme") == "viewer"
    again = await world.acme.send("POST", "/Users", RFC_USER)
    assert again.status_code == 201
    _scim_error(await world.acme.send("POST", "/Users", RFC_USER), 409, "uniqueness")
    # an existing member is a user already: the provider finds it by filter instead
    _scim_error(
        await world.acme.send(
            "POST", "/Users", {"schemas": [USER], "userName": "admin@acme.example"}
        ),
        409,
        "uniqueness",
    )
    _scim_error(
        await world.acme.send(
            "POST",
            "/Users",
            {"schemas": [USER], "userName": "x@example.com", "externalId": "bjensen"},
        ),
        409,
        "uniqueness",
    )
    _scim_error(
        await world.acme.send("POST", "/Users", {"schemas": [USER], "userName": "bjensen"}),
        400,
        "invalidValue",
    )


async def test_users_are_filtered_and_paged_as_rfc_7644_asks(world: World) -> None:
    for n in range(5):
        await world.acme.create_user(
            {"schemas": [USER], "userName": f"u{n}@example.com", "externalId": f"ext-{n}"}
        )
    listed = await world.acme.get("/Users", filter='userName eq "U3@example.com"')
    body = listed.json()
    assert listed.headers["content-type"].startswith(SCIM)
    assert body["schemas"] == [LIST] and body["totalResults"] == 1
    assert body["Resources"][0]["userName"] == "u3@example.com"
    by_external = (await world.acme.get("/Users", filter='externalId eq "ext-1"')).json()
    assert [r["userName"] for r in by_external["Resources"]] == ["u1@example.com"]
    assert (await world.acme.get("/Users", filter='externalId eq "EXT-1"')).json()[
        "totalResults"
    ] == 0  # externalId is case-exact
    by_email = (await world.acme.get("/Users", filter='emails.value eq "u2@example.com"')).json()
    assert by_email["totalResults"] == 1
    both = await world.acme.get(
        "/Users", filter='userName sw "u" and not (externalId eq "ext-0") or id eq "1"'
    )
    assert both.json()["totalResults"] == 5
    everyone = (await world.acme.get("/Users")).json()
    assert everyone["totalResults"] == 6  # the admin is a member, so a user too
    page = (await world.acme.get("/Users", startIndex=2, count=2)).json()
    assert page["startIndex"] == 2 and page["itemsPerPage"] == 2 and page["totalResults"] == 6
    assert [r["id"] for r in page["Resources"]] == [r["id"] for r in everyone["Resources"][1:3]]
    assert (await world.acme.get("/Users", count=0)).json()["Resources"] == []
    huge = (await world.acme.get("/Users", count=100000, startIndex=-5)).json()
    assert huge["itemsPerPage"] == 6 and huge["startIndex"] == 1
    config = (await world.acme.get("/ServiceProviderConfig")).json()
    assert config["filter"] == {"supported": True, "maxResults": 200}


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "x" or 1=1',
        "userName eq x",
        'userName eq "a"; DROP TABLE users',
        'password eq "x"',
        'emails[type eq "work"].value eq "a@b.c"',
        'userName gt "a"',
        "(" * 50 + 'userName eq "a"' + ")" * 50,
        'userName eq "' + "a" * 1100 + '"',
        "",
    ],
)
async def test_a_filter_it_cannot_read_is_an_invalid_filter(world: World, text: str) -> None:
    response = await world.acme.get("/Users", filter=text)
    if text == "":
        assert response.status_code == 200  # no filter at all
        return
    _scim_error(response, 400, "invalidFilter")


async def test_a_quote_inside_a_filter_value_stays_inside_the_value(world: World) -> None:
    await world.acme.create_user(RFC_USER)
    sneaky = 'userName eq "x\\" or \\"1\\" eq \\"1"'
    response = await world.acme.get("/Users", filter=sneaky)
    assert response.status_code == 200 and response.json()["totalResults"] == 0
    like = await world.acme.get("/Users", filter='userName co "%"')
    assert like.json()["totalResults"] == 0  # % is a character, not a wildcard


async def test_put_replaces_and_patch_applies_rfc_entra_and_okta_forms(world: World) -> None:
    user = await world.acme.create_user(RFC_USER)
    path = f"/Users/{user['id']}"
    # RFC 7644 §3.5.2.3: replace with a path, and with attributes as the value
    named = await world.acme.patch(
        path,
        {"op": "replace", "path": "name.givenName", "value": "Babs"},
        {"op": "replace", "value": {"displayName": "Babs Jensen", "externalId": "bj-2"}},
    )
    assert named.status_code == 200, named.text
    assert named.json()["name"]["givenName"] == "Babs"
    assert named.json()["displayName"] == "Babs Jensen" and named.json()["externalId"] == "bj-2"
    # Entra ID: capitalised op, filtered email path, enterprise attributes it always sends
    entra = await world.acme.patch(
        path,
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "babs@example.com"},
        {"op": "Add", "path": "title", "value": "Tour guide"},
        {
            "op": "Replace",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "value": "Tours",
        },
        {"op": "Replace", "path": "name.familyName", "value": "J."},
    )
    assert entra.status_code == 200, entra.text
    assert {"value": "babs@example.com", "type": "work", "primary": False} in entra.json()["emails"]
    assert entra.json()["name"]["familyName"] == "J."
    # Okta: replace without a path, a whole emails list
    okta = await world.acme.patch(
        path,
        {
            "op": "replace",
            "value": {
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
            },
        },
    )
    assert okta.json()["emails"] == [
        {"value": "bjensen@example.com", "type": "work", "primary": True}
    ]
    put = await world.acme.send(
        "PUT", path, {"schemas": [USER], "userName": "bjensen@example.com", "displayName": "BJ"}
    )
    assert put.status_code == 200 and put.json()["displayName"] == "BJ"
    assert "externalId" not in put.json() and "name" in put.json()  # formatted from BJ
    _scim_error(
        await world.acme.send(
            "PUT", path, {"schemas": [USER], "userName": "someone.else@example.com"}
        ),
        400,
        "mutability",
    )
    _scim_error(
        await world.acme.patch(path, {"op": "replace", "path": "nickname.x", "value": "b"}),
        400,
        "invalidPath",
    )
    _scim_error(await world.acme.patch(path, {"op": "move", "path": "active"}), 400, "invalidValue")
    _scim_error(await world.acme.send("PATCH", path, {"Operations": []}), 400, "invalidSyntax")
    stale = await world.acme.send(
        "PUT", path, {"schemas": [USER], "userName": "bjensen@example.com"}, {"If-Match": 'W/"x"'}
    )
    _scim_error(stale, 412)
    fresh = await world.acme.get(path)
    matched = await world.acme.send(
        "PUT",
        path,
        {"schemas": [USER], "userName": "bjensen@example.com"},
        {"If-Match": fresh.headers["etag"]},
    )
    assert matched.status_code == 200
    assert "scim.user.update" in _actions(world, "scim:entra-id")


PASSWORD_NAMES = ("password", "Password", "PASSWORD", f"{USER}:password")
PASSWORD_FORMS = ("POST", "PUT", "PATCH add", "PATCH replace", "PATCH value")


def _password_request(form: str, name: str) -> tuple[str, dict[str, Any]]:
    """The method and body of ``form`` sending a password under ``name``, with other
    changes (a new display name, deactivation) that must not be written either."""
    secret = "Hunter2-hunter2"
    if form in {"POST", "PUT"}:
        body = RFC_USER | {"displayName": "Changed", "active": form == "POST", name: secret}
        return form, body
    operations: list[dict[str, Any]] = [
        {"op": "replace", "path": "displayName", "value": "Changed"},
        {"op": "replace", "path": "active", "value": False},
    ]
    if form == "PATCH value":
        operations.append({"op": "replace", "value": {"displayName": "Changed", name: secret}})
    else:
        operations.append({"op": form.split()[1], "path": name, "value": secret})
    return "PATCH", {"schemas": [PATCH], "Operations": operations}


@pytest.mark.parametrize("name", PASSWORD_NAMES)
@pytest.mark.parametrize("form", PASSWORD_FORMS)
async def test_a_password_is_refused_in_every_form_and_nothing_is_written(
    world: World, form: str, name: str
) -> None:
    user_id = None if form == "POST" else (await world.acme.create_user(RFC_USER))["id"]
    before = None if user_id is None else (await world.acme.get(f"/Users/{user_id}")).json()
    method, body = _password_request(form, name)
    path = "/Users" if user_id is None else f"/Users/{user_id}"
    refused = await world.acme.send(method, path, body)
    _scim_error(refused, 400, "invalidValue")
    detail = refused.json()["detail"]
    assert "パスワード" in detail and "Okta" in detail and "Sync Password" in detail
    assert "Hunter2" not in refused.text
    english = await world.acme.send(method, path, body, {"Accept-Language": "en"})
    _scim_error(english, 400, "invalidValue")
    assert "password sync" in english.json()["detail"]
    if user_id is None:
        with world.db.reading() as session:
            assert users.find_user(session, "bjensen@example.com") is None
        assert "scim.user.create" not in _actions(world, "scim:entra-id")
    else:
        after = await world.acme.get(f"/Users/{user_id}")
        assert after.json() == before  # not renamed, still active
        assert _role(world, "bjensen@example.com") == "viewer"
        assert "scim.user.update" not in _actions(world, "scim:entra-id")


async def test_a_null_password_is_no_password_and_none_is_ever_returned(world: World) -> None:
    created = await world.acme.create_user(RFC_USER | {"password": None})
    assert not {k.lower() for k in created} & {"password"}
    listed = (await world.acme.get("/Users")).json()["Resources"]
    assert all("password" not in json.dumps(r).lower() for r in listed)


NESTED_PASSWORDS = {
    "POST under the schema": ("POST", {"userName": "p4@example.com", USER: {"password": "x"}}),
    "PUT under the schema": ("PUT", RFC_USER | {USER: {"displayName": "C", "password": "x"}}),
    "PATCH value under the schema": (
        "PATCH",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {USER: {"password": "x"}}}]},
    ),
    "PATCH path of the schema": (
        "PATCH",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "add", "path": USER, "value": {"password": "x"}}],
        },
    ),
    "PATCH value filter": (
        "PATCH",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "replace", "path": 'password[value eq "a"]', "value": "x"}],
        },
    ),
}


@pytest.mark.parametrize("form", NESTED_PASSWORDS)
async def test_a_password_under_the_core_schema_or_a_value_filter_gets_the_password_refusal(
    world: World, form: str
) -> None:
    method, body = NESTED_PASSWORDS[form]
    user_id = None if method == "POST" else (await world.acme.create_user(RFC_USER))["id"]
    before = None if user_id is None else (await world.acme.get(f"/Users/{user_id}")).json()
    refused = await world.acme.send(
        method, "/Users" if user_id is None else f"/Users/{user_id}", body
    )
    _scim_error(refused, 400, "invalidValue")
    assert "Sync Password" in refused.json()["detail"]
    if user_id is None:
        with world.db.reading() as session:
            assert users.find_user(session, "p4@example.com") is None
    else:
        assert (await world.acme.get(f"/Users/{user_id}")).json() == before


async def test_attributes_under_the_core_schema_object_are_understood(world: World) -> None:
    created = await world.acme.create_user(
        {"schemas": [USER], USER: {"userName": "n1@example.com", "displayName": "Nested One"}}
    )
    assert created["userName"] == "n1@example.com" and created["displayName"] == "Nested One"
    patched = await world.acme.patch(
        f"/Users/{created['id']}", {"op": "replace", "value": {USER: {"displayName": "Two"}}}
    )
    assert patched.status_code == 200 and patched.json()["displayName"] == "Two"


DUPLICATES = {
    "POST /Users": (
        "POST",
        "/Users",
        '{"userName": "d@example.com", "password": "a", "password": null}',
    ),
    "POST /Users, any case": (
        "POST",
        "/Users",
        '{"userName": "d@example.com", "displayName": "A", "displayname": "B"}',
    ),
    "PATCH inside an operation": (
        "PATCH",
        "/Users/{id}",
        f'{{"schemas": ["{PATCH}"], "Operations": [{{"op": "replace", "value": '
        '{"displayName": "A", "password": "a", "password": null}}]}',
    ),
    "PUT /Groups": ("PUT", "/Groups/{group}", '{"displayName": "admin", "displayName": "viewer"}'),
    "POST /Groups": ("POST", "/Groups", '{"displayName": "viewer", "members": [], "members": []}'),
}


@pytest.mark.parametrize("case", DUPLICATES)
async def test_a_body_that_repeats_a_member_name_is_invalid_syntax(world: World, case: str) -> None:
    user = await world.acme.create_user(RFC_USER)
    group = await world.acme.send("POST", "/Groups", {"schemas": [GROUP], "displayName": "editor"})
    before = [(await world.acme.get(p)).json() for p in ("/Users", "/Groups")]
    method, path, text = DUPLICATES[case]
    refused = await world.http.request(
        method,
        "/scim/v2" + path.format(id=user["id"], group=group.json()["id"]),
        content=text.encode(),
        headers=world.acme.headers({"Content-Type": SCIM}),
    )
    _scim_error(refused, 400, "invalidSyntax")
    assert [(await world.acme.get(p)).json() for p in ("/Users", "/Groups")] == before


def _age(world: World, table: type[ScimUserRow] | type[ScimGroupRow] | type[MembershipRow]) -> None:
    """Move every stored time of ``table`` an hour back, so that a new stamp differs."""
    with world.db.transaction() as session:
        for row in session.scalars(select(table)):
            row.created_at -= timedelta(hours=1)
            if not isinstance(row, MembershipRow):
                row.updated_at -= timedelta(hours=1)


async def test_meta_created_never_changes(world: World) -> None:
    _add_member(world, "member@example.com", Role.EDITOR)  # a member from before SCIM
    _age(world, MembershipRow)
    provisioned = await world.acme.create_user(RFC_USER)
    _age(world, ScimUserRow)
    for user_id in (await _user_id(world.acme, "member@example.com"), provisioned["id"]):
        created = (await world.acme.get(f"/Users/{user_id}")).json()["meta"]["created"]
        patched = await world.acme.patch(
            f"/Users/{user_id}", {"op": "replace", "path": "displayName", "value": "Renamed"}
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["meta"]["created"] == created
        assert patched.json()["meta"]["lastModified"] > created
        body = patched.json()
        replaced = await world.acme.send(
            "PUT", f"/Users/{user_id}", {"userName": body["userName"], "displayName": "Again"}
        )
        assert replaced.json()["meta"]["created"] == created
        assert (await world.acme.get(f"/Users/{user_id}")).json()["meta"]["created"] == created


async def test_a_request_that_changes_nothing_changes_neither_last_modified_nor_version(
    world: World,
) -> None:
    _add_member(world, "member@example.com", Role.EDITOR)
    user = await world.acme.create_user(RFC_USER | {"displayName": "Babs"})
    group = (
        await world.acme.send(
            "POST",
            "/Groups",
            {"schemas": [GROUP], "displayName": "editor", "members": [{"value": user["id"]}]},
        )
    ).json()
    member_id = await _user_id(world.acme, "member@example.com")
    _age(world, ScimUserRow)
    _age(world, ScimGroupRow)
    _age(world, MembershipRow)
    nothing = {
        f"/Users/{user['id']}": [
            {"op": "replace", "path": "password", "value": None},
            {"op": "replace", "path": "displayName", "value": "Babs"},
        ],
        f"/Users/{member_id}": [{"op": "replace", "path": "active", "value": True}],
        f"/Groups/{group['id']}": [
            {"op": "replace", "path": "displayName", "value": "editor"},
            {"op": "add", "path": "members", "value": [{"value": user["id"]}]},
        ],
    }
    updates = len(_audit(world, "scim.user.update")) + len(_audit(world, "scim.group.update"))
    for path, operations in nothing.items():
        before = (await world.acme.get(path)).json()["meta"]
        for operation in operations:
            same = await world.acme.patch(path, operation)
            assert same.status_code == 200, same.text
            assert same.json()["meta"] == before
            assert same.headers["etag"] == before["version"]
    before = (await world.acme.get(f"/Groups/{group['id']}")).json()["meta"]
    put = await world.acme.send("PUT", f"/Groups/{group['id']}", group | {"meta": None})
    assert put.json()["meta"] == before
    assert len(_audit(world, "scim.user.update")) + len(_audit(world, "scim.group.update")) == (
        updates
    )
    for path, change in (
        (f"/Users/{user['id']}", {"op": "replace", "path": "displayName", "value": "Barbara"}),
        (f"/Users/{member_id}", {"op": "replace", "path": "displayName", "value": "M"}),
        (f"/Groups/{group['id']}", {"op": "replace", "path": "externalId", "value": "g-2"}),
    ):
        before = (await world.acme.get(path)).json()["meta"]
        changed = (await world.acme.patch(path, change)).json()["meta"]
        assert changed["version"] != before["version"]
        assert changed["lastModified"] > before["lastModified"]


async def test_a_change_of_groups_moves_last_modified_with_the_version_of_whom_it_touches(
    world: World,
) -> None:
    _add_member(world, "member@example.com", Role.EDITOR)  # a member from before SCIM
    member_id = await _user_id(world.acme, "member@example.com")
    user_id = (await world.acme.create_user(RFC_USER))["id"]
    group = await world.acme.send("POST", "/Groups", {"schemas": [GROUP], "displayName": "editor"})
    path = f"/Groups/{group.json()['id']}"
    both = [{"value": user_id}, {"value": member_id}]
    steps: list[tuple[Any, set[str]]] = [
        ({"op": "add", "path": "members", "value": both}, {user_id, member_id}),
        ({"op": "replace", "path": "displayName", "value": "tekisei-editor"}, {user_id, member_id}),
        ({"op": "remove", "path": f'members[value eq "{user_id}"]'}, {user_id}),
        (None, {member_id}),  # the group is deleted
    ]
    for operation, touched in steps:
        for table in (ScimUserRow, ScimGroupRow, MembershipRow):
            _age(world, table)
        ids = (user_id, member_id)
        before = {i: (await world.acme.get(f"/Users/{i}")).json()["meta"] for i in ids}
        if operation is None:
            assert (await world.acme.delete(path)).status_code == 204
        else:
            assert (await world.acme.patch(path, operation)).status_code == 200
        for i in ids:
            after = (await world.acme.get(f"/Users/{i}")).json()["meta"]
            if i in touched:
                assert after["version"] != before[i]["version"]
                assert after["lastModified"] > before[i]["lastModified"]
                assert after["created"] == before[i]["created"]
            else:
                assert after == before[i]
    group = await world.acme.send(
        "POST", "/Groups", {"schemas": [GROUP], "displayName": "editor", "members": both}
    )
    _age(world, ScimGroupRow)
    before_group = (await world.acme.get(f"/Groups/{group.json()['id']}")).json()["meta"]
    assert (await world.acme.delete(f"/Users/{user_id}")).status_code == 204
    after_group = (await world.acme.get(f"/Groups/{group.json()['id']}")).json()["meta"]
    assert after_group["version"] != before_group["version"]
    assert after_group["lastModified"] > before_group["lastModified"]


@pytest.mark.parametrize(
    "deactivate",
    [
        {"op": "Replace", "path": "active", "value": "False"},  # Entra ID
        {"op": "replace", "value": {"active": False}},  # Okta
        {"op": "replace", "path": "active", "value": False},  # RFC 7644
    ],
)
async def test_deactivating_ends_the_leavers_session_and_token_at_the_next_request(
    world: World, deactivate: dict[str, Any]
) -> None:
    with world.db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="leaver@acme.example", password=PASSWORD),
            "acme",
            Role.EDITOR,
            "cli",
            must_change_password=False,
        )
        orgs.add_member(
            session,
            orgs.get_org(session, "other"),
            users.find_user(session, "leaver@acme.example"),  # type: ignore[arg-type]
            Role.VIEWER,
            "cli",
        )
        browser = users.start_session(
            session,
            users.find_user(session, "leaver@acme.example"),
            "acme",  # type: ignore[arg-type]
        ).token
        other_browser = users.start_session(
            session,
            users.find_user(session, "leaver@acme.example"),
            "other",  # type: ignore[arg-type]
        ).token
        token, _ = users.create_token(session, "leaver@acme.example", "acme")
        other_token, _ = users.create_token(session, "leaver@acme.example", "other")
    http = world.http

    async def account(cookie: str | None = None, bearer: str | None = None) -> int:
        http.cookies.clear()
        if cookie:
            http.cookies.set(SESSION_COOKIE, cookie)
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        response = await http.get("/api/account", headers=headers)
        http.cookies.clear()
        return response.status_code

    assert await account(cookie=browser) == 200 and await account(bearer=token) == 200
    found = (await world.acme.get("/Users", filter='userName eq "leaver@acme.example"')).json()
    leaver = found["Resources"][0]
    assert leaver["active"] is True
    done = await world.acme.patch(f"/Users/{leaver['id']}", deactivate)
    assert done.status_code == 200, done.text
    assert done.json()["active"] is False
    assert await account(cookie=browser) == 401
    assert await account(bearer=token) == 401
    # the other organisation's membership, session and token are untouched
    assert await account(cookie=other_browser) == 200
    assert await account(bearer=other_token) == 200
    assert _role(world, "leaver@acme.example", "other") == "viewer"
    with world.db.reading() as session:
        user = users.find_user(session, "leaver@acme.example")
        assert user is not None
        left = session.scalars(select(WebSessionRow).where(WebSessionRow.user_id == user.id))
        assert [s.org_id for s in left] != [] and all(
            s.org_id != orgs.get_org(session, "acme").id for s in left
        )
        revoked = session.scalars(select(ApiTokenRow).where(ApiTokenRow.user_id == user.id))
        assert {t.org_id: t.revoked_at is not None for t in revoked} == {
            orgs.get_org(session, "acme").id: True,
            orgs.get_org(session, "other").id: False,
        }
    still = await world.acme.get(f"/Users/{leaver['id']}")
    assert still.status_code == 200 and still.json()["active"] is False
    assert "member.remove" in _actions(world, "scim:entra-id")
    back = await world.acme.patch(
        f"/Users/{leaver['id']}", {"op": "replace", "path": "active", "value": "True"}
    )
    assert back.json()["active"] is True
    assert _role(world, "leaver@acme.example") == "editor"  # the role they had
    assert await account(cookie=browser) == 401  # ended sessions stay ended


async def test_delete_deprovisions_and_forgets_but_keeps_the_account(world: World) -> None:
    with world.db.transaction() as session:  # a member of both, who accepted an invitation
        orgs.add_member(
            session,
            orgs.get_org(session, "acme"),
            users.find_user(session, "admin@other.example"),  # type: ignore[arg-type]
            Role.VIEWER,
            "admin@acme.example",
        )
    found = await world.acme.get("/Users", filter='userName eq "admin@other.example"')
    joined = found.json()["Resources"][0]
    with world.db.transaction() as session:
        acme_session = users.start_session(
            session,
            users.find_user(session, "admin@other.example"),
            "acme",  # type: ignore[arg-type]
        ).token
    deleted = await world.acme.delete(f"/Users/{joined['id']}")
    assert deleted.status_code == 204, deleted.text
    _scim_error(await world.acme.get(f"/Users/{joined['id']}"), 404)
    _scim_error(await world.acme.delete(f"/Users/{joined['id']}"), 404)
    assert _role(world, "admin@other.example", "acme") is None
    assert _role(world, "admin@other.example", "other") == "admin"
    world.http.cookies.set(SESSION_COOKIE, acme_session)
    assert (await world.http.get("/api/account")).status_code == 401
    world.http.cookies.clear()
    assert "scim.user.delete" in _actions(world, "scim:entra-id")


async def test_the_last_admin_is_never_removed_or_demoted_through_scim(world: World) -> None:
    admin = (await world.acme.get("/Users", filter='userName eq "admin@acme.example"')).json()
    admin_id = admin["Resources"][0]["id"]
    refused = await world.acme.patch(
        f"/Users/{admin_id}", {"op": "replace", "path": "active", "value": False}
    )
    _scim_error(refused, 409)
    assert "last admin" in refused.json()["detail"] or "最後の管理者" in refused.json()["detail"]
    _scim_error(await world.acme.delete(f"/Users/{admin_id}"), 409)
    editors = await world.acme.send(
        "POST",
        "/Groups",
        {"schemas": [GROUP], "displayName": "editor", "members": [{"value": admin_id}]},
    )
    _scim_error(editors, 409)  # would demote the only admin
    assert _role(world, "admin@acme.example") == "admin"


def _add_member(world: World, email: str, role: Role) -> None:
    with world.db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email=email, password=PASSWORD),
            "acme",
            role,
            "cli",
            must_change_password=False,
        )


async def _user_id(client: ScimClient, email: str) -> str:
    found = (await client.get("/Users", filter=f'userName eq "{email}"')).json()
    return str(found["Resources"][0]["id"])


def _audit(world: World, action: str) -> list[dict[str, Any]]:
    with world.db.reading() as session:
        return [
            dict(e.summary)
            for e in session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.action == action, AuditEventRow.actor == "scim:entra-id")
                .order_by(AuditEventRow.id)
            )
        ]


ACTIVE = {"op": "replace", "path": "active", "value": True}
INACTIVE = {"op": "replace", "path": "active", "value": False}


async def test_a_deactivated_admin_comes_back_as_admin_and_the_last_admin_stays_protected(
    world: World,
) -> None:
    _add_member(world, "second@acme.example", Role.ADMIN)
    second = f"/Users/{await _user_id(world.acme, 'second@acme.example')}"
    first = f"/Users/{await _user_id(world.acme, 'admin@acme.example')}"
    assert (await world.acme.patch(second, INACTIVE)).status_code == 200
    assert _role(world, "second@acme.example") is None
    _scim_error(await world.acme.patch(first, INACTIVE), 409)  # now the last admin
    _scim_error(await world.acme.delete(first), 409)
    # Okta's form of reactivation
    back = await world.acme.patch(second, {"op": "replace", "value": {"active": True}})
    assert back.status_code == 200, back.text
    assert back.json()["active"] is True
    assert _role(world, "second@acme.example") == "admin"
    restored = _audit(world, "member.set_role")[-1]
    assert restored["email"] == "second@acme.example"
    assert restored["before"] is None and restored["after"] == "admin"
    update = _audit(world, "scim.user.update")[-1]
    assert update["active"] is True and update["role"] == "admin"
    assert update["role_from"] == "before_deactivation"
    # with two admins again, the first can leave; reactivating an active member changes
    # nothing, and a remembered role is used once
    assert (await world.acme.patch(first, INACTIVE)).status_code == 200
    assert (await world.acme.patch(second, ACTIVE)).status_code == 200
    assert _role(world, "second@acme.example") == "admin"
    put_back = await world.acme.send(
        "PUT", first, {"schemas": [USER], "userName": "admin@acme.example", "active": True}
    )
    assert put_back.status_code == 200, put_back.text
    assert _role(world, "admin@acme.example") == "admin"


async def test_a_group_change_while_inactive_decides_the_role_and_no_role_rises_by_itself(
    world: World,
) -> None:
    moved = await world.acme.create_user({"schemas": [USER], "userName": "moved@acme.example"})
    kept = await world.acme.create_user({"schemas": [USER], "userName": "kept@acme.example"})
    editors = await world.acme.send(
        "POST",
        "/Groups",
        {"schemas": [GROUP], "displayName": "tekisei-editor", "members": [{"value": moved["id"]}]},
    )
    admins = await world.acme.send(
        "POST",
        "/Groups",
        {"schemas": [GROUP], "displayName": "admin", "members": [{"value": kept["id"]}]},
    )
    assert editors.status_code == admins.status_code == 201
    assert _role(world, "moved@acme.example") == "editor"
    assert _role(world, "kept@acme.example") == "admin"
    with world.db.transaction() as session:  # an admin of tekisei lowers kept's role
        orgs.add_member(
            session,
            orgs.get_org(session, "acme"),
            users.find_user(session, "kept@acme.example"),  # type: ignore[arg-type]
            Role.VIEWER,
            "admin@acme.example",
        )
    for user in (moved, kept):
        assert (await world.acme.patch(f"/Users/{user['id']}", INACTIVE)).status_code == 200
    # while moved is inactive, the provider moves them from editors to auditors
    editors_path = f"/Groups/{editors.json()['id']}"
    out = await world.acme.patch(
        editors_path, {"op": "remove", "path": f'members[value eq "{moved["id"]}"]'}
    )
    assert out.status_code == 200, out.text
    auditors = await world.acme.send(
        "POST",
        "/Groups",
        {"schemas": [GROUP], "displayName": "auditor", "members": [{"value": moved["id"]}]},
    )
    assert auditors.status_code == 201, auditors.text
    assert _role(world, "moved@acme.example") is None  # still inactive
    assert (await world.acme.patch(f"/Users/{moved['id']}", ACTIVE)).status_code == 200
    assert _role(world, "moved@acme.example") == "auditor"
    assert _audit(world, "scim.user.update")[-1]["role_from"] == "groups"
    # kept is still in the admin group, but comes back no higher than they were
    assert (await world.acme.patch(f"/Users/{kept['id']}", ACTIVE)).status_code == 200
    assert _role(world, "kept@acme.example") == "viewer"


async def test_a_remembered_role_is_forgotten_once_the_person_rejoins_outside_scim(
    world: World,
) -> None:
    _add_member(world, "second@acme.example", Role.ADMIN)
    second = f"/Users/{await _user_id(world.acme, 'second@acme.example')}"
    assert (await world.acme.patch(second, INACTIVE)).status_code == 200
    with world.db.transaction() as session:  # invited back as a viewer, then removed
        person = users.find_user(session, "second@acme.example")
        assert person is not None
        orgs.add_member(session, orgs.get_org(session, "acme"), person, Role.VIEWER, "x")
    with world.db.transaction() as session:
        admin = users.principal_for(session, "admin@acme.example", "acme")
        orgs.remove_member(session, admin, person.id)
    assert (await world.acme.patch(second, ACTIVE)).status_code == 200
    assert _role(world, "second@acme.example") == "viewer"  # not the admin role of before


async def test_another_organisations_token_cannot_reactivate_a_member(world: World) -> None:
    _add_member(world, "second@acme.example", Role.ADMIN)
    second = f"/Users/{await _user_id(world.acme, 'second@acme.example')}"
    assert (await world.acme.patch(second, INACTIVE)).status_code == 200
    _scim_error(await world.other.patch(second, ACTIVE), 404)
    _scim_error(
        await world.other.send(
            "PUT", second, {"schemas": [USER], "userName": "second@acme.example", "active": True}
        ),
        404,
    )
    taken = await world.other.send(
        "POST", "/Users", {"schemas": [USER], "userName": "second@acme.example"}
    )
    # an account in no organisation may be provisioned elsewhere, but only as a newcomer
    # there: nothing of acme's (its membership, its remembered admin role) goes with it
    assert taken.status_code == 201, taken.text
    assert _role(world, "second@acme.example", "other") == "viewer"
    assert _role(world, "second@acme.example") is None
    assert (await world.acme.get(second)).json()["active"] is False


# ----------------------------------------------------------------------------- groups


async def test_groups_assign_roles_through_rfc_patch_operations(world: World) -> None:
    barbara = await world.acme.create_user(RFC_USER)
    other = await world.acme.create_user({"schemas": [USER], "userName": "jsmith@example.com"})
    # RFC 7643 §8.4's group names no role: refused, with what to do
    tour = await world.acme.send(
        "POST",
        "/Groups",
        {
            "schemas": [GROUP],
            "displayName": "Tour Guides",
            "members": [{"value": barbara["id"], "display": "Babs Jensen"}],
        },
    )
    _scim_error(tour, 400, "invalidValue")
    created = await world.acme.send(
        "POST",
        "/Groups",
        {
            "schemas": [GROUP],
            "displayName": "tekisei-editor",
            "externalId": "g-1",
            "members": [{"value": barbara["id"]}],
        },
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["schemas"] == [GROUP] and group["meta"]["resourceType"] == "Group"
    assert group["members"][0]["value"] == barbara["id"]
    assert _role(world, "bjensen@example.com") == "editor"
    path = f"/Groups/{group['id']}"
    # RFC 7644 §3.5.2.1: add a member
    added = await world.acme.patch(
        path,
        {
            "op": "add",
            "path": "members",
            "value": [{"display": "J Smith", "value": other["id"]}],
        },
    )
    assert added.status_code == 200, added.text
    assert _role(world, "jsmith@example.com") == "editor"
    user = (await world.acme.get(f"/Users/{other['id']}")).json()
    assert user["groups"] == [
        {
            "value": group["id"],
            "display": "tekisei-editor",
            "$ref": f"http://testserver/scim/v2{path}",
        }
    ]
    # RFC 7644 §3.5.2.2: remove one member by a value filter
    removed = await world.acme.patch(
        path, {"op": "remove", "path": f'members[value eq "{barbara["id"]}"]'}
    )
    assert [m["value"] for m in removed.json()["members"]] == [other["id"]]
    assert _role(world, "bjensen@example.com") == "viewer"
    # Entra ID: Remove with a list of members as the value
    entra = await world.acme.patch(
        path, {"op": "Remove", "path": "members", "value": [{"value": other["id"]}]}
    )
    assert entra.json()["members"] == []
    # Okta: replace without a path renames (the id it sends along is ignored)
    okta = await world.acme.patch(
        path,
        {"op": "replace", "value": {"id": group["id"], "displayName": "Executive"}},
        {"op": "add", "path": "members", "value": [{"value": other["id"]}]},
    )
    assert okta.status_code == 200, okta.text
    assert okta.json()["displayName"] == "Executive"
    assert _role(world, "jsmith@example.com") == "executive"
    put = await world.acme.send(
        "PUT",
        path,
        {"schemas": [GROUP], "displayName": "auditor", "members": [{"value": barbara["id"]}]},
    )
    assert put.status_code == 200
    assert _role(world, "jsmith@example.com") == "viewer"
    assert _role(world, "bjensen@example.com") == "auditor"
    listed = (await world.acme.get("/Groups", filter='displayName eq "AUDITOR"')).json()
    assert listed["totalResults"] == 1
    slim = (await world.acme.get("/Groups", excludedAttributes="members")).json()
    assert "members" not in slim["Resources"][0]
    by_member = await world.acme.get("/Groups", filter=f'members.value eq "{barbara["id"]}"')
    assert by_member.json()["totalResults"] == 1
    _scim_error(
        await world.acme.send("POST", "/Groups", {"schemas": [GROUP], "displayName": "Auditor"}),
        409,
        "uniqueness",
    )
    _scim_error(
        await world.acme.patch(path, {"op": "add", "path": "members", "value": [{"value": "999"}]}),
        400,
        "invalidValue",
    )
    deleted = await world.acme.delete(path)
    assert deleted.status_code == 204
    _scim_error(await world.acme.get(path), 404)
    assert _role(world, "bjensen@example.com") == "viewer"
    actions = _actions(world, "scim:entra-id")
    assert {"scim.group.create", "scim.group.update", "scim.group.delete"} <= set(actions)


async def test_the_admin_role_moves_between_members_in_one_request(world: World) -> None:
    admin = (await world.acme.get("/Users", filter='userName eq "admin@acme.example"')).json()
    admin_id = admin["Resources"][0]["id"]
    successor = await world.acme.create_user(RFC_USER)
    admins = await world.acme.send(
        "POST", "/Groups", {"schemas": [GROUP], "displayName": "管理者", "members": []}
    )
    assert admins.status_code == 201, admins.text
    path = f"/Groups/{admins.json()['id']}"
    both = await world.acme.patch(
        path, {"op": "add", "path": "members", "value": [{"value": admin_id}]}
    )
    assert both.status_code == 200
    moved = await world.acme.patch(
        path, {"op": "replace", "path": "members", "value": [{"value": successor["id"]}]}
    )
    assert moved.status_code == 200, moved.text
    assert _role(world, "bjensen@example.com") == "admin"
    assert _role(world, "admin@acme.example") == "viewer"


# ----------------------------------------------------------------------------- hostile


async def test_another_organisations_token_finds_nothing_here(world: World) -> None:
    barbara = await world.acme.create_user(RFC_USER)
    group = await world.acme.send(
        "POST",
        "/Groups",
        {"schemas": [GROUP], "displayName": "viewer", "members": [{"value": barbara["id"]}]},
    )
    user_path, group_path = f"/Users/{barbara['id']}", f"/Groups/{group.json()['id']}"
    intruder = world.other
    _scim_error(await intruder.get(user_path), 404)
    _scim_error(
        await intruder.send(
            "PUT", user_path, {"schemas": [USER], "userName": RFC_USER["userName"]}
        ),
        404,
    )
    _scim_error(
        await intruder.patch(user_path, {"op": "replace", "path": "active", "value": False}), 404
    )
    _scim_error(await intruder.delete(user_path), 404)
    _scim_error(await intruder.get(group_path), 404)
    _scim_error(await intruder.patch(group_path, {"op": "remove", "path": "members"}), 404)
    _scim_error(await intruder.delete(group_path), 404)
    listed = (await intruder.get("/Users", filter='userName eq "bjensen@example.com"')).json()
    assert listed["totalResults"] == 0
    assert "bjensen" not in (await intruder.get("/Users")).text
    assert (await intruder.get("/Groups")).json()["totalResults"] == 0
    # acme's user cannot be put into the other organisation's group
    theirs = await intruder.send(
        "POST",
        "/Groups",
        {"schemas": [GROUP], "displayName": "viewer", "members": [{"value": barbara["id"]}]},
    )
    _scim_error(theirs, 400, "invalidValue")
    assert (await world.acme.get(user_path)).json()["active"] is True


async def test_only_a_live_scim_token_opens_the_scim_endpoints(world: World) -> None:
    http = world.http
    _scim_error(await http.get("/scim/v2/Users"), 401)
    assert (await http.get("/scim/v2/Users")).headers["www-authenticate"].startswith("Bearer")
    admin_api_token = world.api_tokens["admin@acme.example"]
    _scim_error(
        await http.get("/scim/v2/Users", headers={"Authorization": f"Bearer {admin_api_token}"}),
        401,
    )
    _scim_error(
        await http.get("/scim/v2/Users", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}), 401
    )
    # a SCIM token is no API token either
    assert (
        await http.get("/api/account", headers={"Authorization": f"Bearer {world.acme.token}"})
    ).status_code == 401
    with world.db.transaction() as session:
        owner = orgs.cli_principal(session, "acme")
        token_id = scim_tokens.list_scim_tokens(session, owner)[0].id
        scim_tokens.revoke_scim_token(session, owner, token_id)
    _scim_error(await world.acme.get("/Users"), 401)
    _scim_error(await world.acme.send("POST", "/Users", RFC_USER), 401)
    assert "scim_token.revoke" in _actions(world, "cli")


async def test_bodies_must_be_scim_json_and_small(world: World) -> None:
    http, headers = world.http, world.acme.headers()
    form = await http.post("/scim/v2/Users", data={"userName": "x@example.com"}, headers=headers)
    _scim_error(form, 415)
    plain = await http.post(
        "/scim/v2/Users",
        content=json.dumps(RFC_USER),
        headers=headers | {"Content-Type": "application/json"},
    )
    assert plain.status_code == 201  # application/json is accepted too
    broken = await http.post(
        "/scim/v2/Users", content=b"{not json", headers=headers | {"Content-Type": SCIM}
    )
    _scim_error(broken, 400, "invalidSyntax")
    big = {"schemas": [USER], "userName": "big@example.com", "displayName": "x" * 300_000}
    _scim_error(await world.acme.send("POST", "/Users", big), 413)
    huge = {"schemas": [USER], "userName": "big@example.com", "displayName": "x" * 2_000_000}
    _scim_error(await world.acme.send("POST", "/Users", huge), 413)  # the app-wide limit
    many = [{"op": "add", "path": "title", "value": "x"}] * 101
    _scim_error(await world.acme.patch("/Users/1", *many), 400, "invalidValue")
    long_name = {"schemas": [USER], "userName": "long@example.com", "displayName": "x" * 201}
    _scim_error(await world.acme.send("POST", "/Users", long_name), 400, "invalidValue")
    _scim_error(await http.get("/scim/v2/Nothing", headers=headers), 404)
    _scim_error(
        await http.get("/scim/v2/Users", params={"count": "many"}, headers=headers),
        400,
        "invalidValue",
    )


async def test_the_discovery_endpoints_describe_what_is_supported(world: World) -> None:
    config = await world.http.get("/scim/v2/ServiceProviderConfig")
    assert config.headers["content-type"].startswith(SCIM)
    body = config.json()
    assert body["patch"]["supported"] and body["etag"]["supported"]
    assert not body["bulk"]["supported"] and not body["sort"]["supported"]
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = (await world.http.get("/scim/v2/ResourceTypes")).json()
    assert {t["endpoint"] for t in types["Resources"]} == {"/Users", "/Groups"}
    schemas = (await world.http.get("/scim/v2/Schemas")).json()
    assert {s["id"] for s in schemas["Resources"]} == {USER, GROUP}
    # passwords are neither taken nor ever returned, and the schema says so
    assert body["changePassword"] == {"supported": False}
    user_schema = next(s for s in schemas["Resources"] if s["id"] == USER)
    password = [a for a in user_schema["attributes"] if a["name"] == "password"]
    assert len(password) == 1
    assert password[0]["mutability"] == "writeOnly" and password[0]["returned"] == "never"
    assert "not accepted" in password[0]["description"]


# ----------------------------------------------------------------------------- tokens


async def test_admins_issue_list_and_revoke_scim_tokens_by_api_and_page(world: World) -> None:
    http = world.http
    admin = {"Authorization": f"Bearer {world.api_tokens['admin@acme.example']}"}
    issued = await http.post("/api/orgs/current/scim-tokens", headers=admin, json={"name": "okta"})
    assert issued.status_code == 201, issued.text
    secret = issued.json()["token"]
    assert secret.startswith("tkscim_") and issued.headers["cache-control"] == "no-store"
    assert (
        await http.get("/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"})
    ).status_code == 200
    listed = (await http.get("/api/orgs/current/scim-tokens", headers=admin)).json()
    assert [t["name"] for t in listed] == ["okta", "entra-id"]
    assert secret not in json.dumps(listed)
    other_admin = {"Authorization": f"Bearer {world.api_tokens['admin@other.example']}"}
    theirs = await http.delete(
        f"/api/orgs/current/scim-tokens/{issued.json()['id']}", headers=other_admin
    )
    assert theirs.status_code == 404
    revoked = await http.delete(
        f"/api/orgs/current/scim-tokens/{issued.json()['id']}", headers=admin
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (
        await http.get("/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"})
    ).status_code == 401
    too_long = await http.post(
        "/api/orgs/current/scim-tokens", headers=admin, json={"name": "x" * 101}
    )
    assert too_long.status_code == 422
    with world.db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="viewer@acme.example", password=PASSWORD),
            "acme",
            Role.VIEWER,
            "cli",
            must_change_password=False,
        )
        viewer = users.create_token(session, "viewer@acme.example", "acme")[0]
        started = users.start_session(
            session,
            users.find_user(session, "admin@acme.example"),
            "acme",  # type: ignore[arg-type]
        )
    refused = await http.get(
        "/api/orgs/current/scim-tokens", headers={"Authorization": f"Bearer {viewer}"}
    )
    assert refused.status_code == 403
    http.cookies.set(SESSION_COOKIE, started.token)
    page = await http.get("/org/scim", headers={"Accept-Language": "ja"})
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("h1").get_text() == "SCIM によるプロビジョニング"  # type: ignore[union-attr]
    assert soup.select_one("#scim-endpoint").get_text() == "http://testserver/scim/v2"  # type: ignore[union-attr]
    passwords = soup.select_one("#scim-passwords")
    assert passwords is not None and "パスワード同期をオフ" in passwords.get_text()
    reactivation = soup.select_one("#scim-reactivation")
    assert reactivation is not None and "元の権限に戻ります" in reactivation.get_text()
    english = BeautifulSoup(
        (await http.get("/org/scim", headers={"Accept-Language": "en"})).text, "html.parser"
    )
    assert "Turn off password sync" in english.select_one("#scim-passwords").get_text()  # type: ignore[union-attr]
    made = await http.post("/org/scim/tokens", data={"name": "keycloak", "csrf": started.csrf})
    assert made.status_code == 201
    shown = BeautifulSoup(made.text, "html.parser").select_one("#scim-token")
    assert shown is not None and shown.get_text().startswith("tkscim_")
    forged = await http.post("/org/scim/tokens", data={"name": "forged", "csrf": "wrong"})
    assert forged.status_code == 403
    rows = BeautifulSoup((await http.get("/org/scim")).text, "html.parser").select(
        "tr[data-scim-token]"
    )
    assert len(rows) == 3
    http.cookies.clear()
    with world.db.reading() as session:
        actions = session.scalars(
            select(AuditEventRow.action).where(AuditEventRow.action.like("scim_token.%"))
        )
        assert sorted(actions) == ["scim_token.create"] * 4 + ["scim_token.revoke"]
    with world.db.reading() as session:
        assert session.scalar(select(UserRow).where(UserRow.email == "viewer@acme.example"))
        assert session.scalars(select(MembershipRow)).first()
