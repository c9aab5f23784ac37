"""The adviser console (aiohttp): login with passphrase + TOTP, the queue, a case, live replies, audit log."""

import asyncio
import hmac
import re
import secrets
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import parse_qsl

import jinja2
from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from contactpunt.security_headers import quiet_malformed_requests, security_headers
from handoff.advisers import Advisers, LoginFailed
from handoff.case_queue import AMSTERDAM, LIVE, REFERRALS, CaseNotFound, CaseQueue, DecryptionError, aware, utcnow
from handoff.console.sessions import ConsoleSession, SessionStore
from handoff.rasa_client import RasaClient, RasaUnavailable
from handoff.report import default_period, months_between, to_csv
from handoff.report_render import context as report_context, environment as report_environment, label

HERE = Path(__file__).parent
COOKIE, LOGIN_COOKIE = "cp_console", "cp_login"
PUBLIC = ("/login", "/static/")
MAX_REPLY_CHARS = 4000
MAX_BODY_BYTES = 64 * 1024
#: Longer than any login (the column holds 64): refused without a look-up, and never remembered.
MAX_LOGIN_CHARS = 64
#: The longest period the overview covers (ten years); a longer one is refused, not computed.
MAX_REPORT_MONTHS = 120
#: Case ids are UUIDs (str(uuid4())); anything else is no case, and is not looked up.
CASE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: A month of the overview: YYYY-MM in ASCII digits from 2000-01 to 2999-12 (no case is older or that far ahead).
MONTH = re.compile(r"2[0-9]{3}-(0[1-9]|1[0-2])")
LOGIN_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
TOTP = re.compile(r"[0-9]{6}")

STATUS_LABELS = {"new": "nieuw", "claimed": "opgepakt", "live": "live met de melder", "closed": "afgesloten"}
URGENCY_LABELS = {"acute": "Acuut gevaar", "meldplicht": "Meldplicht", "meldcode": "Meldcode", "": ""}

QUEUE_KEY = web.AppKey("queue", CaseQueue)
ADVISERS_KEY = web.AppKey("advisers", Advisers)
SESSIONS_KEY = web.AppKey("sessions", SessionStore)
RASA_KEY = web.AppKey("rasa", object)
TEMPLATES_KEY = web.AppKey("templates", jinja2.Environment)
SECURE_KEY = web.AppKey("secure_cookies", bool)
PROCEDURES_KEY = web.AppKey("procedures", dict)
OVERVIEW_KEY = web.AppKey("overview", object)


def _local(moment: datetime) -> str:
    return aware(moment).astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def _render(request: web.Request, template: str, status: int = 200, **context) -> web.Response:
    html = request.app[TEMPLATES_KEY].get_template(template).render(
        session=request.get("session"), urgency_labels=URGENCY_LABELS,
        referral_labels={referral: label(referral).capitalize() for referral in REFERRALS},
        status_labels=STATUS_LABELS,
        local=_local, **context)
    return web.Response(text=html, content_type="text/html", status=status)


def _same(given: str, expected: str) -> bool:
    """A token from the request (any text) equals ours, compared in constant time."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


async def _form(request: web.Request) -> "MultiDictProxy[str]":
    """The posted form, as the console's pages send it: url-encoded UTF-8 of at most 64 KiB (else 413, 415 or
    400). Read once; aiohttp's own parser would take any charset or multipart and fail on bad bytes with a 500."""
    if "form" not in request:
        body = await request.read()  # raises 413 past client_max_size
        if body and (request.content_type != "application/x-www-form-urlencoded"
                     or str(request.charset or "utf-8").lower() not in ("utf-8", "utf8")):
            raise web.HTTPUnsupportedMediaType(text="a form is sent url-encoded, in UTF-8")
        try:
            fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise web.HTTPBadRequest(text="the form is not valid UTF-8") from None
        request["form"] = MultiDictProxy(MultiDict(fields))
    return request["form"]


