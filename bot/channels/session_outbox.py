"""What the assistant sent to each web-chat session and the page has not yet acknowledged, kept (in memory, or in Redis when configured) to send again after a reconnect."""

import itertools
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Optional

KEEP_SECONDS = 3600  # as long as Rasa keeps a conversation session open
MAX_PENDING = 200  # per session: a page that never acknowledges cannot fill the memory
#: A session's numbering outlives its pending messages: a page left open for hours must never get a number it
#: has shown already (the widget would hide the message). The counter is one small integer per session.
NUMBERING_SECONDS = 7 * 24 * 3600


@dataclass
class _Session:
    numbers: Any = field(default_factory=lambda: itertools.count(1))
    pending: "OrderedDict[int, Dict[str, Any]]" = field(default_factory=OrderedDict)
    touched: float = 0.0


class SessionOutbox:
    """Numbers each message of a session (`seq`) and keeps it until the page acknowledges that number.
    A message pushed while the page's connection is down (an adviser's live reply, the case code) is then
    sent again when the page rejoins its session, and the page shows each number once."""

    def __init__(self, keep_seconds: float = KEEP_SECONDS, max_pending: int = MAX_PENDING,
                 clock: Callable[[], float] = time.monotonic, numbering_seconds: float = NUMBERING_SECONDS):
        self.keep_seconds, self.max_pending, self.clock = keep_seconds, max_pending, clock
        self.numbering_seconds = max(numbering_seconds, keep_seconds)
        self._sessions: Dict[str, _Session] = {}

    def add(self, session_id: str, message: Dict[str, Any]) -> Dict[str, Any]:
        """The message with its number, kept until acknowledged (the oldest goes when too many wait)."""
        self._forget_idle()
        session = self._sessions.setdefault(session_id, _Session())
        session.touched = self.clock()
        numbered = dict(message, seq=next(session.numbers))
        session.pending[numbered["seq"]] = numbered
        while len(session.pending) > self.max_pending:
            session.pending.popitem(last=False)
        return numbered

    def acknowledge(self, session_id: str, seq: int) -> None:
        session = self._sessions.get(session_id)
        if session:
            session.pending.pop(seq, None)

    def pending(self, session_id: str) -> List[Dict[str, Any]]:
        """The session's unacknowledged messages, oldest first."""
        session = self._sessions.get(session_id)
        if not session:
            return []
        session.touched = self.clock()
        return list(session.pending.values())

    def _forget_idle(self) -> None:
        """Pending messages go after `keep_seconds` without activity; the numbering after `numbering_seconds`."""
        now = self.clock()
        for session_id, session in list(self._sessions.items()):
            if session.touched < now - self.numbering_seconds:
                del self._sessions[session_id]
            elif session.touched < now - self.keep_seconds:
                session.pending.clear()


class InMemoryOutbox:
    """The outbox the channel uses (`await add / acknowledge / pending`), in this process's memory: the embedded
    single-process default. `bot.channels.redis_outbox.RedisOutbox` has the same methods, shared by processes."""

    def __init__(self, outbox: Optional[SessionOutbox] = None) -> None:
        self.outbox = outbox or SessionOutbox()

    async def add(self, session_id: str, message: Dict[str, Any]) -> Dict[str, Any]:
        return self.outbox.add(session_id, message)

    def acknowledge(self, session_id: str, seq: int) -> Awaitable[None]:
        """Done at once (awaiting the result is allowed, not needed): a socket.io acknowledgement callback
        that is not awaited still takes the message out."""
        self.outbox.acknowledge(session_id, seq)
        return _Done()

    async def pending(self, session_id: str) -> List[Dict[str, Any]]:
        return self.outbox.pending(session_id)


class _Done:
    def __await__(self) -> Iterator[None]:
        return iter(())


def outbox_for(redis_url: Optional[str]) -> Any:
    """Redis when configured (several Rasa processes share it), else this process's memory."""
    if redis_url:
        from bot.channels.redis_outbox import RedisOutbox

        return RedisOutbox(redis_url)
    return InMemoryOutbox()
