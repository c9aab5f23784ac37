"""Fuzzing the reporter's way back (POST /widget/case) and the widget configuration (GET /widget/config): any
method, origin, content type and body. Every refusal is a clear 4xx in JSON, nothing makes aiohttp log an
exception, nothing is stored unless the answer is 200, and a valid case code gets its thread."""

import asyncio
import json
from urllib.parse import parse_qs, quote

import pytest
from aiohttp import ClientSession, DummyCookieJar, TCPConnector
from hypothesis import event, given, note, strategies as st
from sqlalchemy import func, select
from yarl import URL

from bot.channels import MAX_MESSAGE_CHARS
from handoff.advisers import Advisers
from handoff.case_code import InvalidCaseCode, new_code, normalise
from handoff.case_queue import CaseQueue, Report
from handoff.models import CaseItem
from tests.fuzzing import fuzz_settings, tried
from tests.test_fuzz_console import header_safe, malformed, queue_url, recorder  # noqa: F401 (fixtures)
from tests.test_webchat import SCHOOL, with_server

PASSPHRASE = "correct horse battery staple"
LIMIT = 64 * 1024
ANSWERS = {200, 204, 400, 403, 404, 405, 413}
ADVISER_SAYS = "Hoe gaat het nu?"
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
#: Mostly the two entry points with their own method; every other address and method is still tried.
PATHS = ("/widget/case",) * 6 + ("/widget/config",) * 3 + ("/widget/", "/widget/case/", "/widget/nothing",
                                                              "/widget/config/x", "/widget/%00", "/widget/%FF")
OWN_METHOD = {"/widget/case": "POST", "/widget/config": "GET"}
FOREIGN = ("https://elders.example", "null", SCHOOL + "/", SCHOOL.upper(), SCHOOL.replace("https", "http"), "*")
CONTENT_TYPES = ("application/json", "application/json; charset=utf-8", "application/json; charset=utf-16",
                 "application/json; charset=no-such", "application/json; charset*=utf-8''%FF", "text/plain",
                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "", "x/y; z", None)
#: Look-alikes the reporter may type for a code's symbols (normalise reads them back).
LOOK_ALIKES = {"0": "O", "1": "I", "V": "U"}


def json_values():
    """Any JSON document (what json.loads can give back)."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                        max_leaves=12)


def typed(code):
    """The case code as a reporter might type it: any case, spaces or hyphens, look-alikes."""
    return st.tuples(st.sampled_from([str.upper, str.lower]), st.sampled_from(["-", " ", "", "  -  "]),
                     st.booleans()).map(lambda t: t[0]("".join(
                         LOOK_ALIKES.get(ch, ch) if t[2] else ch for ch in code).replace("-", t[1])))


@st.composite
def codes(draw, known):
    """(value of "code", which case it is: 'open', 'closed', 'unknown' or None for no code at all)."""
    kind = draw(st.sampled_from(["open", "open", "closed", "unknown", "shape", "type", "missing"]))
    if kind in ("open", "closed"):
        return draw(typed(known[kind])), kind
    if kind == "unknown":
        return new_code(), "unknown"
    if kind == "shape":
        wrong = st.one_of(st.text(max_size=40), st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ-", max_size=30),
                          st.sampled_from(["", " ", "0000-0000-0000-0000-000", "0000-0000-0000-0000-00000",
                                           "\u0661" * 20, "\uff10" * 20, "\u00df" * 10, "A" * 64 * 1024,
                                           known["open"] + "0", known["open"][:-1], known["open"] + "\x00"]))
        return draw(wrong), None
    if kind == "type":
        return draw(json_values().filter(lambda value: not isinstance(value, str))), None
    return None, None


def texts():
    return st.one_of(st.text(max_size=60), st.sampled_from([" ", "\t\n", "\u00a0", "\u200b", "x" * MAX_MESSAGE_CHARS,
                                                            "x" * (MAX_MESSAGE_CHARS + 1), "\ud800", "a\udfffb",
                                                            "\x00", "Beter, dank je."]),
                     json_values().filter(lambda value: not isinstance(value, str)))


def text_refused(text) -> bool:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_CHARS:
        return True
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def same_case(code, known):
    """"open" or "closed" when a code of any shape reads as that case's code (Hypothesis finds them), else None."""
    try:
        typed = normalise(code) if isinstance(code, str) else None
    except InvalidCaseCode:
        return None
    return next((kind for kind, real in known.items() if typed == normalise(real)), None)


