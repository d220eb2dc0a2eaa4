"""Where HTTP targets may connect: a :class:`NetworkPolicy`, checked twice.

Before every request the URL is checked (scheme, no credentials, the host allow-list,
and the address itself when the host is an IP literal, in any spelling: ``2130706433``,
``0x7f.1`` and ``[::ffff:127.0.0.1]`` are all 127.0.0.1). When a connection is made,
:class:`GuardedResolver` checks every address a host name resolves to, so a name that
resolves to a public address when a run is started and to a private one when it
connects (DNS rebinding) is still refused.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

IPAddress = IPv4Address | IPv6Address


class Refusal(StrEnum):
    """Why a target URL or address may not be reached."""

    SCHEME = "scheme"
    """Not http or https."""
    CREDENTIALS = "credentials"
    """The URL carries a user name or password."""
    HOST = "host"
    """The host is not on the allow-list."""
    PRIVATE = "private"
    """Loopback, private (RFC 1918, fc00::/7), link-local or shared (100.64/10) address."""
    METADATA = "metadata"
    """A cloud provider's instance metadata service: never reachable."""
    SPECIAL = "special"
    """Unspecified, multicast, broadcast, documentation or reserved: never reachable."""
    UNRESOLVED = "unresolved"
    """The host name does not resolve."""


class TargetRefusedError(ValueError):
    """The policy does not let a target reach this URL or address."""

    def __init__(self, reason: Refusal, host: str, port: int | None = None) -> None:
        where = host if port is None else f"{host}:{port}"
        super().__init__(f"{where}: the target's address is not allowed ({reason.value})")
        self.reason = reason
        self.host = host
        self.port = port


_METADATA = {ip_address("169.254.169.254"), ip_address("fd00:ec2::254")}
_PRIVATE_V4 = [
    IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16")
] + [IPv4Network("100.64.0.0/10")]
_PRIVATE_V6 = [IPv6Network(n) for n in ("::1/128", "fc00::/7", "fe80::/10", "fec0::/10")]
_NAT64 = [IPv6Network("64:ff9b::/96"), IPv6Network("64:ff9b:1::/48")]


