"""aiohttp app serving the embeddable chat widget, its configuration, the case-code API and a sample school page."""

import asyncio
import json
from pathlib import Path
from typing import List, Optional

from aiohttp import web

from bot.channels import MAX_MESSAGE_CHARS
from bot.channels.ui_texts import ui_texts
from bot.institution_profile import Profile
from contactpunt.security_headers import quiet_malformed_requests, security_headers

STATIC = Path(__file__).parent / "static"
SAMPLE = Path(__file__).parent / "sample"
#: socket.io's browser client, installed from npm by `make` (package.json); served by us, never from a CDN.
SOCKET_IO_CLIENT = Path(__file__).resolve().parents[2] / "node_modules/socket.io-client/dist/socket.io.esm.min.js"
WIDGET_TEXTS = Path(__file__).parent / "widget_texts.yml"

PROFILE_KEY = web.AppKey("profile", Profile)
ORIGINS_KEY = web.AppKey("allowed_origins", list)
SOCKET_KEY = web.AppKey("socket_url", str)
QUEUE_KEY = web.AppKey("case_queue", object)
MAX_BODY_BYTES = 64 * 1024
#: What the widget's API says, in JSON, when aiohttp itself refuses a request.
REFUSALS = {404: "no such address", 405: "method not allowed",
            413: f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB"}


@web.middleware
async def school_origins_only(request: web.Request, handler):
    """The widget's API answers pages of the configured school origins, and nobody else's (CORS)."""
    origin = request.headers.get("Origin")
    allowed = request.app[ORIGINS_KEY]
    own = f"{request.scheme}://{request.host}"
    if request.path.startswith("/widget/") and origin and origin != own and origin not in allowed:
        return web.json_response({"error": "origin not allowed"}, status=403)
    if request.method == "OPTIONS" and origin:
        response = web.Response(status=204, headers={
            "Access-Control-Allow-Methods": "GET, POST", "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600"})
    else:
        response = await handler(request)
    if origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


@web.middleware
async def widget_errors_in_json(request: web.Request, handler):
    """The widget's API answers every refusal in JSON ({"error": ...}): also a wrong method, an unknown address
    and a body over the limit, which aiohttp answers in plain text."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or not request.path.startswith("/widget/"):
            raise
        headers = {name: value for name, value in error.headers.items()
                   if name.lower() not in ("content-type", "content-length")}
        return web.json_response({"error": REFUSALS.get(error.status, error.reason.lower())}, status=error.status,
                                 headers=headers)


def _sample_page(name: str):
    """A fictional school's page that embeds the widget with one script tag, as a school would."""
    async def serve(request: web.Request) -> web.StreamResponse:
        socket = request.app[SOCKET_KEY]
        response = web.FileResponse(SAMPLE / name)
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; connect-src 'self' {socket} {socket.replace('http', 'ws', 1)}; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        return response
    return serve


def _file(path: Path, content_type: str):
    async def serve(request: web.Request) -> web.StreamResponse:
        if not path.exists():
            return web.json_response({"error": "the widget is not installed: run `make run`"}, status=503)
        response = web.FileResponse(path, headers={"Content-Type": content_type})
        # Embedded in other sites' pages: may be loaded across origins (scripts and styles only).
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response
    return serve


async def config(request: web.Request) -> web.Response:
    """Institution, quick-exit address, where socket.io is, and the widget's texts in one language."""
    profile: Profile = request.app[PROFILE_KEY]
    wanted = request.query.get("profile")
    if wanted and wanted != profile.id:
        return web.json_response({"error": f"this Contactpunt serves the profile {profile.id!r}"}, status=404)
    language = "en" if request.query.get("lang") == "en" else "nl"
    return web.json_response({
        "institution": profile.name, "quick_exit_url": profile.quick_exit_url, "language": language,
        "socket_url": request.app[SOCKET_KEY], "case_codes": request.app[QUEUE_KEY] is not None,
        "max_message_chars": MAX_MESSAGE_CHARS, "texts": ui_texts(WIDGET_TEXTS)[language]})


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


async def _json(request: web.Request) -> Optional[dict]:
    """The body as a JSON object, read as UTF-8 whatever charset is declared (RFC 8259); None if it is not one
    (not UTF-8, not JSON, nested too deep to parse). A body over the limit raises 413."""
    body = await request.read()
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _text_error(text) -> Optional[str]:
    if not isinstance(text, str):
        return "a message is text"
    if not text.strip():
        return "empty message"
    if len(text) > MAX_MESSAGE_CHARS:
        return f"message longer than {MAX_MESSAGE_CHARS} characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the JSON): not text anyone typed
        return "the message is not valid text"
    return None


async def case_thread(request: web.Request) -> web.Response:
    """A returning reporter's thread, opened with the case code (sent in the body, never in a URL)."""
    from handoff.case_code import InvalidCaseCode
    from handoff.case_queue import CaseNotFound

    queue = request.app[QUEUE_KEY]
    if queue is None:
        return web.json_response({"error": "this Contactpunt has no case codes"}, status=404)
    body = await _json(request)
    if body is None:
        return _bad_request("expected a JSON object, in UTF-8")
    if not isinstance(body.get("code"), str):
        return _bad_request("expected a case code")
    loop = asyncio.get_running_loop()
    try:
        if "text" in body:
            if problem := _text_error(body["text"]):
                return _bad_request(problem)
            await loop.run_in_executor(None, queue.reporter_reply, body["code"], body["text"])
        status, messages = await loop.run_in_executor(None, queue.reporter_thread, body["code"])
    except InvalidCaseCode:
        return _bad_request("not a case code")
    except CaseNotFound:
        return web.json_response({"error": "unknown or closed case"}, status=404)
    return web.json_response({"status": status, "messages": [
        {"author": m.author, "text": m.text, "at": m.at.isoformat()} for m in messages]})


def create_app(profile: Profile, socket_url: str, allowed_origins: List[str], case_queue=None) -> web.Application:
    """`socket_url`: where browsers reach Rasa's socket.io channel; `allowed_origins`: the school pages
    that may embed the widget; `case_queue` (a handoff CaseQueue) enables coming back with a case code."""
    quiet_malformed_requests()
    # security_headers outermost: the origin check's own refusals and preflight answers carry the headers too.
    app = web.Application(middlewares=[security_headers, school_origins_only, widget_errors_in_json],
                          client_max_size=MAX_BODY_BYTES)
    app[PROFILE_KEY] = profile
    app[SOCKET_KEY] = socket_url.rstrip("/")
    app[ORIGINS_KEY] = list(allowed_origins)
    app[QUEUE_KEY] = case_queue
    app.router.add_get("/", _sample_page("school.html"))
    app.router.add_get("/en", _sample_page("school-en.html"))
    app.router.add_static("/sample/", SAMPLE)
    app.router.add_get("/widget.js", _file(STATIC / "widget.js", "text/javascript"))
    app.router.add_get("/widget/widget.css", _file(STATIC / "widget.css", "text/css"))
    app.router.add_get("/widget/socket.io.js", _file(SOCKET_IO_CLIENT, "text/javascript"))
    app.router.add_get("/widget/config", config)
    app.router.add_post("/widget/case", case_thread)
    return app
