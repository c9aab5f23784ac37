"""Holds the assistant's messages per conversation until the reporter's browser collects them (memory only)."""

import asyncio
import time
from collections import deque
from typing import Any, Deque, Dict, List

#: A conversation nobody collected from for this long is dropped, messages and all.
IDLE_SECONDS = 30 * 60
MAX_WAITING = 200


class _Box:
    def __init__(self) -> None:
        self.messages: Deque[Dict[str, Any]] = deque(maxlen=MAX_WAITING)
        self.arrived = asyncio.Event()
        self.touched = time.monotonic()


class Outbox:
    def __init__(self) -> None:
        self._boxes: Dict[str, _Box] = {}

    def _box(self, sender: str) -> _Box:
        now = time.monotonic()
        for stale in [key for key, box in self._boxes.items() if now - box.touched > IDLE_SECONDS]:
            del self._boxes[stale]
        box = self._boxes.setdefault(sender, _Box())
        box.touched = now
        return box

    def put(self, sender: str, message: Dict[str, Any]) -> None:
        box = self._box(sender)
        box.messages.append(message)
        box.arrived.set()

    def take(self, sender: str) -> List[Dict[str, Any]]:
        box = self._box(sender)
        messages = list(box.messages)
        box.messages.clear()
        box.arrived.clear()
        return messages

    async def wait(self, sender: str, seconds: float) -> List[Dict[str, Any]]:
        """Messages for `sender`, waiting up to `seconds` for the first one (long poll)."""
        box = self._box(sender)
        if not box.messages:
            try:
                await asyncio.wait_for(box.arrived.wait(), seconds)
            except asyncio.TimeoutError:
                pass
        return self.take(sender)
