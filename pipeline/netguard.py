"""SSRF guard: links found inside feeds may point anywhere, so we check where before we connect.

The check runs at connect time, inside the HTTP client's network layer: the host is resolved
once, every address is checked, and the connection goes to a checked address. So redirects,
DNS tricks and keep-alive reuse all pass through it. Loopback, private, link-local,
multicast, reserved and unspecified addresses (IPv4 and IPv6, IPv4 embedded in IPv6 too)
are refused unless the host or address is on the allow-list (``AKHBAR_ALLOW_PRIVATE_HOSTS``),
or the request goes to an origin trusted for the task making it (:func:`trusting`: a feed's
own registered URL, for that feed's fetch only).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import anyio
import httpcore
import httpx

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# (scheme, host as sent on the wire: lower case, IDNA, no brackets, port with the default
# filled in). Trust is given to an origin, never to a host on every port.
Origin = tuple[str, str, int]
_DEFAULT_PORTS = {"http": 80, "https": 443}
# The origins trusted for the requests of the current task; a context variable, so that
# one feed's trust never reaches a request made for another feed running concurrently.
_TRUSTED: ContextVar[frozenset[Origin]] = ContextVar("netguard_trusted", default=frozenset())


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


def origin(url: str | httpx.URL) -> Origin | None:
    """An http(s) URL's origin as the connection layer sees it; None for any other URL."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return None
    port = parsed.port or _DEFAULT_PORTS.get(parsed.scheme)
    if port is None or not parsed.raw_host:
        return None
    return parsed.scheme, parsed.raw_host.decode("ascii", "replace").lower(), port


@contextmanager
def trusting(*urls: str) -> Iterator[None]:
    """Trust the origins of ``urls`` (scheme, host and port) for the requests made inside
    the block by this task only.

    A host name stays a name: the origin matches a request to that very name, not to
    another name that resolves to the same address. Neither does it extend to where a
    trusted origin redirects: the redirect target is a request to its own origin.
    """
    extra = {o for o in map(origin, urls) if o is not None}
    token = _TRUSTED.set(_TRUSTED.get() | extra)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


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


async def checked_addresses(host: str, port: int, allow: AllowList,
                            trusted: bool = False) -> list[str]:
    """Resolve ``host`` and return its addresses; raise if any of them is refused.

    All addresses must pass, not just one: a name that answers both a public and a private
    address would otherwise let the connection land on the private one. ``trusted``: the
    caller has already matched the host and port to a trusted origin.
    """
    addresses = await resolve(host, port)
    if not addresses:
        raise httpcore.ConnectError(f"{host} resolves to no address")
    if trusted or allow.allows_host(host):
        return [str(a) for a in addresses]
    for ip in addresses:
        why = why_refused(ip)
        if why and not allow.allows_ip(ip):
            log.warning("SSRF guard refused %s -> %s (%s)", host, ip, why)
            raise RefusedAddress(host, str(ip), why)
    return [str(a) for a in addresses]


@dataclass
class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard accepts.

    ``trusted`` (host, port) is connected to unchecked: a backend given one serves the
    connection pool of that trusted origin alone (see :class:`GuardedTransport`).
    """

    allow: AllowList
    inner: httpcore.AsyncNetworkBackend = field(default_factory=httpcore.AnyIOBackend)
    trusted: tuple[str, int] | None = None

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[object] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await checked_addresses(
                    host, port, self.allow, trusted=self.trusted == (host.lower(), port))
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


class _PoolTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool rebuilt on a :class:`GuardedBackend`."""

    def __init__(self, backend: GuardedBackend, max_connections: int) -> None:
        super().__init__(trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            # The guard must never be silently bypassed by a change inside httpx.
            raise RuntimeError("httpx transport layout changed: the SSRF guard cannot attach")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections, max_keepalive_connections=max_connections,
            network_backend=backend,
        )


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose every connection is made through the guard.

    A request to an origin trusted in its task (:func:`trusting`) goes to a connection pool
    of that origin alone, whose backend trusts it; any other request goes to the guarded
    pool. Kept apart, a kept-alive trusted connection never carries a request that was not
    trusted, and a guarded one was checked when it was made.
    """

    def __init__(self, allow: AllowList, max_connections: int = 100) -> None:
        self.allow, self.max_connections = allow, max_connections
        self._guarded = _PoolTransport(GuardedBackend(allow), max_connections)
        self._trusted: dict[Origin, _PoolTransport] = {}

    def _transport(self, request: httpx.Request) -> _PoolTransport:
        key = origin(request.url)
        if key is None or key not in _TRUSTED.get():
            return self._guarded
        if key not in self._trusted:
            backend = GuardedBackend(self.allow, trusted=(key[1], key[2]))
            self._trusted[key] = _PoolTransport(backend, self.max_connections)
        return self._trusted[key]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._transport(request).handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._guarded, *self._trusted.values()):
            await transport.aclose()
