"""The base of the test fakes: an aiohttp server on loopback in a background thread that records what the bot sent."""

import asyncio
import itertools
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web

from bot.local_servers.ports import free_port


class LoopbackServer:
    """`with Fake() as fake:` serves `add_routes` on 127.0.0.1:`port` until the block ends; what the bot
    sent is in `sent` (via `record`) and can be awaited from plain tests with `wait_for`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sent: List[Dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Condition()
        self._ready = threading.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def started(self) -> None:
        """Runs in the server's event loop before the first request (for loop-bound objects)."""

    def __enter__(self):
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        assert self._ready.wait(10), f"{type(self).__name__} did not start"
        return self

    def __exit__(self, *exc) -> None:
        """Stop serving and wait for it, cutting long polls still open (nothing left pending at exit)."""
        if self._loop:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)  # this thread's own loop
        try:
            self._loop.run_until_complete(self._run())
        finally:  # connections kept alive by the bot still have handler tasks: end them with the loop
            left = asyncio.all_tasks(self._loop)
            for task in left:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            self._loop.close()

    async def _run(self) -> None:
        self._stop = asyncio.Event()
        self.started()
        app = web.Application()
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def record(self, sent: Dict[str, Any]) -> None:
        with self._lock:
            self.sent.append(sent)
            self._lock.notify_all()

    def wait_for(self, predicate: Callable[[Dict[str, Any]], bool], start: int = 0,
                 seconds: float = 60) -> Dict[str, Any]:
        """The first thing the bot sent (from index `start` on) that matches."""
        deadline = time.monotonic() + seconds
        with self._lock:
            while True:
                for sent in self.sent[start:]:
                    if predicate(sent):
                        return sent
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the bot never sent a match; it sent {self.sent[start:]}")
                self._lock.wait(remaining)
