"""An aiohttp transport for python-telegram-bot, for fan-outs of thousands of messages.

python-telegram-bot's default transport (httpx on httpcore) scans its whole connection pool
for every queued request, so its cost grows with the number of sends in flight; measured on
2 cores against a loopback Bot API it tops out at a few hundred messages a second. aiohttp
with a bounded connector keeps a constant cost per request. Requests are sent as JSON
bodies (what the Bot API accepts for every method without files).

The same session also carries the bot's own sendMessage calls (`post_json`), which skip
python-telegram-bot's request layer; its lifetime follows the Bot's initialize/shutdown.
"""

from __future__ import annotations

import json

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    def __init__(self, *, pool_size: int = 32, read_timeout: float = 10.0, connect_timeout: float = 10.0):
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None
        self._default_timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout, sock_read=read_timeout)

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        return self._session

    async def post_json(self, url: str, body: bytes) -> tuple[int, bytes]:
        """POST an encoded JSON body with the default timeouts: (HTTP status, response body).

        Raises TimedOut or NetworkError (which never show the URL: it carries the bot token).
        """
        return await self._send(
            self._open_session(), "POST", url, self._default_timeout, {"data": body, "headers": JSON_HEADERS}
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._open_session()
        # python-telegram-bot documents `is BaseRequest.DEFAULT_NONE` as the test for "not passed".
        # A long poll's own timeout is added to read_timeout by python-telegram-bot itself.
        read = self._read_timeout if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        connect = self._connect_timeout if connect_timeout is BaseRequest.DEFAULT_NONE else connect_timeout
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=_seconds(connect), sock_read=_seconds(read))
        kwargs: dict = {}
        if request_data is not None:
            if request_data.contains_files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mime) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                kwargs["data"] = form
            else:
                # One JSON document with nested objects as objects: the Bot API takes it, and it
                # costs one encoding instead of one per parameter plus the envelope.
                kwargs["data"] = json.dumps(request_data.parameters).encode()
                kwargs["headers"] = JSON_HEADERS
        return await self._send(session, method, url, timeout, kwargs)

    @staticmethod
    async def _send(
        session: aiohttp.ClientSession, method: str, url: str, timeout: aiohttp.ClientTimeout, kwargs: dict
    ) -> tuple[int, bytes]:
        try:
            async with session.request(method, url, timeout=timeout, **kwargs) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The URL carries the bot token: name the error, never the URL.
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc


def _seconds(value: object) -> float | None:
    if value is None or isinstance(value, (int, float)):
        return value
    raise TypeError(f"a timeout must be a number of seconds or None, not {type(value).__name__}")
