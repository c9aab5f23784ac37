"""The web-chat outbox in Redis, shared by every Rasa process: numbers per session (INCR) and unacknowledged messages until they expire."""

import hashlib
import json
from typing import Any, Dict, List, Tuple

from redis import asyncio as aioredis

from bot.channels.session_outbox import KEEP_SECONDS, MAX_PENDING, NUMBERING_SECONDS


class RedisOutbox:
    """Same contract as `InMemoryOutbox`: `add` numbers a message (INCR per session) and keeps it, `acknowledge`
    takes it out, `pending` lists what waits, oldest first. Pending messages live in a sorted set (score: the
    number) that expires `keep_seconds` after the session's last activity and holds at most `max_pending`.
    Keys are a hash of the session id, so Redis's key list names no conversation."""

    def __init__(self, url: str, keep_seconds: float = KEEP_SECONDS, max_pending: int = MAX_PENDING,
                 prefix: str = "contactpunt:outbox:") -> None:
        self.redis = aioredis.Redis.from_url(url)
        self.keep_ms = max(1, int(keep_seconds * 1000))
        self.max_pending, self.prefix = max_pending, prefix

    def _keys(self, session_id: str) -> Tuple[str, str]:
        key = self.prefix + hashlib.sha256(session_id.encode("utf-8")).hexdigest()
        return key + ":seq", key + ":pending"

    async def add(self, session_id: str, message: Dict[str, Any]) -> Dict[str, Any]:
        """The message with its number, kept until acknowledged (the oldest goes when too many wait)."""
        seq_key, pending_key = self._keys(session_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(seq_key)
            pipe.expire(seq_key, NUMBERING_SECONDS)
            seq = (await pipe.execute())[0]
        numbered = dict(message, seq=seq)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(pending_key, {json.dumps(numbered, sort_keys=True): seq})
            pipe.zremrangebyrank(pending_key, 0, -(self.max_pending + 1))
            pipe.pexpire(pending_key, self.keep_ms)
            await pipe.execute()
        return numbered

    async def acknowledge(self, session_id: str, seq: int) -> None:
        await self.redis.zremrangebyscore(self._keys(session_id)[1], seq, seq)

    async def pending(self, session_id: str) -> List[Dict[str, Any]]:
        """The session's unacknowledged messages, oldest first (reading counts as activity, as in memory)."""
        pending_key = self._keys(session_id)[1]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrange(pending_key, 0, -1)
            pipe.pexpire(pending_key, self.keep_ms)
            members = (await pipe.execute())[0]
        return [json.loads(member) for member in members]

    async def close(self) -> None:
        await self.redis.close()
