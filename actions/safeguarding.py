"""Keeps the safeguarding flags for the whole conversation, answers a new flag first, asks when unsure."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.behaviour import reflect
from actions.conversation import audience, profile, reply_language, reporter_role
from contactpunt.labels import BEHAVIOUR_TYPES
from bot.safeguarding.flags import (
    CHECK_SLOT,
    HANDLED_SLOT,
    SIGNALS_KEY,
    ConversationFlags,
    MessageSignals,
    answered_yes,
    asked,
    asked_check,
    combine,
    pending_check,
    pending_flags,
)

STATE_SLOT = "safeguarding_state"
#: First words that answer a check question with yes, whatever the classifier made of the rest.
YES_WORDS = {"ja", "jawel", "jep", "jah", "yes", "yeah", "yep", "yup"}
#: The question each check asks (domain.yml).
CHECK_RESPONSES = {
    "suicidal": "utter_check_suicidal",
    "danger": "utter_check_danger",
    "staff": "utter_check_staff",
    "home": "utter_check_home",
    "exploitation": "utter_check_exploitation",
}


def conversation_flags(tracker: Tracker) -> ConversationFlags:
    return ConversationFlags.from_dict(tracker.get_slot(STATE_SLOT))


def safeguarding_events(tracker: Tracker) -> List[Dict[Text, Any]]:
    """After every user message (actions/after_message.py): its signals combined with all before.

    The state slot keeps which rule fired for each flag (rule names, never text).
    """
    events: List[Dict[Text, Any]] = []
    flags = conversation_flags(tracker)
    answered = asked_check(tracker.get_slot)
    if answered:  # this message answers the check question: yes adds what it asked about
        events.append(SlotSet(CHECK_SLOT, None))
        if said_yes(tracker.latest_message):
            flags = combine(flags, answered_yes(answered))
    signals = tracker.latest_message.get(SIGNALS_KEY)
    if not signals and not answered:  # button payloads carry no signals
        return events
    message = MessageSignals.from_dict(signals)
    flags = combine(flags, message)
    values = {**flags.public(), "possible_meldplicht": flags.possible_meldplicht}
    events.append(SlotSet(STATE_SLOT, flags.as_dict()))
    events += [SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value]
    slots = {**tracker.slots, **values}
    if message.check and not answered and not pending_flags(slots.get):
        events.append(SlotSet(CHECK_SLOT, message.check))
    return events


def said_yes(message: Dict[Text, Any]) -> bool:
    """An "affirm" (the Ja button, or typed), or a message that starts with yes ("ja, hij staat buiten")."""
    if (message.get("intent") or {}).get("name") == "affirm":
        return True
    words = (message.get("text") or "").lower().replace(",", " ").split()
    return bool(words) and words[0] in YES_WORDS


class ActionRespondSafeguarding(Action):
    """Danger numbers first, then the duty to report, then the meldcode; then a person is offered."""

    def name(self) -> Text:
        return "action_respond_safeguarding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        handled = list(tracker.get_slot(HANDLED_SLOT) or [])
        flags = conversation_flags(tracker)
        pending = pending_flags(tracker.get_slot)
        language = reply_language(tracker)
        texts = profile().safeguarding
        staff = flags.reporter_is_staff or reporter_role(tracker) == "medewerker" or audience(tracker) == "staff_told"
        for flag in pending:
            if flag == "acute":
                suicidal = any(reason.startswith("acute:suicidal") for reason in flags.reasons)
                dispatcher.utter_message(response="utter_acute_danger")
                if suicidal:
                    dispatcher.utter_message(response="utter_acute_suicidal")
            elif flag == "meldplicht" and "possible_meldplicht" not in handled:
                dispatcher.utter_message(text=(texts.meldplicht_staff if staff else texts.meldplicht).get(language))
            elif flag == "possible_meldplicht" and "meldplicht" not in handled + pending:
                # Age unknown: the duty is explained on the condition that the student is under 18,
                # before anything that identifies anyone, and not asked as a second question.
                if not staff:  # the employee's text is already worded for a minor student
                    dispatcher.utter_message(response="utter_if_under_18")
                dispatcher.utter_message(text=(texts.meldplicht_staff if staff else texts.meldplicht).get(language))
            elif flag == "meldcode":
                dispatcher.utter_message(text=texts.meldcode.get(language))
                dispatcher.utter_message(response="utter_meldcode_help")
                if flags.exploitation:
                    dispatcher.utter_message(response="utter_exploitation_help")
        dispatcher.utter_message(response="utter_offer_urgent_contact")
        events = [SlotSet(HANDLED_SLOT, handled + pending)]
        ranking = tracker.latest_message.get("intent_ranking") or []
        behaviour = next((i["name"] for i in ranking if i.get("name") != "nlu_fallback"), None)
        if behaviour in BEHAVIOUR_TYPES:  # the case keeps its type even when nothing was reflected
            events.append(SlotSet("behaviour_type", behaviour))
        return events


class ActionAskSafeguardingCheck(Action):
    """The model is unsure: one direct, kind question before anything else (CHECK_RESPONSES)."""

    def name(self) -> Text:
        return "action_ask_safeguarding_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        check = pending_check(tracker.get_slot)
        if check is None:
            return []
        dispatcher.utter_message(response=CHECK_RESPONSES[check])
        return [SlotSet(HANDLED_SLOT, list(tracker.get_slot(HANDLED_SLOT) or []) + [asked(check)])]


class ActionContinueAfterCheck(Action):
    """After a "no" (or a "yes" that raised nothing urgent): answer what was said before the question."""

    def name(self) -> Text:
        return "action_continue_after_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        handled = tracker.get_slot(HANDLED_SLOT) or []
        if any(asked(check) in handled for check in ("suicidal", "danger")) and not tracker.get_slot("acute"):
            dispatcher.utter_message(response="utter_check_no_danger")
        users = [event for event in tracker.events if event.get("event") == "user"]
        before = users[-2].get("parse_data", {}) if len(users) >= 2 else {}
        intent = (before.get("intent") or {}).get("name")
        if intent in BEHAVIOUR_TYPES:
            return reflect(dispatcher, intent, tracker)
        dispatcher.utter_message(response="utter_ask_what_happened")
        return []
