"""Which relying party a deployment is, from its address, and what passkeys refuse."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from tekisei.core.passkeys import MAX_NAME, PasskeyName, RelyingParty, relying_party
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
