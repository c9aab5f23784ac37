"""The Telegram channel: python-telegram-bot itself, polling a fake Bot API on loopback, with a stand-in for Rasa."""

import asyncio
import base64
import logging
import os
import uuid
from types import SimpleNamespace

import pytest

from bot.channels.pseudonym import pseudonym
from bot.channels.telegram import TelegramInput, forget_in_store
from tests.echo_rasa import EchoRasa
from tests.fake_bot_api import FakeBotAPI

USER, OTHER = 5550001234, 5550009876
KEY = os.urandom(32)


def run_channel(scenario, rasa=None, forget=None):
    """Run the real PTB application against the fake Bot API while `scenario(api, channel, rasa)` plays."""
    rasa = rasa or EchoRasa()

    async def main():
        with FakeBotAPI() as api:
            channel = TelegramInput(api.token, KEY, base_url=api.base_url, forget_conversation=forget)
            application = channel.build_application(rasa)
            await application.initialize()
            await application.start()
            await application.updater.start_polling(poll_interval=0, timeout=1)
            try:
                await asyncio.get_running_loop().run_in_executor(None, scenario, api, channel, rasa)
            finally:
                await application.updater.stop()
                await application.stop()
                await application.shutdown()

    asyncio.run(main())


def text_is(text):
    return lambda sent: sent["text"] == text


def test_text_goes_to_rasa_under_a_pseudonym_and_the_answer_comes_back():
    def scenario(api, channel, rasa):
        api.user_says(USER, "hallo")
        api.wait_for(text_is("ontvangen: hallo"))
        api.user_says(OTHER, "ook hallo")
        api.wait_for(text_is("ontvangen: ook hallo"))
        api.user_says(USER, "nog een keer")
        api.wait_for(text_is("ontvangen: nog een keer"))
        first, other, again = rasa.messages
        assert first.sender_id == again.sender_id == pseudonym("telegram", str(USER), KEY)
        assert other.sender_id != first.sender_id
        assert str(USER) not in first.sender_id and not first.metadata
        assert first.input_channel == "telegram"
        assert [s["chat_id"] for s in api.sent] == [USER, OTHER, USER]
        assert "sendChatAction" in api.calls  # "typing…" while the assistant thinks

    run_channel(scenario)


def test_buttons_are_an_inline_keyboard_and_a_press_is_the_users_answer():
    def scenario(api, channel, rasa):
        api.user_says(USER, "knoppen")
        keyboard = api.wait_for(text_is("Wie ben jij?"))["reply_markup"]["inline_keyboard"]
        assert [row[0]["text"] for row in keyboard] == ["Student", "Medewerker"]
        assert all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)
        api.user_presses(USER, "Medewerker")  # a payload too long for Telegram travels by token
        api.wait_for(lambda s: s["text"].startswith('ontvangen: /inform_role{"role": "medewerkermedewerker'))
        assert api.sent[0]["reply_markup"] is None  # a choice is made once: the keyboard goes
        api.user_says(USER, "knoppen")
        api.wait_for(text_is("Wie ben jij?"), 2)
        api.user_presses(USER, "Student")
        api.wait_for(text_is('ontvangen: /inform_role{"role": "student"}'))
        assert "answerCallbackQuery" in api.calls and "editMessageReplyMarkup" in api.calls

    run_channel(scenario)


def test_start_help_and_stop():
    def scenario(api, channel, rasa):
        api.user_says(USER, "/start")
        api.wait_for(text_is("ontvangen: /greet"))
        api.user_says(USER, "/help")
        help_text = api.wait_for(lambda s: "Contactpunt" in s["text"] and "/vergeet" in s["text"])["text"]
        assert "112" in help_text and "0800-0113" in help_text and "0800-2000" in help_text and "anoniem" in help_text
        api.user_says(USER, "/stop")
        api.wait_for(lambda s: s["text"].startswith("Het gesprek is gestopt."))
        api.user_says(OTHER, "/help", language_code="en-GB")
        api.wait_for(lambda s: s["chat_id"] == OTHER and s["text"].startswith("This is Contactpunt"))
        assert [m.text for m in rasa.messages] == ["/greet", "/restart"]  # Rasa restarts the conversation ...
        assert "ontvangen: /restart" not in [s["text"] for s in api.sent]  # ... but only "stopped" is said

    run_channel(scenario)


