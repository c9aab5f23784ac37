"""A real browser (headless Chromium) on the chat that `contactpunt run` starts: type, see the answer."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port, service_env, wait_for

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chat_url(trained_model):
    web_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    env = service_env(
        CONTACTPUNT_RASA_PORT=str(rasa_port), CONTACTPUNT_ACTIONS_PORT=str(actions_port), CONTACTPUNT_PROFILE="rocmn"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--no-browser", "--port", str(web_port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{web_port}/api/config", process, seconds=300)
        yield f"http://127.0.0.1:{web_port}/"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--lang=nl", "--window-size=420,860"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={ARTIFACTS / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def bot_bubbles(driver):
    return [element.text for element in driver.find_elements("css selector", "#log li.bot .bubble")]


def test_reporter_types_and_sees_the_answer(chat_url, browser):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60)
    browser.get(chat_url)
    wait.until(lambda d: bot_bubbles(d))
    welcome = bot_bubbles(browser)[0].lower()
    assert "anoniem" in welcome and "snel weg" in welcome

    box = browser.find_element("id", "message")
    box.send_keys("ze maken al weken memes over mij in de klassenapp en niemand praat meer met me", Keys.ENTER)
    wait.until(lambda d: any("pesten" in text.lower() for text in bot_bubbles(d)))
    choices = wait.until(lambda d: d.find_elements("css selector", "#log .choices button"))
    assert [c.text for c in choices][:2] == ["Ja", "Nee, het is iets anders"]

    choices[0].click()  # "Ja": understood right -> who are you?
    wait.until(lambda d: any(b.text == "Student" for b in d.find_elements("css selector", "#log .choices button")))
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "webchat-phone.png"))
