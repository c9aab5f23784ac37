"""The whole handoff on the real stack (`contactpunt run`): a reporter in headless Chromium, an adviser
in a second Chromium on the console, live replies, the case code; then 100 canary cases on socket.io."""

import asyncio
import re
import secrets
from pathlib import Path

import pytest

from tests.console_client import Console
from tests.socket_chat import SocketReporter, text_has
from tests.stack import ARTIFACTS, PASSPHRASE, fresh_totp
from tests.test_browser import bot_bubbles, chromium, open_chat, wait_for_bot, widget

pytestmark = pytest.mark.slow
CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}\b")


TEXTS_OF = "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText)"


def wait_for_text(driver, selector, needle, seconds=60):
    from selenium.webdriver.support.ui import WebDriverWait

    # The page is redrawn while we look (polling, a login that navigates): the texts are read in
    # one script call, so no element handle can go stale between finding and reading it.
    WebDriverWait(driver, seconds).until(
        lambda d: any(needle.lower() in text.lower() for text in d.execute_script(TEXTS_OF, selector)))


def say(driver, text):
    from selenium.webdriver.common.keys import Keys

    widget(driver).find_element("css selector", "#cp-message").send_keys(text, Keys.ENTER)


def log_in(adviser, stack):
    adviser.get(stack["console"] + "login")
    adviser.find_element("id", "login").send_keys("anna")
    adviser.find_element("id", "passphrase").send_keys(PASSPHRASE)
    adviser.find_element("id", "totp").send_keys(fresh_totp(stack["seed"]))
    adviser.find_element("css selector", "form.login button").click()
    wait_for_text(adviser, "h1", "Wachtrij")


def open_case_with(adviser, needle):
    """Open the queued case whose report holds `needle` (other tests' cases may be queued too)."""
    links = [a.get_attribute("href") for a in adviser.find_elements("link text", "Openen")]
    for link in links:
        adviser.get(link)
        if needle in adviser.page_source:
            return
    raise AssertionError(f"no case with {needle} among {len(links)}")


def test_adviser_claims_replies_live_and_the_reporter_comes_back_with_the_code(stack):
    from selenium.webdriver.support.ui import WebDriverWait

    reporter, adviser = chromium("reporter-profile", phone=True), chromium("adviser-profile", "1200,900")
    try:
        open_chat(reporter, stack["chat"])
        say(reporter, "ik wil met iemand praten")
        wait_for_bot(reporter, "verhaal doorgeven")
        say(reporter, "ja")
        wait_for_bot(reporter, "paar zinnen")
        say(reporter, "Mijn stagebegeleider stuurt me 's nachts berichten. kanarie-browser")
        wait_for_bot(reporter, "enige manier")
        # The code gets a screen of its own; the reporter chooses to keep it on this device.
        screen = widget(reporter).find_element("css selector", "#cp-code-screen")
        code = widget(reporter).find_element("css selector", "#cp-code-value").text
        assert CODE.fullmatch(code) and code in " ".join(bot_bubbles(reporter))
        assert reporter.execute_script("return window.localStorage.length") == 0
        widget(reporter).find_element("css selector", "#cp-keep").click()
        assert reporter.execute_script("return window.localStorage.getItem('contactpunt.case_code')") == code
        reporter.save_screenshot(str(ARTIFACTS / "widget-case-code.png"))
        widget(reporter).find_element("css selector", "#cp-code-done").click()
        assert not screen.is_displayed()

        log_in(adviser, stack)
        open_case_with(adviser, "kanarie-browser")
        adviser.find_element("id", "claim").click()

        wait_for_bot(reporter, "Er is nu een contactpersoon")
        say(reporter, "Fijn dat er iemand is.")
        wait_for_text(adviser, "#thread li.reporter", "Fijn dat er iemand is.")
        adviser.find_element("id", "reply-text").send_keys("Ik ben Anna. Je bent niet alleen.")
        adviser.find_element("id", "send-reply").click()
        wait_for_bot(reporter, "Contactpersoon: Ik ben Anna. Je bent niet alleen.")
        # The reporter's connection drops while the adviser answers: the answer arrives after the
        # reconnect, once, and the earlier ones are not repeated.
        stack["relay"].cut()
        try:
            WebDriverWait(reporter, 30).until(
                lambda d: "verbinding is weg" in widget(d).find_element("css selector", "#cp-status").text)
            adviser.find_element("id", "reply-text").send_keys("Ik blijf vandaag bereikbaar.")
            adviser.find_element("id", "send-reply").click()
            wait_for_text(adviser, "#thread li", "Ik blijf vandaag bereikbaar.")
        finally:
            stack["relay"].restore()
        wait_for_bot(reporter, "Contactpersoon: Ik blijf vandaag bereikbaar.")
        bubbles = bot_bubbles(reporter)
        assert sum("Ik blijf vandaag bereikbaar." in b for b in bubbles) == 1
        assert sum("Je bent niet alleen." in b for b in bubbles) == 1
        adviser.find_element("id", "end-live").click()
        wait_for_bot(reporter, "Je praat weer met de assistent")
        reporter.save_screenshot(str(ARTIFACTS / "handoff-reporter.png"))

        open_chat(reporter, stack["chat"])  # the reporter leaves and comes back later, with only the code
        widget(reporter).find_element("css selector", "#cp-have-code").click()
        assert widget(reporter).find_element("css selector", "#cp-code").get_attribute("value") == code
        widget(reporter).find_element("css selector", "#cp-code-form button[type=submit]").click()
        wait_for_bot(reporter, "Contactpersoon: Ik ben Anna.")
        say(reporter, "Het gaat al wat beter.")
        # With a case code the message goes to the case first and the thread is drawn from the answer.
        WebDriverWait(reporter, 30).until(
            lambda d: "Het gaat al wat beter." in widget(d).find_element("css selector", "#cp-log").text)
        adviser.refresh()
        wait_for_text(adviser, "#thread li.reporter", "Het gaat al wat beter.")
        adviser.save_screenshot(str(ARTIFACTS / "handoff-console.png"))
    finally:
        reporter.quit()
        adviser.quit()


