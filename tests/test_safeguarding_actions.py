"""Safeguarding actions against hand-built trackers: flags kept, answers in order, case marked urgent."""


import pytest
from rasa_sdk.events import SlotSet

from actions.behaviour import ActionReflectBehaviour
from actions.handoff import ActionSubmitHandoff
from actions.safeguarding import (
    ActionAskSafeguardingCheck,
    ActionContinueAfterCheck,
    ActionRespondSafeguarding,
    safeguarding_events,
)
from bot.institution_profile import load_profile
from bot.safeguarding.detector import analyse
from bot.safeguarding.flags import ConversationFlags, combine
from handoff.request import SINK_ENV
from tests.conftest import make_tracker, run_action as run
from tests.test_actions import RecordingSink

ROCMN = load_profile("rocmn")


pytestmark = pytest.mark.usefixtures("rocmn_profile")


def said(dispatcher):
    return [m.get("response") or m.get("text") for m in dispatcher.messages]


def state_for(*texts):
    state = ConversationFlags()
    for text in texts:
        state = combine(state, analyse(text))
    return state


def test_update_keeps_flags_from_everything_said(dispatcher):
    earlier = state_for("mijn mentor zit steeds aan me")
    tracker = make_tracker(slots={"safeguarding_state": earlier.as_dict(), "staff_perpetrator": True})
    tracker.latest_message["safeguarding"] = analyse("ik ben pas 15").as_dict()
    events = safeguarding_events(tracker)
    assert SlotSet("meldplicht", True) in events and SlotSet("minor", True) in events
    state = next(e for e in events if e["name"] == "safeguarding_state")["value"]
    assert "meldplicht:minor+staff+sexual" in state["reasons"]
    assert dispatcher.messages == []


def test_button_payloads_change_nothing(dispatcher):
    assert safeguarding_events(make_tracker(text="/affirm")) == []


def test_acute_gives_112_then_113_then_offers_a_person(dispatcher):
    state = state_for("ik wil er niet meer zijn")
    tracker = make_tracker(slots={"acute": True, "safeguarding_state": state.as_dict()})
    events = run(ActionRespondSafeguarding(), dispatcher, tracker)
    assert said(dispatcher) == ["utter_acute_danger", "utter_acute_suicidal", "utter_offer_urgent_contact"]
    assert SlotSet("safeguarding_handled", ["acute"]) in events


def test_several_flags_in_order_of_urgency_and_each_only_once(dispatcher):
    state = state_for("ik ben 15, mijn mentor zit aan me en hij staat nu voor de deur")
    slots = {"acute": True, "meldplicht": True, "safeguarding_state": state.as_dict()}
    run(ActionRespondSafeguarding(), dispatcher, make_tracker(slots=slots))
    assert said(dispatcher) == ["utter_acute_danger", ROCMN.safeguarding.meldplicht.nl, "utter_offer_urgent_contact"]
    again = type(dispatcher)()
    run(ActionRespondSafeguarding(), again, make_tracker(slots={**slots, "safeguarding_handled": ["acute", "meldplicht"]}))
    assert said(again) == ["utter_offer_urgent_contact"]


def test_staff_who_were_told_get_their_own_duty(dispatcher):
    state = state_for("ik ben docent en een leerling van 15 vertelde dat haar mentor haar kust")
    run(ActionRespondSafeguarding(), dispatcher, make_tracker(slots={"meldplicht": True, "safeguarding_state": state.as_dict()}))
    assert said(dispatcher)[0] == ROCMN.safeguarding.meldplicht_staff.nl
    assert "secretariaatcvb@rocmn.nl" in said(dispatcher)[0]


def test_exploitation_adds_fier_to_veilig_thuis(dispatcher):
    state = state_for("ik ben 16 en mijn vriend zegt dat ik met mannen moet afspreken om zijn schuld af te betalen")
    run(ActionRespondSafeguarding(), dispatcher, make_tracker(slots={"meldcode": True, "safeguarding_state": state.as_dict()}))
    assert said(dispatcher) == [ROCMN.safeguarding.meldcode.nl, "utter_meldcode_help", "utter_exploitation_help", "utter_offer_urgent_contact"]


def test_a_minor_hears_the_minors_script_once(dispatcher):
    events = run(ActionReflectBehaviour(), dispatcher, make_tracker(intent="pesten", slots={"minor": True}))
    assert ROCMN.confidentiality.minors.nl in said(dispatcher)
    assert SlotSet("safeguarding_handled", ["minor"]) in events
    again = type(dispatcher)()
    run(ActionReflectBehaviour(), again, make_tracker(intent="pesten", slots={"minor": True, "safeguarding_handled": ["minor"]}))
    assert ROCMN.confidentiality.minors.nl not in said(again)


def test_the_case_for_a_person_is_marked_urgent(dispatcher, monkeypatch):
    monkeypatch.setenv(SINK_ENV, "tests.test_actions:recording_sink")
    RecordingSink.received.clear()
    slots = {"handoff_consent": True, "handoff_summary": "x", "meldplicht": True, "acute": True}
    run(ActionSubmitHandoff(), dispatcher, make_tracker(slots=slots))
    request = RecordingSink.received[0]
    assert request.urgent == ("acute", "meldplicht")
    assert request.adviser_procedure == ROCMN.safeguarding.adviser_procedure.nl
    assert "College van Bestuur" in request.adviser_procedure and "vertrouwensinspecteur" in request.adviser_procedure


