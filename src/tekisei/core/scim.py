"""SCIM 2.0 (RFC 7643, RFC 7644) rules: filters, PATCH operations and how groups name
roles. Pure: no SQL, no HTTP."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from tekisei.core.orgs import ROLE_NAMES_JA, Role
from tekisei.errors import ConflictError, InvalidInputError

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

MAX_FILTER = 1000
"""Characters of a ``filter`` query parameter."""
MAX_RESULTS = 200
"""Resources one page of a list holds at most (``filter.maxResults``)."""
MAX_OPERATIONS = 100
"""Operations of one PATCH request."""
MAX_MEMBERS = 1000
"""Members one request may name (a group's PUT, or one PATCH operation)."""
MAX_BODY = 256 * 1024
"""Bytes of one SCIM request body."""

ROLE_PRECEDENCE: tuple[Role, ...] = (
    Role.ADMIN,
    Role.EXECUTIVE,
    Role.EDITOR,
    Role.ASSESSOR,
    Role.AUDITOR,
    Role.VIEWER,
    Role.EXTERNAL_TESTER,
)
"""A member in several role groups gets the first of their roles in this order."""
DEFAULT_ROLE = Role.VIEWER
"""The role of a provisioned member who is in no role group."""


class ScimFilterError(InvalidInputError):
    """A ``filter`` that cannot be read or names what cannot be filtered on
    (``scimType`` invalidFilter)."""

    scim_type = "invalidFilter"


class ScimValueError(InvalidInputError):
    """A value SCIM cannot take (``scimType`` invalidValue)."""

    scim_type = "invalidValue"


class ScimPasswordError(ScimValueError):
    """A ``password`` sent by the identity provider: tekisei takes no password by
    provisioning (staff sign in through single sign-on, or set their own password from
    an invitation), so it is refused rather than silently dropped.

    RFC 7644 §3.12 has no scimType for "an attribute this provider does not accept":
    ``mutability`` is for changing a readOnly or immutable attribute (password is
    writeOnly in RFC 7643, so that would be wrong), ``invalidPath`` and ``noTarget`` only
    fit PATCH paths, and ``invalidValue`` ("not compatible with ... the resource
    schema", HTTP 400) covers every form: POST, PUT and PATCH alike. A 400 also stops
    Okta and Entra ID from retrying, so the admin sees the detail.
    """

    def __init__(self) -> None:
        super().__init__(
            "tekisei does not take passwords through SCIM: staff sign in through single "
            "sign-on, or set their own password from an invitation. Turn off password sync "
            "in your identity provider (Okta: the app's Provisioning > To App > "
            "'Sync Password'; Microsoft Entra ID sends no password) and send the user "
            "again without a password",
            ja="tekisei は SCIM ではパスワードを受け付けません。スタッフはシングルサインオンで"
            "サインインするか、招待から自分でパスワードを設定します。ID プロバイダーの"
            "パスワード同期をオフにしてから（Okta: アプリの Provisioning > To App の"
            "「Sync Password」。Microsoft Entra ID はパスワードを送りません）、パスワードなしで"
            "ユーザーを送り直してください。",
        )


class ScimPathError(InvalidInputError):
    """A PATCH path that names nothing tekisei keeps (``scimType`` invalidPath)."""

    scim_type = "invalidPath"


class ScimSyntaxError(InvalidInputError):
    """A body that is not a SCIM message (``scimType`` invalidSyntax)."""

    scim_type = "invalidSyntax"


class ScimMutabilityError(InvalidInputError):
    """A change of an attribute that cannot be changed (``scimType`` mutability)."""

    scim_type = "mutability"


class ScimTooLargeError(InvalidInputError):
    """A request body over ``MAX_BODY`` (HTTP 413)."""

    status = 413


class ScimMediaTypeError(InvalidInputError):
    """A body that is neither ``application/scim+json`` nor ``application/json`` (HTTP 415)."""

    status = 415


class ScimUniquenessError(ConflictError):
    """A userName, externalId or group name that is already taken (``scimType``
    uniqueness)."""

    scim_type = "uniqueness"


class ScimPreconditionError(ConflictError):
    """``If-Match`` names another version than the current one (HTTP 412)."""

    status = 412


def unquote(text: str) -> str:
    """The string a quoted value in a path or filter stands for.

    Raises:
        ScimPathError: an escape JSON does not know.
    """
    try:
        value = json.loads(f'"{text}"')
    except ValueError:
        raise ScimPathError(
            "a quoted value is not valid", ja="引用符内の値が正しくありません。"
        ) from None
    assert isinstance(value, str)
    return value


class _RepeatedNameError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for name, _value in pairs:
        if name.lower() in seen:
            raise _RepeatedNameError(name)
        seen.add(name.lower())
    return dict(pairs)


def read_json(body: bytes) -> Any:
    """The JSON of a SCIM request body whose objects each name a member once.

    RFC 8259 leaves repeated names to the parser (most keep the last), and SCIM
    attribute names are case-insensitive (RFC 7643 §2.1): ``{"password": "a",
    "password": null}`` or ``{"displayName": "A", "displayname": "B"}`` would let a
    value pass checks that only see the other one, so such a body is refused.

    Raises:
        ScimSyntaxError: not JSON, or an object names a member twice (in any case).
    """
    try:
        return json.loads(body, object_pairs_hook=_unique_members)
    except _RepeatedNameError as repeated:
        name = repeated.name[:80]
        raise ScimSyntaxError(
            f"the body names the member '{name}' twice in one object (names are "
            "case-insensitive); send each attribute once",
            ja=f"本文の同じオブジェクトにメンバー「{name}」が2回あります（大文字と小文字は"
            "区別しません）。各属性は1回だけ送ってください。",
        ) from None
    except (ValueError, RecursionError):
        raise ScimSyntaxError("the body is not JSON", ja="本文が JSON ではありません。") from None


# ----------------------------------------------------------------------------- roles


def _words(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).strip().lower()
    return re.sub(r"[\s_\-:]+", "_", text)


def role_for_group(display_name: str) -> Role | None:
    """The role a group's display name names: a role's name (``admin``,
    ``external tester``), optionally after ``tekisei-`` (``tekisei-admin``), or its
    Japanese name (``管理者``); case, spaces, ``-`` and ``_`` do not matter."""
    words = _words(display_name)
    for prefix in ("tekisei_",):
        if words.startswith(prefix):
            words = words[len(prefix) :]
    for role in Role:
        if words == role.value or _words(ROLE_NAMES_JA[role]) == words:
            return role
    return None


def effective_role(roles: set[Role]) -> Role:
    """The role of a member in ``roles``' groups (``DEFAULT_ROLE`` in none)."""
    return next((role for role in ROLE_PRECEDENCE if role in roles), DEFAULT_ROLE)


def group_role(display_name: str) -> Role:
    """The role of a new or renamed group.

    Raises:
        ScimValueError: the name names no role.
    """
    role = role_for_group(display_name)
    if role is None:
        names = ", ".join(r.value for r in Role)
        raise ScimValueError(
            f"the group '{display_name[:100]}' names no tekisei role; name role groups after "
            f"a role ({names}), optionally with the prefix 'tekisei-'",
            ja=f"グループ「{display_name[:100]}」は tekisei のどの権限にも対応しません。"
            f"権限のグループには権限名（{names}）か、その前に「tekisei-」を付けた名前を"
            "付けてください。",
        )
    return role


# ----------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Compare:
    """``attribute op value`` (``pr`` has no value)."""

    attribute: str
    op: Literal["eq", "ne", "co", "sw", "ew", "pr"]
    value: str | bool | None


@dataclass(frozen=True)
class Logical:
    """``left and right`` or ``left or right``."""

    op: Literal["and", "or"]
    left: Filter
    right: Filter


@dataclass(frozen=True)
class Not:
    """``not (filter)``."""

    inner: Filter


Filter = Compare | Logical | Not

USER_FILTERS = {
    "username": "userName",
    "externalid": "externalId",
    "emails": "emails.value",
    "emails.value": "emails.value",
    "id": "id",
    "active": "active",
    "displayname": "displayName",
}
"""Attributes a user filter may name (lower-cased) → their canonical names."""
GROUP_FILTERS = {
    "displayname": "displayName",
    "externalid": "externalId",
    "id": "id",
    "members": "members.value",
    "members.value": "members.value",
}
"""Attributes a group filter may name (lower-cased) → their canonical names."""

_TOKEN = re.compile(
    r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<word>[A-Za-z0-9_:.$\-]+))"
)
_OPS = {"eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le"}


