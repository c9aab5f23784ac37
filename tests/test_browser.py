"""A real browser (headless Chromium) on the chat that `contactpunt run` starts: type, see the answer."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port, service_env, wait_for

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
RUN_LOG = ARTIFACTS / "contactpunt-run.log"
REPORT = "ze maken al weken memes over mij in de klassenapp en niemand praat meer met me"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chat_url(trained_model, tmp_path_factory):
    web_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    env = service_env(
        CONTACTPUNT_RASA_PORT=str(rasa_port), CONTACTPUNT_ACTIONS_PORT=str(actions_port), CONTACTPUNT_PROFILE="rocmn",
        CONTACTPUNT_DATA_DIR=str(tmp_path_factory.mktemp("data")),
    )
    ARTIFACTS.mkdir(exist_ok=True)
    with open(RUN_LOG, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--no-browser", "--port", str(web_port),
             "--console-port", str(free_port())],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        wait_for(f"http://127.0.0.1:{web_port}/api/config", process, seconds=300)
        yield f"http://127.0.0.1:{web_port}/"
    finally:
        process.terminate()
        process.wait(timeout=30)


def chromium(profile: str, window: str = "420,860"):
    """Headless Debian Chromium with its own empty profile, no background traffic."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--lang=nl", f"--window-size={window}"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={ARTIFACTS / profile}")
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


@pytest.fixture(scope="module")
def browser():
    driver = chromium("chromium-profile")
    yield driver
    driver.quit()


def bot_bubbles(driver):
    return [element.text for element in driver.find_elements("css selector", "#log li.bot .bubble")]


def test_reporter_types_and_sees_the_answer(chat_url, browser):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60)
    browser.get(chat_url)
    # Rasa's channels send each paragraph as its own message: wait for the whole welcome.
    wait.until(lambda d: any("wat is er gebeurd" in text.lower() for text in bot_bubbles(d)))
    welcome = " ".join(bot_bubbles(browser)).lower()
    for promise in ("anoniem", "chatbot", "een mens leest alleen mee als jij daarom vraagt", "snel weg", "112"):
        assert promise in welcome

    box = browser.find_element("id", "message")
    box.send_keys(REPORT, Keys.ENTER)
    wait.until(lambda d: any("pesten" in text.lower() for text in bot_bubbles(d)))
    choices = wait.until(lambda d: d.find_elements("css selector", "#log .choices button"))
    assert [c.text for c in choices][:2] == ["Ja", "Nee, het is iets anders"]

    choices[0].click()  # "Ja": understood right -> who are you?
    wait.until(lambda d: any(b.text == "Student" for b in d.find_elements("css selector", "#log .choices button")))
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "webchat-phone.png"))

    # However long the conversation, the quick exit stays on screen.
    top = browser.execute_script("return document.getElementById('quick-exit').getBoundingClientRect().top")
    assert 0 <= top < 80
    browser.find_element("id", "quick-exit").click()
    wait.until(lambda d: not d.current_url.startswith(chat_url))
    assert browser.current_url.startswith("https://www.google.nl") or browser.current_url.startswith("chrome-error")


def replies_to(browser, chat_url, message):
    """Start a new conversation, send one message and return the bot's replies to it."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60)
    browser.get(chat_url)
    wait.until(lambda d: any("wat is er gebeurd" in text.lower() for text in bot_bubbles(d)))
    before = len(bot_bubbles(browser))
    browser.find_element("id", "message").send_keys(message, Keys.ENTER)
    wait.until(lambda d: d.find_elements("css selector", "#log li.bot:last-child .choices button"))
    return bot_bubbles(browser)[before:]


def test_suicidal_thoughts_get_113_before_anything_else(chat_url, browser):
    replies = replies_to(browser, chat_url, "ik wil er niet meer zijn")
    assert "112" in replies[0]
    assert any("0800-0113" in reply for reply in replies)
    assert not any("goed begrepen" in reply for reply in replies)
    assert "contactpersoon" in replies[-1]  # a person is offered


def test_meldplicht_is_explained_before_any_question(chat_url, browser):
    replies = replies_to(browser, chat_url, "ik ben 15 en mijn mentor zit steeds aan mijn billen als niemand kijkt")
    assert "College van Bestuur" in replies[0] and "0900-111 3 111" in replies[0]
    assert not any("Wie ben jij" in reply or "goed begrepen" in reply for reply in replies)


def test_logs_of_the_whole_stack_hold_no_message_text(chat_url, browser):
    """Runs after the conversation above: Rasa, actions and web chat logs never contain what was typed."""
    log = RUN_LOG.read_text(errors="replace")
    assert "is running" in log  # the log really is the stack's output
    assert " ERROR " not in log and "Traceback" not in log  # errors can dump slot values
    for fragment in (REPORT, "memes over mij", "klassenapp", "niet meer zijn", "aan mijn billen"):
        assert fragment not in log
