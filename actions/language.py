"""Keeps `language` on the language the reporter writes in (Dutch unless clearly English), and
`institution` on the configured profile, for the responses that differ per institution."""

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.conversation import profile
from bot.language import detect_language


def language_events(tracker: Tracker) -> List[Dict[Text, Any]]:
    """After every user message (actions/after_message.py): the language written in, and the profile."""
    events = []
    if tracker.get_slot("institution") != profile().id:
        events.append(SlotSet("institution", profile().id))
    text = tracker.latest_message.get("text") or ""
    language = None if text.startswith("/") else detect_language(text)  # a payload says nothing
    if language and language != tracker.get_slot("language"):
        events.append(SlotSet("language", language))
    return events
