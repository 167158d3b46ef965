"""SSRF guard: links found inside feeds may point anywhere, so we check where before we connect.

The check runs at connect time, inside the HTTP client's network layer: the host is resolved
once, every address is checked, and the connection goes to a checked address. So redirects,
DNS tricks and keep-alive reuse all pass through it. Loopback, private, link-local,
multicast, reserved and unspecified addresses (IPv4 and IPv6, IPv4 embedded in IPv6 too)
are refused unless the host or address is on the allow-list (``AKHBAR_ALLOW_PRIVATE_HOSTS``).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

import anyio
import httpcore
import httpx

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedAddress(Exception):
    """The host resolves to an address we must not connect to."""

    def __init__(self, host: str, address: str, why: str) -> None:
        super().__init__(f"refused {host} ({address}): {why} address")
        self.host, self.address, self.why = host, address, why


def _embedded_v4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, 6to4, NAT64), if any."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def why_refused(ip: IPAddress) -> str | None:
    """The kind of non-public address ``ip`` is, or None when it is a public one."""
    inner = _embedded_v4(ip)
    if inner is not None:
        return why_refused(inner)
    checks = (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
              ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
              ("private", ip.is_private), ("reserved", ip.is_reserved),
              ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local))
    for name, hit in checks:
        if hit:
            return name
    if not ip.is_global:  # shared address space 100.64/10 and the like
        return "non-global"
    return None


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks exempt from the guard, e.g. ``127.0.0.1``, ``10.0.0.0/8``, a name."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        hosts: set[str] = set()
        nets: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().strip("[]").lower()
            if not entry:
                continue
            try:
                nets.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(nets))

    def allows_host(self, host: str) -> bool:
        return host.strip("[]").lower().rstrip(".") in self.hosts

    def allows_ip(self, ip: IPAddress) -> bool:
        inner = _embedded_v4(ip)
        return any(ip in net or (inner is not None and inner in net) for net in self.networks)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    host = host.strip("[]")
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if ip not in seen:
            seen.append(ip)
    return seen


async def checked_addresses(host: str, port: int, allow: AllowList) -> list[str]:
    """Resolve ``host`` and return its addresses; raise if any of them is refused.

    All addresses must pass, not just one: a name that answers both a public and a private
    address would otherwise let the connection land on the private one.
    """
    addresses = await resolve(host, port)
    if not addresses:
        raise httpcore.ConnectError(f"{host} resolves to no address")
    if allow.allows_host(host):
        return [str(a) for a in addresses]
    for ip in addresses:
        why = why_refused(ip)
        if why and not allow.allows_ip(ip):
            log.warning("SSRF guard refused %s -> %s (%s)", host, ip, why)
            raise RefusedAddress(host, str(ip), why)
    return [str(a) for a in addresses]


@dataclass
class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard accepts."""

    allow: AllowList
    inner: httpcore.AsyncNetworkBackend = field(default_factory=httpcore.AnyIOBackend)

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[object] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await checked_addresses(host, port, self.allow)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:  # socket.gaierror: the name does not resolve
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options)  # type: ignore[arg-type]
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[object] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddress(path, path, "unix socket")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool rebuilt on :class:`GuardedBackend`."""

    def __init__(self, allow: AllowList, max_connections: int = 100) -> None:
        super().__init__(trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            # The guard must never be silently bypassed by a change inside httpx.
            raise RuntimeError("httpx transport layout changed: the SSRF guard cannot attach")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections, max_keepalive_connections=max_connections,
            network_backend=GuardedBackend(allow),
        )