def test_vergeet_deletes_the_conversation_only_after_yes():
    forgotten = []

    async def forget(sender_id):
        forgotten.append(sender_id)
        return 3

    def scenario(api, channel, rasa):
        api.user_says(USER, "hallo")
        api.wait_for(text_is("ontvangen: hallo"))
        api.user_says(USER, "/vergeet")
        api.wait_for(lambda s: s["text"].startswith("Wil je dat alles"))
        api.user_presses(USER, "Nee")
        api.wait_for(lambda s: s["text"].startswith("Er is niets gewist"))
        assert forgotten == []
        api.user_says(USER, "/vergeet")
        start = len(api.sent)
        api.wait_for(lambda s: s["text"].startswith("Wil je dat alles"), start - 1)
        api.user_presses(USER, "Ja, wis alles")
        done = api.wait_for(lambda s: s["text"].startswith("Het gesprek is gewist"), start)["text"]
        assert "contactpersoon" in done and "Telegram" in done  # honest about what stays
        assert forgotten == [pseudonym("telegram", str(USER), KEY)]
        assert pseudonym("telegram", str(USER), KEY) not in channel.references

    run_channel(scenario, forget=forget)


def test_photos_stickers_voice_edits_and_groups_get_a_kind_answer_and_reach_nobody():
    def scenario(api, channel, rasa):
        for number, kind in enumerate(("photo", "sticker", "voice", "location")):
            api.user_sends(USER, kind)
            api.wait_for(lambda s: s["text"].startswith("Ik kan alleen tekst lezen"), number)
        api.user_edits(USER, "aangepast")
        api.wait_for(lambda s: s["text"].startswith("Ik lees aangepaste berichten niet"))
        api.user_says(OTHER, "hallo allemaal", chat_type="group")
        api.wait_for(lambda s: s["text"].startswith("Contactpunt werkt alleen in een privégesprek"))
        api.user_says(OTHER, "nog een keer", chat_type="group")  # told once per group, not in a loop
        api.user_says(USER, "hallo")
        api.wait_for(text_is("ontvangen: hallo"))
        assert [m.text for m in rasa.messages] == ["hallo"]
        assert sum("privégesprek" in s["text"] for s in api.sent) == 1

    run_channel(scenario)


def test_a_failing_assistant_gets_a_plain_answer_not_a_crash():
    def scenario(api, channel, rasa):
        api.user_says(USER, "kapot")
        api.wait_for(lambda s: s["text"].startswith("Er ging iets mis"))
        api.user_says(USER, "hallo")  # and the bridge goes on
        api.wait_for(text_is("ontvangen: hallo"))

    run_channel(scenario, rasa=EchoRasa(fail_on="kapot"))


def test_an_advisers_live_reply_reaches_the_right_chat():
    def scenario(api, channel, rasa):
        api.user_says(USER, "hallo")
        api.wait_for(text_is("ontvangen: hallo"))
        output = channel.get_output_channel()  # what Rasa asks for with output_channel=latest
        sender = pseudonym("telegram", str(USER), KEY)
        future = asyncio.run_coroutine_threadsafe(
            output.send_text_message(sender, "Contactpersoon: ik ben er."), loop)
        future.result(10)
        assert api.wait_for(text_is("Contactpersoon: ik ben er."))["chat_id"] == USER
        unknown = asyncio.run_coroutine_threadsafe(output.send_text_message("telegram-onbekend", "x"), loop)
        unknown.result(10)  # a chat unknown since the last start: dropped with a warning, no crash

    loop = None

    async def grab_loop(message):
        nonlocal loop
        loop = asyncio.get_running_loop()
        await EchoRasa()(message)

    run_channel(scenario, rasa=grab_loop)


def test_logs_hold_no_text_ids_or_token(caplog):
    canary = f"CANARY-{uuid.uuid4()}"
    user = 5557771234

    def scenario(api, channel, rasa):
        api.user_says(user, canary)
        api.wait_for(text_is(f"ontvangen: {canary}"))
        api.user_says(user, "kapot")
        api.wait_for(lambda s: s["text"].startswith("Er ging iets mis"))
        api.user_sends(user, "photo")
        api.wait_for(lambda s: s["text"].startswith("Ik kan alleen tekst"))

    with caplog.at_level(logging.DEBUG):
        run_channel(scenario, rasa=EchoRasa(fail_on="kapot"))
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "could not be handled (RuntimeError)" in logged  # the log is really captured
    for secret in (canary, str(user), FakeBotAPI.token, pseudonym("telegram", str(user), KEY)):
        assert secret not in logged, secret


