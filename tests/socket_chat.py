"""A reporter on Rasa's socket.io channel, as the widget talks to it (python-socketio's client)."""

import asyncio
import secrets
from typing import Callable, Dict, List

import socketio

from bot.load_benchmark.load_client import hang_up


class SocketReporter:
    """One widget session: `await say(text, until)` sends a message and waits until a reply matches."""

    def __init__(self, url: str, origin: str):
        self.url, self.origin = url, origin
        self.session_id = secrets.token_hex(16)
        self.received: List[Dict] = []
        self._arrived = asyncio.Event()
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("bot_uttered", self._on_message)

    async def _on_message(self, message: Dict) -> None:
        self.received.append(message)
        self._arrived.set()

    async def __aenter__(self) -> "SocketReporter":
        confirmed = asyncio.Event()
        self.client.on("session_confirm", lambda *_: confirmed.set())
        await self.client.connect(self.url, headers={"Origin": self.origin}, transports=["polling"])  # engineio's WebSocket client needs aiohttp 3.10+, Rasa pins 3.9
        await self.client.emit("session_request", {"session_id": self.session_id})
        await asyncio.wait_for(confirmed.wait(), 30)
        return self

    async def __aexit__(self, *exc) -> None:
        await hang_up(self.client)

    async def wait_for(self, until: Callable[[Dict], bool], start: int = 0, seconds: float = 60) -> Dict:
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            for message in self.received[start:]:
                if until(message):
                    return message
            self._arrived.clear()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no matching reply among {[m.get('text') for m in self.received[start:]]}")
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def say(self, text: str, until: Callable[[Dict], bool]) -> Dict:
        start = len(self.received)
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        return await self.wait_for(until, start)


def text_has(needle: str) -> Callable[[Dict], bool]:
    return lambda message: needle.lower() in (message.get("text") or "").lower()
