"""The live phase's actions: join, relay (quiet unless in danger), deliver, leave."""

import logging

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.live_chat import STOPPED_NOTE, ActionDeliverAdviserMessage, ActionEndLiveChat, ActionRelayToAdviser, \
    ActionStartLiveChat, ActionStopLiveChat
from bot.safeguarding.flags import SIGNALS_KEY
from tests.conftest import run_action

PASSPHRASE = "correct horse battery staple"


def live_tracker(text, signals=None, entities=None, case_id="case-1"):
    latest = {"text": text, "intent": {"name": "greet", "confidence": 1.0}, "entities": entities or [],
              SIGNALS_KEY: signals or {"acute": False, "reasons": []}}
    return Tracker("conv", {"case_id": case_id, "live_chat": True, "language": "nl"}, latest, [], False, None,
                   {}, "action_listen")


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


@pytest.fixture
def live_case(queue_db, monkeypatch):
    """A case in a real (SQLite / PostgreSQL) queue; the relay action writes into it."""
    from handoff import sink
    from handoff.advisers import Advisers
    from handoff.case_queue import CaseQueue, Report

    _, sessions = queue_db
    advisers, queue = Advisers(sessions), CaseQueue(sessions)
    advisers.add("anna", "Anna", PASSPHRASE, ["rocmn"])
    case_id, _ = queue.enqueue(Report("rocmn", "", "pesten", {"summary": "x"}))
    monkeypatch.setattr(sink, "queue", lambda: queue)
    return case_id, lambda: queue.open_case(advisers.unlock("anna", PASSPHRASE), case_id, audit=False).messages


def test_joining_ends_a_waiting_form_and_says_a_person_is_here(dispatcher):
    events = run_action(ActionStartLiveChat(), dispatcher, live_tracker(""))
    assert responses(dispatcher) == ["utter_live_chat_started"]
    assert ActiveLoop(None) in events and SlotSet("live_chat", True) in events


def test_joining_after_rasa_started_a_new_session_brings_the_case_back(dispatcher):
    tracker = live_tracker("", entities=[{"entity": "joined_case", "value": "case-7"}], case_id=None)
    assert SlotSet("case_id", "case-7") in run_action(ActionStartLiveChat(), dispatcher, tracker)


def test_a_relayed_message_reaches_the_case_and_the_assistant_stays_quiet(dispatcher, live_case):
    case_id, messages = live_case
    run_action(ActionRelayToAdviser(), dispatcher, live_tracker("Het gebeurde weer vandaag.", case_id=case_id))
    assert dispatcher.messages == []
    run_action(ActionRelayToAdviser(), dispatcher, live_tracker("/affirm", case_id=case_id))
    assert [(m.author, m.text, m.acute) for m in messages()] == [("reporter", "Het gebeurde weer vandaag.", False)]


def test_a_stop_during_the_live_phase_is_written_in_the_case_and_ends_it(dispatcher, live_case):
    case_id, messages = live_case
    events = run_action(ActionStopLiveChat(), dispatcher, live_tracker("/restart", case_id=case_id))
    assert events == [SlotSet("live_chat", False)] and dispatcher.messages == []
    assert [(m.author, m.text) for m in messages()] == [("reporter", STOPPED_NOTE)]


def test_danger_during_the_live_phase_still_gets_112_and_113_first(dispatcher, live_case):
    case_id, messages = live_case
    signals = {"acute": True, "reasons": ["acute:suicidal:wil_dood"]}
    run_action(ActionRelayToAdviser(), dispatcher, live_tracker("ik wil er niet meer zijn", signals, case_id=case_id))
    assert responses(dispatcher) == ["utter_acute_danger", "utter_acute_suicidal"]
    assert messages()[-1].acute is True


def test_a_failed_relay_is_told_to_the_reporter_and_not_logged(dispatcher, live_case, caplog):
    with caplog.at_level(logging.DEBUG):
        run_action(ActionRelayToAdviser(), dispatcher, live_tracker("kanarie-relay-9f2", case_id="no-such-case"))
    assert responses(dispatcher) == ["utter_live_message_not_delivered"]
    assert "CaseNotFound" in caplog.text and "kanarie-relay-9f2" not in caplog.text


def test_the_advisers_words_are_shown_and_leaving_hands_back_to_the_assistant(dispatcher):
    entities = [{"entity": "adviser_message", "value": "Ik ben Anna."}]
    run_action(ActionDeliverAdviserMessage(), dispatcher, live_tracker("", entities=entities))
    assert dispatcher.messages[0]["response"] == "utter_adviser_message"
    assert dispatcher.messages[0]["adviser_message"] == "Ik ben Anna."
    events = run_action(ActionEndLiveChat(), dispatcher, live_tracker(""))
    assert SlotSet("live_chat", False) in events and responses(dispatcher)[-1] == "utter_live_chat_ended"
