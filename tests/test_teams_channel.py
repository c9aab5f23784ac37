"""The Teams channel: activities signed by a fake Bot Framework the test trusts; replies through its fake connector."""

import asyncio
import logging
import os
import uuid

import pytest

from bot.channels.pseudonym import pseudonym
from bot.channels.teams import TeamsInput, hero_card
from tests.echo_rasa import EchoRasa
from tests.fake_bot_framework import KID, FakeBotFramework, new_key, says

KEY = os.urandom(32)


@pytest.fixture(scope="module")
def microsoft():
    with FakeBotFramework() as fake:
        yield fake


def channel_for(ms: FakeBotFramework) -> TeamsInput:
    return TeamsInput(ms.app_id, ms.app_password, KEY, openid_metadata_url=ms.openid_metadata_url,
                      token_url=ms.token_url)


def deliver(channel, ms, activity, authorization, rasa):
    return asyncio.run(channel.receive(authorization, activity, rasa)).status


def test_a_signed_message_reaches_rasa_under_a_pseudonym_and_the_answer_reaches_teams(microsoft):
    ms, channel, rasa = microsoft, channel_for(microsoft), EchoRasa()
    start = len(ms.sent)
    activity = ms.activity("hallo", user_id="29:kanarie-gebruiker", conversation_id="a:gesprek-1")
    assert deliver(channel, ms, activity, ms.sign(activity), rasa) == 200
    reply = ms.wait_for(says("ontvangen: hallo"), start)
    assert reply["conversation_id"] == "a:gesprek-1" and reply["from"]["id"] == f"28:{ms.app_id}"
    (message,) = rasa.messages
    assert message.sender_id == pseudonym("teams", "aad-29:kanarie-gebruiker", KEY)
    assert "kanarie" not in message.sender_id and not message.metadata and message.input_channel == "teams"
    again = ms.activity("nog eens", user_id="29:kanarie-gebruiker", conversation_id="a:gesprek-1")
    deliver(channel, ms, again, ms.sign(again), rasa)
    other = ms.activity("ik ook", user_id="29:iemand-anders", conversation_id="a:gesprek-2")
    deliver(channel, ms, other, ms.sign(other), rasa)
    assert rasa.messages[1].sender_id == message.sender_id != rasa.messages[2].sender_id
    assert ms.refused_sends == 0  # every reply carried the connector token


