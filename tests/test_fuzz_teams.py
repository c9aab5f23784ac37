"""Fuzzing the Teams channel: Bot Framework activities of every type with every field missing, null or of another
type, and bodies that are no JSON object at all, signed by the fake Bot Framework (so that they pass verification;
some are not, and must not), posted to the channel's webhook route as Rasa's server calls it, with EchoRasa
standing in for Rasa and the fake connector taking the replies.

Properties: the webhook answers 200 or a 4xx that says why, never an exception (Sanic would make it a 500); the
status and what the user gets are the ones written down for the activity (`expected`: one of the channel's own
texts in the user's language, the assistant's answer, or a deliberate silence); what reaches the assistant is a
non-blank str of at most MAX_MESSAGE_CHARS, under the user's pseudonym; no log line holds words or ids."""

import asyncio
import json
import logging
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import event, given, note, strategies as st

from bot.channels import MAX_MESSAGE_CHARS
from bot.channels.pseudonym import pseudonym
from bot.channels.teams import HELP_WORDS, TEXTS
from bot.channels.ui_texts import language_of, ui_texts
from bot.message_text import clean
from tests.echo_rasa import EchoRasa
from tests.fake_bot_framework import FakeBotFramework
from tests.fuzzing import fuzz_settings, tried, typed_messages
from tests.test_teams_channel import KEY, channel_for, microsoft  # noqa: F401 (microsoft: the fake, a fixture)

ASSISTANT, SILENCE = "the assistant's answer", "silence"
TYPES = ("message", "conversationUpdate", "typing", "invoke", "messageReaction", "installationUpdate",
         "endOfConversation", "event", "messageUpdate", "messageDelete", "deleteUserData", "trace", "handoff",
         "Message", "", "iets-nieuws")
UNREACHABLE = "http://127.0.0.1:9/"  # a connector that refuses at once (no name lookup, no waiting)
MISSING = object()  # a field left out
OWN_TEXTS = {text: (language, name) for language, texts in ui_texts(TEXTS).items() for name, text in texts.items()}


def json_values(max_leaves: int = 10):
    return st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                     max_size=4),
                        max_leaves=max_leaves)


JSON = json_values()
CONNECTOR = "<the fake connector>"  # replaced by its URL when the example runs


def long_texts(sizes):
    return st.builds(lambda piece, size: (piece * size)[:size], st.text(min_size=1, max_size=9), sizes)


def texts():
    return st.one_of(
        typed_messages(MAX_MESSAGE_CHARS), st.text(max_size=300), st.text(alphabet=" \t\n\r\u00a0\u2003", max_size=20),
        st.lists(st.sampled_from(["😀", "👍🏽", "🏳️‍🌈", "🇳🇱", "\u200d"]), min_size=1, max_size=30).map("".join),
        st.sampled_from(sorted(HELP_WORDS) + ["Help", " HULP ", "/Help", "knoppen", "kapot",
                                              "<at>Contactpunt</at> hoi"]),
        long_texts(st.integers(MAX_MESSAGE_CHARS - 5, MAX_MESSAGE_CHARS)),
        long_texts(st.integers(MAX_MESSAGE_CHARS + 1, 30_000)))  # Teams allows about 28 KB


def values():
    """What a button click (messageBack) carries in `value`, and what else can be there."""
    return st.one_of(st.builds(lambda payload: {"payload": payload}, texts() | st.sampled_from(
        ['/inform_role{"role": "student"}', "/restart"])), st.fixed_dictionaries({"payload": JSON}), JSON)


#: an activity as Teams sends it: the fields always there ...
USUAL = {
    "type": st.just("message") | st.sampled_from(TYPES),
    "id": st.just("activity-1"),
    "channelId": st.just("msteams"),
    "serviceUrl": st.just(CONNECTOR),
    "locale": st.sampled_from(["nl-NL", "en-US", "en", "EN-gb", "de-DE", "fr", ""]),
    "conversation": st.fixed_dictionaries({
        "id": st.sampled_from(["a:gesprek-kanarie-0001", "19:kanarie@thread.v2/x y%"]),
        "conversationType": st.sampled_from(["personal", "personal", "groupChat", "channel"]),
        "tenantId": st.just("tenant-test")}, optional={"isGroup": st.booleans()}),
    "from": st.fixed_dictionaries({"id": st.just("29:gebruiker-kanarie"),
                                   "aadObjectId": st.just("aad-gebruiker-kanarie"), "name": st.text(max_size=30)}),
    "recipient": st.just({"id": "28:contactpunt-test-app", "name": "Contactpunt"}),
    "text": texts(),
}
#: ... and those that come with some
OPTIONAL = {
    "value": values(),
    "attachments": st.lists(st.fixed_dictionaries(
        {"contentType": st.sampled_from(["image/png", "text/html", "application/vnd.microsoft.card.adaptive"])},
        optional={"contentUrl": st.just("https://x.example/a.png"), "content": JSON}), max_size=3),
    "entities": st.just([{"type": "clientInfo", "locale": "nl-NL", "platform": "Web"}]),
    "channelData": st.just({"eventType": "editMessage"}) | st.just({"tenant": {"id": "tenant-test"}}),
    "name": st.sampled_from(["adaptiveCard/action", "task/fetch", "signin/verifyState", "composeExtension/query"]),
    "membersAdded": st.just([{"id": "28:contactpunt-test-app"}]),
    "textFormat": st.sampled_from(["plain", "markdown", "xml"]),
}
#: what may be left out, null or of another type (a dot: a field inside a field)
SPOILABLE = sorted(USUAL) + sorted(OPTIONAL) + ["conversation.id", "conversation.conversationType",
                                                "conversation.isGroup", "from.id", "from.aadObjectId", "value.payload"]