async def hand_off(stack, canary: str) -> None:
    """One reporter on the widget's socket.io channel, from asking for a person to the case code."""
    async with SocketReporter(stack["socket"], stack["origin"]) as reporter:
        await reporter.say("ik wil met iemand praten", text_has("verhaal doorgeven"))
        await reporter.say("ja", text_has("paar zinnen"))
        await reporter.say(f"Het gebeurde in lokaal {canary} tijdens de les.", lambda m: "case_code" in m)


async def hand_off_all(stack, canaries, at_once=10) -> None:
    for start in range(0, len(canaries), at_once):
        await asyncio.gather(*(hand_off(stack, canary) for canary in canaries[start:start + at_once]))


def tracker_store_bytes(data: Path) -> bytes:
    """The encrypted tracker store's files (`contactpunt run` keeps them in the data directory)."""
    files = sorted(data.glob("trackers.sqlite*"))
    assert files, "the tracker store was not written where expected"
    return b"".join(p.read_bytes() for p in files)


def anonymised_report(queue_file: Path) -> str:
    """The periodic overview (HTML and CSV) from the stack's queue, as `contactpunt report` makes it."""
    from handoff.db import make_engine, session_factory
    from handoff.report import default_period, overview, to_csv
    from handoff.report_render import render_page

    # The months the command reports by default: cases are registered in Amsterdam's month, which is
    # not the machine's between 23:00 and 01:00 UTC at a month's end.
    engine = make_engine(f"sqlite:///{queue_file}")
    report = overview(session_factory(engine), *default_period())
    engine.dispose()
    return render_page(report) + to_csv(report)


def test_one_hundred_canary_cases_leave_no_clear_trace(stack):
    """Each case carries unique random strings from the reporter and the adviser; none may be found in
    the queue database (with -wal and -shm), the logs of every process, the tracker store, or the report."""
    import sqlite3

    # An open connection keeps SQLite's -wal file in place (the last one to close would remove it),
    # so what the writers put there is read below, not checkpointed away first.
    keep_wal = sqlite3.connect(Path(stack["data"]) / "queue.sqlite")
    keep_wal.execute("SELECT count(*) FROM cases").fetchone()
    keep_tracker_wal = sqlite3.connect(Path(stack["data"]) / "trackers.sqlite")
    keep_tracker_wal.execute("SELECT count(*) FROM events").fetchone()
    console = Console(stack["console"], stack["seed"])
    canaries = [f"kanarie{secrets.token_hex(6)}" for _ in range(100)]
    asyncio.run(hand_off_all(stack, canaries))
    case_ids = re.findall(r'href="/cases/([0-9a-f-]{36})"', console.get(""))
    assert len(case_ids) >= 100  # and the case of the browser test, if it ran first
    for case_id in case_ids:
        token = console.csrf(f"cases/{case_id}")
        reply = f"antwoord{secrets.token_hex(6)}"
        canaries.append(reply)
        console.post(f"cases/{case_id}/reply", csrf=token, text=f"Dank je. {reply}")
        console.post(f"cases/{case_id}/close", csrf=token, referral="ivp")
    # Advisers read report and reply (other tests' cases, e.g. urgent ones, may come first in the queue).
    pages = (console.get(f"cases/{case_id}") for case_id in case_ids)
    assert any(sum(c in page for c in canaries) == 2 for page in pages)

    # Every file of the queue as it is on disk: the database and, when SQLite has them, -wal and -shm
    # (a WAL that was checkpointed away has put its pages into the database file, read here as well).
    database_files = sorted(Path(stack["data"]).glob("queue.sqlite*"))
    stored = b"".join(p.read_bytes() for p in database_files)
    assert len(stored) > 100 * 1000  # the cases really are in these files, sealed
    logs = stack["log"].read_bytes()
    trackers = tracker_store_bytes(Path(stack["data"]))
    assert len(trackers) > 100 * 1000  # the 100 conversations really are in it
    keep_wal.close()
    keep_tracker_wal.close()
    report = anonymised_report(Path(stack["data"]) / "queue.sqlite")
    grand_total = re.search(r"^type,totaal,totaal,(\d+)$", report, re.M)
    assert grand_total and int(grand_total.group(1)) >= 100  # the 100 cases are counted
    report = report.encode()
    for canary in canaries:
        needle = canary.encode()
        assert needle not in stored and needle not in logs and needle not in trackers, canary
        assert needle not in report, canary
