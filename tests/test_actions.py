"""Custom actions, run against hand-built trackers (no Rasa server needed)."""

import asyncio
import logging

import pytest
from rasa_sdk.events import SlotSet

from actions.behaviour import ActionClarifyBehaviour, ActionReflectBehaviour
from actions.confidentiality import ActionExplainConfidentiality
from actions.handoff import ActionSubmitHandoff, ValidateHumanHandoffForm
from actions.after_message import ActionUpdateFromMessage
from actions.language import language_events
from actions.routes import (
    ActionContinueAfterRole,
    ActionExplainComplaint,
    ActionExplainContacts,
    ActionExplainRoutes,
)
from bot.institution_profile import active_profile, load_profile
from handoff.request import SINK_ENV, Submitted
from tests.conftest import make_tracker, run_action as run

ROCMN = load_profile("rocmn")


pytestmark = pytest.mark.usefixtures("rocmn_profile")


def texts(dispatcher):
    return [message.get("text") for message in dispatcher.messages]


def responses(dispatcher):
    return [message.get("response") for message in dispatcher.messages]


def test_reflect_uses_the_policy_definition_and_checks_understanding(dispatcher):
    events = run(ActionReflectBehaviour(), dispatcher, make_tracker(intent="stalking"))
    first = dispatcher.messages[0]
    assert first["response"] == "utter_reflect_behaviour"
    assert first["behaviour_name"] == ROCMN.behaviours["stalking"].name.nl
    assert first["behaviour_definition"] == ROCMN.behaviours["stalking"].definition.nl
    assert responses(dispatcher)[-1] == "utter_check_understanding"
    assert events == [SlotSet("behaviour_type", "stalking")]


def test_reflect_answers_in_english_when_the_reporter_writes_english(dispatcher):
    run(ActionReflectBehaviour(), dispatcher, make_tracker(intent="pesten", slots={"language": "en"}))
    assert dispatcher.messages[0]["behaviour_definition"] == ROCMN.behaviours["pesten"].definition.en


def test_radicalisation_says_the_werkgroep_is_always_involved(dispatcher):
    run(ActionReflectBehaviour(), dispatcher, make_tracker(intent="radicalisering"))
    assert ROCMN.behaviours["radicalisering"].note.nl in texts(dispatcher)


def test_reflect_without_a_behaviour_intent_asks_what_happened(dispatcher):
    events = run(ActionReflectBehaviour(), dispatcher, make_tracker(intent="greet"))
    assert responses(dispatcher) == ["utter_ask_what_happened"] and events == []


