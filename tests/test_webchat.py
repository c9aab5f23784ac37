"""The widget server: configuration and case API only for school origins, strict headers, nothing third-party;
and the socket.io channel's own limits (origins, session ids, message size)."""

import asyncio
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.institution_profile import load_profile
from bot.webchat.server import SAMPLE, STATIC, create_app

SCHOOL = "https://www.voorbeeldcollege.example"
SOCKET = "https://chat.voorbeeldcollege.example"


async def with_server(check, queue=None):
    app = create_app(load_profile("rocmn"), SOCKET, [SCHOOL], queue)
    async with TestClient(TestServer(app)) as client:
        await check(client)


def test_the_configuration_tells_the_widget_where_to_go_in_the_asked_language():
    async def check(client):
        dutch = await (await client.get("/widget/config", params={"profile": "rocmn"})).json()
        assert dutch["institution"] == "ROC Midden Nederland" and dutch["socket_url"] == SOCKET
        assert dutch["texts"]["exit"] == "Snel weg" and dutch["case_codes"] is False
        english = await (await client.get("/widget/config", params={"lang": "en"})).json()
        assert english["texts"]["exit"] == "Quick exit"
        other = await client.get("/widget/config", params={"profile": "wur"})
        assert other.status == 404 and "rocmn" in (await other.json())["error"]

    asyncio.run(with_server(check))


