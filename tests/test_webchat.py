"""The local web chat proxy: relays to Rasa, refuses bad input clearly, strict headers, nothing third-party."""

import asyncio
import re

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.institution_profile import load_profile
from bot.webchat.server import STATIC, create_app

SENDER = "0f5c1a2e-8a7b-4c1d-9e2f-3a4b5c6d7e8f"


TOKEN = "outbox-token-for-tests"


def fake_rasa(received, chat):
    """Behaves like Rasa's callback channel: posts each reply to the outbox before answering."""
    async def webhook(request):
        body = await request.json()
        received.append(body)
        reply = {"recipient_id": body["sender"], "text": "echo: " + body["message"],
                 "buttons": [{"title": "Ja", "payload": "/affirm"}]}
        async with aiohttp.ClientSession() as session:
            await session.post(chat["outbox"], json=reply, headers={"Authorization": f"Bearer {TOKEN}"})
        return web.Response(text="success")

    app = web.Application()
    app.router.add_post("/webhooks/callback/webhook", webhook)
    return app


async def with_chat(check):
    received, chat = [], {}
    async with TestServer(fake_rasa(received, chat)) as rasa:
        app = create_app(load_profile("rocmn"), str(rasa.make_url("/")), TOKEN)
        async with TestClient(TestServer(app)) as client:
            chat["outbox"] = str(client.make_url("/rasa/outbox"))
            await check(client, received)


def test_messages_are_relayed_to_rasa_and_back():
    async def check(client, received):
        response = await client.post("/api/message", json={"sender": SENDER, "text": "hallo"})
        assert response.status == 200
        assert (await response.json())[0]["text"] == "echo: hallo"
        assert received == [{"sender": SENDER, "message": "hallo"}]

    asyncio.run(with_chat(check))


def test_bad_input_gets_a_clear_error_not_a_crash():
    async def check(client, received):
        cases = [
            ({"sender": "x", "text": "hoi"}, "invalid conversation id"),
            ({"sender": SENDER, "text": "   "}, "empty message"),
            ({"sender": SENDER, "text": "a" * 4001}, "longer than 4000"),
        ]
        for body, reason in cases:
            response = await client.post("/api/message", json=body)
            assert response.status == 400 and reason in (await response.json())["error"]
        response = await client.post("/api/message", data="not json", headers={"Content-Type": "application/json"})
        assert response.status == 400
        assert received == []

    asyncio.run(with_chat(check))


def test_rasa_down_gives_503_and_a_plain_reason():
    async def check():
        app = create_app(load_profile("rocmn"), "http://127.0.0.1:9", TOKEN)
        async with TestClient(TestServer(app)) as client:
            response = await client.post("/api/message", json={"sender": SENDER, "text": "hoi"})
            assert response.status == 503
            assert await response.json() == {"error": "assistant unavailable"}

    asyncio.run(check())


def test_every_response_carries_strict_security_headers():
    async def check(client, received):
        for path in ("/", "/api/config", "/static/chat.js", "/missing"):
            response = await client.get(path)
            assert response.headers["Referrer-Policy"] == "no-referrer"
            assert response.headers["Cache-Control"] == "no-store"
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        config = await (await client.get("/api/config")).json()
        assert config == {"institution": "ROC Midden Nederland", "quick_exit_url": "https://www.google.nl",
                          "case_codes": False}

    asyncio.run(with_chat(check))


def test_the_page_loads_nothing_from_third_parties_and_stores_nothing():
    for path in STATIC.iterdir():
        source = path.read_text()
        assert not re.search(r"(src|href)=\"https?://", source), path
        assert "localStorage" not in source and "document.cookie" not in source, path


def test_messages_pushed_later_reach_the_long_poll_and_strangers_cannot_push():
    async def check(client, received):
        pushed = {"recipient_id": SENDER, "text": "Contactpersoon: ik ben er"}
        refused = await client.post("/rasa/outbox", json=pushed, headers={"Authorization": "Bearer wrong"})
        assert refused.status == 403
        waiting = asyncio.ensure_future(client.get("/api/updates", params={"sender": SENDER}))
        await asyncio.sleep(0.2)
        accepted = await client.post("/rasa/outbox", json=pushed, headers={"Authorization": f"Bearer {TOKEN}"})
        assert accepted.status == 200
        assert await (await waiting).json() == [{"text": "Contactpersoon: ik ben er"}]
        assert (await client.get("/api/updates", params={"sender": "bad"})).status == 400

    asyncio.run(with_chat(check))


def test_a_returning_reporter_reads_replies_and_answers_with_the_case_code(queue_db):
    from handoff.advisers import Advisers
    from handoff.case_queue import CaseQueue, Report

    _, sessions = queue_db
    advisers, queue = Advisers(sessions), CaseQueue(sessions)
    advisers.add("anna", "Anna (COG)", "correct horse battery staple", ["rocmn"])
    case_id, code = queue.enqueue(Report("rocmn", "", "pesten", {"summary": "x"}))
    queue.reply(advisers.unlock("anna", "correct horse battery staple"), case_id, "Hoe gaat het nu?")

    async def check():
        app = create_app(load_profile("rocmn"), "http://127.0.0.1:9", TOKEN, queue)
        async with TestClient(TestServer(app)) as client:
            thread = await (await client.post("/api/case", json={"code": code.lower()})).json()
            assert [(m["author"], m["text"]) for m in thread["messages"]] == [("adviser", "Hoe gaat het nu?")]
            answered = await (await client.post("/api/case", json={"code": code, "text": "Beter."})).json()
            assert [m["author"] for m in answered["messages"]] == ["adviser", "reporter"]
            assert (await client.post("/api/case", json={"code": "12"})).status == 400
            unknown = await client.post("/api/case", json={"code": "0000-0000-0000-0000-0000"})
            assert unknown.status == 404 and await unknown.json() == {"error": "unknown or closed case"}
            assert (await client.post("/api/case", json={"code": code, "text": " "})).status == 400
            assert (await (await client.get("/api/config")).json())["case_codes"] is True

    asyncio.run(check())