#: besides MISSING, null and any JSON: values that look right and are not
LOOKALIKES = {"serviceUrl": ["", "ftp://connector", "connector", UNREACHABLE], "channelId": ["webchat", "MSTeams"],
              "conversation.id": [""], "from.id": [""], "from.aadObjectId": [""], "type": ["Message", " message"]}


@st.composite
def activities(draw):
    """An activity of any type as Teams sends it, then up to four of its fields left out, null, or of another
    type (or, for some, a value that looks right and is not)."""
    activity = draw(st.fixed_dictionaries(USUAL, optional=OPTIONAL))
    for path in draw(st.lists(st.sampled_from(SPOILABLE), max_size=4, unique=True)):
        *parents, key = path.split(".")
        target = activity.get(parents[0]) if parents else activity
        if not isinstance(target, dict):
            continue  # its parent is spoilt already
        spoilt = draw(st.one_of(st.just(MISSING), st.none(), JSON, st.sampled_from(LOOKALIKES.get(path, [None]))))
        if spoilt is MISSING:
            target.pop(key, None)
        else:
            target[key] = spoilt
    return activity


@dataclass
class Outcome:
    status: int
    answer: str = SILENCE  # a text name in teams.yml, ASSISTANT or SILENCE
    words: Optional[str] = None  # what the assistant is given


def sender_of(activity: Dict[str, Any]) -> Optional[str]:
    user = activity.get("from")
    if not isinstance(user, dict):
        return None
    return next((v for v in (user.get("aadObjectId"), user.get("id")) if isinstance(v, str) and v), None)


def expected(activity: Any) -> Outcome:
    """What the webhook answers and the user gets, for a correctly signed body (the table in docs/reliability.md)."""
    if not isinstance(activity, dict) or activity.get("channelId") != "msteams":
        return Outcome(401)  # its key is published for Teams only: nothing else can be verified
    conversation, service_url = activity.get("conversation"), activity.get("serviceUrl")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str) or not conversation["id"]:
        return Outcome(400)  # no conversation to answer in
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        return Outcome(400)  # no connector to answer through
    kind = activity.get("type")
    personal = conversation.get("conversationType", "personal") == "personal" and conversation.get(
        "isGroup") is not True  # left out: personal (the Bot Framework Emulator says neither)
    channel_data = activity.get("channelData")
    if kind == "messageUpdate" and personal and isinstance(channel_data, dict) and channel_data.get(
            "eventType") == "editMessage":
        return Outcome(200, "edited")  # the change is not read: said as Telegram does
    if kind != "message":
        return Outcome(200)
    if sender_of(activity) is None:
        return Outcome(400)  # nobody to keep a conversation for
    if not personal:
        return Outcome(200, "private_only")
    text = activity.get("text") if isinstance(activity.get("text"), str) else ""
    text, value = clean(text).strip(), activity.get("value")
    if not text and isinstance(value, dict) and isinstance(value.get("payload"), str):
        text = clean(value["payload"]).strip()  # a button click (messageBack)
    if not text:
        return Outcome(200, "text_only")
    if len(text) > MAX_MESSAGE_CHARS:
        return Outcome(200, "too_long")
    if text.lower() in HELP_WORDS:
        return Outcome(200, "help")
    return Outcome(200, "error" if text == "kapot" else ASSISTANT, text)


def bodies():
    """Bodies that are no JSON object: other JSON, no JSON, no UTF-8, nested too deep for a parser."""
    return st.one_of(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40), st.lists(JSON, max_size=4)
                  ).map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200), st.sampled_from([b"", b" ", b"null", b"{", b"\xff\xfe", b"\"\\ud800\"", b"1" * 5000]),
        st.integers(200, 100_000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(200, 100_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n))


# --- the webhook, as Rasa's server calls it ----------------------------------------------------------------

