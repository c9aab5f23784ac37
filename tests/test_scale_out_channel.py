"""The socket.io channel in two processes sharing Redis, with stand-ins for Rasa (fast): cross-process delivery, shared numbering, the sticky front, a SIGKILL."""

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import urllib.request
from typing import Dict, List

import pytest

from bot.channels.redis_outbox import RedisOutbox
from bot.channels.sticky_front import StickyFront
from bot.local_servers.ports import free_port, service_env
from tests.conftest import ROOT, wait_for
from tests.socket_chat import SocketReporter

ORIGIN = "http://127.0.0.1:8080"


@pytest.fixture(scope="module")
def processes(redis_url, tmp_path_factory):
    """Two channel processes (workers 1 and 2) and the sticky front before them."""
    log_path = tmp_path_factory.mktemp("echo") / "echo.log"
    ports, started = [free_port(), free_port()], []
    with open(log_path, "wb") as log:
        for number, port in enumerate(ports, start=1):
            started.append(subprocess.Popen(
                [sys.executable, "-m", "tests.echo_socket_server", "--port", str(port), "--origin", ORIGIN], cwd=ROOT,
                env=service_env(CONTACTPUNT_REDIS_URL=redis_url, CONTACTPUNT_RASA_WORKER=str(number)),
                stdout=log, stderr=subprocess.STDOUT))
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    front = StickyFront("127.0.0.1", free_port(), [("127.0.0.1", port) for port in ports])
    try:
        for process, port in zip(started, ports):
            wait_for(f"http://127.0.0.1:{port}/", process, seconds=60, log=log_path)
        asyncio.run_coroutine_threadsafe(front.start(), loop).result(10)
        yield {"a": f"http://127.0.0.1:{ports[0]}", "b": f"http://127.0.0.1:{ports[1]}",
               "front": f"http://127.0.0.1:{front.port}", "processes": started, "redis_url": redis_url,
               "log": log_path}
    finally:
        asyncio.run_coroutine_threadsafe(front.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        for process in started:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


class Page:
    def __init__(self):
        self.session_id = secrets.token_hex(16)
        self.received: List[Dict] = []

    def shown(self) -> List[int]:
        return sorted({m["seq"] for m in self.received})


class Connection(SocketReporter):
    def __init__(self, page: Page, url: str, acknowledge: bool = True):
        super().__init__(url, ORIGIN)
        self.page, self.acknowledge, self.session_id = page, acknowledge, page.session_id

    async def _on_message(self, message: Dict) -> None:
        self.page.received.append(message)
        await super()._on_message(message)
        if not self.acknowledge:
            await asyncio.Event().wait()  # never returns: no acknowledgement


async def pending(redis_url: str, session_id: str) -> List[int]:
    outbox = RedisOutbox(redis_url)
    try:
        return [m["seq"] for m in await outbox.pending(session_id)]
    finally:
        await outbox.close()


async def until(check, what: str, seconds: float = 20):
    for _ in range(int(seconds * 10)):
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def push(url: str, session_id: str, text: str) -> None:
    request = urllib.request.Request(f"{url}/push/{session_id}", data=json.dumps({"text": text}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(request, timeout=10).read()


def test_a_message_pushed_on_one_process_reaches_the_page_on_the_other(processes):
    async def scenario():
        page = Page()
        async with Connection(page, processes["b"]) as on_b:
            await asyncio.get_running_loop().run_in_executor(None, push, processes["a"], page.session_id,
                                                             "Contactpersoon: ik ben er")
            message = await on_b.wait_for(lambda m: "ik ben er" in m.get("text", ""), seconds=20)
            assert message["seq"] == 1
            await until(lambda: _empty(processes, page), "B's acknowledgement reaches the shared outbox")
            reply = await on_b.say("hallo", lambda m: m.get("text") == "ontvangen: hallo")
            assert reply["seq"] == 2  # numbered after A's message: one counter for the session
        assert [m["seq"] for m in page.received] == [1, 2]  # each once

    asyncio.run(scenario())


async def _empty(processes, page) -> bool:
    return await pending(processes["redis_url"], page.session_id) == []


def test_one_session_alternating_between_the_processes_is_numbered_once(processes):
    async def scenario():
        page = Page()
        for number in range(6):
            async with Connection(page, processes["ab"[number % 2]]) as connection:
                await connection.say(f"bericht {number}", lambda m, n=number: m.get("text") == f"ontvangen: bericht {n}")
                await until(lambda: _empty(processes, page), "acknowledged")
        assert [m["seq"] for m in page.received] == [1, 2, 3, 4, 5, 6]
        assert [m["text"] for m in page.received] == [f"ontvangen: bericht {n}" for n in range(6)]

    asyncio.run(scenario())


def test_long_polling_through_the_sticky_front(processes):
    """A polling client makes several connections per session: the front keeps them with one process
    (without it, a request on the other process gets 'Invalid session' and the conversation breaks)."""
    async def scenario():
        page = Page()
        async with Connection(page, processes["front"]) as connection:
            for number in range(8):
                await connection.say(f"via de voordeur {number}",
                                     lambda m, n=number: m.get("text") == f"ontvangen: via de voordeur {n}")
            await until(lambda: _empty(processes, page), "acknowledged")
        assert page.shown() == list(range(1, 9)) and len(page.received) == 8
        workers = set()
        for _ in range(4):
            async with Connection(Page(), processes["front"]) as other:
                workers.add(other.client.eio.sid.split(".")[0])
        assert workers == {"1", "2"}  # new sessions are spread

    asyncio.run(scenario())


def test_the_log_holds_no_text_and_no_session_id(processes):
    async def scenario():
        page = Page()
        canary = f"kanarie{secrets.token_hex(5)}"
        async with Connection(page, processes["front"]) as connection:
            await connection.say(canary, lambda m: canary in m.get("text", ""))
        return page.session_id, canary

    session_id, canary = asyncio.run(scenario())
    log = processes["log"].read_text(errors="replace")
    assert session_id not in log and canary not in log and "Traceback" not in log


def test_a_killed_process_loses_nothing_acknowledged_and_unacknowledged_replies_come_again(processes):
    """Last: it kills process B."""
    async def scenario():
        page = Page()
        async with Connection(page, processes["b"]) as on_b:
            await on_b.say("eerste", lambda m: m.get("text") == "ontvangen: eerste")
            await until(lambda: _empty(processes, page), "acknowledged")
            on_b.acknowledge = False
            await on_b.say("tweede", lambda m: m.get("text") == "ontvangen: tweede")
            await asyncio.get_running_loop().run_in_executor(None, push, processes["a"], page.session_id, "van A")
            await on_b.wait_for(lambda m: m.get("text") == "van A")
            assert await pending(processes["redis_url"], page.session_id) == [2, 3]
            os.kill(processes["processes"][1].pid, signal.SIGKILL)
            processes["processes"][1].wait(timeout=10)
        before = len(page.received)
        async with Connection(page, processes["front"]) as again:  # the front sends it to the living process
            await until(lambda: len(page.received) >= before + 2, "the unacknowledged replies come again")
            assert [m["seq"] for m in page.received[before:]] == [2, 3]
            assert again.client.eio.sid.startswith("1.")
            await until(lambda: _empty(processes, page), "now acknowledged")
            reply = await again.say("derde", lambda m: m.get("text") == "ontvangen: derde")
            assert reply["seq"] == 4
        assert page.shown() == [1, 2, 3, 4]

    asyncio.run(scenario())