def _bad_filter(why: str, why_ja: str) -> ScimFilterError:
    return ScimFilterError(f"the filter cannot be used: {why}", ja=f"filter を使えません: {why_ja}")


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _bad_filter(
                f"unexpected character at position {position + 1}",
                f"{position + 1}文字目に読めない文字があります",
            )
        kind = match.lastgroup
        assert kind is not None
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], attributes: dict[str, str]) -> None:
        self.tokens = tokens
        self.at = 0
        self.attributes = attributes
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _bad_filter("it ends too early", "途中で終わっています")
        self.at += 1
        return token

    def word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1].lower() in words

    def expression(self) -> Filter:
        left = self.conjunction()
        while self.word("or"):
            self.take()
            left = Logical("or", left, self.conjunction())
        return left

    def conjunction(self) -> Filter:
        left = self.unit()
        while self.word("and"):
            self.take()
            left = Logical("and", left, self.unit())
        return left

    def unit(self) -> Filter:
        self.depth += 1
        if self.depth > 20:
            raise _bad_filter("it is nested too deeply", "入れ子が深すぎます")
        try:
            if self.word("not"):
                self.take()
                return Not(self.group())
            if self.peek() is not None and self.peek() == ("open", "("):
                return self.group()
            return self.comparison()
        finally:
            self.depth -= 1

    def group(self) -> Filter:
        if self.take() != ("open", "("):
            raise _bad_filter("'(' expected", "「(」が必要です")
        inner = self.expression()
        if self.take() != ("close", ")"):
            raise _bad_filter("')' expected", "「)」が必要です")
        return inner

    def comparison(self) -> Filter:
        kind, name = self.take()
        if kind != "word":
            raise _bad_filter("an attribute name expected", "属性名が必要です")
        attribute = self.attributes.get(_attribute_name(name))
        if attribute is None:
            raise _bad_filter(
                f"'{name[:60]}' cannot be filtered on", f"「{name[:60]}」では絞り込めません"
            )
        kind, op = self.take()
        op = op.lower()
        if kind != "word" or op not in _OPS:
            raise _bad_filter(f"unknown operator '{op[:20]}'", f"演算子「{op[:20]}」は使えません")
        if op == "pr":
            return Compare(attribute, "pr", None)
        if op in {"gt", "ge", "lt", "le"}:
            raise _bad_filter(f"'{op}' is not supported", f"「{op}」には対応していません")
        kind, raw = self.take()
        value: str | bool | None
        if kind == "string":
            try:
                value = json.loads(raw)
            except ValueError:
                raise _bad_filter("a string is not valid", "文字列が正しくありません") from None
        elif kind == "word" and raw.lower() in {"true", "false"}:
            value = raw.lower() == "true"
        elif kind == "word" and raw.lower() == "null":
            value = None
        else:
            raise _bad_filter(
                "a value must be a quoted string, true, false or null",
                "値は引用符で囲んだ文字列、true、false、null のいずれかにしてください",
            )
        return Compare(attribute, op, value)  # type: ignore[arg-type]


