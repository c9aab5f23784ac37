"""The adviser console: every route locked, CSRF, strict headers, login with TOTP, claim and live reply."""

import asyncio
import re
import time
from functools import partial

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from handoff.adviser_keys import totp_code
from handoff.advisers import Advisers
from handoff.case_queue import CaseQueue, Report
from handoff.console.app import ADVISERS_KEY, create_console
from handoff.rasa_client import RasaClient
from handoff.report import overview

PASSPHRASE = "correct horse battery staple"


def fake_rasa(triggered):
    async def trigger(request):
        assert request.headers["Authorization"].startswith("Bearer ")
        triggered.append((request.match_info["conversation"], (await request.json())))
        return web.json_response({"messages": []})

    app = web.Application()
    app.router.add_post("/conversations/{conversation}/trigger_intent", trigger)
    return app


def run_console(queue_db, check):
    _, sessions = queue_db
    advisers, queue = Advisers(sessions), CaseQueue(sessions)
    seed = advisers.add("anna", "Anna (COG)", PASSPHRASE, ["rocmn"])
    case_id, _ = queue.enqueue(Report("rocmn", "meldplicht", "seksuele_intimidatie", {
        "summary": "kanarie-console", "transcript": [["reporter", "hallo"]], "flags": {"minor": True},
        "reasons": ["minor:age_under_18"], "conversation_id": "conv-1234567890abcdef", "language": "nl"}))
    triggered = []

    async def main():
        async with TestServer(fake_rasa(triggered)) as rasa:
            app = create_console(queue, advisers, RasaClient(str(rasa.make_url("")), "s" * 32),
                                 {"rocmn": "Meld dit meteen bij het College van Bestuur."},
                                 partial(overview, sessions))
            async with TestClient(TestServer(app)) as client:
                await check(client, app, seed, case_id, triggered)

    asyncio.run(main())


async def log_in(client, seed, code=None):
    page = await (await client.get("/login")).text()
    token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
    return await client.post("/login", data={"login_token": token, "login": "anna", "passphrase": PASSPHRASE,
                                             "totp": code or totp_code(seed, time.time())}, allow_redirects=False)


async def csrf_of(client, path="/"):
    return re.search(r'name="csrf" value="([^"]+)"', await (await client.get(path)).text()).group(1)


def test_every_route_but_login_and_static_refuses_a_stranger(queue_db):
    async def check(client, app, seed, case_id, triggered):
        for resource in app.router.resources():
            info = resource.get_info()
            path = info.get("path") or info.get("formatter") or info.get("prefix")
            path = path.replace("{case_id}", case_id)
            for route in resource:
                if route.method == "HEAD":
                    continue
                response = await client.request(route.method, path if "prefix" not in info else path + "/console.css",
                                                allow_redirects=False)
                body = await response.text()
                if path == "/login" or "prefix" in info:
                    assert response.status in (200, 401, 403), (route.method, path)
                else:
                    assert response.status in (303, 401), (route.method, path, response.status)
                assert "kanarie" not in body
                assert response.headers["Content-Security-Policy"].count("frame-ancestors 'none'") == 1
                assert response.headers["Referrer-Policy"] == "no-referrer"
                assert response.headers["Cache-Control"] == "no-store"

    run_console(queue_db, check)


