"""The whole handoff on the real stack (`contactpunt run`): a reporter in headless Chromium, an adviser
in a second Chromium on the console, live replies, the case code; then 100 canary cases over HTTP."""

import base64
import json
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from handoff.adviser_keys import totp_code
from tests.conftest import ROOT, free_port, service_env, wait_for
from tests.test_browser import ARTIFACTS, bot_bubbles, chromium

pytestmark = pytest.mark.slow
PASSPHRASE = "een lange wachtzin voor de test"
CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}\b")
LOG = ARTIFACTS / "handoff-stack.log"


@pytest.fixture(scope="module")
def stack(trained_model, tmp_path_factory):
    data = tmp_path_factory.mktemp("handoff")
    web_port, console_port = free_port(), free_port()
    env = service_env(CONTACTPUNT_RASA_PORT=str(free_port()), CONTACTPUNT_ACTIONS_PORT=str(free_port()),
                      CONTACTPUNT_PROFILE="rocmn", CONTACTPUNT_DATA_DIR=str(data))
    added = subprocess.run([sys.executable, "-m", "bot.cli", "adviser", "add", "anna", "--name", "Anna (COG)",
                            "--location", "rocmn", "--passphrase-stdin"], input=PASSPHRASE + "\n", cwd=ROOT,
                           env=env, capture_output=True, text=True, check=True)
    seed = base64.b32decode(re.search(r"secret: ([A-Z2-7=]+)", added.stdout).group(1))
    ARTIFACTS.mkdir(exist_ok=True)
    with open(LOG, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--no-browser", "--port", str(web_port),
                                    "--console-port", str(console_port)], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{web_port}/api/config", process, seconds=300)
        yield {"chat": f"http://127.0.0.1:{web_port}/", "console": f"http://127.0.0.1:{console_port}/",
               "seed": seed, "data": data}
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for_text(driver, selector, needle, seconds=60):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # The thread is redrawn while we look (polling): a vanished element just means look again.
    WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: any(needle.lower() in e.text.lower() for e in d.find_elements("css selector", selector)))


def say(driver, text):
    from selenium.webdriver.common.keys import Keys

    driver.find_element("id", "message").send_keys(text, Keys.ENTER)


def test_adviser_claims_replies_live_and_the_reporter_comes_back_with_the_code(stack):
    reporter, adviser = chromium("reporter-profile"), chromium("adviser-profile", "1200,900")
    try:
        reporter.get(stack["chat"])
        wait_for_text(reporter, "#log li.bot", "wat is er gebeurd")
        say(reporter, "ik wil met iemand praten")
        wait_for_text(reporter, "#log li.bot", "verhaal doorgeven")
        say(reporter, "ja")
        wait_for_text(reporter, "#log li.bot", "paar zinnen")
        say(reporter, "Mijn stagebegeleider stuurt me 's nachts berichten. kanarie-browser")
        wait_for_text(reporter, "#log li.bot", "enige manier")
        code = CODE.search(" ".join(bot_bubbles(reporter))).group(0)

        adviser.get(stack["console"] + "login")
        adviser.find_element("id", "login").send_keys("anna")
        adviser.find_element("id", "passphrase").send_keys(PASSPHRASE)
        adviser.find_element("id", "totp").send_keys(totp_code(stack["seed"], time.time()))
        adviser.find_element("css selector", "form.login button").click()
        wait_for_text(adviser, "h1", "Wachtrij")
        adviser.find_element("link text", "Openen").click()
        wait_for_text(adviser, "blockquote", "kanarie-browser")
        adviser.find_element("id", "claim").click()

        wait_for_text(reporter, "#log li.bot", "Er is nu een contactpersoon")
        say(reporter, "Fijn dat er iemand is.")
        wait_for_text(adviser, "#thread li.reporter", "Fijn dat er iemand is.")
        adviser.find_element("id", "reply-text").send_keys("Ik ben Anna. Je bent niet alleen.")
        adviser.find_element("id", "send-reply").click()
        wait_for_text(reporter, "#log li.bot", "Contactpersoon: Ik ben Anna. Je bent niet alleen.")
        adviser.find_element("id", "end-live").click()
        wait_for_text(reporter, "#log li.bot", "Je praat weer met de assistent")
        reporter.save_screenshot(str(ARTIFACTS / "handoff-reporter.png"))

        reporter.get(stack["chat"])  # the reporter leaves and comes back later, with only the code
        wait_for_text(reporter, "#log li.bot", "wat is er gebeurd")
        reporter.find_element("id", "have-code").click()
        reporter.find_element("id", "code").send_keys(code.lower())
        reporter.find_element("css selector", "#code-form button").click()
        wait_for_text(reporter, "#log li.bot", "Contactpersoon: Ik ben Anna.")
        say(reporter, "Het gaat al wat beter.")
        wait_for_text(reporter, "#log li.user", "Het gaat al wat beter.")
        adviser.refresh()
        wait_for_text(adviser, "#thread li.reporter", "Het gaat al wat beter.")
        adviser.save_screenshot(str(ARTIFACTS / "handoff-console.png"))
    finally:
        reporter.quit()
        adviser.quit()