@st.composite
def bodies(draw, known):
    """(bytes, content type, expectation) where expectation is a dict of what the body is."""
    kind = draw(st.sampled_from(["object"] * 5 + ["json", "raw", "deep", "invalid_utf8", "utf16", "bom", "empty",
                                                  "oversized"]))
    note(f"body kind {kind}")
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if kind == "object":
        code, case = draw(codes(known))
        case = same_case(code, known) or case
        document = {} if code is None and case is None else {"code": code}
        if draw(st.booleans()):
            document["text"] = draw(texts())
        document.update(draw(st.dictionaries(st.text(max_size=6).filter(lambda k: k not in ("code", "text")),
                                             json_values(), max_size=2)))
        data = json.dumps(document, ensure_ascii=draw(st.booleans()) or "text" in document).encode("utf-8")
        return data, content_type, {"kind": kind, "document": document, "case": case}
    if kind == "json":
        data = json.dumps(draw(json_values().filter(lambda value: not isinstance(value, dict)))).encode()
    elif kind == "raw":
        data = draw(st.binary(max_size=200))
    elif kind == "deep":
        depth = draw(st.integers(900, 30000))
        data = draw(st.sampled_from([b"[" * depth + b"]" * depth, b'{"code":' + b"[" * depth + b"]" * depth + b"}",
                                     b'{"a":' * depth + b"1" + b"}" * depth]))
    elif kind == "invalid_utf8":
        data = b'{"code": "' + known["open"].encode() + b'\xff", "text": "\xc3\x28"}'
    elif kind == "utf16":
        data = json.dumps({"code": known["open"]}).encode("utf-16")
    elif kind == "bom":
        data = b"\xef\xbb\xbf" + json.dumps({"code": known["open"]}).encode()
    elif kind == "empty":
        data = b""
    else:
        size = draw(st.integers(LIMIT + 1, 3 * LIMIT))
        data = json.dumps({"code": known["open"], "text": "x" * size}).encode()
    return data, content_type, {"kind": kind}


def expected_case_answer(body):
    """(status, error text or None) the case API must give for a body that is a JSON object."""
    document, case = body["document"], body["case"]
    if not isinstance(document.get("code"), str):
        return 400, "expected a case code"
    if "text" in document and text_refused(document["text"]):
        return 400, None  # the reason depends on what is wrong with the text
    try:
        normalise(document["code"])
    except InvalidCaseCode:
        return 400, "not a case code"
    # a random code that happens to read as a code (ten "ß" are twenty "S") is an unknown one
    if case not in ("open", "closed") or (case == "closed" and "text" in document):
        return 404, "unknown or closed case"
    return 200, None


def stored(sessions):
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(CaseItem))