@web.middleware
async def require_login(request: web.Request, handler):
    """Every route but the login page and static files needs a live session; POSTs need its CSRF token."""
    if request.path == "/login" or request.path.startswith("/static/"):
        return await handler(request)
    session = request.app[SESSIONS_KEY].get(request.cookies.get(COOKIE))
    if session is None:
        if request.method == "GET" and not request.path.endswith(".json"):
            raise web.HTTPSeeOther("/login")
        raise web.HTTPUnauthorized(text="login required")
    # A POST to no route (404, 405) gets that answer; one to a route needs the session's form token.
    if request.method == "POST" and request.match_info.http_exception is None:
        if not _same((await _form(request)).get("csrf", ""), session.csrf):
            raise web.HTTPForbidden(text="invalid form token; reload the page")
    request["session"] = session
    return await handler(request)


def _blocking(request: web.Request, function, *args):
    return asyncio.get_running_loop().run_in_executor(None, partial(function, *args))


# -- login ----------------------------------------------------------------------------------------

def _login_token(request: web.Request) -> str:
    """The double-submit token of the login form; kept across requests (a favicon fetch that is sent
    to /login must not replace it under an open form)."""
    current = request.cookies.get(LOGIN_COOKIE, "")
    return current if LOGIN_TOKEN.fullmatch(current) else secrets.token_urlsafe(24)


def _login_form(request: web.Request, status: int = 200, error: Optional[str] = None) -> web.Response:
    token = _login_token(request)
    response = _render(request, "login.html", status=status, login_token=token, error=error)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", secure=request.app[SECURE_KEY])
    return response


async def login_page(request: web.Request) -> web.Response:
    return _login_form(request)


def _login_token_matches(request: web.Request, form) -> bool:
    """The double submit: the form's token is the one in our login cookie (a cookie we could have set)."""
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    return bool(LOGIN_TOKEN.fullmatch(cookie)) and _same(form.get("login_token", ""), cookie)


def _totp_field(form) -> str:
    """The code as typed (spaces allowed); anything but six ASCII digits becomes "", which never matches."""
    code = form.get("totp", "").strip().replace(" ", "")
    return code if TOTP.fullmatch(code) else ""


async def login(request: web.Request) -> web.Response:
    form = await _form(request)
    if not _login_token_matches(request, form):
        raise web.HTTPForbidden(text="invalid form token; reload the page")
    login_name, sessions = form.get("login", "").strip(), request.app[SESSIONS_KEY]
    code = _totp_field(form)
    failed = "Inloggen mislukt. Controleer je gegevens."
    if not 0 < len(login_name) <= MAX_LOGIN_CHARS:
        return _login_form(request, 401, failed)  # no adviser has this login: nothing to look up or to lock
    if sessions.locked(login_name):
        return _login_form(request, 401, "Te veel pogingen. Probeer het over een kwartier opnieuw.")
    try:
        adviser = await _blocking(request, request.app[ADVISERS_KEY].unlock, login_name,
                                  form.get("passphrase", ""), code)
    except LoginFailed:
        sessions.failed(login_name)
        return _login_form(request, 401, failed)
    if sessions.code_already_used(login_name, code):
        sessions.failed(login_name)
        raise web.HTTPUnauthorized(text="This code was already used. Wait for the next one.")
    await _blocking(request, request.app[QUEUE_KEY].record, adviser.id, "login")
    response = web.HTTPSeeOther("/")
    response.set_cookie(COOKIE, sessions.create(adviser), httponly=True, samesite="Strict",
                        secure=request.app[SECURE_KEY])
    response.del_cookie(LOGIN_COOKIE)
    raise response


async def logout(request: web.Request) -> web.Response:
    session: ConsoleSession = request["session"]
    request.app[SESSIONS_KEY].end(request.cookies.get(COOKIE))
    await _blocking(request, request.app[QUEUE_KEY].record, session.adviser.id, "logout")
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE)
    raise response