def _attribute_name(name: str) -> str:
    lowered = name.lower()
    for schema in (USER_SCHEMA, GROUP_SCHEMA):
        if lowered.startswith(schema.lower() + ":"):
            return lowered[len(schema) + 1 :]
    return lowered


def parse_filter(text: str, attributes: dict[str, str]) -> Filter:
    """The filter ``text`` (RFC 7644 §3.4.2.2) over ``attributes``.

    Supports ``eq ne co sw ew pr``, ``and``, ``or``, ``not (…)`` and parentheses.

    Raises:
        ScimFilterError: too long, unreadable, or naming what cannot be filtered on.
    """
    if len(text) > MAX_FILTER:
        raise _bad_filter(
            f"it is longer than {MAX_FILTER} characters", f"{MAX_FILTER}文字を超えています"
        )
    tokens = _tokens(text)
    if not tokens:
        raise _bad_filter("it is empty", "空です")
    parser = _Parser(tokens, attributes)
    found = parser.expression()
    if parser.peek() is not None:
        raise _bad_filter(
            f"unexpected '{parser.peek()[1][:40]}'",  # type: ignore[index]
            f"「{parser.peek()[1][:40]}」は読めません",  # type: ignore[index]
        )
    return found


# ----------------------------------------------------------------------------- PATCH


