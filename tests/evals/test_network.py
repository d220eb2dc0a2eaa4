"""The network policy of HTTP targets: which addresses they may reach, checked on the URL
and again on every address when connecting; no redirects; no raw error bodies."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from ipaddress import ip_address
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tekisei.evals import (
    HttpJsonTarget,
    Message,
    NetworkPolicy,
    OpenAIChatTarget,
    Refusal,
    Role,
    TargetError,
    TargetRefusedError,
    address_refusal,
    host_entry,
    target_from_spec,
)
from tests.conftest import served

pytestmark = pytest.mark.anyio
ASK = [Message(role=Role.USER, content="開庁時間は？")]
PUBLIC = "93.184.216.34"

INSIDE = [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1",
    "169.254.1.1", "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3", "::1", "::",
    "fc00::1", "fd12:3456::1", "fe80::1", "224.0.0.1", "239.255.255.250", "ff02::1",
    "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
    # IPv4 inside IPv6: mapped, compatible, NAT64, 6to4, Teredo
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a00:1",
    "2002:7f00:1::1", "2001:0:4136:e378:8000:63bf:80ff:fffe",
    # cloud metadata
    "169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe",
]  # fmt: skip


def test_every_address_that_reaches_inside_is_refused_and_public_ones_are_not() -> None:
    for text in INSIDE:
        assert address_refusal(ip_address(text)) is not None, text
    for text in (PUBLIC, "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert address_refusal(ip_address(text)) is None, text
    assert address_refusal(ip_address("169.254.169.254")) is Refusal.METADATA
    assert address_refusal(ip_address("fd00:ec2::254")) is Refusal.METADATA
    assert address_refusal(ip_address("::ffff:169.254.169.254")) is Refusal.METADATA
    assert address_refusal(ip_address("10.0.0.1")) is Refusal.PRIVATE
    assert address_refusal(ip_address("::ffff:127.0.0.1")) is Refusal.PRIVATE
    assert address_refusal(ip_address("224.0.0.1")) is Refusal.SPECIAL


def _refused(policy: NetworkPolicy, url: str, **extra: Any) -> Refusal:
    with pytest.raises(TargetRefusedError) as caught:
        policy.check_url(url, **extra)
    return caught.value.reason


def test_every_spelling_of_an_internal_address_is_refused() -> None:
    strict = NetworkPolicy.strict()
    for url in (
        "http://127.0.0.1/v1",
        "http://2130706433/v1",  # decimal
        "http://0x7f.1/v1",  # hex, short form
        "http://0x7f000001/v1",
        "http://0177.0.0.1/v1",  # octal
        "http://127.1/v1",
        "http://[::ffff:127.0.0.1]/v1",
        "http://[::ffff:7f00:1]:8080/v1",
        "http://[::1]/v1",
        "http://10.0.0.5:8000/v1",
        "http://[fe80::1%25eth0]/v1",
    ):
        assert _refused(strict, url) is Refusal.PRIVATE, url
    for url in ("http://169.254.169.254/latest/meta-data", "http://[fd00:ec2::254]/"):
        assert _refused(strict, url) is Refusal.METADATA
        # not even when the operator allows private addresses
        assert _refused(NetworkPolicy.local(), url) is Refusal.METADATA
    assert _refused(strict, "http://0.0.0.0:8000/") is Refusal.SPECIAL
    assert _refused(strict, "ftp://api.example.com/") is Refusal.SCHEME
    assert _refused(strict, "file:///etc/passwd") is Refusal.SCHEME
    assert _refused(strict, "http://user:pw@api.example.com/") is Refusal.CREDENTIALS
    NetworkPolicy.local().check_url("http://127.0.0.1:8900/v1")  # a local run may
    strict.check_url("https://api.example.com/v1")  # no list: any public host name


def test_host_names_are_checked_on_every_address_they_resolve_to() -> None:
    strict = NetworkPolicy.strict()
    assert _refused(strict, "http://localhost:9/v1", resolve=True) is Refusal.PRIVATE

    def dns(answers: list[str]) -> Callable[[str, int], list[str]]:
        return lambda host, port: answers

    strict.check_url("https://api.example.com/v1", resolve=dns([PUBLIC]))
    mixed = dns([PUBLIC, "10.0.0.7"])
    assert _refused(strict, "https://api.example.com/v1", resolve=mixed) is Refusal.PRIVATE
    assert _refused(strict, "https://x.example/", resolve=dns([])) is Refusal.UNRESOLVED


def test_the_allow_list_names_hosts_ports_and_subdomains() -> None:
    listed = NetworkPolicy.strict(
        hosts=("api.example.com", "*.corp.example", "llm.example.net:8443")
    )
    for url in (
        "https://api.example.com/v1",
        "http://api.example.com/v1",
        "https://API.Example.COM./v1",
        "https://a.corp.example/v1",
        "https://a.b.corp.example/v1",
        "https://llm.example.net:8443/v1",
    ):
        listed.check_url(url)
    for url in (
        "https://api.example.com:8443/v1",  # another port needs its own entry
        "https://evil-api.example.com/v1",
        "https://api.example.com.evil.example/v1",
        "https://corp.example/v1",  # *. covers subdomains, not the domain itself
        "https://llm.example.net/v1",
        "https://other.example/v1",
    ):
        assert _refused(listed, url) is Refusal.HOST, url
    # the demo target is reachable at its exact host and port, though it is loopback
    demo = NetworkPolicy.strict(hosts=(), trusted=("127.0.0.1:8900",))
    demo.check_url("http://127.0.0.1:8900/v1", resolve=True)
    assert _refused(demo, "http://127.0.0.1:8901/v1") is Refusal.PRIVATE
    assert _refused(demo, "http://localhost:8900/v1") is Refusal.HOST  # not resolved at all
    assert _refused(NetworkPolicy.strict(hosts=()), "https://api.example.com/") is Refusal.HOST


def test_allow_list_entries_are_normalised_or_refused() -> None:
    assert host_entry(" API.Example.com. ") == "api.example.com"
    assert host_entry("api.example.com:8443") == "api.example.com:8443"
    assert host_entry("*.Corp.Example") == "*.corp.example"
    assert host_entry("例え.jp") == "xn--r8jz45g.jp"
    assert host_entry("[fd00::1]:8000") == "[fd00::1]:8000"
    assert host_entry("2130706433:80") == "127.0.0.1:80"
    for bad in (
        "",
        "https://api.example.com/v1",
        "api.example.com/v1",
        "user@api.example.com",
        "api.example.com:0",
        "api.example.com:99999",
        "*",
        "*.com",
        "a.*.example",
        "bad host",
        "x" * 300,
    ):
        with pytest.raises(ValueError):
            host_entry(bad)


# --------------------------------------------------------------------- at connect time


class _Dns(AbstractResolver):
    """A resolver answering from a function (the test's DNS server)."""

    def __init__(self, answer: Callable[[str, int], list[str]]) -> None:
        self._answer = answer

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": 0,
            }
            for address in self._answer(host, port)
        ]

    async def close(self) -> None:
        pass