def ranking(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_unsure_asks_one_question_between_the_two_likeliest(dispatcher):
    tracker = make_tracker(
        text="ze duwen en schelden",
        intent="nlu_fallback",
        ranking=ranking(("nlu_fallback", 0.45), ("pesten", 0.38), ("agressie_geweld", 0.33), ("greet", 0.2)),
    )
    events = run(ActionClarifyBehaviour(), dispatcher, tracker)
    (message,) = dispatcher.messages
    assert message["response"] == "utter_clarify_type"
    assert message["option_a"] == ROCMN.behaviours["pesten"].name.nl
    assert message["option_b"] == ROCMN.behaviours["agressie_geweld"].name.nl
    assert [b["payload"] for b in message["buttons"]] == ["/pesten", "/agressie_geweld"]
    assert events == []


def test_unsure_with_one_candidate_reflects_it_and_asks_to_confirm(dispatcher):
    tracker = make_tracker(intent="nlu_fallback", text="ze noemen me steeds zo", ranking=ranking(("nlu_fallback", 0.45), ("discriminatie", 0.4), ("greet", 0.05)))
    events = run(ActionClarifyBehaviour(), dispatcher, tracker)
    assert responses(dispatcher)[-1] == "utter_check_understanding"
    assert events == [SlotSet("behaviour_type", "discriminatie")]


def test_unsure_without_candidates_asks_to_rephrase(dispatcher):
    tracker = make_tracker(intent="nlu_fallback", text="weet niet", ranking=ranking(("nlu_fallback", 0.45), ("greet", 0.4)))
    run(ActionClarifyBehaviour(), dispatcher, tracker)
    assert responses(dispatcher) == ["utter_default"]


@pytest.mark.parametrize("text", ["", "😢😢", "https://example.com/foto.jpg", "?!", "www.voorbeeld.nl 👀"])
def test_a_message_without_words_is_answered_with_what_to_do_and_the_help_numbers(dispatcher, text):
    tracker = make_tracker(intent="nlu_fallback", text=text, ranking=ranking(("nlu_fallback", 0.5)))
    run(ActionClarifyBehaviour(), dispatcher, tracker)
    assert responses(dispatcher) == ["utter_not_readable"]


def test_routes_ask_the_role_first_and_remember_the_question(dispatcher):
    events = run(ActionExplainComplaint(), dispatcher, make_tracker())
    assert responses(dispatcher) == ["utter_ask_role"]
    assert events == [SlotSet("requested_topic", "complaint")]


@pytest.mark.parametrize("role", ["student", "ouder", "medewerker", "stagiair", "oud_student"])
def test_complaint_route_is_tailored_to_the_role(dispatcher, role):
    run(ActionExplainComplaint(), dispatcher, make_tracker(slots={"role": role}))
    assert texts(dispatcher)[0] == ROCMN.routes[role].complaint.nl
    assert responses(dispatcher)[-1] == "utter_offer_next_steps"


def test_contacts_include_the_first_conversation_deadline(dispatcher):
    run(ActionExplainContacts(), dispatcher, make_tracker(slots={"role": "medewerker", "language": "en"}))
    assert texts(dispatcher)[:2] == [ROCMN.routes["medewerker"].contacts.en, ROCMN.first_conversation.en]


def test_after_the_role_the_requested_topic_is_answered(dispatcher):
    tracker = make_tracker(slots={"role": "stagiair", "requested_topic": "complaint"})
    events = run(ActionContinueAfterRole(), dispatcher, tracker)
    assert texts(dispatcher)[0] == ROCMN.routes["stagiair"].complaint.nl
    assert events == [SlotSet("requested_topic", None)]


def test_after_the_role_a_known_report_gets_the_overview(dispatcher):
    tracker = make_tracker(slots={"role": "ouder", "behaviour_type": "pesten"})
    run(ActionContinueAfterRole(), dispatcher, tracker)
    assert texts(dispatcher)[0] == ROCMN.routes["ouder"].overview.nl


def test_after_the_role_without_a_report_asks_what_happened(dispatcher):
    run(ActionContinueAfterRole(), dispatcher, make_tracker(slots={"role": "student"}))
    assert responses(dispatcher) == ["utter_ask_what_happened"]


def test_overview_for_an_ex_student(dispatcher):
    run(ActionExplainRoutes(), dispatcher, make_tracker(slots={"role": "oud_student"}))
    assert texts(dispatcher)[0] == ROCMN.routes["oud_student"].overview.nl


def test_confidentiality_tells_the_exceptions_and_the_minors_rule(dispatcher):
    run(ActionExplainConfidentiality(), dispatcher, make_tracker(slots={"role": "student"}))
    confidentiality = ROCMN.confidentiality
    assert texts(dispatcher)[:3] == [confidentiality.chat.nl, confidentiality.general.nl, confidentiality.minors.nl]
    assert responses(dispatcher)[-1] == "utter_offer_next_steps"


def test_confidentiality_for_staff_leaves_out_the_minors_rule(dispatcher):
    run(ActionExplainConfidentiality(), dispatcher, make_tracker(slots={"role": "medewerker"}))
    assert ROCMN.confidentiality.minors.nl not in texts(dispatcher)


def test_confidentiality_inside_the_handoff_form_hands_back_to_the_form(dispatcher):
    run(ActionExplainConfidentiality(), dispatcher, make_tracker(active_loop="human_handoff_form"))
    assert "utter_offer_next_steps" not in responses(dispatcher)


def test_refused_consent_ends_the_form_after_one_question():
    tracker = make_tracker(slots={"handoff_consent": False})
    slots = asyncio.run(
        ValidateHumanHandoffForm().required_slots(["handoff_consent", "handoff_summary"], None, tracker, {})
    )
    assert slots == ["handoff_consent"]


def test_refused_consent_is_respected(dispatcher):
    events = run(ActionSubmitHandoff(), dispatcher, make_tracker(slots={"handoff_consent": False}))
    assert responses(dispatcher) == ["utter_handoff_declined"]
    assert SlotSet("handoff_summary", None) in events


def test_without_a_queue_the_reporter_gets_direct_contacts_not_a_false_promise(dispatcher):
    tracker = make_tracker(slots={"handoff_consent": True, "handoff_summary": "het gebeurde op stage"})
    run(ActionSubmitHandoff(), dispatcher, tracker)
    assert responses(dispatcher)[0] == "utter_handoff_not_connected"
    assert texts(dispatcher)[1] == ROCMN.direct_contact.nl
    assert "utter_handoff_sent" not in responses(dispatcher)


class RecordingSink:
    received = []

    def submit(self, request):
        self.received.append(request)
        return Submitted("case-1", "K7M2-QX9D-4P8W-Z2RT-1HJN")


class FailingSink:
    def submit(self, request):
        raise ConnectionError(f"queue down while sending {request.summary}")


def recording_sink():
    return RecordingSink()


def failing_sink():
    return FailingSink()


def test_consented_summary_goes_through_the_seam(dispatcher, monkeypatch):
    monkeypatch.setenv(SINK_ENV, "tests.test_actions:recording_sink")
    RecordingSink.received.clear()
    tracker = make_tracker(
        slots={"handoff_consent": True, "handoff_summary": "samenvatting", "behaviour_type": "pesten", "role": "student"}
    )
    events = run(ActionSubmitHandoff(), dispatcher, tracker)
    (request,) = RecordingSink.received
    assert (request.summary, request.behaviour_type, request.role, request.institution) == (
        "samenvatting", "pesten", "student", "rocmn",
    )
    assert dispatcher.messages[0]["response"] == "utter_handoff_sent"
    assert dispatcher.messages[0]["case_code"] == "K7M2-QX9D-4P8W-Z2RT-1HJN"
    assert SlotSet("handoff_summary", None) in events
    assert SlotSet("case_id", "case-1") in events
    assert len(dispatcher.messages) == 1  # no web-only payload on other channels


def test_the_web_widget_also_gets_the_code_for_its_own_screen(dispatcher, monkeypatch):
    monkeypatch.setenv(SINK_ENV, "tests.test_actions:recording_sink")
    tracker = make_tracker(slots={"handoff_consent": True, "handoff_summary": "samenvatting"})
    tracker.events.append({"event": "user", "text": "ja", "input_channel": "socketio"})
    run(ActionSubmitHandoff(), dispatcher, tracker)
    assert dispatcher.messages[1]["custom"] == {"data": {"case_code": "K7M2-QX9D-4P8W-Z2RT-1HJN"}}


def test_a_failing_queue_never_leaks_the_summary_into_logs(dispatcher, monkeypatch, caplog):
    canary = "CANARY-7f3a9c-geheim"
    monkeypatch.setenv(SINK_ENV, "tests.test_actions:failing_sink")
    tracker = make_tracker(slots={"handoff_consent": True, "handoff_summary": canary})
    with caplog.at_level(logging.DEBUG):
        run(ActionSubmitHandoff(), dispatcher, tracker)
    assert responses(dispatcher)[0] == "utter_handoff_not_connected"
    assert "ConnectionError" in caplog.text
    assert canary not in caplog.text


def test_language_follows_the_reporter(dispatcher):
    english = make_tracker(text="my teacher keeps sending me messages at night", slots={"institution": "rocmn"})
    assert language_events(english) == [SlotSet("language", "en")]
    payload = make_tracker(text="/affirm", slots={"language": "en", "institution": "rocmn"})
    assert language_events(payload) == []
    unclear = make_tracker(text="ok", slots={"language": "en", "institution": "rocmn"})
    assert language_events(unclear) == []


def test_one_call_after_each_message_fills_language_audience_and_safeguarding(dispatcher):
    from bot.safeguarding.detector import analyse

    tracker = make_tracker(text="my mentor keeps touching me, I am 15", slots={"institution": "rocmn"})
    tracker.latest_message["entities"] = [{"entity": "person", "value": "child"}]
    tracker.latest_message["safeguarding"] = analyse(tracker.latest_message["text"]).as_dict()
    events = run(ActionUpdateFromMessage(), dispatcher, tracker)
    names = {event["name"]: event["value"] for event in events}
    assert names["language"] == "en" and names["audience"] == "ouder" and names["formal"] is True
    assert names["minor"] is True and names["meldplicht"] is True and "safeguarding_state" in names
    assert dispatcher.messages == []


def test_the_institution_slot_follows_the_configured_profile(dispatcher, monkeypatch):
    monkeypatch.setenv("CONTACTPUNT_PROFILE", "wur")
    active_profile.cache_clear()
    assert SlotSet("institution", "wur") in language_events(make_tracker(text="hoi"))
