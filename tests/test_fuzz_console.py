"""Fuzzing the adviser console over HTTP: every route and method, logged in or not, with forged tokens, case ids
of every shape, bodies of every kind and size. Every answer is a deliberate 2xx/3xx/4xx, no request makes aiohttp
log an exception, and a POST without the right token changes nothing."""

import asyncio
import json
import logging
import re
import time
from urllib.parse import quote, urlencode

import pytest
from aiohttp import ClientSession, DummyCookieJar, FormData, TCPConnector
from hypothesis import event, example, given, note, strategies as st
from sqlalchemy import func, select
from yarl import URL

from handoff.adviser_keys import totp_code
from handoff.case_queue import REFERRALS, Report
from handoff.console.app import ADVISERS_KEY, COOKIE, LOGIN_COOKIE, QUEUE_KEY, SESSIONS_KEY
from handoff.models import CLOSED, AuditEvent, Case, CaseItem
from handoff.report import default_period
from tests.fuzzing import fuzz_settings, tried
from tests.test_console import PASSPHRASE, run_console

LIMIT = 64 * 1024
ANSWERS = {200, 303, 400, 401, 403, 404, 405, 413, 415}
#: Weighted towards what reads a body (a logged-in POST with the right token); every other kind is still tried.
METHODS = ("POST",) * 4 + ("GET",) * 2 + ("PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
ROUTES = ("/login", "/logout", "/", "/audit", "/report", "/report.csv", "/cases/{id}", "/cases/{id}/messages.json",
          "/cases/{id}/claim", "/cases/{id}/reply", "/cases/{id}/end-live", "/cases/{id}/close")
POST_ROUTES = {"/login", "/logout", "/cases/{id}/claim", "/cases/{id}/reply", "/cases/{id}/end-live",
               "/cases/{id}/close"}
OTHER_PATHS = ("/static/console.css", "/static/../app.py", "/static/%2e%2e/app.py", "/static/", "/cases",
               "/cases/", "/%2e%2e/%2e%2e/etc/passwd", "/login/", "/LOGIN", "//", "/report.json", "/audit/x",
               "/cases/{id}/claim/", "/cases/{id}/unknown", "/%FF", "/cases/{id}%00")
#: What goes into the path where a case id belongs, already percent-encoded; OPEN is the open case of the moment.
OPEN, OPEN_UPPER = "{open}", "{OPEN}"
CASE_IDS = ("", "%20", ".", "..", "%2e%2e", "..%2f..%2fapp.py", "%2e%2e%2f%2e%2e%2f", "%2F", "%00", "%0d%0aX-A:%20b",
            "%27%3B%20DROP%20TABLE%20cases%3B%20--", "1%27%20OR%20%271%27%3D%271", "%FF%FE", "null", "-1", "0",
            "00000000-0000-0000-0000-000000000000", "a" * 5000, "%E2%80%AE", "%F0%9F%98%80", OPEN)
REPORT_MONTHS = ("2026-01", "2026-12", "2026-13", "2026-00", "2026-1", "26-01", "2026-01-01", "2026_01", "", " ",
                 "0000-01", "0001-01", "9999-12", "\u0662\u0660\u0662\u0666-\u0660\u0661",
                 "\u00b2\u00b2\u00b2\u00b2-01",
                 "2026-\uff11", "-2026-01", "2026--1", "2026-+1", "+026-01", "1e10-01", "2026-01\x00", "%", "%FF",
                 "9999-11", "2999-12", "3000-01", "1999-12", "2000-01")


def forged_text(max_size=80):
    return st.text(max_size=max_size)


def case_ids():
    return st.one_of(st.sampled_from(CASE_IDS), st.uuids().map(str),
                     st.text(max_size=60).map(lambda t: quote(t, safe="")),
                     st.sampled_from([OPEN + suffix for suffix in ("%20", "%0a", "/", "x")]),
                     st.just(OPEN_UPPER))


def months():
    return st.one_of(st.sampled_from(REPORT_MONTHS), st.text(max_size=12),
                     st.from_regex(r"\A-?[0-9]{1,5}-[0-9]{1,3}\Z"),
                     st.builds(lambda year, month: f"{year:04d}-{month:02d}", st.integers(0, 9999), st.integers(1, 12)))


def valid_period(first, last):
    """What the console accepts: YYYY-MM in ASCII digits from 2000-01 to 2999-12, in order, at most ten years."""
    shape = re.compile(r"2[0-9]{3}-(0[1-9]|1[0-2])")
    if not (shape.fullmatch(first) and shape.fullmatch(last)) or first > last:
        return False
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) < 120


