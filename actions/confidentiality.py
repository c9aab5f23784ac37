"""Answers "does this stay secret?" honestly, to whoever writes: what is confidential, the legal exceptions, minors."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import audience, profile, reply_language


class ActionExplainConfidentiality(Action):
    def name(self) -> Text:
        return "action_explain_confidentiality"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = reply_language(tracker)
        reader = audience(tracker)
        confidentiality = profile().confidentiality_for(reader)
        dispatcher.utter_message(text=confidentiality.chat.get(language))
        dispatcher.utter_message(text=confidentiality.general.get(language))
        if reader != "medewerker":  # a staff member writing about themselves
            dispatcher.utter_message(text=confidentiality.minors.get(language))
        if tracker.active_loop_name is None:
            dispatcher.utter_message(response="utter_offer_next_steps")
        return []
