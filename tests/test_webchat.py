"""The local web chat proxy: relays to Rasa, refuses bad input clearly, strict headers, nothing third-party."""

import asyncio
import re

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.institution_profile import load_profile
from bot.webchat.server import STATIC, create_app

SENDER = "0f5c1a2e-8a7b-4c1d-9e2f-3a4b5c6d7e8f"


def fake_rasa(received):
    async def webhook(request):
        body = await request.json()
        received.append(body)
        return web.json_response([{"recipient_id": body["sender"], "text": "echo: " + body["message"],
                                   "buttons": [{"title": "Ja", "payload": "/affirm"}]}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    return app


async def with_chat(check):
    received = []
    async with TestServer(fake_rasa(received)) as rasa:
        app = create_app(load_profile("rocmn"), str(rasa.make_url("/")))
        async with TestClient(TestServer(app)) as client:
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
        app = create_app(load_profile("rocmn"), "http://127.0.0.1:9")
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
        assert config == {"institution": "ROC Midden Nederland", "quick_exit_url": "https://www.google.nl"}

    asyncio.run(with_chat(check))


def test_the_page_loads_nothing_from_third_parties_and_stores_nothing():
    for path in STATIC.iterdir():
        source = path.read_text()
        assert not re.search(r"(src|href)=\"https?://", source), path
        assert "localStorage" not in source and "document.cookie" not in source, path
