"""Which network addresses the bot may fetch from, enforced where aiohttp resolves names (no check-then-connect gap)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class ForbiddenAddressError(OSError):
    """A host that resolves only to addresses the policy forbids."""


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """``allow_private`` lifts every rule; ``allowed`` lets chosen networks through (tests, one intranet host)."""

    allow_private: bool = False
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def allowing(cls, *networks: str) -> AddressPolicy:
        return cls(allowed=tuple(ipaddress.ip_network(n) for n in networks))

    def permits(self, address: IPAddress | str) -> bool:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if self.allow_private:
            return True
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if isinstance(ip, ipaddress.IPv6Address) and ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)  # DNS64 answers for IPv4-only sites
        if any(ip in net for net in self.allowed if net.version == ip.version):
            return True
        return is_public(ip) and all(is_public(inner) for inner in embedded_ipv4(ip))


def is_public(ip: IPAddress) -> bool:
    """Globally routable unicast: not loopback, private, link-local, multicast, reserved or unspecified."""
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_link_local)


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address leads to through 6to4 or Teredo (2002:0a00:0001:: reaches 10.0.0.1)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    inner: list[ipaddress.IPv4Address] = []
    if ip.sixtofour is not None:
        inner.append(ip.sixtofour)
    if ip.teredo is not None:
        inner.extend(ip.teredo)
    return inner


def literal_ip(host: str) -> IPAddress | None:
    """The address when ``host`` is an IP literal (brackets allowed), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def refusal_for_host(host: str, policy: AddressPolicy) -> str | None:
    """A reason to refuse ``host`` before any connection, or None. Names are checked later, by the resolver."""
    ip = literal_ip(host)
    if ip is not None and not policy.permits(ip):
        return f"address {ip} is not public (loopback, private, link-local, multicast or reserved)"
    return None


class GuardedResolver(AbstractResolver):
    """Wraps aiohttp's default resolver and drops every answer the policy forbids."""

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner if inner is not None else DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        kept = _permitted(answers, self._policy)
        if not kept:
            shown = ", ".join(sorted({a["host"] for a in answers})) or "nothing"
            raise ForbiddenAddressError(f"{host} resolves to {shown}, which is not public")
        return kept

    async def close(self) -> None:
        await self._inner.close()


def _permitted(answers: Iterable[ResolveResult], policy: AddressPolicy) -> list[ResolveResult]:
    kept = []
    for answer in answers:
        ip = literal_ip(answer["host"])
        if ip is not None and policy.permits(ip):
            kept.append(answer)
    return kept