@st.composite
def paths(draw):
    """(route pattern, raw path with query, whether the path is the route's own) — percent-encoded as it goes on
    the wire."""
    pattern = draw(st.one_of(st.sampled_from(ROUTES), st.sampled_from(ROUTES), st.sampled_from(OTHER_PATHS),
                             st.text(min_size=1, max_size=30).map(lambda t: "/" + quote(t, safe="/"))))
    case_id = draw(case_ids())
    path = pattern.replace("{id}", case_id)
    own = pattern in ROUTES and ("{id}" not in pattern or bool(case_id) and case_id.replace("-", "").isalnum()
                                 or case_id in (OPEN, OPEN_UPPER))
    query = {}
    if pattern.startswith("/report") and draw(st.booleans()):
        query = {key: draw(months()) for key in draw(st.sets(st.sampled_from(["from", "to"])))}
    if pattern == "/cases/{id}" and draw(st.booleans()):
        query["notice"] = draw(st.one_of(st.just("unreachable"), forged_text(20)))
    raw_query = "&".join(f"{key}={quote(value, safe='%')}" for key, value in query.items())
    return pattern, path + ("?" + raw_query if raw_query else ""), own


#: How a request carries the session cookie and the CSRF token of the form.
SESSIONS = ("live",) * 3 + ("none", "ended", "forged")
TOKENS = ("right",) * 3 + ("missing", "empty", "forged", "overlong", "prefix", "other_session", "unicode", "case")
CHARSETS = ("", "; charset=utf-8", "; charset=UTF-8", "; charset=latin-1", "; charset=utf-16",
            "; charset=unicode_escape", "; charset=rot13", "; charset=no-such-charset", "; charset*=utf-8''%FF",
            '; charset="utf-8"', "; charset=")
CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=x",
                 "application/json", "text/plain", "text/html", "application/octet-stream", "", "x", "/", ";;;",
                 "application/x-www-form-urlencoded; charset", "multipart/mixed; boundary=\"\"", "*/*")


@st.composite
def fields(draw):
    """The form fields (without csrf): the console's own names with any values, and others."""
    names = draw(st.sets(st.sampled_from(["text", "referral", "login", "passphrase", "totp", "notice", "x"])))
    values = {
        "text": st.one_of(forged_text(200), st.sampled_from(["Ik ben Anna.", " ", "\x00", "a" * 4001, "a" * 4000])),
        "referral": st.one_of(st.sampled_from(REFERRALS), forged_text(20)),
        "login": st.one_of(st.just("anna"), forged_text(80)),
        "passphrase": st.one_of(st.just(PASSPHRASE), forged_text(80)),
    }
    return {name: draw(values.get(name, forged_text(40))) for name in sorted(names)}