def _embedded_ipv4(address: IPv6Address) -> list[IPv4Address]:
    """IPv4 addresses carried inside an IPv6 one (mapped, compatible, NAT64, 6to4, Teredo)."""
    found: list[IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    packed = address.packed
    if packed[:12] == bytes(12) and int(address) > 1:
        found.append(IPv4Address(packed[12:]))  # IPv4-compatible ::a.b.c.d
    if any(address in network for network in _NAT64):
        found.append(IPv4Address(packed[12:]))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


def address_refusal(address: IPAddress) -> Refusal | None:
    """Why ``address`` must not be reached by a server acting for its users (None when it
    is an ordinary public address)."""
    if isinstance(address, IPv6Address):
        if address.scope_id:
            address = IPv6Address(str(address).split("%", 1)[0])
        if address in _METADATA:
            return Refusal.METADATA
        embedded = [address_refusal(inner) for inner in _embedded_ipv4(address)]
        for reason in (Refusal.METADATA, Refusal.SPECIAL, Refusal.PRIVATE):
            if reason in embedded:
                return reason
        if any(address in network for network in _PRIVATE_V6):
            return Refusal.PRIVATE
        if address.is_multicast or address.is_unspecified or not address.is_global:
            return Refusal.SPECIAL
        return None
    if address in _METADATA:
        return Refusal.METADATA
    if any(address in network for network in _PRIVATE_V4):
        return Refusal.PRIVATE
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return Refusal.SPECIAL
    if not address.is_global or address == IPv4Address("255.255.255.255"):
        return Refusal.SPECIAL
    return None


_LEGACY_V4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form a resolver accepts (``127.0.0.1``,
    ``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``::ffff:7f00:1``); None for a name."""
    host = host.strip("[]")
    try:
        return ip_address(host)
    except ValueError:
        pass
    if _LEGACY_V4.match(host.lower()):
        try:
            return IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def canonical_host(host: str) -> str:
    """``host`` as compared against allow-list entries: lower case, IDNA-encoded, no
    trailing dot, an address in its standard form.

    Raises:
        ValueError: not a usable host name or address.
    """
    host = host.strip().rstrip(".")
    address = literal_address(host)
    if address is not None:
        return str(address).split("%", 1)[0]
    try:
        encoded = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError(f"{host!r} is not a host name") from None
    labels = encoded.split(".")
    if not encoded or len(encoded) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{host!r} is not a host name")
    return encoded


def _joined(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


def host_entry(text: str) -> str:
    """An allow-list entry in its canonical form: ``host``, ``host:port``, ``*.domain`` or
    ``*.domain:port`` (IPv6 as ``[addr]:port``).

    Raises:
        ValueError: not a host (a URL, a path, a user name, a bad port, a bare ``*``).
    """
    text = text.strip()
    if not text or len(text) > 260 or any(c in text for c in "/@?#\\ \t"):
        raise ValueError(f"{text[:60]!r}: write a host name, optionally with :port")
    wildcard = text.startswith("*.")
    rest = text[2:] if wildcard else text
    port: int | None = None
    if rest.startswith("["):
        host, _, after = rest[1:].partition("]")
        if after:
            if not after.startswith(":") or not after[1:].isdigit():
                raise ValueError(f"{text!r}: write [address]:port")
            port = int(after[1:])
    elif rest.count(":") == 1:
        host, _, number = rest.partition(":")
        if not number.isdigit():
            raise ValueError(f"{text!r}: the port is a number")
        port = int(number)
    else:
        host = rest
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"{text!r}: the port is between 1 and 65535")
    canonical = canonical_host(host)
    if wildcard and (literal_address(canonical) is not None or canonical.count(".") < 1):
        raise ValueError(f"{text!r}: *. goes before a domain with at least two labels")
    return ("*." if wildcard else "") + _joined(canonical, port)


@dataclass(frozen=True)
class Endpoint:
    """Where a URL points: its canonical host and its port."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        return _joined(self.host, self.port)


def endpoint(url: str) -> Endpoint:
    """The endpoint of ``url`` (as the HTTP client will parse it).

    Raises:
        TargetRefusedError: not http(s), credentials in it, or no usable host.
    """
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        raise TargetRefusedError(Refusal.SCHEME, url[:80]) from None
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise TargetRefusedError(Refusal.SCHEME, url[:80])
    if parsed.raw_user or parsed.raw_password:
        raise TargetRefusedError(Refusal.CREDENTIALS, parsed.raw_host)
    try:
        host = canonical_host(parsed.raw_host)
    except ValueError:
        raise TargetRefusedError(Refusal.SCHEME, parsed.raw_host) from None
    return Endpoint(parsed.scheme, host, parsed.port or (443 if parsed.scheme == "https" else 80))


Resolve = Callable[[str, int], Iterable[str]]


def system_resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to with the system resolver (empty when none)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class NetworkPolicy:
    """What HTTP targets may reach.

    Attributes:
        allow_private: loopback, private, link-local and shared addresses may be reached
            (cloud metadata, multicast, unspecified and reserved addresses never).
        hosts: allow-list entries (see :func:`host_entry`); ``None`` allows every host.
            An entry without a port allows the scheme's default port (80, 443) only.
        trusted: ``host:port`` endpoints always reachable, whatever their address (the
            deployment's own demo target).
    """

    allow_private: bool = False
    hosts: tuple[str, ...] | None = None
    trusted: tuple[str, ...] = ()

    @classmethod
    def strict(
        cls, hosts: Iterable[str] | None = None, trusted: Iterable[str] = ()
    ) -> NetworkPolicy:
        """Public addresses only; with ``hosts``, only those hosts."""
        return cls(False, None if hosts is None else tuple(hosts), tuple(trusted))

    @classmethod
    def local(cls) -> NetworkPolicy:
        """Any host, private addresses included: someone testing from their own machine."""
        return cls(allow_private=True)

    def is_trusted(self, host: str, port: int) -> bool:
        """Whether ``host:port`` is one of the trusted endpoints."""
        return _joined(host, port) in self.trusted

    def _listed(self, where: Endpoint) -> bool:
        if self.hosts is None:
            return True
        default = 443 if where.scheme == "https" else 80
        for entry in self.hosts:
            wildcard = entry.startswith("*.")
            name = entry[2:] if wildcard else entry
            if name.startswith("["):
                host, _, after = name[1:].partition("]")
                port = int(after[1:]) if after else default
            else:
                host, _, number = name.partition(":")
                port = int(number) if number else default
            if port != where.port:
                continue
            if where.host.endswith("." + host) if wildcard else where.host == host:
                return True
        return False

    def refusal(self, address: IPAddress) -> Refusal | None:
        """Why this policy refuses ``address`` (None when it may be reached)."""
        reason = address_refusal(address)
        if reason is Refusal.PRIVATE and self.allow_private:
            return None
        return reason

    def check_url(self, url: str, *, resolve: bool | Resolve = False) -> Endpoint:
        """Check ``url`` before it is used; with ``resolve``, also every address its host
        resolves to (``True``: the system resolver).

        Raises:
            TargetRefusedError: the policy does not allow it; ``reason`` says why.
        """
        where = endpoint(url)
        if self.is_trusted(where.host, where.port):
            return where
        literal = literal_address(where.host)
        if literal is not None:
            # an address is refused for what it is: listing it would not help
            reason = self.refusal(literal)
            if reason is not None:
                raise TargetRefusedError(reason, where.host, where.port)
        # a name not on the list is refused before it is resolved (no DNS oracle)
        if not self._listed(where):
            raise TargetRefusedError(Refusal.HOST, where.host, where.port)
        if literal is not None:
            addresses: list[str] = [str(literal)]
        elif resolve:
            lookup = system_resolve if resolve is True else resolve
            addresses = list(lookup(where.host, where.port))
            if not addresses:
                raise TargetRefusedError(Refusal.UNRESOLVED, where.host, where.port)
        else:
            return where
        for text in addresses:
            reason = self.refusal(ip_address(text))
            if reason is not None:
                raise TargetRefusedError(reason, where.host, where.port)
        return where


class GuardedResolver(AbstractResolver):
    """Resolves with ``inner`` and refuses the connection when any address is one the
    policy does not allow, so the check holds at the moment of connecting."""

    def __init__(self, policy: NetworkPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner or ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Every address of ``host``, all of them allowed.

        Raises:
            TargetRefusedError: an address is not allowed, or there is none.
        """
        results = await self._inner.resolve(host, port, family)
        name = canonical_host(host)
        if self._policy.is_trusted(name, port):
            return results
        if not results:
            raise TargetRefusedError(Refusal.UNRESOLVED, name, port)
        for result in results:
            reason = self._policy.refusal(ip_address(result["host"]))
            if reason is not None:
                raise TargetRefusedError(reason, name, port)
        return results

    async def close(self) -> None:
        """Close the inner resolver."""
        await self._inner.close()
