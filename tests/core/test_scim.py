"""SCIM rules without a database: filters, PATCH operations and role groups."""

from __future__ import annotations

import pytest

from tekisei.core.orgs import Role
from tekisei.core.scim import (
    PATCH_SCHEMA,
    USER_FILTERS,
    Compare,
    Logical,
    Not,
    ScimFilterError,
    ScimPasswordError,
    ScimPathError,
    ScimSyntaxError,
    ScimValueError,
    effective_role,
    parse_filter,
    patch_operations,
    read_json,
    role_for_group,
)
from tekisei.core.scim_resources import UserAttributes, patch_user, read_user


def test_and_binds_tighter_than_or_and_values_keep_their_quotes() -> None:
    found = parse_filter(
        'userName eq "a\\"b" or externalId sw "x" and not (active eq false)', USER_FILTERS
    )
    assert found == Logical(
        "or",
        Compare("userName", "eq", 'a"b'),
        Logical("and", Compare("externalId", "sw", "x"), Not(Compare("active", "eq", False))),
    )
    schema = "urn:ietf:params:scim:schemas:core:2.0:User:userName"
    assert parse_filter(f'{schema} EQ "x"', USER_FILTERS) == Compare("userName", "eq", "x")
    assert parse_filter("emails pr", USER_FILTERS) == Compare("emails.value", "pr", None)


@pytest.mark.parametrize(
    "text",
    ['userName eq "x" and', 'userName eq "x")', "userName eq", 'title eq "x"', 'userName ~ "x"',
     'userName eq "x" userName', "'single'", 'userName eq "\\q"'],
)  # fmt: skip
def test_a_filter_it_cannot_read_is_refused(text: str) -> None:
    with pytest.raises(ScimFilterError):
        parse_filter(text, USER_FILTERS)


def test_groups_name_roles_in_english_japanese_or_with_the_prefix() -> None:
    assert role_for_group("Admin") is Role.ADMIN
    assert role_for_group("tekisei-External Tester") is Role.EXTERNAL_TESTER
    assert role_for_group("TEKISEI_editor") is Role.EDITOR
    assert role_for_group("経営層（承認者）") is Role.EXECUTIVE
    assert role_for_group("Tour Guides") is None
    assert effective_role({Role.VIEWER, Role.EXECUTIVE, Role.EDITOR}) is Role.EXECUTIVE
    assert effective_role(set()) is Role.VIEWER


def test_patch_operations_take_any_case_and_string_booleans() -> None:
    operations = patch_operations(
        {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "Replace", "path": "active",
                                                    "value": "False"}]}
    )  # fmt: skip
    attrs = patch_user(UserAttributes("a@example.com"), operations)
    assert attrs.active is False
    with pytest.raises(ScimSyntaxError):
        patch_operations({"Operations": [{"op": "add"}]})
    with pytest.raises(ScimValueError):
        patch_operations({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "copy"}]})
    with pytest.raises(ScimValueError):
        patch_user(attrs, patch_operations({"schemas": [PATCH_SCHEMA], "Operations": [
            {"op": "replace", "path": "active", "value": "maybe"}]}))  # fmt: skip
    with pytest.raises(ScimPathError):
        patch_user(attrs, patch_operations({"schemas": [PATCH_SCHEMA], "Operations": [
            {"op": "replace", "path": "password2", "value": "x"}]}))  # fmt: skip


def test_a_user_needs_an_email_as_user_name() -> None:
    assert read_user({"userName": " BJensen@Example.com "}).user_name == "bjensen@example.com"
    for bad in ({"userName": "bjensen"}, {}, {"userName": 5}, []):
        with pytest.raises(ScimValueError):
            read_user(bad)


PASSWORD_NAMES = (
    "password",
    "Password",
    "PASSWORD",
    "urn:ietf:params:scim:schemas:core:2.0:User:password",
)


@pytest.mark.parametrize("name", PASSWORD_NAMES)
def test_a_password_is_refused_in_a_body_a_path_and_a_value_object(name: str) -> None:
    user = UserAttributes("a@example.com")
    with pytest.raises(ScimPasswordError) as refused:
        read_user({"userName": "a@example.com", name: "hunter2hunter2"})
    assert refused.value.scim_type == "invalidValue"
    assert "Sync Password" in str(refused.value) and "パスワード" in refused.value.localized("ja")
    for operation in (
        {"op": "add", "path": name, "value": "hunter2hunter2"},
        {"op": "Replace", "path": name, "value": "hunter2hunter2"},
        {"op": "remove", "path": name},
        {"op": "replace", "value": {"displayName": "A", name: "hunter2hunter2"}},
    ):
        with pytest.raises(ScimPasswordError):
            patch_user(
                user, patch_operations({"schemas": [PATCH_SCHEMA], "Operations": [operation]})
            )


def test_a_null_password_is_no_password() -> None:
    # RFC 7643 §2.5: null is "unassigned", as some clients send every attribute
    assert read_user({"userName": "a@example.com", "password": None}).display_name is None


CORE = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "value": {CORE: {"password": "x"}}},
        {"op": "add", "path": CORE, "value": {"displayName": "A", "password": "x"}},
        {"op": "replace", "path": 'password[value eq "a"]', "value": "x"},
        {"op": "remove", "path": 'password[value eq "a"]'},
        {"op": "replace", "path": f'{CORE}:Password[value eq "a"]', "value": "x"},
        {"op": "replace", "path": "password.value", "value": "x"},
    ],
)
def test_a_password_under_the_core_schema_object_or_a_value_filter_is_refused(
    operation: dict[str, object],
) -> None:
    with pytest.raises(ScimPasswordError):
        read_user({"userName": "a@example.com", CORE: {"password": "x"}})
    with pytest.raises(ScimPasswordError):
        patch_user(
            UserAttributes("a@example.com"),
            patch_operations({"schemas": [PATCH_SCHEMA], "Operations": [operation]}),
        )


def test_attributes_under_the_core_schema_object_are_read_as_attributes() -> None:
    body = {CORE: {"userName": "A@example.com", "displayName": "A", "name": {"givenName": "G"}}}
    read = read_user(body)
    assert (read.user_name, read.display_name, read.given_name) == ("a@example.com", "A", "G")
    patched = patch_user(
        read,
        patch_operations(
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "replace", "value": {CORE: {"displayName": "B"}}}],
            }
        ),
    )
    assert patched.display_name == "B"
    for hostile in ("not an object", {CORE.upper(): {"displayName": "deeper"}}):
        with pytest.raises(ScimValueError):
            read_user({"userName": "a@example.com", CORE: hostile})


@pytest.mark.parametrize(
    "text",
    [
        b'{"userName": "a@example.com", "password": "a", "password": null}',
        b'{"Operations": [{"op": "add", "op": "remove"}]}',
        b'{"userName": "a@example.com", "displayName": "A", "DisplayName": "B"}',
    ],
)
def test_a_body_that_repeats_a_member_name_is_invalid_syntax(text: bytes) -> None:
    with pytest.raises(ScimSyntaxError) as refused:
        read_json(text)
    assert refused.value.scim_type == "invalidSyntax"
    assert read_json(b'{"a": {"b": 1}, "c": {"b": 2}}') == {"a": {"b": 1}, "c": {"b": 2}}
