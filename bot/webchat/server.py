"""aiohttp app serving the chat page and relaying messages to Rasa; logs no text, ids or addresses."""

import re
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.institution_profile import Profile

STATIC = Path(__file__).parent / "static"
MAX_MESSAGE_CHARS = 4000
_SENDER = re.compile(r"^[A-Za-z0-9-]{16,64}$")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}

PROFILE_KEY = web.AppKey("profile", Profile)
RASA_KEY = web.AppKey("rasa_webhook", str)


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as error:
        response = error
    response.headers.update(SECURITY_HEADERS)
    return response


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html")


async def config(request: web.Request) -> web.Response:
    profile: Profile = request.app[PROFILE_KEY]
    return web.json_response({"institution": profile.name, "quick_exit_url": profile.quick_exit_url})


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


async def message(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _bad_request("expected JSON")
    sender, text = body.get("sender"), body.get("text")
    if not isinstance(sender, str) or not _SENDER.match(sender):
        return _bad_request("invalid conversation id")
    if not isinstance(text, str) or not text.strip():
        return _bad_request("empty message")
    if len(text) > MAX_MESSAGE_CHARS:
        return _bad_request(f"message longer than {MAX_MESSAGE_CHARS} characters")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            async with session.post(request.app[RASA_KEY], json={"sender": sender, "message": text}) as reply:
                reply.raise_for_status()
                return web.json_response(await reply.json())
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return web.json_response({"error": "assistant unavailable"}, status=503)


def create_app(profile: Profile, rasa_url: str) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[PROFILE_KEY] = profile
    app[RASA_KEY] = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    app.router.add_get("/", index)
    app.router.add_get("/api/config", config)
    app.router.add_post("/api/message", message)
    app.router.add_static("/static/", STATIC)
    return app
