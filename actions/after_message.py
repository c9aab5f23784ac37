"""Fills, after every user message, every slot kept from what was said: one call to the action server, not one per topic."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.audience import audience_events
from actions.language import language_events
from actions.safeguarding import safeguarding_events


class ActionUpdateFromMessage(Action):
    """The custom slot mapping of `language`, `institution`, `audience`, `formal` and the safeguarding slots.

    Rasa's `action_extract_slots` calls each custom mapping action once per user message, a round trip
    with the whole tracker each; the three parts read the same tracker and set different slots, so one
    action gives the same events for a third of the calls.
    """

    def name(self) -> Text:
        return "action_update_from_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return language_events(tracker) + audience_events(tracker) + safeguarding_events(tracker)