def test_login_needs_the_right_totp_and_a_form_token(queue_db):
    async def check(client, app, seed, case_id, triggered):
        assert (await log_in(client, seed, code=totp_code(seed, time.time() - 600))).status == 401
        forged = await client.post("/login", data={"login_token": "x", "login": "anna", "passphrase": PASSPHRASE,
                                                   "totp": totp_code(seed, time.time())}, allow_redirects=False)
        assert forged.status == 403
        response = await log_in(client, seed)
        assert response.status == 303
        cookie = response.cookies["cp_console"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        assert "kanarie-console" not in await (await client.get("/")).text()  # the queue shows no content

    run_console(queue_db, check)


def test_a_post_without_the_csrf_token_is_refused(queue_db):
    async def check(client, app, seed, case_id, triggered):
        await log_in(client, seed)
        refused = await client.post(f"/cases/{case_id}/claim", data={}, allow_redirects=False)
        assert refused.status == 403 and triggered == []
        refused = await client.post(f"/cases/{case_id}/claim", data={"csrf": "guess"}, allow_redirects=False)
        assert refused.status == 403

    run_console(queue_db, check)


def test_queue_shows_meldplicht_procedure_and_case_shows_summary_and_why(queue_db):
    async def check(client, app, seed, case_id, triggered):
        await log_in(client, seed)
        queue_page = await (await client.get("/")).text()
        assert "Meldplicht" in queue_page and "College van Bestuur" in queue_page
        case_page = await (await client.get(f"/cases/{case_id}")).text()
        assert "kanarie-console" in case_page and "minor:age_under_18" in case_page

    run_console(queue_db, check)


def test_claim_joins_the_conversation_and_a_reply_reaches_the_reporter(queue_db):
    async def check(client, app, seed, case_id, triggered):
        await log_in(client, seed)
        token = await csrf_of(client, f"/cases/{case_id}")
        claimed = await client.post(f"/cases/{case_id}/claim", data={"csrf": token}, allow_redirects=False)
        assert claimed.status == 303 and "notice" not in claimed.headers["Location"]
        await client.post(f"/cases/{case_id}/reply", data={"csrf": token, "text": "Ik ben Anna."},
                          allow_redirects=False)
        await client.post(f"/cases/{case_id}/end-live", data={"csrf": token}, allow_redirects=False)
        assert [(c, body["name"]) for c, body in triggered] == [
            ("conv-1234567890abcdef", "EXTERNAL_adviser_joined"),
            ("conv-1234567890abcdef", "EXTERNAL_adviser_message"),
            ("conv-1234567890abcdef", "EXTERNAL_adviser_left"),
        ]
        assert triggered[0][1]["entities"] == {"joined_case": case_id}
        assert triggered[1][1]["entities"] == {"adviser_message": "Ik ben Anna."}
        thread = await (await client.get(f"/cases/{case_id}/messages.json")).json()
        assert thread["status"] == "claimed" and thread["messages"][0]["text"] == "Ik ben Anna."
        closed = await client.post(f"/cases/{case_id}/close", data={"csrf": token, "referral": "cvb"},
                                   allow_redirects=False)
        assert closed.status == 303
        audit = await (await client.get("/audit")).text()
        for action in ("opened", "claimed", "answered", "closed", "login"):
            assert action in audit
        assert "Ik ben Anna" not in audit

    run_console(queue_db, check)


def test_logout_forgets_the_session(queue_db):
    async def check(client, app, seed, case_id, triggered):
        await log_in(client, seed)
        token = await csrf_of(client)
        await client.post("/logout", data={"csrf": token}, allow_redirects=False)
        assert (await client.get("/", allow_redirects=False)).status == 303

    run_console(queue_db, check)


def test_sessions_expire_when_idle():
    from handoff.console.sessions import IDLE_SECONDS, SessionStore
    from handoff.case_queue import UnlockedAdviser

    now = [1000.0]
    store = SessionStore(clock=lambda: now[0])
    token = store.create(UnlockedAdviser(1, "anna", "Anna", "x25519", b"k" * 32))
    assert store.get(token) is not None
    now[0] += IDLE_SECONDS + 1
    assert store.get(token) is None and store.get(token) is None


def test_five_failed_logins_lock_the_account_for_a_while():
    from handoff.console.sessions import LOCKOUT_SECONDS, MAX_FAILURES, SessionStore

    now = [0.0]
    store = SessionStore(clock=lambda: now[0])
    for _ in range(MAX_FAILURES):
        store.failed("anna")
    assert store.locked("anna")
    now[0] += LOCKOUT_SECONDS + 1
    assert not store.locked("anna")


def test_a_case_past_its_five_working_days_is_shown_overdue(queue_db):
    from datetime import datetime, timezone

    _, sessions = queue_db
    old = CaseQueue(sessions, now=lambda: datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))

    async def check(client, app, seed, case_id, triggered):
        old.enqueue(Report("rocmn", "", "pesten", {"summary": "oud"}))
        await log_in(client, seed)
        page = await (await client.get("/")).text()
        assert page.count("te laat") == 1  # the old case; the fresh meldplicht case is within its deadline
        assert "12-01-2026" in page  # Monday 5 January + five working days = Monday 12 January

    run_console(queue_db, check)


def test_a_used_totp_code_cannot_be_replayed(queue_db):
    async def check(client, app, seed, case_id, triggered):
        code = totp_code(seed, time.time())
        assert (await log_in(client, seed, code)).status == 303
        client.session.cookie_jar.clear()
        assert (await log_in(client, seed, code)).status == 401

    run_console(queue_db, check)


def test_expired_sessions_are_forgotten_without_being_asked_for():
    from handoff.case_queue import UnlockedAdviser
    from handoff.console.sessions import ABSOLUTE_SECONDS, SessionStore

    now = [0.0]
    store = SessionStore(clock=lambda: now[0])
    store.create(UnlockedAdviser(1, "anna", "Anna", "x25519", b"k" * 32))
    now[0] += ABSOLUTE_SECONDS + 1
    store.create(UnlockedAdviser(2, "bram", "Bram", "x25519", b"b" * 32))
    assert [s.adviser.login for s in store._sessions.values()] == ["bram"]


def test_the_anonymised_overview_is_in_the_console(queue_db):
    async def check(client, app, seed, case_id, triggered):
        assert (await client.get("/report", allow_redirects=False)).status == 303
        await log_in(client, seed)
        assert (await client.get("/report")).status == 403  # not without the report permission
        assert "Overzicht" not in await (await client.get("/")).text()
        app[ADVISERS_KEY].set_report_permission("anna", True)
        client.session.cookie_jar.clear()
        await log_in(client, seed, totp_code(seed, time.time() + 30))
        page = await (await client.get("/report?from=2026-01&to=2026-12")).text()
        assert "Meldingen per soort gedrag" in page and "&lt;5" in page  # one case: every count hidden
        assert "kanarie-console" not in page
        csv_text = await (await client.get("/report.csv?from=2026-01&to=2026-12")).text()
        assert csv_text.startswith("section,row,month,count")
        assert (await client.get("/report?from=2026-13&to=2026-12")).status == 400

    run_console(queue_db, check)
