"""Keeps the `language` slot on the language the reporter writes in (Dutch unless clearly English)."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.language import detect_language


class ActionDetectLanguage(Action):
    def name(self) -> Text:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):  # a button payload says nothing about the language
            return []
        language = detect_language(text)
        if language and language != tracker.get_slot("language"):
            return [SlotSet("language", language)]
        return []
