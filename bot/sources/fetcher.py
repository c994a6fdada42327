"""Fetching untrusted addresses: one shared aiohttp session, address rules, redirects checked hop by hop, caps.

Every fetch returns a FetchResult (200 with a body, or 304 "not modified") or raises FetchError with a one-line reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from yarl import URL

from bot.sources.netguard import AddressPolicy, ForbiddenAddressError, GuardedResolver, refusal_for_host
from bot.sources.retry_after import parse_retry_after

USER_AGENT = "BriefingBot/0.1 (news-alert bot; feed and article fetcher)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchLimits:
    total_timeout: float = 30.0
    connect_timeout: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    max_in_flight: int = 32
    max_per_host: int = 4
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # after redirects
    status: int  # 200-ish, or 304
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    redirects: tuple[str, ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(Exception):
    """``kind``: bad-url, refused, timeout, too-large, redirects, http, network, bad-body."""

    def __init__(
        self, kind: str, reason: str, url: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.url = url
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.reason


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Fetcher:
    """Use as ``async with Fetcher(...) as fetcher: await fetcher.fetch(url)``; share one per process."""

    def __init__(
        self,
        limits: FetchLimits = FetchLimits(),
        policy: AddressPolicy = AddressPolicy(),  # noqa: B008 - frozen, safe to share
        *,
        clock: Callable[[], datetime] = _utc_now,
        trace_configs: Iterable[aiohttp.TraceConfig] = (),
    ) -> None:
        self.limits = limits
        self.policy = policy
        self._clock = clock
        self._trace_configs = list(trace_configs)
        self._session: aiohttp.ClientSession | None = None
        self._in_flight = asyncio.Semaphore(limits.max_in_flight)
        self._per_host: dict[str, tuple[asyncio.Semaphore, int]] = {}

    async def open(self) -> Fetcher:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.policy),
            limit=self.limits.max_in_flight,
            limit_per_host=self.limits.max_per_host,
            ttl_dns_cache=60,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None, connect=self.limits.connect_timeout, sock_connect=self.limits.connect_timeout
            ),
            headers={"User-Agent": self.limits.user_agent},
            cookie_jar=aiohttp.DummyCookieJar(),  # strangers' cookies are not kept
            trust_env=False,
            trace_configs=self._trace_configs or None,
        )
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Fetcher:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url``, sending the stored validators; 304 gives ``not_modified`` and no body."""
        if self._session is None:
            raise RuntimeError("Fetcher.open() was not called")
        async with self._in_flight:
            try:
                async with asyncio.timeout(self.limits.total_timeout):
                    return await self._follow(url, etag, last_modified)
            except TimeoutError:
                raise FetchError("timeout", f"no complete answer within {self.limits.total_timeout:g} s", url) from None

    async def _follow(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        headers = {
            "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
            "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        hops: list[str] = []
        current = self._checked_url(url, url)
        while True:
            async with self._host_slot(current.host or ""):
                result = await self._one_request(current, headers, url, tuple(hops))
            if isinstance(result, FetchResult):
                return result
            hops.append(str(current))
            if len(hops) > self.limits.max_redirects:
                raise FetchError("redirects", f"more than {self.limits.max_redirects} redirects", url)
            current = self._checked_url(str(result), url)

    def _checked_url(self, candidate: str, original: str) -> URL:
        try:
            parsed = URL(candidate)
        except (ValueError, TypeError):
            raise FetchError("bad-url", f"not a web address: {candidate[:200]!r}", original) from None
        if parsed.scheme not in ("http", "https"):
            raise FetchError("bad-url", f"only http and https addresses are fetched, not {candidate[:200]!r}", original)
        if not parsed.host:
            raise FetchError("bad-url", f"no host in {candidate[:200]!r}", original)
        refusal = refusal_for_host(parsed.host, self.policy)
        if refusal is not None:
            raise FetchError("refused", f"refused: {refusal}", original)
        return parsed

    async def _one_request(
        self, target: URL, headers: dict[str, str], original: str, hops: tuple[str, ...]
    ) -> FetchResult | URL:
        assert self._session is not None
        try:
            async with self._session.get(target, headers=headers, allow_redirects=False) as resp:
                if resp.status in _REDIRECTS:
                    location = resp.headers.get("Location")
                    if not location:
                        raise FetchError(
                            "http", f"HTTP {resp.status} redirect without a Location", original, status=resp.status
                        )
                    return target.join(URL(location, encoded=False))
                header_map = _header_map(resp.headers)
                head = FetchResult(
                    url=str(target),
                    status=resp.status,
                    headers=header_map,
                    content_type=resp.content_type,
                    charset=resp.charset,
                    etag=resp.headers.get("ETag"),
                    last_modified=resp.headers.get("Last-Modified"),
                    redirects=hops,
                )
                if resp.status == 304:
                    return head
                if resp.status >= 400 or resp.status < 200:
                    retry = parse_retry_after(resp.headers.get("Retry-After"), self._clock())
                    raise FetchError(
                        "http",
                        f"HTTP {resp.status} {resp.reason or ''}".strip(),
                        original,
                        status=resp.status,
                        retry_after=retry,
                    )
                body = await self._read_capped(resp, original)
                return dataclasses.replace(head, body=body)
        except aiohttp.ServerTimeoutError:
            raise FetchError("timeout", f"{target.host} did not answer in time", original) from None
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, ForbiddenAddressError):
                raise FetchError("refused", f"refused: {exc.os_error}", original) from None
            if isinstance(exc, aiohttp.ClientConnectorDNSError):
                raise FetchError("network", f"cannot resolve {target.host}", original) from None
            raise FetchError(
                "network", f"cannot connect to {target.host}:{target.port} ({exc.strerror or exc})", original
            ) from None
        except aiohttp.ClientPayloadError:
            raise FetchError(
                "bad-body", "the response body is broken (bad compression or cut short)", original
            ) from None
        except aiohttp.InvalidURL:
            raise FetchError("bad-url", f"not a valid address: {str(target)[:200]}", original) from None
        except aiohttp.ClientError as exc:
            raise FetchError("network", f"network error: {type(exc).__name__}", original) from None

    async def _read_capped(self, resp: aiohttp.ClientResponse, original: str) -> bytes:
        """Bytes as decompressed, cut off past the cap so a small gzip bomb cannot fill memory."""
        cap = self.limits.max_bytes
        if resp.content_length is not None and resp.content_length > cap and "Content-Encoding" not in resp.headers:
            raise FetchError(
                "too-large", f"response of {resp.content_length:,} bytes is over the {cap:,}-byte limit", original
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise FetchError(
                    "too-large", f"response larger than {cap:,} bytes (after decompression); cut off", original
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        sem, users = self._per_host.get(host) or (asyncio.Semaphore(self.limits.max_per_host), 0)
        self._per_host[host] = (sem, users + 1)
        try:
            async with sem:
                yield
        finally:
            sem, users = self._per_host[host]
            if users <= 1:
                del self._per_host[host]
            else:
                self._per_host[host] = (sem, users - 1)


def _header_map(headers: aiohttp.typedefs.LooseHeaders) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():  # type: ignore[union-attr]
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out
