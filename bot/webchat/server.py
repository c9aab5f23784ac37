"""aiohttp app serving the chat page, relaying to Rasa's callback channel and back; logs no text, ids or addresses."""

import asyncio
import hmac
import re
from pathlib import Path
from typing import Optional

import aiohttp
from aiohttp import web

from bot.security_headers import security_headers

from bot.institution_profile import Profile
from bot.webchat.outbox import Outbox

STATIC = Path(__file__).parent / "static"
MAX_MESSAGE_CHARS = 4000
LONG_POLL_SECONDS = 25
_SENDER = re.compile(r"^[A-Za-z0-9-]{16,64}$")


PROFILE_KEY = web.AppKey("profile", Profile)
RASA_KEY = web.AppKey("rasa_webhook", str)
OUTBOX_KEY = web.AppKey("outbox", Outbox)
TOKEN_KEY = web.AppKey("outbox_token", str)
QUEUE_KEY = web.AppKey("case_queue", object)


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html")


async def config(request: web.Request) -> web.Response:
    profile: Profile = request.app[PROFILE_KEY]
    return web.json_response({"institution": profile.name, "quick_exit_url": profile.quick_exit_url,
                              "case_codes": request.app[QUEUE_KEY] is not None})


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


async def _json(request: web.Request) -> Optional[dict]:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _text_error(text) -> Optional[str]:
    if not isinstance(text, str) or not text.strip():
        return "empty message"
    if len(text) > MAX_MESSAGE_CHARS:
        return f"message longer than {MAX_MESSAGE_CHARS} characters"
    return None


async def message(request: web.Request) -> web.Response:
    """Send the reporter's message to Rasa; answer with what the assistant said in reply."""
    body = await _json(request)
    if body is None:
        return _bad_request("expected JSON")
    sender, text = body.get("sender"), body.get("text")
    if not isinstance(sender, str) or not _SENDER.match(sender):
        return _bad_request("invalid conversation id")
    if problem := _text_error(text):
        return _bad_request(problem)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            async with session.post(request.app[RASA_KEY], json={"sender": sender, "message": text}) as reply:
                reply.raise_for_status()
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return web.json_response({"error": "assistant unavailable"}, status=503)
    # Rasa's callback channel has delivered every reply to the outbox before answering the webhook.
    return web.json_response(request.app[OUTBOX_KEY].take(sender))


async def updates(request: web.Request) -> web.Response:
    """Long poll: messages that arrive without a question, such as an adviser's live replies."""
    sender = request.query.get("sender", "")
    if not _SENDER.match(sender):
        return _bad_request("invalid conversation id")
    return web.json_response(await request.app[OUTBOX_KEY].wait(sender, LONG_POLL_SECONDS))


async def rasa_callback(request: web.Request) -> web.Response:
    """Where Rasa's callback channel posts the assistant's messages (loopback, with a shared token)."""
    expected = "Bearer " + request.app[TOKEN_KEY]
    if not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
        raise web.HTTPForbidden()
    body = await _json(request)
    if body is None or not isinstance(body.get("recipient_id"), str):
        return _bad_request("expected a Rasa message")
    request.app[OUTBOX_KEY].put(body["recipient_id"], {k: v for k, v in body.items() if k != "recipient_id"})
    return web.json_response({"ok": True})


async def case_thread(request: web.Request) -> web.Response:
    """A returning reporter's thread, opened with the case code (sent in the body, never in a URL)."""
    from handoff.case_code import InvalidCaseCode
    from handoff.case_queue import CaseNotFound

    queue = request.app[QUEUE_KEY]
    body = await _json(request)
    if queue is None or body is None or not isinstance(body.get("code"), str):
        return _bad_request("expected a case code")
    try:
        if "text" in body:
            if problem := _text_error(body["text"]):
                return _bad_request(problem)
            await asyncio.get_running_loop().run_in_executor(None, queue.reporter_reply, body["code"], body["text"])
        status, messages = await asyncio.get_running_loop().run_in_executor(None, queue.reporter_thread, body["code"])
    except InvalidCaseCode:
        return _bad_request("not a case code")
    except CaseNotFound:
        return web.json_response({"error": "unknown or closed case"}, status=404)
    return web.json_response({"status": status, "messages": [
        {"author": m.author, "text": m.text, "at": m.at.isoformat()} for m in messages]})


def create_app(profile: Profile, rasa_url: str, outbox_token: str, case_queue=None) -> web.Application:
    """`case_queue` (a handoff CaseQueue) enables coming back with a case code."""
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[PROFILE_KEY] = profile
    app[RASA_KEY] = rasa_url.rstrip("/") + "/webhooks/callback/webhook"
    app[OUTBOX_KEY] = Outbox()
    app[TOKEN_KEY] = outbox_token
    app[QUEUE_KEY] = case_queue
    app.router.add_get("/", index)
    app.router.add_get("/api/config", config)
    app.router.add_post("/api/message", message)
    app.router.add_get("/api/updates", updates)
    app.router.add_post("/api/case", case_thread)
    app.router.add_post("/rasa/outbox", rasa_callback)
    app.router.add_static("/static/", STATIC)
    return app
