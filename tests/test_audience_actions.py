"""The actions that keep who writes and about whom: audience and "u", the one confirming line, the role
question with the institution's own roles, and correcting what was inferred (hand-built trackers)."""

import pytest
from rasa_sdk.events import SlotSet

from actions.audience import ActionCorrectRole, audience_events
from actions.behaviour import ActionReflectBehaviour
from actions.confidentiality import ActionExplainConfidentiality
from actions.routes import ActionExplainRoutes
from actions.safeguarding import ActionRespondSafeguarding
from bot.institution_profile import active_profile, load_profile
from tests.conftest import make_tracker, run_action as run

ROCMN, WUR = load_profile("rocmn"), load_profile("wur")


@pytest.fixture(params=["rocmn", "wur"])
def institution(request, monkeypatch):
    monkeypatch.setenv("CONTACTPUNT_PROFILE", request.param)
    active_profile.cache_clear()
    yield load_profile(request.param)
    active_profile.cache_clear()


def with_entities(tracker, **entities):
    tracker.latest_message["entities"] = [{"entity": name, "value": value} for name, value in entities.items()]
    return tracker


def texts(dispatcher):
    return [message.get("text") for message in dispatcher.messages]


def responses(dispatcher):
    return [message.get("response") for message in dispatcher.messages]


@pytest.mark.parametrize("entities, audience, formal", [
    ({"person": "child"}, "ouder", True),
    ({"role": "medewerker", "person": "student"}, "staff_told", False),
    ({"person": "friend"}, "bystander", False),
    ({"role": "promovendus"}, {"rocmn": "medewerker", "wur": "promovendus"}, False),
    ({"role_hint": "stagiair"}, {"rocmn": "stagiair", "wur": "student"}, False),
    ({}, None, False),
])
def test_the_audience_is_kept_after_every_message_from_what_was_just_said(
        dispatcher, institution, entities, audience, formal):
    expected = audience[institution.id] if isinstance(audience, dict) else audience
    events = audience_events(with_entities(make_tracker(), **entities))
    assert SlotSet("formal", formal) in events or (not formal and all(e["name"] != "formal" for e in events))
    assert ([e["value"] for e in events if e["name"] == "audience"] or [None]) == [expected]


def test_what_was_said_earlier_still_counts(dispatcher, institution):
    events = audience_events(make_tracker(slots={"person": "child"}))
    assert SlotSet("audience", "ouder") in events and SlotSet("formal", True) in events


def test_the_role_question_offers_the_institutions_own_roles(dispatcher, institution):
    run(ActionExplainRoutes(), dispatcher, make_tracker(slots={"language": "en"}))
    (question,) = dispatcher.messages
    assert question["response"] == "utter_ask_role"
    assert [b["title"] for b in question["buttons"]] == [r.button.en for r in institution.roles.values()]
    assert question["buttons"][0]["payload"] == f'/inform_role{{"role": "{next(iter(institution.roles))}"}}'


def test_an_inferred_role_is_said_once_and_can_be_corrected(dispatcher, institution):
    tracker = make_tracker(slots={"role_hint": "stagiair"})
    events = run(ActionExplainRoutes(), dispatcher, tracker)
    served = institution.treat_as.get("stagiair", "stagiair")
    assert dispatcher.messages[0]["response"] == "utter_audience_understood"
    assert dispatcher.messages[0]["role_name"] == institution.roles[served].name.nl
    assert texts(dispatcher)[1] == institution.routes[served].overview.nl
    assert SlotSet("audience_confirmed", True) in events

    dispatcher.messages.clear()
    run(ActionExplainRoutes(), dispatcher, make_tracker(slots={"role_hint": "stagiair", "audience_confirmed": True}))
    assert "utter_audience_understood" not in responses(dispatcher)


@pytest.mark.parametrize("slots, response", [
    ({"person": "child"}, "utter_audience_understood_parent"),
    ({"person": "student"}, "utter_audience_understood_staff_told"),
    ({"person": "colleague"}, "utter_audience_understood_bystander"),
])
def test_someone_writing_about_another_person_hears_what_was_understood(dispatcher, institution, slots, response):
    run(ActionExplainRoutes(), dispatcher, make_tracker(slots=slots))
    assert responses(dispatcher)[0] == response


def test_a_role_said_in_so_many_words_is_not_confirmed(dispatcher, institution):
    run(ActionExplainRoutes(), dispatcher, make_tracker(slots={"role": "student"}))
    assert not any((r or "").startswith("utter_audience_understood") for r in responses(dispatcher))


def test_correcting_forgets_what_was_inferred_and_asks(dispatcher, institution):
    tracker = make_tracker(slots={"person": "child", "audience": "ouder", "formal": True, "audience_confirmed": True})
    events = run(ActionCorrectRole(), dispatcher, tracker)
    assert responses(dispatcher) == ["utter_ask_role"]
    for slot in ("role", "role_hint", "person", "audience", "audience_confirmed"):
        assert SlotSet(slot, None) in events
    assert SlotSet("formal", False) in events


def test_a_friend_hears_the_definition_about_the_friend(dispatcher, institution):
    run(ActionReflectBehaviour(), dispatcher, make_tracker(intent="stalking", slots={"person": "friend"}))
    assert dispatcher.messages[0]["behaviour_definition"] == institution.behaviours["stalking"].definition_other.nl


def test_a_parent_of_a_minor_hears_the_minors_text_for_parents(dispatcher, institution):
    run(ActionReflectBehaviour(), dispatcher, make_tracker(intent="pesten", slots={"person": "child", "minor": True}))
    assert institution.confidentiality.audiences["ouder"].minors.nl in texts(dispatcher)
    assert institution.confidentiality.minors.nl not in texts(dispatcher)


@pytest.mark.parametrize("audience", ["staff_told", "bystander", "ouder"])
def test_confidentiality_is_told_to_whoever_writes(dispatcher, institution, audience):
    person = {"staff_told": "student", "bystander": "friend", "ouder": "child"}[audience]
    run(ActionExplainConfidentiality(), dispatcher, make_tracker(slots={"person": person, "language": "en"}))
    told = institution.confidentiality.audiences[audience]
    assert texts(dispatcher)[:3] == [told.chat.en, told.general.en, told.minors.en]


def test_a_staff_member_a_student_told_gets_their_own_duty_to_report(dispatcher, institution):
    tracker = make_tracker(slots={"person": "student", "meldplicht": True, "safeguarding_handled": []})
    run(ActionRespondSafeguarding(), dispatcher, tracker)
    assert institution.safeguarding.meldplicht_staff.nl in texts(dispatcher)