# -- queue and cases --------------------------------------------------------------------------------

async def queue_page(request: web.Request) -> web.Response:
    session: ConsoleSession = request["session"]
    cases = await _blocking(request, request.app[QUEUE_KEY].queue_for, session.adviser)
    return _render(request, "queue.html", cases=cases, now=utcnow(), aware=aware,
                   procedures=request.app[PROCEDURES_KEY])


async def _open(request: web.Request, audit: bool):
    session: ConsoleSession = request["session"]
    case_id = request.match_info["case_id"]
    if not CASE_ID.fullmatch(case_id):
        raise web.HTTPNotFound(text="case not found")
    try:
        return await _blocking(request, request.app[QUEUE_KEY].open_case, session.adviser, case_id, audit)
    except (CaseNotFound, DecryptionError):
        raise web.HTTPNotFound(text="case not found") from None


async def case_page(request: web.Request) -> web.Response:
    view = await _open(request, audit=True)
    notice = {"unreachable": "De melder is nu niet live bereikbaar. Je bericht is bewaard; de melder leest het "
                             "met de casecode."}.get(request.query.get("notice", ""))
    return _render(request, "case.html", view=view, referrals=REFERRALS, now=utcnow(), aware=aware,
                   notice=notice, procedures=request.app[PROCEDURES_KEY])


async def case_messages(request: web.Request) -> web.Response:
    view = await _open(request, audit=False)
    return web.json_response({"status": view.case.status, "status_label": STATUS_LABELS[view.case.status], "messages": [
        {"author": m.author, "text": m.text, "at": _local(m.at), "acute": m.acute} for m in view.messages]})


async def _tell_reporter(request: web.Request, view, intent: str, entities: Optional[dict] = None) -> bool:
    conversation = view.report.get("conversation_id")
    rasa: Optional[RasaClient] = request.app[RASA_KEY]
    if not conversation or rasa is None:
        return False
    try:
        await rasa.trigger(conversation, intent, entities)
        return True
    except RasaUnavailable:
        return False


def _back(request: web.Request, reached: bool = True) -> web.HTTPSeeOther:
    suffix = "" if reached else "?notice=unreachable"
    return web.HTTPSeeOther(f"/cases/{request.match_info['case_id']}{suffix}")


async def claim(request: web.Request) -> web.Response:
    """Claim the case and join the reporter's conversation live."""
    session: ConsoleSession = request["session"]
    queue, case_id = request.app[QUEUE_KEY], request.match_info["case_id"]
    view = await _open(request, audit=False)
    try:
        await _blocking(request, queue.claim, session.adviser, case_id)
        await _blocking(request, queue.set_live, session.adviser, case_id, True)
    except CaseNotFound:
        raise web.HTTPNotFound(text="case not found") from None
    # The case id travels along: after an idle hour Rasa starts a new session without the old slots.
    raise _back(request, await _tell_reporter(request, view, "EXTERNAL_adviser_joined", {"joined_case": case_id}))


async def reply(request: web.Request) -> web.Response:
    session: ConsoleSession = request["session"]
    text = (await _form(request)).get("text", "").strip()
    if not text or len(text) > MAX_REPLY_CHARS:
        raise web.HTTPBadRequest(text=f"a reply is 1 to {MAX_REPLY_CHARS} characters")
    view = await _open(request, audit=False)
    try:
        await _blocking(request, request.app[QUEUE_KEY].reply, session.adviser, view.case.id, text)
    except CaseNotFound:
        raise web.HTTPNotFound(text="case not found") from None
    reached = view.case.status == LIVE and await _tell_reporter(
        request, view, "EXTERNAL_adviser_message", {"adviser_message": text})
    raise _back(request, reached or view.case.status != LIVE)