@dataclass(frozen=True)
class PatchOperation:
    """One operation of a PatchOp message, with its op lower-cased."""

    op: Literal["add", "remove", "replace"]
    path: str | None
    value: Any


def patch_operations(body: Any) -> list[PatchOperation]:
    """The operations of a PatchOp message (``op`` in any case, as Entra ID sends it).

    Raises:
        ScimSyntaxError: not a PatchOp message.
        ScimValueError: too many operations, or an unknown op.
    """
    if not isinstance(body, dict) or PATCH_SCHEMA not in (body.get("schemas") or []):
        raise ScimSyntaxError(
            f"a PATCH body must be a PatchOp message with the schema {PATCH_SCHEMA}",
            ja=f"PATCH の本文はスキーマ {PATCH_SCHEMA} の PatchOp メッセージにしてください。",
        )
    raw = body.get("Operations", body.get("operations"))
    if not isinstance(raw, list) or not raw:
        raise ScimSyntaxError(
            "a PatchOp message needs a list of Operations",
            ja="PatchOp メッセージには Operations の一覧が必要です。",
        )
    if len(raw) > MAX_OPERATIONS:
        raise ScimValueError(
            f"at most {MAX_OPERATIONS} operations per request",
            ja=f"一度に送れる操作は{MAX_OPERATIONS}件までです。",
        )
    found: list[PatchOperation] = []
    for item in raw:
        op = str(item.get("op", "")).lower() if isinstance(item, dict) else ""
        if op not in {"add", "remove", "replace"}:
            raise ScimValueError(
                "each operation's op must be add, remove or replace",
                ja="各操作の op は add、remove、replace のいずれかにしてください。",
            )
        path = item.get("path")
        if path is not None and (not isinstance(path, str) or len(path) > MAX_FILTER):
            raise ScimPathError("the path is not valid", ja="path が正しくありません。")
        found.append(PatchOperation(op, path or None, item.get("value")))  # type: ignore[arg-type]
    return found


def boolean(value: Any) -> bool:
    """A SCIM boolean, also as the strings ``"True"``/``"False"`` Entra ID sends.

    Raises:
        ScimValueError: neither.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise ScimValueError(
        "active must be true or false", ja="active は true か false にしてください。"
    )


VALUE_FILTER = re.compile(
    r'^(?P<attr>[A-Za-z.]+)\[\s*(?P<sub>[A-Za-z]+)\s+eq\s+"(?P<value>(?:[^"\\]|\\.)*)"\s*\]'
    r"(?:\.(?P<tail>[A-Za-z]+))?$",
    re.IGNORECASE,
)
"""``emails[type eq "work"].value`` and ``members[value eq "2"]``: the value paths Entra ID
and Okta send."""
