"""Gateway (websocket) side of the fake Discord API.

One gateway session at a time: IDENTIFY starts a session (READY, then a
GUILD_CREATE per guild), RESUME replays the dispatches the client missed and
sends RESUMED. Outgoing frames go through a per-connection queue so that the
shared ``zlib-stream`` compressor sees them in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
import zlib
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .discord_api import FakeDiscord

# Gateway opcodes.
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME = 0, 1, 2, 3, 6
RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 7, 8, 9, 10, 11

GUILD_MEMBERS = 1 << 1  # privileged intent: full member lists
BACKLOG = 5000

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode


class Connection:
    """One websocket connection: its compressor and ordered writer task."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: str | None):
        self.ws = ws
        self.request = request
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.writer = asyncio.get_running_loop().create_task(self._write())

    def send(self, frame: str) -> None:
        self.outbox.put_nowait(frame)

    async def _write(self) -> None:
        while (frame := await self.outbox.get()) is not None:
            try:
                if self._zlib is None:
                    await self.ws.send_str(frame)
                else:
                    data = self._zlib.compress(frame.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
            except (ConnectionError, RuntimeError):
                return

    async def close(self, code: int | None) -> None:
        """Close with ``code``, or drop the TCP connection without a close frame if None."""
        self.outbox.put_nowait(None)
        if code is None:
            transport = self.request.transport
            if transport is not None:
                transport.abort()
        else:
            await self.ws.close(code=code)

    def stop(self) -> None:
        self.writer.cancel()


class Gateway:
    """Session state shared across websocket connections."""

    def __init__(self, fake: FakeDiscord, heartbeat_interval: int) -> None:
        self.fake = fake
        self.heartbeat_interval = heartbeat_interval
        self.session_id: str | None = None
        self.seq = 0
        self.backlog: deque[tuple[int, str]] = deque(maxlen=BACKLOG)
        self.conn: Connection | None = None
        self.connections: set[Connection] = set()
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0
        self.sent_guilds: set[int] = set()
        self.compressions: list[str | None] = []
        self.intents = 0

    # -- dispatching -------------------------------------------------------

    def dispatch(self, event: str, data: Any) -> int:
        """Send (or buffer for a later RESUME) a dispatch; returns its sequence number."""
        self.seq += 1
        frame = _dumps({"op": DISPATCH, "t": event, "s": self.seq, "d": data})
        self.backlog.append((self.seq, frame))
        if self.conn is not None:
            self.conn.send(frame)
        return self.seq

    @property
    def has_session(self) -> bool:
        return self.session_id is not None

    # -- websocket handler -------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0, compress=False)
        await ws.prepare(request)
        compress = request.query.get("compress")
        self.compressions.append(compress)
        conn = Connection(ws, request, compress)
        self.connections.add(conn)
        conn.send(_dumps({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval}}))
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_message(conn, json.loads(msg.data))
                elif msg.type is WSMsgType.BINARY:
                    await self._on_message(conn, json.loads(msg.data.decode()))
        finally:
            if self.conn is conn:
                self.conn = None
            self.connections.discard(conn)
            conn.stop()
            self.fake._notify()
        return ws

    async def _on_message(self, conn: Connection, msg: dict[str, Any]) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            conn.send(_dumps({"op": HEARTBEAT_ACK}))
        elif op == IDENTIFY:
            await self._identify(conn, data)
        elif op == RESUME:
            await self._resume(conn, data)
        elif op == REQUEST_MEMBERS:
            self._members_chunk(data)

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if not self.fake._token_ok(data.get("token")):
            await conn.close(4004)
            return
        self.identifies += 1
        self.intents = int(data.get("intents") or 0)
        self.session_id = uuid.uuid4().hex
        self.seq = 0
        self.backlog.clear()
        self.sent_guilds.clear()
        self.conn = conn
        self.dispatch("READY", self.fake._ready_payload(self.session_id))
        for guild in list(self.fake.guilds.values()):
            self.send_guild(guild.id)
        self.fake._notify()

    def send_guild(self, guild_id: int) -> None:
        self.sent_guilds.add(guild_id)
        guild = self.fake.guilds[guild_id]
        self.dispatch("GUILD_CREATE", guild.payload(all_members=bool(self.intents & GUILD_MEMBERS)))

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        if data.get("session_id") != self.session_id or not self.fake._token_ok(data.get("token")):
            conn.send(_dumps({"op": INVALID_SESSION, "d": False}))
            return
        self.resumes += 1
        last = data.get("seq") or 0
        for seq, frame in self.backlog:
            if seq > last:
                conn.send(frame)
        self.conn = conn
        self.dispatch("RESUMED", {})
        self.fake._notify()

    def _members_chunk(self, data: dict[str, Any]) -> None:
        guild = self.fake.guilds.get(int(data["guild_id"]))
        members = [m.payload() for m in guild.members.values()] if guild else []
        chunk = {
            "guild_id": str(data["guild_id"]),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # -- test controls -----------------------------------------------------

    async def drop(self, code: int | None = 4000) -> None:
        """Close the live connection server-side; the session stays resumable."""
        conn, self.conn = self.conn, None
        if conn is not None:
            await conn.close(code)

    def invalidate(self, resumable: bool = False) -> None:
        """Send INVALID_SESSION; unless resumable, the session is forgotten."""
        if self.conn is None:
            raise RuntimeError("no live gateway connection")
        self.conn.send(_dumps({"op": INVALID_SESSION, "d": resumable}))
        if not resumable:
            self.session_id = None

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT; the client closes and resumes."""
        if self.conn is not None:
            self.conn.send(_dumps({"op": RECONNECT, "d": None}))

    async def close_all(self) -> None:
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.close(1001)
            conn.stop()
        self.conn = None
