"""Fuzzing the web chat's socket.io channel on the running system: every message a person can send gets an
answer; every event of the wrong shape is refused with a reason; no packet makes any process log an
unhandled exception."""

import asyncio
import json
import re
import secrets
import threading

import pytest
from hypothesis import given, strategies as st

from bot.load_benchmark.load_client import hang_up
from tests.fuzzing import fuzz_settings, tried, typed_messages
from tests.socket_chat import SocketReporter

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]
#: What a process writes when an exception escaped: a traceback, an asyncio task nobody read, aiohttp's or
#: Engine.IO's own catch-all.
UNHANDLED = re.compile(rb"Traceback \(most recent call last\)|Task exception was never retrieved|"
                       rb"Error handling request|async handler error|Exception in callback")
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=12)


@pytest.fixture(scope="module")
def loop():
    """An event loop in a thread: the clients keep their connections between Hypothesis examples."""
    running = asyncio.new_event_loop()
    threading.Thread(target=running.run_forever, daemon=True).start()
    yield lambda coroutine, seconds=120: asyncio.run_coroutine_threadsafe(coroutine, running).result(seconds)
    running.call_soon_threadsafe(running.stop)


@pytest.fixture(scope="module", autouse=True)
def log_start(stack):
    """Where the system's log stood before this module's inputs (earlier tests are judged by their own)."""
    return stack["log"].stat().st_size


class Refusals:
    """A connection that records what it hears: `refused` events and `session_confirm`."""

    def __init__(self, stack):
        import socketio

        self.stack, self.heard = stack, []
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("refused", lambda reply=None: self.heard.append(("refused", reply)))
        self.client.on("session_confirm", lambda session=None: self.heard.append(("session_confirm", session)))

    async def connect(self):
        await self.client.connect(self.stack["socket"], headers={"Origin": self.stack["origin"]}, transports=["polling"])
        return self

    async def heard_after(self, mark: int, seconds: float = 20):
        for _ in range(int(seconds * 20)):
            if len(self.heard) > mark:
                return self.heard[mark]
            await asyncio.sleep(0.05)
        return None


@pytest.fixture(scope="module")
def reporter(stack, loop):
    chat = SocketReporter(stack["socket"], stack["origin"])
    loop(chat.__aenter__())
    yield chat
    loop(chat.__aexit__())


async def answer_to(reporter: SocketReporter, text: str, quiet: float = 1.0) -> list:
    """Send one message; the replies of its turn (the first within a minute, then until `quiet` seconds pass
    without another), so that the next message is judged by its own replies."""
    start = len(reporter.received)
    await reporter.client.emit("user_uttered", {"message": text, "session_id": reporter.session_id})
    await reporter.wait_for(lambda message: True, start, seconds=60)
    seen = -1
    while seen != len(reporter.received):
        seen = len(reporter.received)
        await asyncio.sleep(quiet)
    return reporter.received[start:]


@fuzz_settings(examples=10, deep_examples=300)
@given(text=typed_messages())
def test_every_message_a_person_can_send_gets_an_answer(reporter, loop, text):
    """One long conversation: whatever state earlier inputs left it in, the next message is answered."""
    tried("socketio_messages")
    replies = loop(answer_to(reporter, text))
    assert any(reply.get("text") or reply.get("case_code") for reply in replies), replies


KNOWN_EVENTS = ("session_request", "user_uttered")
RESERVED = {"connect", "disconnect", "connect_error"}  # python-socketio's client will not emit these; raw packets do


@fuzz_settings(examples=20, deep_examples=800)
@given(event=st.one_of(st.sampled_from(KNOWN_EVENTS), st.text(max_size=30).filter(lambda name: name not in RESERVED)),
       data=JSON)
def test_an_event_of_the_wrong_shape_is_refused_with_a_reason_and_an_unknown_one_ignored(stack, loop, event, data):
    """Known events with the wrong fields: `refused` + reason. Unknown events: a deliberate silence, and the
    connection still works."""
    tried("socketio_events")

    async def send():
        connection = await Refusals(stack).connect()
        try:
            await connection.client.emit(event, data)
            heard = await connection.heard_after(0, seconds=20 if event in KNOWN_EVENTS else 0.5)
            session = secrets.token_hex(16)
            mark = len(connection.heard)
            await connection.client.emit("session_request", {"session_id": session})
            return heard, await connection.heard_after(mark), session
        finally:
            await hang_up(connection.client)

    heard, after, session = loop(send())
    if event in KNOWN_EVENTS:
        assert heard == ("refused", {"reason": "malformed"}), heard
    else:
        assert heard is None, heard
    assert after == ("session_confirm", session), after


