"""The client's address and scheme behind trusted reverse proxies.

A pure ASGI middleware. When the connection comes from a trusted proxy
(``TEKISEI_TRUSTED_PROXIES``), the forwarded headers that proxy writes
(``TEKISEI_PROXY_HEADERS``: ``X-Forwarded-For``/``X-Forwarded-Proto``, or RFC 7239
``Forwarded``) set ``scope["client"]`` and ``scope["scheme"]``, so rate limits, the
``Secure`` cookie flag, HSTS and redirects see the real client and scheme. The address
list is read from the right: each proxy appends the address it received the request
from, so the first address that is not a trusted proxy is the client, and anything a
client wrote itself further left is ignored. From any other peer the headers change
nothing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Literal

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_PAIR = re.compile(r'\s*([A-Za-z]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*')


def _address(text: str) -> Address | None:
    """An IP address from a forwarded value: bare, ``[v6]``, with or without a port."""
    value = text.strip().strip('"')
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def parse_forwarded(header: str) -> list[dict[str, str]] | None:
    """The elements of a ``Forwarded`` header (RFC 7239), or None when malformed."""
    elements: list[dict[str, str]] = []
    for part in header.split(","):
        element: dict[str, str] = {}
        for pair in part.split(";"):
            if not pair.strip():
                continue
            match = _PAIR.fullmatch(pair)
            if match is None:
                return None
            element[match.group(1).lower()] = match.group(2).strip('"')
        elements.append(element)
    return elements


class ForwardedHeaders:
    """Believe the forwarded headers of ``trusted`` proxies, and nobody else's."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        trusted: Sequence[Network],
        kind: Literal["x-forwarded", "forwarded"] = "x-forwarded",
    ) -> None:
        self.app = app
        self.trusted = tuple(trusted)
        self.kind = kind

    def is_trusted(self, address: Address | None) -> bool:
        """Whether ``address`` is one of the trusted proxies."""
        return address is not None and any(address in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted:
            peer = scope.get("client")
            if peer and self.is_trusted(_address(str(peer[0]))):
                headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
                found = self._resolve(headers)
                if found is not None:
                    client, proto = found
                    scope = dict(scope)
                    if client is not None:
                        scope["client"] = (str(client), 0)
                    if proto is not None:
                        secure = proto == "https"
                        if scope["type"] == "websocket":
                            scope["scheme"] = "wss" if secure else "ws"
                        else:
                            scope["scheme"] = proto
        await self.app(scope, receive, send)

    def _resolve(self, headers: dict[str, str]) -> tuple[Address | None, str | None] | None:
        """The client address and scheme the headers name (None for either when absent or
        unusable)."""
        if self.kind == "forwarded":
            if "forwarded" not in headers:
                return None
            elements = parse_forwarded(headers["forwarded"])
            if not elements:
                return None
            chain = [(_address(e.get("for", "")), e.get("proto")) for e in elements]
        else:
            if "x-forwarded-for" not in headers and "x-forwarded-proto" not in headers:
                return None
            hops = [h for h in headers.get("x-forwarded-for", "").split(",") if h.strip()]
            protos = [p.strip() for p in headers.get("x-forwarded-proto", "").split(",")]
            protos = [p for p in protos if p]
            chain = [(_address(hop), None) for hop in hops]
            if protos and len(protos) == len(chain):
                chain = [(address, protos[i]) for i, (address, _) in enumerate(chain)]
            elif protos:
                # Proxies that disagree on the list: the nearest one's word counts.
                return self._pick(chain, protos[-1])
        return self._pick(chain, None)

    def _pick(
        self, chain: list[tuple[Address | None, str | None]], fallback_proto: str | None
    ) -> tuple[Address | None, str | None]:
        client: Address | None = None
        proto: str | None = fallback_proto
        for address, hop_proto in reversed(chain):
            if address is None:
                break  # an unusable value: believe nothing further left
            client = address
            if hop_proto is not None:
                proto = hop_proto
            if not self.is_trusted(address):
                break
        if proto is not None:
            proto = proto.strip().lower()
            if proto not in ("http", "https"):
                proto = None
        return client, proto