def test_staff_told_without_an_age_get_their_duty_at_once(dispatcher):
    state = state_for("een leerling vertelde me dat haar mentor haar kust, ik ben docent")
    assert state.possible_meldplicht and not state.meldplicht
    slots = {"possible_meldplicht": True, "safeguarding_state": state.as_dict()}
    events = run(ActionRespondSafeguarding(), dispatcher, make_tracker(slots=slots))
    assert said(dispatcher)[0] == ROCMN.safeguarding.meldplicht_staff.nl
    # when the age turns out to be under 18 later, the same duty is not repeated
    handled = next(e for e in events if e["name"] == "safeguarding_handled")["value"]
    later = type(dispatcher)()
    run(ActionRespondSafeguarding(), later, make_tracker(slots={**slots, "meldplicht": True, "safeguarding_handled": handled}))
    assert said(later) == ["utter_offer_urgent_contact"]


def test_a_student_of_unknown_age_hears_the_duty_on_condition_and_one_question(dispatcher):
    state = state_for("mijn mentor zit steeds aan mijn billen")
    slots = {"possible_meldplicht": True, "safeguarding_state": state.as_dict()}
    tracker = make_tracker(slots=slots, intent="nlu_fallback",
                           ranking=[{"name": "nlu_fallback", "confidence": 0.25}, {"name": "seksuele_intimidatie", "confidence": 0.24}])
    events = run(ActionRespondSafeguarding(), dispatcher, tracker)
    assert said(dispatcher) == ["utter_if_under_18", ROCMN.safeguarding.meldplicht.nl, "utter_offer_urgent_contact"]
    assert SlotSet("behaviour_type", "seksuele_intimidatie") in events  # kept although the classifier was unsure
    # the age given later does not repeat the explanation
    handled = next(e for e in events if e["name"] == "safeguarding_handled")["value"]
    later = type(dispatcher)()
    run(ActionRespondSafeguarding(), later, make_tracker(slots={**slots, "meldplicht": True, "safeguarding_handled": handled}))
    assert said(later) == ["utter_offer_urgent_contact"]


def test_a_middle_band_message_sets_the_check_question_and_it_is_asked_once(dispatcher):
    tracker = make_tracker(intent="express_feelings")
    tracker.latest_message["safeguarding"] = {"check": "suicidal", "reasons": []}
    events = safeguarding_events(tracker)
    assert SlotSet("safeguarding_check", "suicidal") in events
    asked = run(ActionAskSafeguardingCheck(), dispatcher, make_tracker(slots={"safeguarding_check": "suicidal"}))
    assert said(dispatcher) == ["utter_check_suicidal"]
    assert asked == [SlotSet("safeguarding_handled", ["check:suicidal"])]
    again = type(dispatcher)()
    slots = {"safeguarding_check": "suicidal", "safeguarding_handled": ["check:suicidal"]}
    assert run(ActionAskSafeguardingCheck(), again, make_tracker(slots=slots)) == [] and said(again) == []


def test_no_check_question_when_a_flag_is_raised_by_the_same_message(dispatcher):
    tracker = make_tracker(intent="stalking")
    tracker.latest_message["safeguarding"] = {"acute": True, "check": "staff", "reasons": ["acute:danger_now:x"]}
    events = safeguarding_events(tracker)
    assert SlotSet("acute", True) in events
    assert not any(e["name"] == "safeguarding_check" for e in events)


@pytest.mark.parametrize("check, answer_slots", [
    ("suicidal", {"acute": True}), ("danger", {"acute": True}), ("home", {"meldcode": True}),
    ("exploitation", {"meldcode": True}),
])
def test_yes_to_a_check_question_raises_its_flag(dispatcher, check, answer_slots):
    slots = {"safeguarding_check": check, "safeguarding_handled": [f"check:{check}"]}
    events = safeguarding_events(make_tracker(slots=slots, intent="affirm", text="/affirm"))
    assert SlotSet("safeguarding_check", None) in events
    for name, value in answer_slots.items():
        assert SlotSet(name, value) in events
    state = next(e for e in events if e["name"] == "safeguarding_state")["value"]
    assert any(reason.endswith("check_question") for reason in state["reasons"])


def test_yes_to_the_staff_question_makes_meldplicht_for_a_minor(dispatcher):
    state = state_for("ik ben 16 en hij zit steeds aan mijn been")
    slots = {"safeguarding_check": "staff", "safeguarding_handled": ["check:staff"], "minor": True,
             "safeguarding_state": state.as_dict()}
    events = safeguarding_events(make_tracker(slots=slots, intent="inform_role",
                                                                     text="ja, het is de trainer van school"))
    assert SlotSet("staff_perpetrator", True) in events and SlotSet("meldplicht", True) in events


def test_no_to_a_check_question_raises_nothing(dispatcher):
    slots = {"safeguarding_check": "suicidal", "safeguarding_handled": ["check:suicidal"]}
    tracker = make_tracker(slots=slots, intent="deny", text="nee")
    tracker.latest_message["safeguarding"] = {"reasons": []}
    events = safeguarding_events(tracker)
    assert SlotSet("safeguarding_check", None) in events
    assert SlotSet("acute", True) not in events


def test_after_no_the_message_before_the_question_is_answered(dispatcher):
    slots = {"safeguarding_handled": ["check:suicidal"]}
    tracker = make_tracker(slots=slots, intent="deny", text="nee")
    tracker.events = [
        {"event": "user", "text": "x", "parse_data": {"intent": {"name": "pesten", "confidence": 0.9}}},
        {"event": "bot", "text": "vraag"},
        {"event": "user", "text": "nee", "parse_data": {"intent": {"name": "deny", "confidence": 0.9}}},
    ]
    events = run(ActionContinueAfterCheck(), dispatcher, tracker)
    assert said(dispatcher)[0] == "utter_check_no_danger"
    assert "utter_reflect_behaviour" in said(dispatcher)
    assert SlotSet("behaviour_type", "pesten") in events