@pytest.mark.fuzz
def test_fuzz_case_api_and_configuration(queue_db, recorder):  # noqa: F811 (fixture)
    _, sessions = queue_db
    advisers, queue = Advisers(sessions), CaseQueue(sessions)
    advisers.add("anna", "Anna (COG)", PASSPHRASE, ["rocmn"])
    anna = advisers.unlock("anna", PASSPHRASE)
    known = {}
    for kind in ("open", "closed"):
        case_id, known[kind] = queue.enqueue(Report("rocmn", "", "pesten", {"summary": "kanarie-fuzz"}))
        queue.reply(anna, case_id, ADVISER_SAYS)
    queue.close(anna, case_id, "none")

    async def check(client):
        loop = asyncio.get_running_loop()
        own = str(client.make_url("/")).rstrip("/")
        origins = st.sampled_from(["none"] * 6 + ["school"] * 3 + ["own", "foreign", "text"]).flatmap(lambda kind: {
            "none": st.sampled_from([None, ""]), "school": st.just(SCHOOL), "own": st.just(own),
            "foreign": st.sampled_from(FOREIGN),
            "text": st.text(max_size=30).map(lambda t: header_safe(t).strip())}[kind])
        queries = st.one_of(st.just(""), st.builds(lambda lang, profile: "?" + "&".join(
            f"{key}={value}" for key, value in (("lang", lang), ("profile", profile)) if value is not None),
            st.one_of(st.none(), st.sampled_from(["en", "nl", "EN", "de", "", "%FF", "en&lang=nl"]),
                      st.text(max_size=8).map(lambda text: quote(text, safe=""))),
            st.one_of(st.none(), st.sampled_from(["rocmn", "wur", "", "%00", "rocmn%20", "../rocmn"]))))

        # A connection per request (aiohttp 3.9's client would reuse one whose body the server did not read).
        async with ClientSession(connector=TCPConnector(force_close=True), cookie_jar=DummyCookieJar()) as http:
            def request(method, path, data, headers):
                async def send():
                    async with http.request(method, URL(own + path, encoded=True), data=data,
                                            headers=headers) as response:
                        return response.status, response.headers, await response.read()
                return asyncio.run_coroutine_threadsafe(send(), loop).result(30)

            @fuzz_settings(300, 6000)
            @given(st.sampled_from(PATHS), st.integers(0, 3), st.sampled_from(METHODS), queries, origins, bodies(known))
            def one_request(path, any_method, method, query, origin, body):
                if any_method and path in OWN_METHOD:
                    method = OWN_METHOD[path]  # three in four requests use the entry point's own method
                tried("case_page")
                recorder.records.clear()
                data, content_type, what = body
                headers = {name: value for name, value in (("Origin", origin), ("Content-Type", content_type))
                           if value is not None}
                if path == "/widget/config":
                    path += query
                before = stored(sessions)
                status, answer, raw = request(method, path, data if method not in ("GET", "HEAD") else None, headers)
                where = (method, path, origin, what.get("document", what["kind"]), status, raw[:300])
                event(f"{method} {path.split('?')[0]} {what['kind']} -> {status}")
                assert status in ANSWERS and not recorder.records, (recorder.records, where)
                if malformed(headers):
                    assert status == 400, where
                    return
                assert answer.get("Referrer-Policy") == "no-referrer" and answer.get("Cache-Control") == "no-store"
                if status >= 400 and method != "HEAD":
                    assert answer.get("Content-Type", "").startswith("application/json"), where
                    assert isinstance(json.loads(raw)["error"], str), where
                if status != 200:
                    assert stored(sessions) == before, where  # nothing is kept of a refused request
                foreign = origin and origin not in (own, SCHOOL)
                if foreign:
                    assert status == 403 and "Access-Control-Allow-Origin" not in answer, where
                    return
                if origin == SCHOOL:
                    assert answer.get("Access-Control-Allow-Origin") == SCHOOL, where
                if method == "OPTIONS" and origin:
                    assert status == 204, where
                elif path.startswith("/widget/case") and path != "/widget/case":
                    assert status == 404, where
                elif path == "/widget/case":
                    expect_case(method, data, what, status, raw, where)
                elif path.startswith("/widget/config?") or path == "/widget/config":
                    expect_config(method, query, status, raw, where)

            await loop.run_in_executor(None, one_request)  # Hypothesis in a thread; the server keeps its loop

    asyncio.run(with_server(check, queue))


def expect_case(method, data, what, status, raw, where):
    if method != "POST":
        assert status == 405, where
    elif len(data) >= LIMIT:
        assert status == 413, where
    elif what["kind"] != "object":
        assert status == 400, where  # not a JSON object in UTF-8 (nor valid JSON by chance) with a code
    else:
        expected, error = expected_case_answer(what)
        assert status == expected, where
        answer = json.loads(raw)
        if error:
            assert answer["error"] == error, where
        if status == 200:
            messages = [(m["author"], m["text"]) for m in answer["messages"]]
            assert messages[0] == ("adviser", ADVISER_SAYS), where
            if "text" in what["document"]:
                assert messages[-1] == ("reporter", what["document"]["text"]), where
            assert answer["status"] == ("closed" if what["case"] == "closed" else "new"), where


def expect_config(method, query, status, raw, where):
    if method not in ("GET", "HEAD"):
        assert status == 405, where
        return
    asked = {key: values[0] for key, values in parse_qs(query.lstrip("?"), keep_blank_values=True).items()}
    if asked.get("profile") not in (None, "", "rocmn"):
        assert status == 404, where
        return
    assert status == 200, where
    if method == "GET":
        answer = json.loads(raw)
        assert answer["language"] == ("en" if asked.get("lang") == "en" else "nl"), where
        assert answer["case_codes"] is True, where