def test_a_huge_event_is_refused_and_the_server_goes_on(stack, loop):
    """Over the 4,000 characters of a message: refused. Over Engine.IO's buffer (1 MB): the connection is closed."""
    async def send(size):
        connection = await Refusals(stack).connect()
        session = secrets.token_hex(16)
        try:
            await connection.client.emit("session_request", {"session_id": session})
            await connection.heard_after(0)
            await connection.client.emit("user_uttered", {"session_id": session, "message": "x" * size})
            return await connection.heard_after(1, seconds=3)
        finally:
            await hang_up(connection.client)

    assert loop(send(4001)) == ("refused", {"reason": "malformed"})
    assert loop(send(2_000_000)) is None  # closed, not answered


@fuzz_settings(examples=40, deep_examples=1500)
@given(packet=st.one_of(st.text(max_size=200), st.text(max_size=200).map(lambda tail: "2" + tail),
                        JSON.map(lambda value: "2" + json.dumps(value)),
                        st.sampled_from(["2", "2[]", "2[1]", "2[null]", '2[{"a":1}]', '2["user_uttered"]', "3", "4",
                                         "9", "21", '2["x",', "0/elders,", '51-["user_uttered",{"_placeholder":true,'
                                         '"num":0}]', "2" + "[" * 200])))
def test_no_packet_breaks_the_server(stack, loop, packet):
    """Raw Engine.IO packets as a broken or hostile client sends them; a fresh reporter is served after."""
    import engineio

    tried("socketio_packets")

    async def send():
        client = engineio.AsyncClient()
        await client.connect(stack["socket"], headers={"Origin": stack["origin"]}, transports=["polling"],
                             engineio_path="socket.io")
        try:
            await client.send("0")  # join the default namespace, as socket.io clients do
            await client.send(packet)
            await asyncio.sleep(0.05)
        finally:
            await client.disconnect(abort=True)

    loop(send())


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "😢😢😢", "https://example.com/foto.jpg"])
def test_a_message_without_words_is_told_it_could_not_be_read_and_how_to_get_help(stack, loop, text):
    async def scenario():
        async with SocketReporter(stack["socket"], stack["origin"]) as chat:
            return [reply.get("text") or "" for reply in await answer_to(chat, text)]

    replies = " ".join(loop(scenario()))
    assert "geen woorden lezen" in replies and "112" in replies and "113" in replies, replies


def test_one_connection_holds_one_session_and_speaks_only_for_it(stack, loop):
    async def scenario():
        connection = await Refusals(stack).connect()
        try:
            sessions = [secrets.token_hex(16) for _ in range(5)]
            for session in sessions:
                await connection.client.emit("session_request", {"session_id": session})
            await connection.client.emit("user_uttered", {"session_id": sessions[3], "message": "hallo"})
            await connection.heard_after(5)
            return sessions, connection.heard
        finally:
            await hang_up(connection.client)

    sessions, heard = loop(scenario())
    assert heard[0] == ("session_confirm", sessions[0])
    assert heard[1:] == [("refused", {"reason": "one session per connection"})] * 4 + [
        ("refused", {"reason": "session not joined"})]


def test_a_message_sent_twice_is_answered_twice(reporter, loop):
    async def scenario():
        start = len(reporter.received)
        for _ in range(2):
            await reporter.client.emit("user_uttered", {"message": "hallo", "session_id": reporter.session_id})
        for _ in range(200):
            if len([m for m in reporter.received[start:] if m.get("text")]) >= 2:
                return True
            await asyncio.sleep(0.1)
        return False

    assert loop(scenario())


def test_after_all_of_it_a_new_reporter_is_served_and_no_process_logged_an_unhandled_exception(stack, loop, log_start):
    async def converse():
        async with SocketReporter(stack["socket"], stack["origin"]) as chat:
            return await chat.say("mijn leraar zit steeds aan me", lambda m: bool(m.get("text")))

    assert loop(converse())["text"]
    with open(stack["log"], "rb") as log:
        log.seek(log_start)
        written = log.read()
    assert not UNHANDLED.search(written), written[max(0, UNHANDLED.search(written).start() - 2000):][:6000].decode(
        errors="replace")
