"""Headless Chromium on the sample school page that embeds the widget: keyboard-only use, the whole
conversation, a network drop, quick exit, English, a phone-sized screenshot kept in tests/artifacts."""

import pytest

from tests.stack import ARTIFACTS

REPORT = "ze maken al weken memes over mij in de klassenapp"
pytestmark = pytest.mark.slow


def chromium(profile: str, window: str = "1200,900", phone: bool = False):
    """Headless Debian Chromium with its own empty profile, no background traffic."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--lang=nl", f"--window-size={window}"):
        options.add_argument(flag)
    if phone:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2, "touch": True}})
    options.add_argument(f"--user-data-dir={ARTIFACTS / profile}")
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


@pytest.fixture(scope="module")
def browser():
    driver = chromium("chromium-profile")
    yield driver
    driver.quit()


def widget(driver):
    """The widget's shadow root on the school page."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 30).until(
        lambda d: d.find_element("css selector", "#contactpunt-chat").shadow_root)


def bot_bubbles(driver):
    return [e.text for e in widget(driver).find_elements("css selector", "#cp-log li.bot .bubble")]


def wait_for_bot(driver, needle, seconds=60):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: any(needle.lower() in text.lower() for text in bot_bubbles(d)))


def keys(driver, *sequence):
    """Type as a keyboard would, into whatever has the focus."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*sequence).perform()


def focused_id(driver):
    return driver.execute_script(
        "var a = document.activeElement; return a && a.shadowRoot && a.shadowRoot.activeElement ?"
        " a.shadowRoot.activeElement.id || a.shadowRoot.activeElement.textContent : null;")


def open_chat(driver, url):
    driver.get(url)
    widget(driver).find_element("css selector", "#cp-open").click()
    wait_for_bot(driver, "wat is er gebeurd")


def test_keyboard_only_a_whole_conversation_on_the_school_page(stack, browser):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(stack["chat"])
    root = widget(browser)
    opener = root.find_element("css selector", "#cp-open")
    assert opener.get_attribute("aria-expanded") == "false" and opener.text == "Praat met Contactpunt"
    keys(browser, Keys.TAB)
    assert focused_id(browser) == "cp-open"
    keys(browser, Keys.ENTER)
    assert focused_id(browser) == "cp-message"  # straight into the message box
    panel = root.find_element("css selector", "#cp-panel")
    assert panel.get_attribute("role") == "dialog" and panel.get_attribute("aria-labelledby") == "cp-title"
    assert root.find_element("css selector", "#cp-log").get_attribute("role") == "log"
    assert root.find_element("css selector", "label[for=cp-message]").get_attribute("textContent") == "Je bericht"
    wait_for_bot(browser, "wat is er gebeurd")
    welcome = " ".join(bot_bubbles(browser)).lower()
    for promise in ("anoniem", "chatbot", "een mens leest alleen mee als jij daarom vraagt", "snel weg", "112"):
        assert promise in welcome

    keys(browser, REPORT, Keys.ENTER)
    typing = root.find_element("css selector", "#cp-typing")
    WebDriverWait(browser, 10, poll_frequency=0.02).until(lambda d: typing.is_displayed())  # while it thinks
    wait_for_bot(browser, "klinkt als pesten")
    WebDriverWait(browser, 10).until(lambda d: not typing.is_displayed())
    choices = WebDriverWait(browser, 60).until(
        lambda d: widget(d).find_elements("css selector", "#cp-log .choices button"))
    assert [c.text for c in choices][:2] == ["Ja", "Nee, het is iets anders"]
    keys(browser, Keys.SHIFT + Keys.TAB)  # from the message box back to the last choice...
    while focused_id(browser) != "Ja":
        keys(browser, Keys.SHIFT + Keys.TAB)
    keys(browser, Keys.ENTER)  # ..."Ja": understood right -> who are you?
    WebDriverWait(browser, 60).until(lambda d: any(
        b.text == "Student" for b in widget(d).find_elements("css selector", "#cp-log .choices button")))
    keys(browser, Keys.ESCAPE)
    assert not panel.is_displayed() and focused_id(browser) == "cp-open"
    assert opener.get_attribute("aria-expanded") == "false"
    # Everything the page and the widget loaded came from the school page's host and Contactpunt.
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith("http://127.0.0.1:") for url in loaded), loaded


def test_on_a_phone_the_chat_fills_the_screen_and_quick_exit_stays_in_reach(stack):
    from selenium.webdriver.common.keys import Keys

    from selenium.webdriver.support.ui import WebDriverWait

    phone = chromium("phone-profile", phone=True)
    try:
        open_chat(phone, stack["chat"])
        widget(phone).find_element("css selector", "#cp-message").send_keys(REPORT, Keys.ENTER)
        wait_for_bot(phone, "klinkt als pesten")
        WebDriverWait(phone, 60).until(lambda d: widget(d).find_elements("css selector", "#cp-log .choices button"))
        size = phone.execute_script("return [window.innerWidth, window.innerHeight]")
        box = widget(phone).find_element("css selector", "#cp-panel").rect
        assert size[0] <= 400 and box["width"] == size[0] and box["height"] == size[1]
        exit_button = widget(phone).find_element("css selector", "#cp-exit").rect
        assert 0 <= exit_button["y"] < 120 and exit_button["x"] + exit_button["width"] <= size[0]
        ARTIFACTS.mkdir(exist_ok=True)
        phone.save_screenshot(str(ARTIFACTS / "widget-phone.png"))
    finally:
        phone.quit()


def test_the_conversation_survives_a_network_drop(stack, browser):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    open_chat(browser, stack["chat"])
    root = widget(browser)
    root.find_element("css selector", "#cp-message").send_keys(REPORT, Keys.ENTER)
    wait_for_bot(browser, "klinkt als pesten")
    before = bot_bubbles(browser)
    stack["relay"].cut()
    try:
        WebDriverWait(browser, 30).until(
            lambda d: "verbinding is weg" in widget(d).find_element("css selector", "#cp-status").text)
        # Typed while offline: kept, and sent once the connection is back.
        root.find_element("css selector", "#cp-message").send_keys("ja", Keys.ENTER)
    finally:
        stack["relay"].restore()
    WebDriverWait(browser, 60).until(
        lambda d: "weer verbonden" in widget(d).find_element("css selector", "#cp-status").text.lower())
    wait_for_bot(browser, "Wie ben jij?")  # the answer to "ja", in the same conversation
    assert bot_bubbles(browser)[:len(before)] == before


def test_quick_exit_leaves_for_a_neutral_page_and_leaves_nothing_behind(stack, browser):
    from selenium.webdriver.common.keys import Keys

    open_chat(browser, stack["chat"])
    widget(browser).find_element("css selector", "#cp-message").send_keys(REPORT, Keys.ENTER)
    wait_for_bot(browser, "klinkt als pesten")
    widget(browser).find_element("css selector", "#cp-exit").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(lambda d: not d.current_url.startswith(stack["chat"]))
    assert browser.current_url.startswith("https://www.google.nl") or browser.current_url.startswith("chrome-error")
    browser.get(stack["chat"])  # back on the school page: no trace of the conversation
    assert browser.execute_script("return window.localStorage.length") == 0
    widget(browser).find_element("css selector", "#cp-open").click()
    wait_for_bot(browser, "wat is er gebeurd")
    assert not widget(browser).find_elements("css selector", "#cp-log li.user")
    assert not any("klinkt als pesten" in text for text in bot_bubbles(browser))


def test_an_english_page_gets_the_english_widget(stack, browser):
    browser.get(stack["chat"] + "en")
    root = widget(browser)
    assert root.find_element("css selector", "#cp-open").text == "Talk to Contactpunt"
    root.find_element("css selector", "#cp-open").click()
    assert root.find_element("css selector", "#cp-exit").text == "Quick exit"
    assert root.find_element("css selector", "#cp-message").get_attribute("placeholder") == "Type your message…"


def replies_to(browser, chat_url, message):
    """Start a new conversation, send one message and return the bot's replies to it."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    open_chat(browser, chat_url)
    before = len(bot_bubbles(browser))
    widget(browser).find_element("css selector", "#cp-message").send_keys(message, Keys.ENTER)
    WebDriverWait(browser, 60).until(
        lambda d: widget(d).find_elements("css selector", "#cp-log li.bot:last-child .choices button"))
    return bot_bubbles(browser)[before:]


