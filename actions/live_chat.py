"""The live phase of a handoff: the adviser joins, messages pass between them, the adviser leaves."""

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.safeguarding.flags import SIGNALS_KEY

logger = logging.getLogger(__name__)

ADVISER_MESSAGE_ENTITY = "adviser_message"
CASE_ENTITY = "joined_case"
#: What the adviser reads in the case when the reporter stops the conversation during the live phase.
STOPPED_NOTE = "/stop: de melder heeft het gesprek gestopt."


def _entity(tracker: Tracker, name: str):
    """The value the console sent with its intent (first one of that name), or None."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == name and entity.get("value"):
            return entity["value"]
    return None


class ActionStartLiveChat(Action):
    """Ends any form in progress: from now on a person reads along."""

    def name(self) -> Text:
        return "action_start_live_chat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response="utter_live_chat_started")
        events = [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("live_chat", True)]
        case_id = _entity(tracker, CASE_ENTITY)
        if case_id:  # after an idle hour Rasa starts a new session and the case_id slot is gone
            events.append(SlotSet("case_id", case_id))
        return events


class ActionRelayToAdviser(Action):
    """Seals the reporter's message into the case. The assistant stays quiet, except when sealing fails
    or the message shows immediate danger: then 112 (and 113) come first, even with a person present,
    and the adviser sees the message marked."""

    def name(self) -> Text:
        return "action_relay_to_adviser"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        if not text.strip() or text.startswith("/"):
            return []  # a button payload: nothing for the adviser to read
        signals = latest.get(SIGNALS_KEY) or {}
        acute = bool(signals.get("acute"))
        if acute:
            dispatcher.utter_message(response="utter_acute_danger")
            if any(reason.startswith("acute:suicidal") for reason in signals.get("reasons", [])):
                dispatcher.utter_message(response="utter_acute_suicidal")
        if not _add_to_case(tracker, text, acute):
            dispatcher.utter_message(response="utter_live_message_not_delivered")
        return []


class ActionStopLiveChat(Action):
    """The reporter stopped the conversation (Telegram's /stop) while a person was present: the adviser
    reads that in the case, and the live phase ends (a later message goes to the assistant again)."""

    def name(self) -> Text:
        return "action_stop_live_chat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        _add_to_case(tracker, STOPPED_NOTE)
        return [SlotSet("live_chat", False)]


def _add_to_case(tracker: Tracker, text: str, acute: bool = False) -> bool:
    """Seal a reporter's message into the live case; False (and only the error's type in the log) on failure."""
    try:
        from handoff.sink import queue

        queue().add_reporter_message(tracker.get_slot("case_id"), text, acute=acute)
        return True
    except Exception as error:  # nothing of the text may reach a log
        logger.error("Relay to the adviser failed (%s).", type(error).__name__)
        return False


class ActionDeliverAdviserMessage(Action):
    def name(self) -> Text:
        return "action_deliver_adviser_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = _entity(tracker, ADVISER_MESSAGE_ENTITY)
        if text:
            dispatcher.utter_message(response="utter_adviser_message", adviser_message=text)
        return []


class ActionEndLiveChat(Action):
    def name(self) -> Text:
        return "action_end_live_chat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response="utter_live_chat_ended")
        return [SlotSet("live_chat", False)]
