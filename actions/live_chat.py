"""The live phase of a handoff: the adviser joins, messages pass between them, the adviser leaves."""

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.safeguarding.flags import SIGNALS_KEY

logger = logging.getLogger(__name__)

ADVISER_MESSAGE_ENTITY = "adviser_message"


class ActionStartLiveChat(Action):
    """Ends any form in progress: from now on a person reads along."""

    def name(self) -> Text:
        return "action_start_live_chat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response="utter_live_chat_started")
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("live_chat", True)]


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
        try:
            from handoff.sink import queue

            queue().add_reporter_message(tracker.get_slot("case_id"), text, acute=acute)
        except Exception as error:  # the reporter must know, and nothing of the text may reach a log
            logger.error("Relay to the adviser failed (%s).", type(error).__name__)
            dispatcher.utter_message(response="utter_live_message_not_delivered")
        return []


class ActionDeliverAdviserMessage(Action):
    def name(self) -> Text:
        return "action_deliver_adviser_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        entities = (tracker.latest_message or {}).get("entities") or []
        for entity in entities:
            if entity.get("entity") == ADVISER_MESSAGE_ENTITY and entity.get("value"):
                dispatcher.utter_message(response="utter_adviser_message", adviser_message=entity["value"])
        return []


class ActionEndLiveChat(Action):
    def name(self) -> Text:
        return "action_end_live_chat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(response="utter_live_chat_ended")
        return [SlotSet("live_chat", False)]