class Console:
    """The console over plain HTTP, as a browser would use it (cookies, CSRF tokens)."""

    def __init__(self, base, seed):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = self.get("login")
        token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
        # The next step's code (accepted for clock drift): the browser test may have used this step's already.
        self.post("login", login_token=token, login="anna", passphrase=PASSPHRASE,
                  totp=totp_code(seed, time.time() + 30))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path, **fields):
        with self.opener.open(self.base + path, data=urlencode(fields).encode(), timeout=30) as response:
            return response.read().decode()

    def csrf(self, path):
        return re.search(r'name="csrf" value="([^"]+)"', self.get(path)).group(1)


def chat(base, sender, text):
    request = urllib.request.Request(base + "api/message", data=json.dumps({"sender": sender, "text": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return " ".join(m.get("text", "") for m in json.loads(response.read()))


def tracker_store_bytes(data: Path) -> bytes:
    """The encrypted tracker store's files (`contactpunt run` keeps them in the data directory)."""
    files = sorted(data.glob("trackers.sqlite*"))
    assert files, "the tracker store was not written where expected"
    return b"".join(p.read_bytes() for p in files)


def anonymised_report(queue_file: Path) -> str:
    """The periodic overview (HTML and CSV) from the stack's queue, as `contactpunt report` makes it."""
    from handoff.db import make_engine, session_factory
    from handoff.report import overview, to_csv
    from handoff.report_render import render_page

    this_month = time.strftime("%Y-%m")
    engine = make_engine(f"sqlite:///{queue_file}")
    report = overview(session_factory(engine), f"{this_month[:4]}-01", this_month)
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
    canaries = []
    for number in range(100):
        sender, canary = secrets.token_hex(16), f"kanarie{secrets.token_hex(6)}"
        chat(stack["chat"], sender, "ik wil met iemand praten")
        chat(stack["chat"], sender, "ja")
        answer = chat(stack["chat"], sender, f"Het gebeurde in lokaal {canary} tijdens de les.")
        assert CODE.search(answer), answer
        canaries.append(canary)
    case_ids = re.findall(r'href="/cases/([0-9a-f-]{36})"', console.get(""))
    assert len(case_ids) >= 100  # and the case of the browser test, if it ran first
    for case_id in case_ids:
        token = console.csrf(f"cases/{case_id}")
        reply = f"antwoord{secrets.token_hex(6)}"
        canaries.append(reply)
        console.post(f"cases/{case_id}/reply", csrf=token, text=f"Dank je. {reply}")
        console.post(f"cases/{case_id}/close", csrf=token, referral="ivp")
    pages = [console.get(f"cases/{case_id}") for case_id in case_ids[:3]]
    assert any(sum(c in page for c in canaries) == 2 for page in pages)  # advisers read report and reply

    database_files = sorted(Path(stack["data"]).glob("queue.sqlite*"))
    assert any(p.name.endswith("-wal") for p in database_files)
    stored = b"".join(p.read_bytes() for p in database_files)
    assert len(stored) > 100 * 1000  # the cases really are in these files, sealed
    logs = LOG.read_bytes()
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
