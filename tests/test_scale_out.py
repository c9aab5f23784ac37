"""Two real Rasa processes on PostgreSQL and Redis (`contactpunt run`, 2 workers): one conversation over both, replies across processes, polling through the front, a SIGKILL losing nothing acknowledged."""

import asyncio
import base64
import json
import re
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

from bot.local_servers.ports import free_port, service_env
from tests.conftest import ROOT, wait_for
from tests.socket_chat import SocketReporter

pytestmark = pytest.mark.slow
CANARIES: List[str] = []  # what the conversations typed and their session ids: never in a log


def _free_run(length: int) -> int:
    """A port p with p .. p+length-1 all free (the front on p, the processes after it)."""
    while True:
        base = free_port()
        ports = range(base, base + length)
        try:
            for port in ports:
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue


@pytest.fixture(scope="module")
def scaled(trained_model, postgres_url, redis_url, tmp_path_factory):
    from sqlalchemy import create_engine, text

    from bot.tracker_store import keyring

    name = "trackers_" + secrets.token_hex(4)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    tracker_url = postgres_url.rsplit("/", 1)[0] + "/" + name
    keys = keyring.new_key_line()
    rasa_port = _free_run(3)
    web_port, console_port = free_port(), free_port()
    data = tmp_path_factory.mktemp("scaled")
    log_path = data / "scaled.log"
    env = service_env(CONTACTPUNT_RASA_PORT=str(rasa_port), CONTACTPUNT_ACTIONS_PORT=str(free_port()),
                      CONTACTPUNT_PROFILE="rocmn", CONTACTPUNT_DATA_DIR=str(data), CONTACTPUNT_RASA_WORKERS="2",
                      CONTACTPUNT_REDIS_URL=redis_url, CONTACTPUNT_TRACKER_URL=tracker_url,
                      CONTACTPUNT_TRACKER_KEYS=keys)
    from tests.stack import PASSPHRASE

    added = subprocess.run([sys.executable, "-m", "bot.cli", "adviser", "add", "anna", "--name", "Anna (COG)",
                            "--location", "rocmn", "--passphrase-stdin"], input=PASSPHRASE + "\n", cwd=ROOT,
                           env=env, capture_output=True, text=True, check=True)
    seed = base64.b32decode(re.search(r"secret: ([A-Z2-7=]+)", added.stdout).group(1))
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--no-browser", "--port", str(web_port),
                                    "--console-port", str(console_port)], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{web_port}/widget/config", process, seconds=400, log=log_path)
        yield {"front": f"http://127.0.0.1:{rasa_port}", "origin": f"http://127.0.0.1:{web_port}",
               "a": f"http://127.0.0.1:{rasa_port + 1}", "b": f"http://127.0.0.1:{rasa_port + 2}",
               "b_port": rasa_port + 2, "pid": process.pid, "tracker_url": tracker_url, "keys": keys,
               "redis_url": redis_url, "log": log_path, "console": f"http://127.0.0.1:{console_port}/",
               "seed": seed}
    finally:
        services = [int(p) for p in subprocess.run(["ps", "-o", "pid=", "--ppid", str(process.pid)],
                                                   capture_output=True, text=True).stdout.split()]
        process.terminate()
        process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while [pid for pid in services if Path(f"/proc/{pid}").exists()] and time.monotonic() < deadline:
            time.sleep(0.5)
        admin.dispose()


# --- what the page saw, what the tracker holds, what waits in Redis ---------------------------------------------

class Page:
    """One browser page: a session id kept over reconnects, and every numbered message it was sent."""

    def __init__(self, scaled):
        self.scaled = scaled
        self.session_id = secrets.token_hex(16)
        CANARIES.append(self.session_id)
        self.received: List[Dict] = []

    def connection(self, url: str, acknowledge: bool = True) -> "Connection":
        return Connection(self, url, acknowledge)

    def shown(self) -> List[int]:
        """The numbers the widget shows: each once (it drops a number it has shown)."""
        return sorted({m["seq"] for m in self.received})


class Connection(SocketReporter):
    """The widget's socket.io connection to one address. With `acknowledge=False` it receives but never
    acknowledges (a page whose connection breaks before its acknowledgement leaves)."""

    def __init__(self, page: Page, url: str, acknowledge: bool):
        super().__init__(url, page.scaled["origin"])
        self.page, self.acknowledge, self.session_id = page, acknowledge, page.session_id

    async def _on_message(self, message: Dict) -> None:
        self.page.received.append(message)
        await super()._on_message(message)
        if not self.acknowledge:
            await asyncio.Event().wait()  # the handler never returns: python-socketio sends no acknowledgement

    async def send(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})


