"""The safe fetcher against a loopback feed server: validators, caps, redirects, address rules, timeouts."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver

from bot.sources.fetcher import USER_AGENT, Fetcher, FetchError, FetchLimits
from bot.sources.netguard import AddressPolicy, GuardedResolver
from tests.fakes.feed_server import FeedServer

LOOPBACK_ONLY = AddressPolicy.allowing("127.0.0.1/32")
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
async def server():
    async with FeedServer() as srv:
        yield srv


def connection_counter() -> tuple[aiohttp.TraceConfig, list[str]]:
    """Records every connection aiohttp starts to create, so a test can prove none was attempted."""
    attempts: list[str] = []
    trace = aiohttp.TraceConfig()

    async def on_start(session, ctx, params) -> None:
        attempts.append("connect")

    trace.on_connection_create_start.append(on_start)
    return trace, attempts


@pytest.fixture
async def fetcher():
    async with Fetcher(FetchLimits(total_timeout=5), LOOPBACK_ONLY, clock=lambda: NOW) as f:
        yield f


async def test_plain_fetch_returns_body_headers_and_validators(server, fetcher):
    result = await fetcher.fetch(server.url("/feeds/rss.xml"))
    assert result.status == 200 and not result.not_modified
    assert b"World Desk &amp; Wires" in result.body
    assert result.content_type == "application/rss+xml" and result.charset == "utf-8"
    assert result.etag == server.pages["/feeds/rss.xml"].etag
    assert result.last_modified == server.pages["/feeds/rss.xml"].last_modified
    assert server.request_headers["/feeds/rss.xml"]["User-Agent"] == USER_AGENT


async def test_allow_private_reaches_loopback(server):
    async with Fetcher(policy=AddressPolicy(allow_private=True)) as f:
        result = await f.fetch(server.url("/feeds/atom.xml"))
    assert b"Science Notes" in result.body


async def test_conditional_get_gives_not_modified_until_the_page_changes(server, fetcher):
    first = await fetcher.fetch(server.url("/feeds/rss.xml"))
    again = await fetcher.fetch(server.url("/feeds/rss.xml"), etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body == b""
    assert server.request_headers["/feeds/rss.xml"]["If-None-Match"] == first.etag
    by_date = await fetcher.fetch(server.url("/feeds/rss.xml"), last_modified=first.last_modified)
    assert by_date.not_modified
    server.replace("/feeds/rss.xml", "Heatwave grips", "Heatwave tightens grip on")
    changed = await fetcher.fetch(server.url("/feeds/rss.xml"), etag=first.etag, last_modified=first.last_modified)
    assert changed.status == 200 and b"Heatwave tightens grip on" in changed.body
    assert changed.etag != first.etag


async def test_gzip_is_inflated(server, fetcher):
    result = await fetcher.fetch(server.url("/feeds/gzip.xml"))
    assert result.body == server.pages["/feeds/gzip.xml"].body


@pytest.mark.parametrize("path, status", [("/fault/404", 404), ("/fault/410", 410), ("/fault/500", 500)])
async def test_http_errors_are_typed_with_the_status(server, fetcher, path, status):
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(server.url(path))
    assert caught.value.kind == "http" and caught.value.status == status
    assert str(caught.value).startswith(f"HTTP {status}") and "\n" not in str(caught.value)


async def test_retry_after_in_seconds_and_as_a_date(server, fetcher):
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(server.url("/fault/429"))
    assert caught.value.status == 429 and caught.value.retry_after == 120
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(server.url("/fault/503-date"))
    assert caught.value.status == 503 and caught.value.retry_after == 600  # 12:10 GMT against a clock at 12:00


async def test_body_over_the_cap_is_cut_off(server):
    async with Fetcher(FetchLimits(max_bytes=1_000_000), LOOPBACK_ONLY) as f:
        with pytest.raises(FetchError) as caught:
            await f.fetch(server.url("/over-cap"))
    assert caught.value.kind == "too-large" and "1,000,000 bytes" in str(caught.value)


async def test_gzip_bomb_is_counted_after_decompression(server):
    async with Fetcher(FetchLimits(max_bytes=2_000_000), LOOPBACK_ONLY) as f:
        with pytest.raises(FetchError) as caught:
            await f.fetch(server.url("/bomb"))
    assert caught.value.kind == "too-large"


async def test_slow_response_times_out_without_delaying_others(server):
    async with Fetcher(FetchLimits(total_timeout=0.5), LOOPBACK_ONLY) as f:
        with pytest.raises(FetchError) as caught:
            await f.fetch(server.url("/slow"))
        assert caught.value.kind == "timeout" and "0.5 s" in str(caught.value)
        assert (await f.fetch(server.url("/feeds/atom.xml"))).status == 200


async def test_relative_redirect_is_followed_and_reported(server, fetcher):
    result = await fetcher.fetch(server.url("/moved"))
    assert result.url == server.url("/feeds/rss.xml")
    assert result.redirects == (server.url("/moved"),)


async def test_redirect_loop_stops_after_five_hops(server, fetcher):
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(server.url("/loop/a"))
    assert caught.value.kind == "redirects" and "more than 5" in str(caught.value)
    assert server.hits["/loop/a"] + server.hits["/loop/b"] == 6


async def test_redirect_to_private_or_file_address_is_refused_before_connecting(server):
    trace, attempts = connection_counter()
    async with Fetcher(FetchLimits(), LOOPBACK_ONLY, trace_configs=[trace]) as f:
        for path, shown in (("/to-private", "10.0.0.1"), ("/to-loopback-v6", "::1")):
            attempts.clear()
            with pytest.raises(FetchError) as caught:
                await f.fetch(server.url(path))
            assert caught.value.kind == "refused" and shown in str(caught.value)
            assert len(attempts) <= 1  # the loopback server's hop; never a second connection
        with pytest.raises(FetchError) as caught:
            await f.fetch(server.url("/to-file"))
        assert caught.value.kind == "bad-url"


async def test_default_policy_refuses_loopback_and_private_without_traffic(server):
    trace, attempts = connection_counter()
    async with Fetcher(trace_configs=[trace]) as f:
        for url in (
            server.url("/feeds/rss.xml"),
            f"http://localhost:{server.port}/feeds/rss.xml",
            f"http://[::1]:{server.port}/",
            "http://10.1.2.3/feed",
            "http://[::ffff:127.0.0.1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://0.0.0.0/",
        ):
            with pytest.raises(FetchError) as caught:
                await f.fetch(url)
            assert caught.value.kind == "refused", url
    assert attempts == ["connect"]  # only "localhost" got as far as the resolver, which refused its answers
    assert server.hits == {}


async def test_a_name_that_resolves_to_loopback_is_refused_at_connect_time(server):
    async with Fetcher(policy=LOOPBACK_ONLY) as f:  # the server's name resolves to 127.0.0.1 and ::1
        result = await f.fetch(f"http://localhost:{server.port}/feeds/rss.xml")
    assert result.status == 200
    async with Fetcher() as f:
        with pytest.raises(FetchError) as caught:
            await f.fetch(server.url("/moved-to-name"))  # literal 127.0.0.1 refused first
        assert caught.value.kind == "refused"
    async with Fetcher(policy=AddressPolicy.allowing("127.0.0.1/32")) as f:
        result = await f.fetch(server.url("/moved-to-name"))  # then the name, resolved through the guard
    assert result.url.startswith("http://localhost:")


async def test_numeric_spellings_of_loopback_are_refused_without_traffic(server):
    trace, _attempts = connection_counter()
    async with Fetcher(trace_configs=[trace]) as f:
        for host in ("2130706433", "0x7f.1", "0177.0.0.1", "127.1"):
            with pytest.raises(FetchError) as caught:
                await f.fetch(f"http://{host}:{server.port}/feeds/rss.xml")
            assert caught.value.kind in ("refused", "bad-url", "network"), host
    assert server.hits == {}


@pytest.mark.parametrize("url", ["ftp://example.com/feed", "file:///etc/passwd", "not a url", "http:///nohost"])
async def test_only_http_and_https_addresses(fetcher, url):
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(url)
    assert caught.value.kind == "bad-url"


async def test_unreachable_port_is_a_network_error(fetcher):
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch("http://127.0.0.1:9/")
    assert caught.value.kind == "network" and "cannot connect" in str(caught.value)


async def test_one_host_at_a_time_does_not_hold_up_other_hosts(server):
    async with Fetcher(FetchLimits(max_per_host=1, total_timeout=5), LOOPBACK_ONLY) as f:
        held = asyncio.create_task(f.fetch(server.url("/slow")))
        await asyncio.wait_for(server.slow_started.wait(), 5)
        same_host = asyncio.create_task(f.fetch(server.url("/feeds/rss.xml")))
        other_host = await f.fetch(f"http://localhost:{server.port}/feeds/atom.xml")  # host "localhost"
        assert other_host.status == 200
        assert server.hits["/feeds/rss.xml"] == 0 and not same_host.done()
        server.slow_release.set()
        assert (await held).status == 200 and (await same_host).status == 200


async def test_resolver_keeps_only_public_answers():
    class Answers(AbstractResolver):
        async def resolve(self, host, port=0, family=socket.AF_INET):
            return [
                {"hostname": host, "host": ip, "port": port, "family": family, "proto": 0, "flags": 0}
                for ip in ("10.0.0.5", "93.184.215.14", "fd00::1", "2606:4700::1111")
            ]

        async def close(self):
            pass

    kept = await GuardedResolver(AddressPolicy(), Answers()).resolve("mixed.example", 80)
    assert [a["host"] for a in kept] == ["93.184.215.14", "2606:4700::1111"]
    everything = await GuardedResolver(AddressPolicy(allow_private=True), Answers()).resolve("mixed.example", 80)
    assert len(everything) == 4


@pytest.mark.parametrize(
    "address, public",
    [
        ("8.8.8.8", True),
        ("127.0.0.1", False),
        ("10.9.8.7", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.1.1", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("0.0.0.0", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("2001:db8::1", False),
        ("2a00:1450:4001::1", True),
        ("64:ff9b::10.0.0.1", False),
        ("64:ff9b::8.8.8.8", True),
        ("2002:0a00:0001::1", False),
        ("2002:0808:0808::1", True),
    ],
)
def test_address_rules(address, public):
    assert AddressPolicy().permits(address) is public


async def test_declared_length_over_the_cap_is_refused_before_reading(server):
    server.set("/feeds/large.xml", b"<rss>" + b" " * 3_000_000 + b"</rss>")
    async with Fetcher(FetchLimits(max_bytes=1_000_000), LOOPBACK_ONLY) as f:
        with pytest.raises(FetchError) as caught:
            await f.fetch(server.url("/feeds/large.xml"))
    assert caught.value.kind == "too-large" and "3,000,011 bytes" in str(caught.value)