@pytest.fixture
def internal() -> Iterator[tuple[str, list[str]]]:
    """An "internal" server: answers every POST and records the path; a 404 with a
    secret body at /secret, a redirect to /inside at /moved."""
    hits: list[str] = []

    async def chat(request: Request) -> Response:
        hits.append(request.url.path)
        return JSONResponse({"choices": [{"message": {"content": "内部の答え"}}]})

    async def secret(request: Request) -> Response:
        hits.append(request.url.path)
        return PlainTextResponse("SECRET-INTERNAL-TOKEN db=10.0.0.9", status_code=404)

    async def moved(request: Request) -> Response:
        hits.append(request.url.path)
        return RedirectResponse("/inside/chat/completions", status_code=307)

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/inside/chat/completions", chat, methods=["POST"]),
            Route("/secret/chat/completions", secret, methods=["POST"]),
            Route("/moved/chat/completions", moved, methods=["POST"]),
        ]
    )
    with served(app) as url:
        yield url, hits


async def test_dns_rebinding_between_the_check_and_the_connection_is_refused(
    internal: tuple[str, list[str]],
) -> None:
    base, hits = internal
    port = int(base.rsplit(":", 1)[1])
    answers = iter([PUBLIC, "127.0.0.1"])  # public when checked, loopback when connecting

    def rebinding(host: str, port: int) -> list[str]:
        return [next(answers)]

    url = f"http://rebind.example:{port}/v1"
    policy = NetworkPolicy.strict()
    policy.check_url(url, resolve=rebinding)  # the check before the run passes
    target = OpenAIChatTarget(url, "m", policy=policy, resolver=lambda: _Dns(rebinding))
    with pytest.raises(TargetError, match="address is not allowed") as caught:
        await target.generate(ASK)
    assert not caught.value.retryable
    await target.aclose()
    assert hits == []  # nothing reached the internal server

    # the same resolver is what connects: with private addresses allowed it gets through
    local = OpenAIChatTarget(
        url, "m", policy=NetworkPolicy.local(), resolver=lambda: _Dns(lambda h, p: ["127.0.0.1"])
    )
    assert await local.generate(ASK) == "内部の答え"
    await local.aclose()
    assert hits == ["/v1/chat/completions"]


async def test_literal_addresses_are_refused_before_any_request(
    internal: tuple[str, list[str]],
) -> None:
    base, hits = internal
    port = int(base.rsplit(":", 1)[1])
    for url in (
        f"{base}/v1",
        f"http://[::ffff:127.0.0.1]:{port}/v1",
        f"http://2130706433:{port}/v1",
    ):
        with pytest.raises(ValueError, match="not allowed"):
            OpenAIChatTarget(url, "m", policy=NetworkPolicy.strict())
    with pytest.raises(ValueError, match="not allowed"):
        target_from_spec(f"openai:m@{base}/v1", policy=NetworkPolicy.strict())
    assert hits == []


async def test_redirects_are_not_followed(internal: tuple[str, list[str]]) -> None:
    base, hits = internal
    target = OpenAIChatTarget(f"{base}/moved", "m", policy=NetworkPolicy.local())
    with pytest.raises(TargetError, match="HTTP 307 from the target") as caught:
        await target.generate(ASK)
    assert "not followed" in str(caught.value) and not caught.value.retryable
    await target.aclose()
    assert hits == ["/moved/chat/completions"]  # never /inside


async def test_error_answers_show_the_status_only(internal: tuple[str, list[str]]) -> None:
    base, _ = internal
    for target in (
        OpenAIChatTarget(f"{base}/secret", "m", policy=NetworkPolicy.local()),
        HttpJsonTarget(f"{base}/secret/chat/completions", {}, "x", policy=NetworkPolicy.local()),
    ):
        with pytest.raises(TargetError) as caught:
            await target.generate(ASK)
        assert str(caught.value) == "HTTP 404 from the target"
        await target.aclose()  # type: ignore[attr-defined]
    closed = OpenAIChatTarget("http://127.0.0.1:9/v1", "m", policy=NetworkPolicy.local())
    with pytest.raises(TargetError) as caught:
        await closed.generate(ASK)
    assert str(caught.value) == "the target could not be reached" and caught.value.retryable
    await closed.aclose()
