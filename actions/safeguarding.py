"""Keeps the safeguarding flags for the whole conversation and answers a newly raised flag first."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import profile, reply_language, reporter_role
from bot.labels import BEHAVIOUR_TYPES
from bot.safeguarding.flags import (
    HANDLED_SLOT,
    SIGNALS_KEY,
    ConversationFlags,
    MessageSignals,
    combine,
    pending_flags,
)

STATE_SLOT = "safeguarding_state"


def conversation_flags(tracker: Tracker) -> ConversationFlags:
    return ConversationFlags.from_dict(tracker.get_slot(STATE_SLOT))


class ActionUpdateSafeguarding(Action):
    """Runs after every user message (custom slot mapping): combines its signals with all before.

    The state slot keeps which rule fired for each flag (rule names, never text).
    """

    def name(self) -> Text:
        return "action_update_safeguarding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        signals = tracker.latest_message.get(SIGNALS_KEY)
        if not signals:  # button payloads carry no signals
            return []
        flags = combine(conversation_flags(tracker), MessageSignals.from_dict(signals))
        values = {**flags.public(), "possible_meldplicht": flags.possible_meldplicht}
        events = [SlotSet(STATE_SLOT, flags.as_dict())]
        events += [SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value]
        return events


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
        staff = flags.reporter_is_staff or reporter_role(tracker) == "medewerker"
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