@st.composite
def bodies(draw, form):
    """(data, headers, size) of one body kind carrying the `form` fields."""
    kind = draw(st.sampled_from(["form", "form", "none", "raw", "invalid_utf8", "multipart", "multipart_raw", "json",
                                 "oversized", "repeated"]))
    note(f"body kind {kind}")
    form_type = {"Content-Type": "application/x-www-form-urlencoded" + draw(st.sampled_from(CHARSETS))}
    if kind == "none":
        return None, {}, 0
    if kind == "form":
        data = urlencode(form).encode()
        return data, form_type, len(data)
    if kind == "repeated":
        data = urlencode([(name, value) for name, value in form.items() for _ in range(3)]).encode()
        return data, form_type, len(data)
    if kind == "raw":
        data = draw(st.binary(max_size=300))
        return data, {"Content-Type": draw(st.sampled_from(CONTENT_TYPES))}, len(data)
    if kind == "invalid_utf8":
        bad = draw(st.sampled_from([b"\xff", b"\xfe\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"%FF", b"%C3%28", b"%ED%A0%80",
                                    b"\x80abc", b"%", b"%%", b"%zz", b"=\xff=", b"&&&==", b"\x00"]))
        data = urlencode(form).encode() + b"&" + draw(st.sampled_from([b"text=", b"csrf=", b"", b"login="])) + bad
        return data, form_type, len(data)
    if kind == "multipart":
        multipart = FormData()
        for name, value in form.items():
            multipart.add_field(name, value)
        if draw(st.booleans()):
            multipart.add_field("upload", b"\xff\x00binary", filename=draw(forged_text(20)) or "f.bin",
                                content_type=draw(st.sampled_from(["application/octet-stream", "text/plain"])))
        return multipart, {}, 0
    if kind == "multipart_raw":
        disposition = draw(st.sampled_from(['form-data; name="csrf"', "form-data", 'attachment; filename="x"', "",
                                            'form-data; name="text"; filename*=utf-8\'\'%FF']))
        part_type = draw(st.sampled_from(["", "Content-Type: text/plain; charset=no-such\r\n",
                                          "Content-Type: text/plain; charset=utf-16\r\n"]))
        body = (f"--b\r\nContent-Disposition: {disposition}\r\n{part_type}\r\n").encode() + \
            draw(st.binary(max_size=40)) + draw(st.sampled_from([b"\r\n--b--\r\n", b"", b"\r\n--b\r\n"]))
        return body, {"Content-Type": "multipart/form-data; boundary=b"}, len(body)
    if kind == "json":
        data = json.dumps(form).encode()
        content_type = draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded"]))
        return data, {"Content-Type": content_type}, len(data)
    size = draw(st.integers(min_value=LIMIT + 1, max_value=3 * LIMIT))
    data = (urlencode(form) + "&pad=").encode()
    data += b"x" * (size - len(data))
    return data, {"Content-Type": draw(st.sampled_from(["application/x-www-form-urlencoded", "application/json",
                                                         "text/plain", "application/octet-stream"]))}, len(data)


