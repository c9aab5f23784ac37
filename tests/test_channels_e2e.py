"""One scripted conversation on all three channels of the real system: a possible sexual offence by a
teacher against a 15-year-old, the honest meldplicht answer, a handoff by buttons, and a live reply from
an adviser in the console. Then: the logs of every channel hold no text and no user ids."""

import asyncio
import re
import secrets
import threading
import time

import pytest

from tests.console_client import Console
from tests.fake_bot_framework import says
from tests.socket_chat import SocketReporter, text_has

pytestmark = pytest.mark.slow
CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}\b")
DISCLOSURE = "ik ben 15 en mijn docent stuurt me steeds berichten dat ik mooi ben en wil afspreken"
#: what the conversations typed and who typed them, for the log test at the end
SECRETS = []


class WebReporter:
    """The widget's socket.io conversation, driven from a plain test through its own event loop."""

    def __init__(self, stack):
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.chat = SocketReporter(stack["socket"], stack["origin"])
        self._run(self.chat.__aenter__())
        self.mark = 0

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(120)

    def say(self, text):
        self.mark = len(self.chat.received)
        self._run(self.chat.client.emit("user_uttered", {"message": text, "session_id": self.chat.session_id}))

    def press(self, title):
        replies = [r for m in self.chat.received for r in m.get("quick_replies") or [] if r["title"] == title]
        self.say(replies[-1]["payload"])

    def wait_for(self, needle):
        return self._run(self.chat.wait_for(text_has(needle), self.mark))["text"]

    def close(self):
        self._run(self.chat.__aexit__())
        self.loop.call_soon_threadsafe(self.loop.stop)


class TelegramReporter:
    """A Telegram user of the fake Bot API that the stack's bot polls."""

    def __init__(self, stack):
        self.api, self.user = stack["telegram"], 7_000_000_000 + secrets.randbelow(10 ** 9)
        SECRETS.append(str(self.user))
        self.mark = 0

    def say(self, text):
        self.mark = len(self.api.sent)
        self.api.user_says(self.user, text)

    def press(self, title):
        self.mark = len(self.api.sent)
        self.api.user_presses(self.user, title)

    def wait_for(self, needle):
        return self.api.wait_for(lambda s: s["chat_id"] == self.user and needle.lower() in s["text"].lower(),
                                 self.mark, seconds=120)["text"]

    def close(self):
        pass


class TeamsReporter:
    """A Teams user whose activities the fake Microsoft signs and posts to the stack's webhook."""

    def __init__(self, stack):
        self.ms, self.webhook = stack["microsoft"], stack["teams_webhook"]
        self.user, self.conversation = f"29:kanarie-{secrets.token_hex(6)}", f"a:kanarie-{secrets.token_hex(6)}"
        SECRETS.extend([self.user, self.conversation])
        self.mark = 0

    def _post(self, activity):
        self.mark = len(self.ms.sent)
        assert self.ms.post(self.webhook, activity, self.ms.sign(activity)) == 200

    def say(self, text):
        self._post(self.ms.activity(text, user_id=self.user, conversation_id=self.conversation))

    def press(self, title):
        buttons = [b for a in self.ms.sent if a["conversation_id"] == self.conversation
                   for card in a.get("attachments") or [] for b in card["content"]["buttons"] if b["title"] == title]
        self._post(self.ms.activity("", value=buttons[-1]["value"], user_id=self.user, conversation_id=self.conversation))

    def wait_for(self, needle):
        activity = self.ms.wait_for(lambda a: a["conversation_id"] == self.conversation and says(needle)(a),
                                    self.mark, seconds=120)
        return " ".join([activity.get("text") or ""] + [c["content"]["text"] for c in activity.get("attachments") or []])

    def close(self):
        pass


CHANNELS = {"web": WebReporter, "telegram": TelegramReporter, "teams": TeamsReporter}


@pytest.fixture(scope="module")
def console(stack):
    return Console(stack["console"], stack["seed"])


def wait_until(check, seconds=60):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_safeguarding_case_ends_in_a_live_adviser_reply(stack, console, channel):
    report, live, answer = (f"kanarie{secrets.token_hex(5)}" for _ in range(3))
    SECRETS.extend([report, live, answer])
    reporter = CHANNELS[channel](stack)
    try:
        reporter.say(DISCLOSURE)
        # The duty to report comes first, honestly, before any question about who.
        assert "College van Bestuur" in reporter.wait_for("meldplicht")
        reporter.wait_for("zo snel mogelijk contact")
        reporter.press("Ja, zo snel mogelijk")
        assert "verschoningsrecht" in reporter.wait_for("geen verschoningsrecht")
        reporter.wait_for("verhaal doorgeven")
        reporter.press("Ja, graag")
        reporter.wait_for("paar zinnen")
        reporter.say(f"Het gebeurt na de les, in lokaal {report}.")
        assert CODE.search(reporter.wait_for("enige manier"))

        case_id = console.case_with(report)
        assert "College van Bestuur" in console.get(f"cases/{case_id}")  # the adviser sees the procedure
        console.act(case_id, "claim")
        reporter.wait_for("Er is nu een contactpersoon")
        reporter.say(f"Fijn dat er iemand is. {live}")
        wait_until(lambda: any(live in m["text"] and m["author"] == "reporter" for m in console.thread(case_id)))
        console.act(case_id, "reply", text=f"Ik ben Anna. Je bent niet alleen. {answer}")
        assert answer in reporter.wait_for(f"Contactpersoon: Ik ben Anna. Je bent niet alleen. {answer}")
        console.act(case_id, "end-live")
        reporter.wait_for("Je praat weer met de assistent")
    finally:
        reporter.close()


def test_socket_io_refuses_pages_of_other_origins(stack):
    import socketio

    async def connect_from(origin):
        async with SocketReporter(stack["socket"], origin):
            return True

    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(connect_from("https://elders.example"))
    assert asyncio.run(connect_from(stack["origin"]))


def test_the_real_teams_webhook_refuses_unsigned_and_wrongly_signed_activities(stack):
    from tests.fake_bot_framework import new_key

    ms = stack["microsoft"]
    activity = ms.activity("dit mag niet binnenkomen", conversation_id="a:onbevoegd")
    for authorization in (None, ms.unsigned(activity), ms.sign(activity, key=new_key()),
                          ms.sign(activity, audience="een-andere-bot")):
        assert ms.post(stack["teams_webhook"], activity, authorization) == 401
    time.sleep(2)
    assert not [a for a in ms.sent if a["conversation_id"] == "a:onbevoegd"]


def test_no_channel_logs_text_or_user_ids_and_the_stores_hold_pseudonyms_only(stack):
    """After the three conversations: no typed text, Telegram id or Teams id in the logs of any
    process, and no channel user id in clear in the tracker store or the queue."""
    assert len(SECRETS) >= 3 * 3 + 1 + 2, "the conversations above did not run"
    log = stack["log"].read_bytes()
    assert b"Channels: web, telegram, teams" in log
    stored = b"".join(p.read_bytes() for p in sorted(stack["data"].glob("*.sqlite*")))
    assert len(stored) > 10_000
    for secret in SECRETS:
        assert secret.encode() not in log, secret
        assert secret.encode() not in stored, secret
    assert b"telegram-" in stored and b"teams-" in stored  # the pseudonyms are what Rasa keeps
