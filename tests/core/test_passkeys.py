"""Which relying party a deployment is, from its address, and what passkeys refuse."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from tekisei.core.passkeys import (
    MAX_NAME,
    NAME_RULE,
    RULES_JA,
    PasskeyName,
    RelyingParty,
    check_name,
    relying_party,
)
from tekisei.errors import InvalidInputError


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("https://ai.example.jp", RelyingParty("ai.example.jp", "https://ai.example.jp")),
        (
            "https://AI.example.jp:8443/tekisei",
            RelyingParty("ai.example.jp", "https://ai.example.jp:8443"),
        ),
        ("http://localhost:8000", RelyingParty("localhost", "http://localhost:8000")),
        ("http://tekisei.localhost", RelyingParty("tekisei.localhost", "http://tekisei.localhost")),
    ],
)
def test_the_host_is_the_rp_id_and_scheme_host_port_the_origin(
    address: str, expected: RelyingParty
) -> None:
    assert relying_party(address) == expected


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("", "TEKISEI_PUBLIC_URL"),
        ("http://ai.example.jp", "https"),
        ("http://127.0.0.1:8000", "IP"),
        ("https://[::1]:8000", "IP"),
    ],
)
def test_an_address_browsers_refuse_passkeys_on_is_explained(address: str, said: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        relying_party(address)
    assert said in refused.value.message and refused.value.message_ja


def test_a_passkey_name_is_trimmed_and_bounded() -> None:
    names = TypeAdapter(PasskeyName)
    assert names.validate_python("  laptop ") == "laptop"
    for wrong in ("", "   ", "x" * (MAX_NAME + 1)):
        with pytest.raises(ValidationError):
            names.validate_python(wrong)


@pytest.mark.parametrize(
    "name",
    [
        "ok\nname",
        "a\u202eb",
        "tab\there",
        "zero\u200bwidth",
        "\u2066isolate\u2069",
        "bom\ufeff1",
        "\u3164",  # Hangul filler: a letter that draws nothing
        "\u115f\u1160",
        "\u2800\u2800",  # blank Braille pattern
        "\u034f",  # combining grapheme joiner
        "\ufe0f",  # a variation selector with nothing to vary
        "\u0301\u0301",  # accents without a letter
    ],
)
def test_a_passkey_name_with_control_or_format_characters_is_refused(name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(PasskeyName).validate_python(name)
    assert NAME_RULE in str(refused.value)
    assert "制御文字" in RULES_JA[NAME_RULE]
    with pytest.raises(InvalidInputError) as said:
        check_name(name)
    assert said.value.message == NAME_RULE and said.value.message_ja == RULES_JA[NAME_RULE]


def test_a_passkey_name_may_hold_japanese_spaces_and_emoji() -> None:
    for name in ("会社のノートPC", "blue key 2", "鍵 🔑", "Ａ　Ｂ", "❤\ufe0f key", "é\u0301"):
        assert TypeAdapter(PasskeyName).validate_python(name) == name
        assert check_name(name) == name
