"""The SSRF guard: which addresses are refused, the allow-list, and proof that a refused
address receives no request — also when a redirect points there."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import subprocess

import pytest
from feedkit import redirect, respond, rss

from pipeline import feeds, netguard
from pipeline.fetcher import Fetcher, Limits
from pipeline.netguard import AllowList, RefusedAddress, checked_addresses, why_refused
from pipeline.records import FeedSpec
from pipeline.settings import Settings

LIMITS = Limits(connect_timeout=0.5, read_timeout=0.5, total_timeout=2.0, max_bytes=100_000)


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("10.1.2.3", "private"),
    ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("169.254.169.254", "link-local"),
    ("100.64.0.1", "non-global"), ("0.0.0.0", "unspecified"), ("224.0.0.251", "multicast"),
    ("240.0.0.1", "private"), ("255.255.255.255", "private"), ("::1", "loopback"),
    ("::", "unspecified"), ("fe80::1", "link-local"), ("fc00::1", "private"),
    ("ff02::1", "multicast"), ("fec0::1", "site-local"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("2002:a9fe:a9fe::1", "link-local"), ("64:ff9b::a9fe:a9fe", "link-local"),
])
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    assert why_refused(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "185.60.216.35",
                                     "2001:4860:4860::8888", "2a03:2880:f12f:83:face:b00c::25de"])
def test_public_addresses_pass(address: str) -> None:
    assert why_refused(ipaddress.ip_address(address)) is None


def test_allow_list_takes_hosts_addresses_and_networks() -> None:
    allow = AllowList.parse(["127.0.0.1", " 10.0.0.0/8 ", "Intranet.Example.", "[::1]", ""])
    assert allow.allows_host("intranet.example") and not allow.allows_host("example")
    assert allow.allows_ip(ipaddress.ip_address("127.0.0.1"))
    assert allow.allows_ip(ipaddress.ip_address("10.20.30.40"))
    assert allow.allows_ip(ipaddress.ip_address("::ffff:10.0.0.9"))
    assert allow.allows_ip(ipaddress.ip_address("::1"))
    assert not allow.allows_ip(ipaddress.ip_address("192.168.0.1"))


def test_names_are_resolved_before_the_check() -> None:
    with pytest.raises(RefusedAddress, match="loopback"):
        asyncio.run(checked_addresses("localhost", 80, AllowList()))
    got = asyncio.run(checked_addresses("localhost", 80, AllowList.parse(["localhost"])))
    assert "127.0.0.1" in got


async def _get(url: str, allow: AllowList) -> object:
    async with Fetcher(LIMITS, "Akhbar-test", allow) as fetcher:
        return await fetcher.get(url)


def test_refused_address_receives_no_request(http_server) -> None:
    http_server.route("/secret", respond(200, b"secret"))
    for url in (http_server.url("/secret"), f"http://localhost:{http_server.port}/secret",
                f"http://[::ffff:127.0.0.1]:{http_server.port}/secret"):
        resp = asyncio.run(_get(url, AllowList()))
        assert resp.reason == "refused_address", (url, resp.error)
        assert resp.body == b""
    assert http_server.requests == []


def test_allow_list_lets_a_private_host_through(http_server) -> None:
    http_server.route("/page", respond(200, b"hello"))
    resp = asyncio.run(_get(http_server.url("/page"), AllowList.parse(["127.0.0.1"])))
    assert (resp.status, resp.body, resp.error) == (200, b"hello", None)


def test_redirect_to_a_refused_address_is_not_followed(http_server) -> None:
    # The first host is allowed by name; its redirect goes to a bare loopback address.
    http_server.route("/jump", redirect(302, http_server.url("/secret")))
    http_server.route("/secret", respond(200, b"secret"))
    resp = asyncio.run(_get(f"http://localhost:{http_server.port}/jump",
                            AllowList.parse(["localhost"])))
    assert resp.reason == "refused_address"
    assert [p for p, _ in http_server.requests] == ["/jump"]


def test_registered_feed_host_is_trusted_but_not_where_it_redirects(http_server) -> None:
    http_server.route("/feed.xml", respond(200, rss("trusted", 2)))
    # Another loopback address: the trust given to the registered 127.0.0.1 does not extend.
    http_server.route("/bounce.xml", redirect(301, f"http://127.0.0.2:{http_server.port}/x"))
    specs = [FeedSpec("ok", "ok", http_server.url("/feed.xml"), "O"),
             FeedSpec("bounce", "b", http_server.url("/bounce.xml"), "O")]
    ok, bounce = feeds.fetch_feeds(specs, Settings(http_timeout=0.5, http_connect_timeout=0.5))
    assert ok.status == "ok" and b"trusted" in ok.body
    assert bounce.status == "failed" and bounce.reason == "refused_address"
    assert "/x" not in [p for p, _ in http_server.requests]


def _round(*requests: feeds.FeedRequest) -> list[feeds.FeedFetch]:
    settings = Settings(http_timeout=0.5, http_connect_timeout=0.5, http_total_timeout=2.0)
    return asyncio.run(feeds.fetch_round(requests, settings))


def test_a_url_learned_from_a_permanent_redirect_is_not_trusted(http_server) -> None:
    # Whoever runs the host a feed moved to chose it, not the operator: on later nights the
    # learned URL (moved_to) goes through the guard like any redirect target.
    http_server.route("/new.xml", respond(200, rss("moved", 2)))
    spec = FeedSpec("f", "F", http_server.url("/feed.xml"), "O")
    learned, same_origin = _round(
        feeds.FeedRequest(spec, f"http://localhost:{http_server.port}/new.xml"),
        feeds.FeedRequest(spec, http_server.url("/new.xml")))
    assert (learned.status, learned.reason) == ("failed", "refused_address")
    # A move within the registered feed's own origin stays trusted.
    assert same_origin.status == "ok" and b"moved" in same_origin.body
    assert [p for p, _ in http_server.requests] == ["/new.xml"]


def test_a_feed_is_trusted_for_its_own_origin_and_its_own_requests_only(http_server) -> None:
    http_server.route("/b.xml", respond(200, rss("b", 2)))
    http_server.route("/a.xml", redirect(302, http_server.url("/admin")))
    http_server.route("/c.xml", redirect(302, f"http://localhost:{http_server.port}/admin"))
    http_server.route("/admin", respond(200, b"<rss>INTERNAL ADMIN</rss>"))
    specs = [FeedSpec("b", "B", http_server.url("/b.xml"), "O"),
             # Feed a's redirect lands on feed b's registered origin: b's trust is b's own.
             FeedSpec("a", "A", f"http://localhost:{http_server.port}/a.xml", "O"),
             # A registered address stays an address: a name resolving to it is not trusted.
             FeedSpec("c", "C", http_server.url("/c.xml"), "O")]
    b, a, c = _round(*(feeds.FeedRequest(s, s.url) for s in specs))
    assert b.status == "ok" and b"b" in b.body
    assert (a.status, a.reason, c.status, c.reason) == (
        "failed", "refused_address", "failed", "refused_address")
    assert "/admin" not in [p for p, _ in http_server.requests]


def test_a_feed_is_not_trusted_on_another_port_of_its_host(http_server) -> None:
    with socket.socket() as other:  # another service on the same host, another port
        other.bind(("127.0.0.1", 0))
        other.listen()
        other.setblocking(False)
        target = f"http://127.0.0.1:{other.getsockname()[1]}/admin"
        http_server.route("/feed.xml", redirect(302, target))
        spec = FeedSpec("f", "F", http_server.url("/feed.xml"), "O")
        got, = _round(feeds.FeedRequest(spec, spec.url))
        assert (got.status, got.reason) == ("failed", "refused_address")
        with pytest.raises(BlockingIOError):
            other.accept()  # no connection was even opened


def test_a_trusted_connection_never_carries_an_untrusted_request(http_server, monkeypatch
                                                                 ) -> None:
    # Keep-alive: the trusted origin's connection stays open after the first request.
    monkeypatch.setattr(http_server.httpd.RequestHandlerClass, "protocol_version", "HTTP/1.1")
    http_server.route("/page", respond(200, b"hello"))

    async def twice() -> tuple[object, object]:
        async with Fetcher(LIMITS, "Akhbar-test", AllowList()) as fetcher:
            with netguard.trusting(http_server.url("/feed.xml")):
                trusted = await fetcher.get(http_server.url("/page"))
            return trusted, await fetcher.get(http_server.url("/page"))

    trusted, untrusted = asyncio.run(twice())
    assert (trusted.status, trusted.body) == (200, b"hello")
    assert untrusted.reason == "refused_address"
    assert [p for p, _ in http_server.requests] == ["/page"]


def test_trusted_origins_have_their_port_and_are_names() -> None:
    assert netguard.origin("http://LocalHost/x") == ("http", "localhost", 80)
    assert netguard.origin("https://[::1]:8443/") == ("https", "::1", 8443)
    assert netguard.origin("http://example.org:443/") == ("http", "example.org", 443)
    assert netguard.origin("file:///tmp/feed.xml") is None


def test_unknown_host_is_a_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    async def no_such_host(*args: object, **kwargs: object) -> list:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    # No real resolver is asked: tests send traffic to 127.0.0.1 only.
    monkeypatch.setattr(netguard.anyio, "getaddrinfo", no_such_host)
    resp = asyncio.run(_get("http://feeds.nowhere.example/rss", AllowList()))
    assert resp.reason == "dns" and "cannot resolve" in resp.error


def test_bad_certificate_is_a_tls_failure(tmp_path, http_server) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=30)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    http_server.httpd.socket = context.wrap_socket(http_server.httpd.socket, server_side=True)
    http_server.route("/feed", respond(200, b"<rss/>"))
    resp = asyncio.run(_get(f"https://127.0.0.1:{http_server.port}/feed",
                            AllowList.parse(["127.0.0.1"])))
    assert resp.reason == "tls", resp.error