class Recorder(logging.Handler):
    """Every error logged while a request was served (aiohttp logs 'Error handling request' before a 500)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(f"{record.name}: {record.getMessage()} {record.exc_info and record.exc_info[1]!r}")


@pytest.fixture
def recorder():
    handler = Recorder()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def queue_url(tmp_path):
    """The fuzz tests use SQLite only (conftest's queue_db migrates it)."""
    return f"sqlite:///{tmp_path / 'queue.sqlite'}"


class Console:
    """The running console seen from the fuzzer's thread: requests are sent on the server's event loop."""

    def __init__(self, http, base, app, sessions, case_id, loop):
        self.http, self.base, self.app, self.sessions, self.loop = http, base, app, sessions, loop
        self.adviser = app[ADVISERS_KEY].unlock("anna", PASSPHRASE)
        self.open_case = case_id

    def run(self, coroutine, timeout=30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def request(self, method, raw_path, data=None, headers=None):
        """(status, headers, body text) of one request, sent exactly as given (no cookie jar)."""
        async def send():
            async with self.http.request(method, URL(self.base + raw_path, encoded=True), data=data,
                                         headers=headers or {}, allow_redirects=False) as response:
                return response.status, response.headers, await response.text(errors="replace")
        return self.run(send())

    def new_session(self):
        """(cookie, csrf token) of a fresh adviser session, as a login would make it."""
        store = self.app[SESSIONS_KEY]
        token = store.create(self.adviser)
        return token, store.get(token).csrf

    def state(self):
        """What a forged request must not change: the audit log, the case items, each case's status."""
        with self.sessions() as session:
            return (session.scalar(select(func.count()).select_from(AuditEvent)),
                    session.scalar(select(func.count()).select_from(CaseItem)),
                    tuple(session.execute(select(Case.id, Case.status, Case.claimed_by).order_by(Case.id)).all()))

    def keep_a_case_open(self):
        with self.sessions() as session:
            closed = session.scalar(select(Case.status).where(Case.id == self.open_case)) == CLOSED
        if closed:
            self.open_case, _ = self.app[QUEUE_KEY].enqueue(Report("rocmn", "", "pesten", {"summary": "kanarie-fuzz"}))


def fuzz_console(queue_db, recorder, property_check):
    """Runs `property_check(console)` (a Hypothesis test) in a thread while the console serves on its loop."""
    _, sessions = queue_db

    async def check(client, app, seed, case_id, triggered):
        # A connection per request: aiohttp 3.9's client reuses a connection whose body it stopped sending when
        # the server answered early (a 401 or 413), and the next request then hangs (aiohttp #7599, fixed in 3.10).
        async with ClientSession(connector=TCPConnector(force_close=True), cookie_jar=DummyCookieJar()) as http:
            console = Console(http, str(client.make_url("/")).rstrip("/"), app, sessions, case_id,
                              asyncio.get_running_loop())
            await asyncio.get_running_loop().run_in_executor(None, property_check, console, seed)

    run_console(queue_db, check)


def malformed(headers):
    """A header aiohttp's parser refuses (a control character): aiohttp answers 400 before any app code runs."""
    return any(ord(ch) < 32 and ch != "\t" or ord(ch) == 127 for value in headers.values() for ch in value)


def assert_deliberate(status, answer, recorder, where, sent_headers):
    assert status in ANSWERS, (status, where)
    assert not recorder.records, (recorder.records, where)
    if malformed(sent_headers):
        assert status == 400, where  # refused by the HTTP parser, without our headers (nothing of ours is in it)
        return
    assert answer.get("Referrer-Policy") == "no-referrer" and answer.get("Cache-Control") == "no-store", where
    assert "frame-ancestors 'none'" in answer.get("Content-Security-Policy", ""), where


def cookie_header(cookies):
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def header_safe(text):
    return "".join(ch for ch in text if ch not in "\r\n\x00")


@pytest.mark.fuzz
def test_fuzz_every_route_method_token_and_body(queue_db, recorder):
    def property_check(console, seed):
        ended, _ = console.new_session()
        console.app[SESSIONS_KEY].end(ended)
        other_csrf = console.new_session()[1]

        @fuzz_settings(200, 4000)
        @given(st.sampled_from(METHODS), paths(), st.sampled_from(SESSIONS), st.sampled_from(TOKENS), fields(),
               st.data())
        def one_request(method, route, session_mode, token_mode, form, data):
            tried("console")
            recorder.records.clear()
            console.keep_a_case_open()
            pattern, raw_path, own = route
            raw_path = raw_path.replace(OPEN, console.open_case).replace(OPEN_UPPER, console.open_case.upper())
            cookie, csrf = console.new_session()
            cookies = {"live": {COOKIE: cookie}, "ended": {COOKIE: ended}, "none": {},
                       "forged": {COOKIE: header_safe(data.draw(forged_text(), label="forged cookie"))}}[session_mode]
            token = {"right": csrf, "missing": None, "empty": "", "overlong": csrf + "x" * 100, "prefix": csrf[:-1],
                     "other_session": other_csrf, "unicode": csrf[:-1] + "\u00e9", "case": csrf.swapcase(),
                     "forged": data.draw(forged_text(), label="forged csrf")}[token_mode]
            if token is not None:
                form = {"csrf": token, **form}
            body, headers, size = data.draw(bodies(form), label="body")
            if cookies:
                headers["Cookie"] = cookie_header(cookies)
            before = console.state()
            status, answer, text = console.request(method, raw_path, body, headers)
            where = (method, raw_path[:200], session_mode, token_mode, status, text[:200])
            event(f"{method} {pattern} {session_mode} -> {status}")
            assert_deliberate(status, answer, recorder, where, headers)
            console.app[SESSIONS_KEY].end(cookie)
            if malformed(headers):
                assert console.state() == before, where
                return
            logged_in = session_mode == "live"
            route_takes_post = own and pattern in POST_ROUTES and method == "POST"
            if not logged_in and pattern != "/login" and not pattern.startswith("/static/"):
                assert status in ((303, 401) if method == "GET" else (401,)), where
                assert status != 303 or answer["Location"] == "/login", where
                assert "kanarie" not in text, where
            if method not in ("GET", "HEAD") and not (logged_in and token_mode == "right"):
                assert console.state() == before, where  # a POST without the right token changes nothing
                assert status not in (200, 303) or pattern == "/login", where
            if logged_in and method == "POST" and token_mode != "right" and pattern == "/logout":
                assert status != 303, where  # not even a logout
            if size > LIMIT and route_takes_post and (logged_in or pattern == "/login"):
                assert status == 413, where

        one_request()

    fuzz_console(queue_db, recorder, property_check)


LOGIN_TOKEN = "A" * 16 + "b-_" + "c" * 13


@st.composite
def login_tokens(draw):
    """(cookie or None, form field or None, whether the double-submit is right)."""
    mode = draw(st.sampled_from(["right", "no_cookie", "no_field", "neither", "dash", "forged_both", "mismatch",
                                 "short_cookie", "unicode_cookie", "overlong"]))
    forged = draw(forged_text(40).map(header_safe))
    return {"right": (LOGIN_TOKEN, LOGIN_TOKEN, True), "no_cookie": (None, LOGIN_TOKEN, False),
            "no_field": (LOGIN_TOKEN, None, False), "neither": (None, None, False), "dash": (None, "-", False),
            "forged_both": (forged, forged, bool(re.fullmatch(r"[A-Za-z0-9_-]{32}", forged))),
            "mismatch": (LOGIN_TOKEN, forged, forged == LOGIN_TOKEN), "short_cookie": ("abc", "abc", False),
            "unicode_cookie": ("\u00e9" * 32, "\u00e9" * 32, False),
            "overlong": (LOGIN_TOKEN + "x", LOGIN_TOKEN + "x", False)}[mode]


def totp_codes(seed):
    return st.one_of(forged_text(12), st.sampled_from([
        "\u0661\u0662\u0663\u0664\u0665\u0666", "\uff11\uff12\uff13\uff14\uff15\uff16", "12345", "1234567", "",
        " 123 456 ", "-12345", "+12345", "1.2345"]),
        st.integers(-30, 30).map(lambda steps: totp_code(seed, time.time() + 30 * steps)))


@pytest.mark.fuzz
def test_fuzz_login_form(queue_db, recorder):
    def property_check(console, seed):
        store = console.app[SESSIONS_KEY]

        @fuzz_settings(100, 2000)
        @given(login_tokens(), st.one_of(st.just("anna"), forged_text(80)), st.one_of(st.just(PASSPHRASE),
               forged_text(80)), totp_codes(seed), st.data())
        def one_login(tokens, login, passphrase, code, data):
            tried("console")
            recorder.records.clear()
            cookie, field, right = tokens
            if login == "anna":  # forget earlier failures (what a login does), so no lockout hides a code
                store.end(store.create(console.adviser))
            form = {name: value for name, value in (("login_token", field), ("login", login),
                                                    ("passphrase", passphrase), ("totp", code)) if value is not None}
            body, headers, size = data.draw(bodies(form), label="body")
            if cookie is not None:
                headers["Cookie"] = cookie_header({LOGIN_COOKIE: cookie})
            before = console.state()
            status, answer, text = console.request("POST", "/login", body, headers)
            where = (tokens, login[:40], code, status, text[:200])
            assert_deliberate(status, answer, recorder, where, headers)
            if malformed(headers):
                return
            if size > LIMIT:
                assert status == 413, where
            if not right:
                assert status in (400, 403, 413, 415), where  # refused before the passphrase is even looked at
                assert console.state() == before and COOKIE not in answer.get("Set-Cookie", ""), where
            if status == 303:
                assert login == "anna" and passphrase == PASSPHRASE and right, where

        one_login()

    fuzz_console(queue_db, recorder, property_check)


@pytest.mark.fuzz
def test_fuzz_report_period(queue_db, recorder):
    def property_check(console, seed):
        console.app[ADVISERS_KEY].set_report_permission("anna", True)
        console.adviser = console.app[ADVISERS_KEY].unlock("anna", PASSPHRASE)
        cookie, _ = console.new_session()

        @fuzz_settings(60, 1200)
        @given(st.sampled_from(["/report", "/report.csv"]), st.one_of(st.none(), months()),
               st.one_of(st.none(), months()))
        @example("/report", "9999-12", "9999-12")  # handoff.report's month loop never ends after 9999-12
        @example("/report", "2026-01", "\u0662\u0660\u0662\u0666-\u0660\u0661")  # nor up to Arabic-Indic digits
        @example("/report.csv", "0001-01", "9999-11")  # 120,000 months
        def one_period(path, first, last):
            tried("console")
            recorder.records.clear()
            query = "&".join(f"{key}={quote(value, safe='')}" for key, value in (("from", first), ("to", last))
                             if value is not None)
            started = time.monotonic()
            status, answer, text = console.request("GET", f"{path}?{query}", headers={"Cookie": f"{COOKIE}={cookie}"})
            where = (path, first, last, status, text[:200])
            assert_deliberate(status, answer, recorder, where, {})
            assert time.monotonic() - started < 5, where  # no period is computed for long
            january, this_month = default_period()
            expected = valid_period(january if first is None else first, this_month if last is None else last)
            assert status == (200 if expected else 400), where

        one_period()

    fuzz_console(queue_db, recorder, property_check)