async def end_live(request: web.Request) -> web.Response:
    session: ConsoleSession = request["session"]
    view = await _open(request, audit=False)
    await _blocking(request, request.app[QUEUE_KEY].set_live, session.adviser, view.case.id, False)
    await _tell_reporter(request, view, "EXTERNAL_adviser_left")
    raise _back(request)


async def close(request: web.Request) -> web.Response:
    session: ConsoleSession = request["session"]
    referral = (await _form(request)).get("referral", "")
    if referral not in REFERRALS:
        raise web.HTTPBadRequest(text="choose a referral")
    view = await _open(request, audit=False)
    await _blocking(request, request.app[QUEUE_KEY].close, session.adviser, view.case.id, referral)
    if view.case.status == LIVE:
        await _tell_reporter(request, view, "EXTERNAL_adviser_left")
    raise web.HTTPSeeOther("/")


def _period(request: web.Request) -> tuple:
    """(first, last month) asked for, YYYY-MM each, at most MAX_REPORT_MONTHS apart; else 400."""
    first, last = default_period()
    first, last = request.query.get("from", first), request.query.get("to", last)
    if not (MONTH.fullmatch(first) and MONTH.fullmatch(last)):
        raise web.HTTPBadRequest(text="a month is written YYYY-MM, from 2000-01 to 2999-12")
    if first > last:
        raise web.HTTPBadRequest(text="the first month comes after the last")
    if len(months_between(first, last)) > MAX_REPORT_MONTHS:
        raise web.HTTPBadRequest(text=f"a period is at most {MAX_REPORT_MONTHS} months")
    return first, last


async def _overview(request: web.Request):
    if not request["session"].adviser.may_report:
        raise web.HTTPForbidden(text="The overview is for advisers who were given access to it.")
    first, last = _period(request)
    try:
        return await _blocking(request, request.app[OVERVIEW_KEY], first, last)
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from None


async def report_page(request: web.Request) -> web.Response:
    """The anonymised overview, for advisers with the report permission."""
    report = await _overview(request)
    return _render(request, "report.html", **report_context(report))


async def report_csv(request: web.Request) -> web.Response:
    report = await _overview(request)
    return web.Response(text=to_csv(report), content_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="contactpunt-{report.first_month}-{report.last_month}.csv"'})


async def audit_page(request: web.Request) -> web.Response:
    events = await _blocking(request, request.app[QUEUE_KEY].audit_log)
    return _render(request, "audit.html", events=events)


def create_console(queue: CaseQueue, advisers: Advisers, rasa: Optional[RasaClient], procedures: dict,
                   overview: Callable, secure_cookies: bool = False) -> web.Application:
    """`procedures`: per location, what an adviser must do in a meldplicht case (from the profiles);
    `overview(first_month, last_month)`: the anonymised report."""
    quiet_malformed_requests()
    app = web.Application(middlewares=[security_headers, require_login], client_max_size=MAX_BODY_BYTES)
    app[QUEUE_KEY], app[ADVISERS_KEY], app[RASA_KEY] = queue, advisers, rasa
    app[SESSIONS_KEY], app[SECURE_KEY], app[PROCEDURES_KEY] = SessionStore(), secure_cookies, procedures
    app[OVERVIEW_KEY] = overview
    app[TEMPLATES_KEY] = report_environment()
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", queue_page)
    app.router.add_get("/audit", audit_page)
    app.router.add_get("/report", report_page)
    app.router.add_get("/report.csv", report_csv)
    app.router.add_get("/cases/{case_id}", case_page)
    app.router.add_get("/cases/{case_id}/messages.json", case_messages)
    app.router.add_post("/cases/{case_id}/claim", claim)
    app.router.add_post("/cases/{case_id}/reply", reply)
    app.router.add_post("/cases/{case_id}/end-live", end_live)
    app.router.add_post("/cases/{case_id}/close", close)
    app.router.add_static("/static/", HERE / "static")
    return app