def test_a_webhook_needs_the_secret_token_and_a_running_application():
    async def scenario():
        with FakeBotAPI() as api:
            rasa = EchoRasa()
            channel = TelegramInput(api.token, KEY, base_url=api.base_url, secret_token="afgesproken-geheim",
                                    webhook_url="https://contactpunt.example/webhooks/telegram/webhook")
            application = channel.build_application(rasa)
            assert (await channel.receive_webhook("", api.text_update(USER, "hallo"))).status == 403
            assert (await channel.receive_webhook("fout", api.text_update(USER, "hallo"))).status == 403
            # not started yet: Telegram is told to come back later, so the update is not lost
            assert (await channel.receive_webhook("afgesproken-geheim", api.text_update(USER, "hallo"))).status == 503
            await channel.connect(application)
            try:
                assert "setWebhook" in api.calls and "getUpdates" not in api.calls
                assert (await channel.receive_webhook("afgesproken-geheim", "geen update")).status == 400
                assert (await channel.receive_webhook("afgesproken-geheim", api.text_update(USER, "hallo"))).status == 200
                await asyncio.get_running_loop().run_in_executor(None, api.wait_for, text_is("ontvangen: hallo"))
                assert [m.text for m in rasa.messages] == ["hallo"]
            finally:
                await channel.disconnect(application)
        polling = TelegramInput("1:x", KEY)
        polling.build_application(EchoRasa())
        assert (await polling.receive_webhook("", {"update_id": 1})).status == 403  # polling: no webhook at all

    asyncio.run(scenario())
    with pytest.raises(ValueError, match="secret token"):
        TelegramInput.from_credentials({"token": "1:x", "webhook_url": "https://x.example/hook",
                                        "pseudonym_key": base64.b64encode(KEY).decode()})
    with pytest.raises(ValueError, match="bot token"):
        TelegramInput.from_credentials({})


def test_a_bot_api_down_at_start_is_tried_again_until_it_answers(caplog):
    """Rasa's server start must not wait for (or die with) Telegram: the web chat and Teams start regardless."""
    async def scenario():
        api = FakeBotAPI()  # its port is chosen, but nothing listens there yet
        channel = TelegramInput(api.token, KEY, base_url=api.base_url)
        listeners = {f.event: f.listener for f in channel.blueprint(EchoRasa())._future_listeners}
        rasa_server = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=None)))
        await asyncio.wait_for(listeners["after_server_start"](rasa_server, None), 1)
        await asyncio.sleep(1)
        assert not channel.application.running
        with api:
            await asyncio.wait_for(channel._connecting, 15)  # the first pause is 2 s
            try:
                assert channel.application.updater.running
                api.user_says(USER, "hallo")
                await asyncio.get_running_loop().run_in_executor(None, api.wait_for, text_is("ontvangen: hallo"))
            finally:
                await listeners["before_server_stop"](rasa_server, None)
        assert not channel.application.running

    with caplog.at_level(logging.INFO, logger="bot.channels.telegram"):
        asyncio.run(scenario())
    assert "Telegram not reachable (NetworkError)" in caplog.text and "Telegram connected." in caplog.text
    assert FakeBotAPI.token not in caplog.text


def test_a_refused_token_is_reported_once_and_not_retried(caplog):
    async def scenario():
        with FakeBotAPI() as api:
            channel = TelegramInput("999:not-this-bot", KEY, base_url=api.base_url)
            application = channel.build_application(EchoRasa())
            await asyncio.wait_for(channel.connect(application, first_wait=0.1), 15)
            assert not application.running and api.calls == []
            await channel.disconnect(application)

    with caplog.at_level(logging.INFO, logger="bot.channels.telegram"):
        asyncio.run(scenario())
    assert caplog.text.count("Telegram refused the bot token") == 1 and "999:not-this-bot" not in caplog.text


def test_vergeet_removes_the_conversation_from_the_encrypted_store(tmp_path, monkeypatch):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import keyring
    from bot.tracker_store.encrypted import EncryptedSQLTrackerStore

    monkeypatch.setenv(keyring.KEYS_ENV, keyring.new_key_line())
    store = EncryptedSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.sqlite"))
    for sender in ("telegram-een", "telegram-twee"):
        tracker = DialogueStateTracker(sender, [])
        tracker.update(UserUttered("iets"))
        asyncio.run(store.save(tracker))
    from rasa.core.tracker_store import FailSafeTrackerStore

    assert asyncio.run(forget_in_store(FailSafeTrackerStore(store), "telegram-een")) == 1  # as Rasa hands it over
    assert asyncio.run(store.retrieve("telegram-een")) is None
    assert asyncio.run(store.retrieve("telegram-twee")) is not None