@pytest.fixture(scope="module")
def teams(microsoft):  # noqa: F811 (the fixture imported above)
    """The channel's webhook route handler (posting a body as Sanic does) and the stand-in for Rasa."""
    channel, rasa = channel_for(microsoft), EchoRasa(fail_on="kapot")
    (route,) = [r for r in channel.blueprint(rasa)._future_routes if r.uri == "/webhook"]
    loop = asyncio.new_event_loop()
    try:
        yield SimpleNamespace(post=lambda body, authorization: loop.run_until_complete(route.handler(
            SimpleNamespace(body=body, headers={"Authorization": authorization}))), rasa=rasa)
    finally:
        loop.close()


def signed(ms: FakeBotFramework, activity: Any, how: str) -> str:
    """The Authorization header: as the Bot Framework signs this body (for its serviceUrl, whatever that is),
    or wrongly."""
    service_url = activity.get("serviceUrl") if isinstance(activity, dict) else None
    if how == "right":
        return ms.sign({"serviceUrl": service_url})
    return {"none": "", "garbage": "Bearer abc.def.ghi", "audience": ms.sign({"serviceUrl": service_url},
                                                                             audience="een-andere-bot")}[how]


def check_answer(ms, outcome: Outcome, activity: Any, sent: List[Dict[str, Any]], heard, logged: str) -> None:
    reachable = isinstance(activity, dict) and activity.get("serviceUrl") == ms.service_url
    if outcome.answer == SILENCE or not reachable:
        assert sent == [], f"{outcome.answer}: sent {sent}"
    else:
        language = language_of(str(activity.get("locale") or ""))
        names = []
        for reply in sent:
            assert reply["conversation"]["id"] == activity["conversation"]["id"], "an answer went elsewhere"
            text = reply.get("text") or reply["attachments"][0]["content"]["text"]
            if text in OWN_TEXTS:
                assert OWN_TEXTS[text][0] == language, f"{OWN_TEXTS[text]} is not in {language}"
                names.append(OWN_TEXTS[text][1])
            else:
                assert text.startswith("ontvangen: ") or text == "Wie ben jij?", text
                names.append(ASSISTANT)
        assert names == [outcome.answer], f"{names} instead of {outcome.answer}"
    assert [m.text for m in heard] == ([outcome.words] if outcome.words else []), "what the assistant heard"
    for message in heard:
        assert isinstance(message.text, str) and message.text == message.text.strip()
        assert 0 < len(message.text) <= MAX_MESSAGE_CHARS
        assert message.sender_id == pseudonym("teams", sender_of(activity), KEY)
        assert message.input_channel == "teams" and not message.metadata
    conversation = activity.get("conversation") if isinstance(activity, dict) else None
    for secret in (outcome.words, sender_of(activity) if isinstance(activity, dict) else None,
                   conversation.get("id") if isinstance(conversation, dict) else None):
        secret = secret if isinstance(secret, str) else None
        assert not secret or len(secret) < 12 or secret not in logged, "a log line holds words or an id"


@fuzz_settings(600, 12000)
@given(data=st.data())
@pytest.mark.fuzz
def test_every_activity_gets_200_or_a_4xx_with_a_reason_and_its_written_down_answer(
        microsoft, teams, data, caplog):  # noqa: F811
    tried("teams")
    ms = microsoft
    activity = data.draw(activities(), label="activity")
    if isinstance(activity, dict) and activity.get("serviceUrl") == CONNECTOR:
        activity["serviceUrl"] = ms.service_url
    how = data.draw(st.sampled_from(["right"] * 8 + ["none", "garbage", "audience"]), label="signature")
    outcome = expected(activity) if how == "right" else Outcome(401)
    event(f"{activity.get('type')!r:.30} -> {outcome.status} {outcome.answer}")
    note(f"expected: {outcome}")
    caplog.set_level(logging.DEBUG, logger="bot.channels")
    sent_before, heard_before, logged_before = len(ms.sent), len(teams.rasa.messages), len(caplog.records)

    reply = teams.post(json.dumps(activity).encode(), signed(ms, activity, how))

    assert reply.status == outcome.status, f"{reply.status} instead of {outcome.status} ({reply.body!r})"
    assert reply.status == 200 or reply.body.strip(), "a refusal says why"
    check_answer(ms, outcome, activity, ms.sent[sent_before:], teams.rasa.messages[heard_before:],
                 " ".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records[logged_before:]))


@fuzz_settings(100, 2000)
@given(body=bodies(), how=st.sampled_from(["right", "none", "garbage"]))
@pytest.mark.fuzz
def test_a_body_that_is_no_json_object_gets_a_4xx_with_a_reason(microsoft, teams, body, how):  # noqa: F811
    tried("teams")
    sent_before, heard_before = len(microsoft.sent), len(teams.rasa.messages)
    reply = teams.post(body, signed(microsoft, None, how))
    assert 400 <= reply.status < 500 and reply.body.strip(), (reply.status, reply.body)
    assert microsoft.sent[sent_before:] == [] and teams.rasa.messages[heard_before:] == []
