"""SCIM User and Group resources as tekisei keeps them: reading a resource sent by an
identity provider and applying PATCH operations to it (RFC 7644 §3.5.2). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from tekisei.core.scim import (
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    MAX_MEMBERS,
    USER_SCHEMA,
    VALUE_FILTER,
    PatchOperation,
    ScimPasswordError,
    ScimPathError,
    ScimValueError,
    boolean,
    unquote,
)

MAX_TEXT = 200
MAX_EMAILS = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
IGNORED_USER_ATTRIBUTES = frozenset(
    {
        "title",
        "preferredlanguage",
        "locale",
        "timezone",
        "nickname",
        "phonenumbers",
        "addresses",
        "usertype",
        "profileurl",
        "roles",
        "schemas",
        "meta",
        "id",
        "groups",
        "photos",
        "ims",
        "entitlements",
        "x509certificates",
    }
)
"""User attributes accepted and not kept (what Entra ID and Okta send by default)."""


@dataclass(frozen=True)
class UserAttributes:
    """The attributes of a SCIM User tekisei keeps."""

    user_name: str
    external_id: str | None = None
    active: bool = True
    given_name: str | None = None
    family_name: str | None = None
    display_name: str | None = None
    emails: tuple[tuple[str, str | None, bool], ...] = ()
    """(value, type, primary) of each email."""

    def person_name(self) -> str:
        """The name people read: the display name, else given and family names."""
        if self.display_name:
            return self.display_name
        return " ".join(p for p in (self.given_name, self.family_name) if p)


@dataclass(frozen=True)
class GroupAttributes:
    """The attributes of a SCIM Group tekisei keeps; members by their SCIM ids."""

    display_name: str
    external_id: str | None = None
    members: tuple[str, ...] = field(default_factory=tuple)


def _text(value: Any, what: str, *, limit: int = MAX_TEXT, empty: bool = True) -> str | None:
    if value is None or (empty and value == ""):
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ScimValueError(
            f"{what} must be a string of at most {limit} characters",
            ja=f"{what} は{limit}文字以内の文字列にしてください。",
        )
    return value.strip() or None


def user_name(value: Any) -> str:
    """A userName: tekisei's userName is the account's email (compared lower-cased).

    Raises:
        ScimValueError: not an email address of at most 320 characters.
    """
    text = _text(value, "userName", limit=320)
    if text is None or not _EMAIL.match(text):
        raise ScimValueError(
            "userName must be the person's email address",
            ja="userName には本人のメールアドレスを指定してください。",
        )
    return text.lower()


def _emails(value: Any) -> tuple[tuple[str, str | None, bool], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_EMAILS:
        raise ScimValueError(
            f"emails must be a list of at most {MAX_EMAILS} entries",
            ja=f"emails は{MAX_EMAILS}件以内の一覧にしてください。",
        )
    found: list[tuple[str, str | None, bool]] = []
    for item in value:
        if not isinstance(item, dict):
            raise ScimValueError(
                "each email must be an object", ja="各メールはオブジェクトにしてください。"
            )
        address = _text(item.get("value"), "emails.value", limit=320)
        if address is None:
            continue
        kind = _text(item.get("type"), "emails.type", limit=20)
        primary = boolean(item["primary"]) if "primary" in item else False
        found.append((address, kind, primary))
    return tuple(found)


def _path(name: str) -> str:
    lowered = name.strip().lower()
    prefix = USER_SCHEMA.lower() + ":"
    return lowered[len(prefix) :] if lowered.startswith(prefix) else lowered


def _set_user(attrs: UserAttributes, name: str, value: Any, op: str) -> UserAttributes:
    path = _path(name)
    remove = op == "remove"
    if re.split(r"[\[.]", path, maxsplit=1)[0].strip() == "password":
        # password, password.value, password[value eq "a"]: all name the password
        if value is None and not remove:
            return attrs  # null is "unassigned" (RFC 7643 §2.5): no password sent
        raise ScimPasswordError()
    if path == USER_SCHEMA.lower():
        # the core schema's attributes as one object (RFC 7644 §3.10 and §8.7.2)
        if not isinstance(value, dict) or any(_path(k) == path for k in value):
            raise ScimValueError(
                f"{USER_SCHEMA} must be an object of User attributes",
                ja=f"{USER_SCHEMA} は User の属性のオブジェクトにしてください。",
            )
        for key, part in value.items():
            attrs = _set_user(attrs, key, part, op)
        return attrs
    if path.startswith(ENTERPRISE_SCHEMA.lower()) or path in IGNORED_USER_ATTRIBUTES:
        return attrs
    if path == "active":
        if remove:
            raise ScimValueError("active cannot be removed", ja="active は削除できません。")
        return replace(attrs, active=boolean(value))
    if path == "username":
        if remove:
            raise ScimValueError("userName cannot be removed", ja="userName は削除できません。")
        return replace(attrs, user_name=user_name(value))
    if path == "externalid":
        return replace(attrs, external_id=None if remove else _text(value, "externalId"))
    if path == "displayname":
        return replace(attrs, display_name=None if remove else _text(value, "displayName"))
    if path == "name":
        if remove:
            return replace(attrs, given_name=None, family_name=None)
        if not isinstance(value, dict):
            raise ScimValueError("name must be an object", ja="name はオブジェクトにしてください。")
        for key, part in value.items():
            attrs = _set_user(attrs, f"name.{key}", part, op)
        return attrs
    if path == "name.givenname":
        return replace(attrs, given_name=None if remove else _text(value, "name.givenName"))
    if path == "name.familyname":
        return replace(attrs, family_name=None if remove else _text(value, "name.familyName"))
    if path in {
        "name.formatted",
        "name.middlename",
        "name.honorificprefix",
        "name.honorificsuffix",
    }:
        return attrs
    if path == "emails":
        if remove:
            return replace(attrs, emails=())
        given = _emails(value if isinstance(value, list) else [value])
        kept = attrs.emails if op == "add" else ()
        return replace(attrs, emails=(*kept, *given)[:MAX_EMAILS])
    match = VALUE_FILTER.match(name.strip())
    if match and match["attr"].lower() == "emails" and match["sub"].lower() == "type":
        kind = unquote(match["value"])
        others = tuple(e for e in attrs.emails if (e[1] or "").lower() != kind.lower())
        if remove:
            return replace(attrs, emails=others)
        tail = (match["tail"] or "value").lower()
        if tail != "value":
            return attrs  # primary/display of an email: not kept
        address = _text(value, "emails.value", limit=320)
        primary = any(e[2] for e in attrs.emails if (e[1] or "").lower() == kind.lower())
        entry = () if address is None else ((address, kind, primary),)
        return replace(attrs, emails=(*others, *entry)[:MAX_EMAILS])
    raise ScimPathError(
        f"tekisei keeps no user attribute '{name[:80]}'",
        ja=f"tekisei はユーザー属性「{name[:80]}」を扱いません。",
    )


def read_user(body: Any) -> UserAttributes:
    """The User a POST or PUT sends (attributes tekisei does not keep are ignored).

    Raises:
        ScimValueError: a missing or invalid userName, or an invalid attribute.
    """
    if not isinstance(body, dict):
        raise ScimValueError(
            "the body must be a User object", ja="本文は User オブジェクトにしてください。"
        )
    nested = next((v for k, v in body.items() if k.lower() == USER_SCHEMA.lower()), None)
    name = body.get("userName")
    if name is None and isinstance(nested, dict):
        name = next((v for k, v in nested.items() if k.lower() == "username"), None)
    attrs = UserAttributes(user_name=user_name(name))
    for key, value in body.items():
        if key.lower() in {"username", "schemas", "meta", "id"}:
            continue
        if key == ENTERPRISE_SCHEMA:
            continue
        attrs = _set_user(attrs, key, value, "replace")
    return attrs


def patch_user(attrs: UserAttributes, operations: list[PatchOperation]) -> UserAttributes:
    """``attrs`` after the operations, with or without ``path`` (RFC 7644 §3.5.2).

    Raises:
        ScimPathError: a path tekisei does not keep.
        ScimValueError: an invalid value.
    """
    for operation in operations:
        if operation.path is None:
            if operation.op == "remove" or not isinstance(operation.value, dict):
                raise ScimValueError(
                    "an operation without a path needs an object of attributes as its value",
                    ja="path のない操作には属性のオブジェクトを value に指定してください。",
                )
            for key, value in operation.value.items():
                attrs = _set_user(attrs, key, value, operation.op)
        else:
            attrs = _set_user(attrs, operation.path, operation.value, operation.op)
    return attrs


def _member_ids(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_MEMBERS:
        raise ScimValueError(
            f"at most {MAX_MEMBERS} members per request",
            ja=f"一度に指定できるメンバーは{MAX_MEMBERS}人までです。",
        )
    found: list[str] = []
    for item in items:
        member = item.get("value") if isinstance(item, dict) else None
        if not isinstance(member, str | int) or len(str(member)) > 40:
            raise ScimValueError(
                "each member must be an object with the user's id as value",
                ja="各メンバーは value にユーザーの id を持つオブジェクトにしてください。",
            )
        found.append(str(member))
    return tuple(found)


def read_group(body: Any) -> GroupAttributes:
    """The Group a POST or PUT sends.

    Raises:
        ScimValueError: a missing displayName, or invalid members.
    """
    if not isinstance(body, dict):
        raise ScimValueError(
            "the body must be a Group object", ja="本文は Group オブジェクトにしてください。"
        )
    name = _text(body.get("displayName"), "displayName")
    if name is None:
        raise ScimValueError(
            "a group needs a displayName", ja="グループには displayName が必要です。"
        )
    return GroupAttributes(
        display_name=name,
        external_id=_text(body.get("externalId"), "externalId"),
        members=_member_ids(body.get("members") or []),
    )


def _set_group(attrs: GroupAttributes, name: str, value: Any, op: str) -> GroupAttributes:
    path = name.strip().lower()
    prefix = GROUP_SCHEMA.lower() + ":"
    path = path[len(prefix) :] if path.startswith(prefix) else path
    if path in {"id", "schemas", "meta"}:
        return attrs
    if path == "displayname":
        if op == "remove":
            raise ScimValueError(
                "displayName cannot be removed", ja="displayName は削除できません。"
            )
        text = _text(value, "displayName")
        if text is None:
            raise ScimValueError("displayName cannot be empty", ja="displayName は空にできません。")
        return replace(attrs, display_name=text)
    if path == "externalid":
        return replace(attrs, external_id=None if op == "remove" else _text(value, "externalId"))
    if path == "members":
        if op == "remove":
            if value is None:
                return replace(attrs, members=())
            gone = set(_member_ids(value))
            return replace(attrs, members=tuple(m for m in attrs.members if m not in gone))
        given = _member_ids(value or [])
        kept = attrs.members if op == "add" else ()
        return replace(attrs, members=tuple(dict.fromkeys((*kept, *given))))
    match = VALUE_FILTER.match(name.strip())
    if match and match["attr"].lower() == "members" and match["sub"].lower() == "value":
        if op != "remove":
            raise ScimPathError(
                "members[value eq …] can only be removed",
                ja="members[value eq …] は削除のみできます。",
            )
        gone_id = unquote(match["value"])
        return replace(attrs, members=tuple(m for m in attrs.members if m != gone_id))
    raise ScimPathError(
        f"tekisei keeps no group attribute '{name[:80]}'",
        ja=f"tekisei はグループ属性「{name[:80]}」を扱いません。",
    )


def patch_group(attrs: GroupAttributes, operations: list[PatchOperation]) -> GroupAttributes:
    """``attrs`` after the operations (members added, removed or replaced; renamed).

    Raises:
        ScimPathError: a path tekisei does not keep.
        ScimValueError: an invalid value.
    """
    for operation in operations:
        if operation.path is None:
            if operation.op == "remove" or not isinstance(operation.value, dict):
                raise ScimValueError(
                    "an operation without a path needs an object of attributes as its value",
                    ja="path のない操作には属性のオブジェクトを value に指定してください。",
                )
            for key, value in operation.value.items():
                attrs = _set_group(attrs, key, value, operation.op)
        else:
            attrs = _set_group(attrs, operation.path, operation.value, operation.op)
    return attrs
