"""A TCP forwarder for the lab tests: put it between the agent and a server (PostgreSQL,
Asterisk's ARI) to take the server away, or cut the connections, and give it back."""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    """A TCP forwarder 127.0.0.1:<port> -> ``host:port`` that can be switched off and on
    (the server gone) or made to cut its open connections (a network hiccup). For
    protocols where the client speaks first (PostgreSQL, HTTP and websockets)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._pairs: list[tuple[bytes, asyncio.StreamWriter, asyncio.StreamWriter]] = []

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        """Listen (again, on the same port): the server is reachable."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and cut every open connection: the server is gone."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        self._pairs.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)

    def cut(self, request: bytes | None = None) -> int:
        """Cut the open connections (all, or those whose client's first bytes contain
        ``request``, e.g. b"GET /ari/events") but keep listening: clients can reconnect
        at once. How many connections were cut."""
        pairs = [p for p in self._pairs if request is None or request in p[0]]
        for _, client, upstream in pairs:
            client.transport.abort()
            upstream.transport.abort()
        return len(pairs)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            first = await reader.read(65536)  # what the client asks for, for cut()
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(up_writer)
        pair = (first[:200], writer, up_writer)
        self._pairs.append(pair)
        up_writer.write(first)
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _t: pair in self._pairs and self._pairs.remove(pair))

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            dst.transport.abort()