def tracker_events(scaled, session_id: str) -> List[Dict]:
    from bot.tracker_store.encrypted import EncryptedSQLTrackerStore, _binding, store_config

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONTACTPUNT_TRACKER_KEYS", scaled["keys"])
        config = store_config({"tracker_store": {}}, {"CONTACTPUNT_TRACKER_URL": scaled["tracker_url"]})
        config["host"] = config.pop("url")
        store = EncryptedSQLTrackerStore(**config)
    try:
        with store.session_scope() as session:
            rows = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == session_id) \
                .order_by(store.SQLEvent.id).all()
            return [json.loads(store.keyring.decrypt(row.data, _binding(session_id, row.type_name))) for row in rows]
    finally:
        store.engine.dispose()


async def pending_numbers(scaled, session_id: str) -> List[int]:
    from bot.channels.redis_outbox import RedisOutbox

    outbox = RedisOutbox(scaled["redis_url"])
    try:
        return [m["seq"] for m in await outbox.pending(session_id)]
    finally:
        await outbox.close()


async def until(check, what: str, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        await asyncio.sleep(0.3)


def user_texts(events: List[Dict]) -> List[str]:
    return [e["text"] for e in events if e["event"] == "user"]


def answered(events: List[Dict], count: int) -> bool:
    """`count` user messages, and Rasa done with the last one (listening again)."""
    users = [i for i, e in enumerate(events) if e["event"] == "user"]
    return len(users) == count and any(e["event"] == "action" and e.get("name") == "action_listen"
                                       for e in events[users[-1]:])


async def exchange(scaled, page: Page, connection: Connection, text: str, count: int) -> None:
    """Send, wait until Rasa has answered (the tracker says so) and the page has every reply the tracker holds."""
    await connection.send(text)
    events = await until(lambda: (lambda e: e if answered(e, count) else None)(tracker_events(scaled, page.session_id)),
                         f"Rasa answers message {count}")
    bot_messages = len([e for e in events if e["event"] == "bot"])
    await until(lambda: len(page.shown()) >= bot_messages, f"{bot_messages} replies reach the page")


def message(number: int) -> str:
    canary = f"kanarie{secrets.token_hex(5)}"
    CANARIES.append(canary)
    return [f"hoi, ik wil iets vertellen {canary}", f"een klasgenoot scheldt me elke dag uit {canary}",
            f"wat kan ik doen? {canary}", f"dank je {canary}", f"ik weet het niet {canary}"][number % 5]


def assert_every_reply_once(scaled, page: Page, sent: List[str]) -> None:
    events = tracker_events(scaled, page.session_id)
    assert user_texts(events) == sent  # every user message once, in order
    bots = [e for e in events if e["event"] == "bot"]
    assert page.shown() == list(range(1, len(bots) + 1))  # consecutive numbers, none lost, none twice
    firsts = [next(m for m in page.received if m["seq"] == seq) for seq in page.shown()]
    assert [m.get("text") for m in firsts] == [e.get("text") for e in bots]  # the replies the tracker holds
    users = [i for i, e in enumerate(events) if e["event"] == "user"]
    for start, end in zip(users, users[1:] + [len(events)]):  # every message got a reply
        assert any(e["event"] == "bot" for e in events[start:end])


# --- the tests -----------------------------------------------------------------------------------------------

def test_one_conversation_alternating_between_two_processes(scaled):
    async def conversation():
        page, sent = Page(scaled), []
        for number in range(4):
            async with page.connection(scaled["a" if number % 2 == 0 else "b"]) as connection:
                sent.append(message(number))
                await exchange(scaled, page, connection, sent[-1], len(sent))
                await until(lambda: _none_pending(scaled, page), "every reply acknowledged")
        assert_every_reply_once(scaled, page, sent)
        assert len(page.received) == len(page.shown())  # all acknowledged in time: nothing was sent twice

    asyncio.run(conversation())


async def _none_pending(scaled, page) -> bool:
    return await pending_numbers(scaled, page.session_id) == []


def test_a_reply_made_by_one_process_reaches_the_page_on_the_other(scaled):
    """The same session open on both processes (two tabs): what A answers reaches the connection on B
    through Redis, and B's acknowledgement empties the shared outbox."""
    async def conversation():
        page = Page(scaled)
        async with page.connection(scaled["b"]) as on_b:
            async with page.connection(scaled["a"]) as on_a:
                await exchange(scaled, page, on_a, message(1), 1)
                await until(lambda: on_b.received and len({m["seq"] for m in on_b.received}) == len(page.shown()),
                            "the replies reach the connection on B")
                assert sorted({m["seq"] for m in on_b.received}) == page.shown()
        await until(lambda: _none_pending(scaled, page), "acknowledged")

    asyncio.run(conversation())


def test_long_polling_through_the_sticky_front(scaled):
    """The front on CONTACTPUNT_RASA_PORT keeps each Engine.IO session with its process: a polling client
    (several connections per session) talks a whole conversation through it, and new sessions are spread."""
    async def conversation():
        page, sent = Page(scaled), []
        async with page.connection(scaled["front"]) as connection:
            for number in range(3):
                sent.append(message(number))
                await exchange(scaled, page, connection, sent[-1], len(sent))
            await until(lambda: _none_pending(scaled, page), "acknowledged")
        assert_every_reply_once(scaled, page, sent)
        workers = set()
        for _ in range(4):
            async with Page(scaled).connection(scaled["front"]) as other:
                workers.add(other.client.eio.sid.split(".")[0])
        assert workers == {"1", "2"}

    asyncio.run(conversation())


def test_an_advisers_live_reply_made_on_one_process_reaches_the_page_on_the_other(scaled):
    """The reporter talks to process B only; the console joins and answers through Rasa's API (the front sends
    it to process A): the live phase's messages are made on A and reach the page on B, numbered in line."""
    from tests.console_client import Console
    from tests.test_channels_e2e import DISCLOSURE

    report, live, answer = (f"kanarie{secrets.token_hex(5)}" for _ in range(3))
    CANARIES.extend([report, live, answer])

    async def conversation():
        page = Page(scaled)
        async with page.connection(scaled["b"]) as on_b:
            async def say(text, needle):
                start = len(on_b.received)
                await on_b.send(text)
                return await on_b.wait_for(lambda m: needle.lower() in (m.get("text") or "").lower(), start, 120)

            def press(title):
                return [r["payload"] for m in on_b.received for r in m.get("quick_replies") or [] if r["title"] == title][-1]

            await say(DISCLOSURE, "zo snel mogelijk contact")
            await say(press("Ja, zo snel mogelijk"), "verhaal doorgeven")
            await say(press("Ja, graag"), "paar zinnen")
            await say(f"Het gebeurt na de les, in lokaal {report}.", "enige manier")
            loop = asyncio.get_running_loop()
            console = await loop.run_in_executor(None, Console, scaled["console"], scaled["seed"])
            case_id = await loop.run_in_executor(None, console.case_with, report)
            start = len(on_b.received)
            await loop.run_in_executor(None, console.act, case_id, "claim")
            await on_b.wait_for(lambda m: "Er is nu een contactpersoon" in (m.get("text") or ""), start, 120)
            start = len(on_b.received)
            await loop.run_in_executor(None, lambda: console.act(case_id, "reply", text=f"Ik ben Anna. {answer}"))
            await on_b.wait_for(lambda m: answer in (m.get("text") or ""), start, 120)
            await until(lambda: _none_pending(scaled, page), "acknowledged on B")
        assert page.shown() == list(range(1, len(page.shown()) + 1)) and len(page.received) == len(page.shown())

    asyncio.run(conversation())


def test_killing_a_process_loses_nothing_the_page_acknowledged(scaled):
    """Runs last in this module: it leaves one process. The page is on B; a reply is acknowledged, the next
    replies are not (the connection breaks first); B is killed (SIGKILL). The page reconnects to A with the
    same session: the unacknowledged replies come again, and the conversation goes on with the next numbers."""
    async def conversation():
        page, sent = Page(scaled), []
        async with page.connection(scaled["b"]) as on_b:
            sent.append(message(0))
            await exchange(scaled, page, on_b, sent[-1], 1)
            await until(lambda: _none_pending(scaled, page), "the first replies acknowledged")
            acknowledged = page.shown()
            on_b.acknowledge = False
            sent.append(message(1))
            await exchange(scaled, page, on_b, sent[-1], 2)
            unacknowledged = [seq for seq in page.shown() if seq not in acknowledged]
            assert unacknowledged and await pending_numbers(scaled, page.session_id) == unacknowledged
            os.kill(_pid_on_port(scaled, scaled["b_port"]), signal.SIGKILL)
            await until(lambda: not _answers(scaled["b"]), "process B is gone")
        assert user_texts(tracker_events(scaled, page.session_id)) == sent  # what B took in is in the tracker
        before = len(page.received)
        async with page.connection(scaled["a"]) as on_a:
            await until(lambda: {m["seq"] for m in page.received[before:]} >= set(unacknowledged),
                        "the unacknowledged replies are sent again")
            assert [m["seq"] for m in page.received[before:]] == unacknowledged  # in order, only those
            await until(lambda: _none_pending(scaled, page), "now acknowledged")
            sent.append(message(2))
            await exchange(scaled, page, on_a, sent[-1], 3)
            await until(lambda: _none_pending(scaled, page), "the last replies acknowledged")
        assert_every_reply_once(scaled, page, sent)

    asyncio.run(conversation())


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url + "/", timeout=2):
            return True
    except OSError:
        return False


def _pid_on_port(scaled, port: int) -> int:
    listed = subprocess.run(["ps", "-o", "pid=", "--ppid", str(scaled["pid"])], capture_output=True, text=True).stdout
    for pid in listed.split():
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"bot.rasa_main" in arguments and str(port).encode() in arguments:
            return int(pid)
    raise AssertionError(f"no Rasa process on port {port}")


def test_logs_hold_no_text_and_no_session_ids(scaled):
    """Last: after every conversation of this module, the killed process included."""
    log = Path(scaled["log"]).read_text(errors="replace")
    assert CANARIES and not [c for c in CANARIES if c in log]
    assert "Traceback" not in log