def test_only_school_origins_may_use_the_widget_api():
    async def check(client):
        allowed = await client.get("/widget/config", headers={"Origin": SCHOOL})
        assert allowed.status == 200 and allowed.headers["Access-Control-Allow-Origin"] == SCHOOL
        stranger = await client.get("/widget/config", headers={"Origin": "https://elders.example"})
        assert stranger.status == 403 and "Access-Control-Allow-Origin" not in stranger.headers
        preflight = await client.options("/widget/case", headers={
            "Origin": SCHOOL, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
        assert preflight.status == 204 and preflight.headers["Access-Control-Allow-Origin"] == SCHOOL
        refused = await client.options("/widget/case", headers={"Origin": "https://elders.example"})
        assert refused.status == 403
        # The script itself is embedded by <script src>, which any page may do.
        script = await client.get("/widget.js")
        assert script.status == 200 and script.headers["Cross-Origin-Resource-Policy"] == "cross-origin"

    asyncio.run(with_server(check))


def test_every_response_carries_strict_security_headers():
    async def check(client):
        for path in ("/", "/widget/config", "/widget.js", "/missing"):
            response = await client.get(path)
            assert response.headers["Referrer-Policy"] == "no-referrer", path
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        page = await client.get("/")
        assert f"connect-src 'self' {SOCKET} wss://chat.voorbeeldcollege.example" in page.headers[
            "Content-Security-Policy"]

    asyncio.run(with_server(check))


def test_the_widget_loads_nothing_from_third_parties_and_stores_only_the_chosen_code():
    for path in [*STATIC.iterdir(), *SAMPLE.iterdir()]:
        source = path.read_text()
        assert not re.search(r"(src|href|url)\s*[=(]\s*[\"']?https?://", source), path
        assert "@import" not in source and "document.cookie" not in source and "sessionStorage" not in source, path
    widget = (STATIC / "widget.js").read_text()
    # localStorage holds one thing, the case code, written only when the reporter ticks the box.
    assert set(re.findall(r"localStorage\.(\w+)\(([^,)]*)", widget)) == {
        ("getItem", "CODE_KEY"), ("setItem", "CODE_KEY"), ("removeItem", "CODE_KEY")}
    assert widget.count("localStorage.setItem") == 1
    assert re.search(r"if \(keep\.checked\) \{ localStorage\.setItem", widget)


def test_a_returning_reporter_reads_replies_and_answers_with_the_case_code(queue_db):
    from handoff.advisers import Advisers
    from handoff.case_queue import CaseQueue, Report

    _, sessions = queue_db
    advisers, queue = Advisers(sessions), CaseQueue(sessions)
    advisers.add("anna", "Anna (COG)", "correct horse battery staple", ["rocmn"])
    case_id, code = queue.enqueue(Report("rocmn", "", "pesten", {"summary": "x"}))
    queue.reply(advisers.unlock("anna", "correct horse battery staple"), case_id, "Hoe gaat het nu?")

    async def check(client):
        thread = await (await client.post("/widget/case", json={"code": code.lower()})).json()
        assert [(m["author"], m["text"]) for m in thread["messages"]] == [("adviser", "Hoe gaat het nu?")]
        answered = await (await client.post("/widget/case", json={"code": code, "text": "Beter."})).json()
        assert [m["author"] for m in answered["messages"]] == ["adviser", "reporter"]
        assert (await client.post("/widget/case", json={"code": "12"})).status == 400
        unknown = await client.post("/widget/case", json={"code": "0000-0000-0000-0000-0000"})
        assert unknown.status == 404 and await unknown.json() == {"error": "unknown or closed case"}
        assert (await client.post("/widget/case", json={"code": code, "text": " "})).status == 400
        assert (await client.post("/widget/case", data="no json")).status == 400
        assert (await (await client.get("/widget/config")).json())["case_codes"] is True

    asyncio.run(with_server(check, queue))


# --- the socket.io channel, served by Rasa's own Sanic app code path ---------------------------------------

@pytest.fixture
def socket_channel():
    """The channel's python-socketio server with a recording stand-in for Rasa's message handler; what it
    emits is recorded (with the acknowledgement callbacks) instead of sent."""
    from bot.channels.web import SchoolSocketIOInput

    channel = SchoolSocketIOInput.from_credentials({"allowed_origins": [SCHOOL]})
    received = []

    async def on_new_message(message):
        received.append(message)

    channel.blueprint(on_new_message)
    emitted = []

    async def emit(event, data=None, room=None, to=None, callback=None, **kwargs):
        emitted.append((event, data, room or to))
        if callback:
            callbacks.append(callback)

    callbacks = []

    channel.sio.emit = emit
    return channel, received, emitted, callbacks


def _handler(channel, event):
    return channel.sio.handlers["/"][event]


def test_only_school_origins_may_open_a_socket(socket_channel):
    channel, *_ = socket_channel
    assert channel.sio.eio.cors_allowed_origins == [SCHOOL]
    with pytest.raises(ValueError, match="allowed_origins"):
        type(channel).from_credentials({})


def test_a_session_joins_its_room_and_odd_sessions_or_messages_are_refused(socket_channel):
    channel, received, emitted, _ = socket_channel
    session, other = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
    join, utter = _handler(channel, "session_request"), _handler(channel, "user_uttered")

    def refusals(sid):
        return [data["reason"] for event, data, room in emitted if room == sid and event == "refused"]

    async def scenario():
        manager = channel.sio.manager
        one, two, three = [await manager.connect(f"engine-{n}", "/") for n in (1, 2, 3)]
        await join(one, {"session_id": session})
        await join(two, {"session_id": "telegram-" + "a" * 40})
        await join(three, None)
        await join(one, {"session_id": other})  # a second conversation over the same socket
        await utter(one, {"session_id": session, "message": "hallo"})
        await utter(one, {"session_id": session, "message": "   "})  # answered by the assistant, not dropped
        await utter(one, {"session_id": session, "message": "x" * 4001})
        await utter(one, {"session_id": other, "message": "hallo"})  # a session this socket did not join
        await utter(one, "not a dict")
        await utter(two, {"session_id": other, "message": "hallo"})
        return one, two, three

    one, two, three = asyncio.run(scenario())
    assert sorted(channel.sio.rooms(one)) == sorted([one, session])
    assert ("session_confirm", session, one) in emitted
    assert refusals(one) == ["one session per connection", "malformed", "session not joined", "malformed"]
    assert refusals(two) == ["malformed", "session not joined"] and refusals(three) == ["malformed"]
    assert [(m.sender_id, m.text) for m in received] == [(session, "hallo"), (session, "")]


def test_a_message_the_assistant_fails_on_is_answered_and_a_broken_packet_is_refused(socket_channel, caplog):
    """Nothing is left to a task nobody reads: the page hears "failed" (and shows the help numbers)."""
    from bot.channels.web import SchoolSocketIOInput

    channel = SchoolSocketIOInput.from_credentials({"allowed_origins": [SCHOOL]})

    async def failing(message):
        raise RuntimeError("kanarie-fout " + message.text)

    channel.blueprint(failing)
    emitted = []

    async def emit(event, data=None, room=None, to=None, callback=None, **kwargs):
        emitted.append((event, data, room or to))

    channel.sio.emit = emit
    session = "0123456789abcdef0123456789abcdef"

    async def scenario():
        sid = await channel.sio.manager.connect("engine-1", "/")
        await _handler(channel, "session_request")(sid, {"session_id": session})
        await _handler(channel, "user_uttered")(sid, {"session_id": session, "message": "kanarie-tekst"})
        packet_handler = channel.sio.eio.handlers["message"]
        await packet_handler("engine-1", '2[{"not": "an event name"}]')
        await packet_handler("engine-1", "2[]")
        await packet_handler("engine-1", "2{broken json")
        return sid

    with caplog.at_level("DEBUG"):
        sid = asyncio.run(scenario())
    assert [data["reason"] for event, data, room in emitted if event == "refused" and room == sid] == [
        "failed", "malformed", "malformed", "malformed"]
    assert "kanarie" not in caplog.text and "Traceback" not in caplog.text


def test_what_the_page_did_not_acknowledge_is_sent_again_when_its_session_returns(socket_channel):
    """A reply pushed while the page's connection is down (an adviser's live reply, the case code) reaches
    the page when it reconnects; what the page acknowledged is not sent twice."""
    channel, _, emitted, callbacks = socket_channel
    session, manager = "0123456789abcdef0123456789abcdef", channel.sio.manager
    join = _handler(channel, "session_request")

    def to(sid):
        return [data for event, data, room in emitted if room == sid and event == "bot_uttered"]

    async def scenario():
        first = await manager.connect("engine-1", "/")
        await join(first, {"session_id": session})
        output = channel.get_output_channel()
        await output.send_text_message(session, "Ik ben er.")
        assert [m["text"] for m in to(first)] == ["Ik ben er."]
        callbacks.pop()()  # the page acknowledges it
        await manager.disconnect(first, "/")  # the network drops
        await output.send_text_message(session, "Contactpersoon: ik blijf bereikbaar.")
        await output.send_custom_json(session, {"data": {"case_code": "ABCD-EFGH"}})
        assert to(first) and len(to(first)) == 1  # nothing more went to the dead connection

        second = await manager.connect("engine-2", "/")
        await join(second, {"session_id": session})
        again = to(second)
        assert [(m.get("text"), m.get("case_code"), m["seq"]) for m in again] == [
            ("Contactpersoon: ik blijf bereikbaar.", None, 2), (None, "ABCD-EFGH", 3)]
        for acknowledge in callbacks[-2:]:
            acknowledge()
        third = await manager.connect("engine-3", "/")
        await join(third, {"session_id": session})
        assert to(third) == []  # all acknowledged: nothing is shown twice

    asyncio.run(scenario())


def test_one_connection_gets_a_numbered_message_once_even_when_a_resend_races_its_delivery(socket_channel):
    """With several processes, a message pushed just as a page joins can come both from the outbox's resend at
    the session request and from its delivery to the room: the connection gets it once. A new connection
    after a drop gets what was not acknowledged again."""
    channel, _, emitted, _ = socket_channel
    session, manager = "0123456789abcdef0123456789abcdef", channel.sio.manager
    message = {"text": "Contactpersoon: ik ben er", "seq": 1}

    def to(sid):
        return [data["seq"] for event, data, room in emitted if room == sid and event == "bot_uttered"]

    async def scenario():
        first = await manager.connect("engine-1", "/")
        await channel.send_to_socket(first, session, message)  # delivered to the room
        await channel.send_to_socket(first, session, message)  # and resent from the outbox
        assert to(first) == [1]
        await _handler(channel, "disconnect")(first)
        second = await manager.connect("engine-2", "/")
        await channel.send_to_socket(second, session, message)
        assert to(second) == [1]

    asyncio.run(scenario())


def test_the_session_outbox_numbers_keeps_and_forgets():
    from bot.channels.session_outbox import SessionOutbox

    now = [0.0]
    outbox = SessionOutbox(keep_seconds=60, max_pending=3, clock=lambda: now[0])
    assert [outbox.add("a", {"text": t})["seq"] for t in "vwxyz"] == [1, 2, 3, 4, 5]
    assert [m["text"] for m in outbox.pending("a")] == ["x", "y", "z"]  # at most three wait; the oldest go
    outbox.acknowledge("a", 4)
    outbox.acknowledge("b", 1)  # an unknown session is no error
    assert [m["seq"] for m in outbox.pending("a")] == [3, 5] and outbox.pending("b") == []
    assert outbox.add("b", {"text": "eigen nummering"})["seq"] == 1
    now[0] = 61.0
    outbox.add("c", {"text": "later"})  # idle sessions are forgotten, with what they held
    assert outbox.pending("a") == [] and outbox.pending("b") == []
