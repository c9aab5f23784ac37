"""A sticky TCP front for several Rasa processes on loopback: each Engine.IO session's requests go to the process that holds it."""

import asyncio
import itertools
import logging
import re
from typing import List, Optional, Set, Tuple

logger = logging.getLogger(__name__)

#: Engine.IO's session id in a request line, as `SchoolSocketIOInput` makes it: `<worker>.<random>`.
SID = re.compile(rb"[?&]sid=([0-9]+)\.")
MAX_HEAD_BYTES = 16 * 1024
#: Telegram's and Teams' webhooks and Rasa's HTTP API (the console) go to the first process: only it runs
#: Telegram and Teams, whose conversation references live in its memory. Another process takes the API when
#: the first is down (a web-chat reply still reaches its page through Redis).
FIRST_PROCESS_PATHS = (b"/webhooks/", b"/conversations/")


def backend_for(request_line: bytes, count: int) -> Optional[int]:
    """The process (0-based) a request belongs to, from its Engine.IO session id; None for a new session
    (a handshake, a WebSocket without polling first) or any other request."""
    found = SID.search(request_line.split(b" HTTP/", 1)[0])
    if not found:
        return None
    index = int(found.group(1)) - 1
    return index if 0 <= index < count else None


def one_request_per_connection(head: bytes) -> bytes:
    """A plain HTTP request with `Connection: close`, so the next request of the same client (another session,
    from another tab) is routed again on a new connection. A WebSocket upgrade is passed unchanged."""
    lines = head.split(b"\r\n")
    if any(line.lower().startswith(b"upgrade:") for line in lines[1:]):
        return head
    kept = [line for line in lines[1:] if line and not line.lower().startswith((b"connection:", b"keep-alive:"))]
    return b"\r\n".join([lines[0], *kept, b"Connection: close", b"", b""])


def prefers_first(request_line: bytes) -> bool:
    parts = request_line.split(b" ")
    return len(parts) > 1 and parts[1].startswith(FIRST_PROCESS_PATHS)


class StickyFront:
    """Listens on one address and forwards each TCP connection to one of the Rasa processes: by the worker
    number in the Engine.IO session id when the request has one, webhooks and Rasa's API to the first process,
    else round-robin. Long-polling clients
    (several requests, several connections per session) thus stay with their process; a WebSocket is one
    connection anyway. It reads only the request line and headers, logs no address, path or content."""

    def __init__(self, host: str, port: int, backends: List[Tuple[str, int]]) -> None:
        self.host, self.port, self.backends = host, port, backends
        self._next = itertools.cycle(range(len(backends)))
        self._server: Optional[asyncio.AbstractServer] = None
        # Python 3.10's asyncio.start_server keeps no reference to a connection's task: once both sockets are
        # closed nothing else does either, and the garbage collector destroyed tasks still finishing.
        self._connections: Set[asyncio.Task] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port, reuse_address=True)

    async def close(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = asyncio.current_task()
        if connection is not None:
            self._connections.add(connection)
            connection.add_done_callback(self._connections.discard)
        upstream: Optional[asyncio.StreamWriter] = None
        requests: Optional[asyncio.Task] = None
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            if len(head) > MAX_HEAD_BYTES:
                return
            request_line = head.split(b"\r\n", 1)[0]
            chosen = backend_for(request_line, len(self.backends))
            upstream_reader, upstream = await self._connect(chosen, prefers_first(request_line))
            upstream.write(one_request_per_connection(head))
            requests = asyncio.ensure_future(self._pump(reader, upstream))
            # The process closes after its answer (one request per connection; a WebSocket when either side
            # ends it): then this connection is over, whatever the client still holds open.
            await self._pump(upstream_reader, writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError):
            pass  # a client that went away, or a process that is down: the client reconnects to another
        except Exception as error:  # never a traceback with a request in it
            logger.warning("The front could not forward a connection (%s).", type(error).__name__)
        finally:
            for stream in (writer, upstream):
                if stream is not None:
                    stream.close()
            if requests is not None:  # ends now that both sockets are closed; awaited, so no task is left pending
                requests.cancel()
                await asyncio.gather(requests, return_exceptions=True)

    async def _connect(self, chosen: Optional[int], first: bool = False) -> Tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The session's own process; the first process for webhooks and the API (the next that answers if it
        is down); a new session to the next process that answers."""
        if chosen is not None:
            return await asyncio.open_connection(*self.backends[chosen])
        count = len(self.backends)
        start = 0 if first else next(self._next)
        order = [(start + step) % count for step in range(count)]
        for index in order:
            try:
                return await asyncio.open_connection(*self.backends[index])
            except OSError:
                continue
        raise ConnectionRefusedError

    @staticmethod
    async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                sink.write(chunk)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            try:
                sink.write_eof()
            except (OSError, RuntimeError):
                pass