def test_buttons_are_message_back_and_a_click_is_the_users_answer(microsoft):
    ms, channel, rasa = microsoft, channel_for(microsoft), EchoRasa()
    start = len(ms.sent)
    activity = ms.activity("knoppen")
    deliver(channel, ms, activity, ms.sign(activity), rasa)
    card = ms.wait_for(says("Wie ben jij?"), start)["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.hero"
    button = card["content"]["buttons"][0]
    assert button["type"] == "messageBack" and button["title"] == button["displayText"] == "Student"
    click = ms.activity("", value=button["value"])  # how Teams sends a click: empty text, the value
    deliver(channel, ms, click, ms.sign(click), rasa)
    ms.wait_for(says('ontvangen: /inform_role{"role": "student"}'), start)
    assert hero_card("x", [])["content"]["buttons"] == []


@pytest.mark.parametrize("wrong", ["missing", "not bearer", "alg none", "other key", "unknown kid", "audience",
                                   "issuer", "expired", "service url", "garbage", "other channel"])
def test_unsigned_or_wrongly_signed_activities_are_refused(microsoft, wrong):
    ms, channel, rasa = microsoft, channel_for(microsoft), EchoRasa()
    activity = ms.activity("dit mag niet binnenkomen")
    if wrong == "other channel":  # the key is endorsed for msteams only
        activity["channelId"] = "webchat"
    authorization = {
        "missing": "", "not bearer": "Basic dXNlcjpwYXNz", "alg none": ms.unsigned(activity),
        "other key": ms.sign(activity, key=new_key()), "unknown kid": ms.sign(activity, kid="elders"),
        "audience": ms.sign(activity, audience="een-andere-bot"), "issuer": ms.sign(activity, issuer="https://elders"),
        "expired": ms.sign(activity, expires_in=-3600), "service url": ms.sign(activity, service_url="https://elders/"),
        "garbage": "Bearer abc.def.ghi", "other channel": ms.sign(activity),
    }[wrong]
    assert deliver(channel, ms, activity, authorization, rasa) == 401
    assert rasa.messages == []
    assert KID  # the right key id is what the fake publishes


def test_attachments_only_and_group_chats_get_a_kind_text_and_reach_nobody(microsoft):
    ms, channel, rasa = microsoft, channel_for(microsoft), EchoRasa()
    start = len(ms.sent)
    photo = ms.activity("", attachments=[{"contentType": "image/png", "contentUrl": "https://x.example/a.png"}])
    assert deliver(channel, ms, photo, ms.sign(photo), rasa) == 200
    ms.wait_for(says("Ik kan alleen tekst lezen"), start)
    group = ms.activity("hallo allemaal", conversation_type="groupChat", conversation_id="19:groep", locale="en-US")
    assert deliver(channel, ms, group, ms.sign(group), rasa) == 200
    assert ms.wait_for(says("only works in a personal chat"), start)["conversation_id"] == "19:groep"
    update = ms.activity("")
    update["type"] = "conversationUpdate"
    assert deliver(channel, ms, update, ms.sign(update), rasa) == 200
    assert rasa.messages == []


def test_help_answers_with_the_help_numbers_without_asking_the_assistant(microsoft):
    ms, channel, rasa = microsoft, channel_for(microsoft), EchoRasa()
    start = len(ms.sent)
    for text, locale, opening in (("/help", "nl-NL", "Dit is Contactpunt"), ("hulp", "nl-NL", "Dit is Contactpunt"),
                                  ("Help", "en-US", "This is Contactpunt")):
        activity = ms.activity(text, locale=locale)
        assert deliver(channel, ms, activity, ms.sign(activity), rasa) == 200
        answer = ms.wait_for(says(opening), start)["text"]
        assert "112" in answer and "0800-0113" in answer and "0800-2000" in answer
        start = len(ms.sent)
    assert rasa.messages == []


def test_a_failing_assistant_gets_a_plain_answer_not_a_crash(microsoft):
    ms, channel = microsoft, channel_for(microsoft)
    start = len(ms.sent)
    activity = ms.activity("kapot")
    assert deliver(channel, ms, activity, ms.sign(activity), EchoRasa(fail_on="kapot")) == 200
    ms.wait_for(says("Er ging iets mis"), start)


def test_an_advisers_live_reply_reaches_the_right_conversation(microsoft):
    ms, channel, rasa = microsoft, channel_for(microsoft), EchoRasa()
    activity = ms.activity("hallo", user_id="29:melder", conversation_id="a:gesprek-live")
    deliver(channel, ms, activity, ms.sign(activity), rasa)
    start = len(ms.sent)
    output = channel.get_output_channel()  # what Rasa asks for with output_channel=latest
    asyncio.run(output.send_text_message(rasa.messages[0].sender_id, "Contactpersoon: ik ben er."))
    assert ms.wait_for(says("Contactpersoon: ik ben er."), start)["conversation_id"] == "a:gesprek-live"
    asyncio.run(output.send_text_message("teams-onbekend", "x"))  # unknown since the last start: dropped


def test_no_keys_means_503_not_a_crash():
    channel = TeamsInput("app", "pw", KEY, openid_metadata_url="http://127.0.0.1:9/openid",
                         token_url="http://127.0.0.1:9/token")
    assert asyncio.run(channel.receive("Bearer a.b.c", {"serviceUrl": "x"}, EchoRasa())).status in (401, 503)
    header_only = FakeBotFramework.unsigned({"serviceUrl": "x"}).replace("none", "RS256")
    assert asyncio.run(channel.receive(header_only, {"serviceUrl": "x"}, EchoRasa())).status in (401, 503)
    with pytest.raises(ValueError, match="app_password"):
        TeamsInput.from_credentials({"app_id": "x"})


def test_logs_hold_no_text_ids_or_tokens(microsoft, caplog):
    ms, channel = microsoft, channel_for(microsoft)
    canary, user, conversation = f"CANARY-{uuid.uuid4()}", f"29:user-{uuid.uuid4()}", f"a:conv-{uuid.uuid4()}"
    with caplog.at_level(logging.DEBUG):
        good = ms.activity(canary, user_id=user, conversation_id=conversation)
        deliver(channel, ms, good, ms.sign(good), EchoRasa())
        bad = ms.activity(canary, user_id=user, conversation_id=conversation)
        deliver(channel, ms, bad, ms.sign(bad, audience="elders"), EchoRasa())
        broken = ms.activity("kapot", user_id=user, conversation_id=conversation)
        deliver(channel, ms, broken, ms.sign(broken), EchoRasa(fail_on="kapot"))
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "Refused a Teams activity (InvalidAudienceError)" in logged  # the log is really captured
    for secret in (canary, user, conversation, ms.access_token, ms.app_password,
                   pseudonym("teams", f"aad-{user}", KEY)):
        assert secret not in logged, secret