def test_suicidal_thoughts_get_113_before_anything_else(stack, browser):
    replies = replies_to(browser, stack["chat"], "ik wil er niet meer zijn")
    assert "112" in replies[0]
    assert any("0800-0113" in reply for reply in replies)
    assert not any("goed begrepen" in reply for reply in replies)
    assert "contactpersoon" in replies[-1]  # a person is offered


def test_meldplicht_is_explained_before_any_question(stack, browser):
    replies = replies_to(browser, stack["chat"], "ik ben 15 en mijn mentor zit steeds aan mijn billen als niemand kijkt")
    assert "College van Bestuur" in replies[0] and "0900-111 3 111" in replies[0]
    assert not any("Wie ben jij" in reply or "goed begrepen" in reply for reply in replies)


def test_logs_of_the_whole_stack_hold_no_message_text(stack, browser):
    """Runs after the conversations above: Rasa, actions and widget logs never contain what was typed."""
    log = stack["log"].read_text(errors="replace")
    assert "is running" in log  # the log really is the stack's output
    assert " ERROR " not in log and "Traceback" not in log  # errors can dump slot values
    for fragment in (REPORT, "memes over mij", "klassenapp", "niet meer zijn", "aan mijn billen"):
        assert fragment not in log


def test_the_help_line_stays_on_screen_whatever_the_chat_understood(stack, browser):
    """112, 113 and Veilig Thuis are visible from the first moment and still after a long conversation."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    open_chat(browser, stack["chat"])
    root = widget(browser)
    help_line = root.find_element("css selector", "#cp-help")
    links = {a.text: a.get_attribute("href") for a in help_line.find_elements("css selector", "a")}
    assert links == {"112": "tel:112", "113": "tel:113", "0800-0113": "tel:08000113", "0800-2000": "tel:08002000"}
    assert "In gevaar?" in help_line.text and "Veilig Thuis" in help_line.text

    def on_screen():
        box = browser.execute_script(
            "var r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight];", help_line)
        return help_line.is_displayed() and 0 <= box[0] and box[1] <= box[2]

    assert on_screen()
    message = root.find_element("css selector", "#cp-message")
    for text in ("asdf qwerty", "hmm", "weet ik niet", "nog iets", "ok"):  # nothing it understands well
        before = len(bot_bubbles(browser))
        message.send_keys(text, Keys.ENTER)
        WebDriverWait(browser, 60).until(lambda d: len(bot_bubbles(d)) > before)
    assert on_screen()
