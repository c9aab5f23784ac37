"""Explains the routes open to this reporter (overview, informal, who to go to, formal complaint)."""

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.audience import ask_role, say_what_was_understood
from actions.conversation import audience, profile, reply_language


def explain(dispatcher: CollectingDispatcher, tracker: Tracker, topic: str) -> List[Dict[Text, Any]]:
    """Send the profile's text on `topic` for this reporter (their role, or whom they write about).

    What was inferred is said once, so it can be corrected; the role is asked only when nothing said
    decides it.
    """
    reader = audience(tracker)
    if reader is None:
        ask_role(dispatcher, tracker)
        return [SlotSet("requested_topic", topic)]
    events = say_what_was_understood(dispatcher, tracker)
    language = reply_language(tracker)
    institution = profile()
    routes = institution.routes[reader]
    texts = {
        "routes": [routes.overview],
        "informal": [routes.informal],
        "contacts": [routes.contacts, institution.first_conversation_for(reader)],
        "complaint": [routes.complaint],
    }[topic]
    for text in texts:
        dispatcher.utter_message(text=text.get(language))
    dispatcher.utter_message(response="utter_offer_next_steps")
    return events + [SlotSet("requested_topic", None)]


class _ExplainTopic(Action, ABC):
    topic: str

    @abstractmethod
    def name(self) -> Text:
        """Each topic is its own action, so stories and rules name what is said."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return explain(dispatcher, tracker, self.topic)


class ActionExplainRoutes(_ExplainTopic):
    topic = "routes"

    def name(self) -> Text:
        return "action_explain_routes"


class ActionExplainInformalRoute(_ExplainTopic):
    topic = "informal"

    def name(self) -> Text:
        return "action_explain_informal_route"


class ActionExplainContacts(_ExplainTopic):
    topic = "contacts"

    def name(self) -> Text:
        return "action_explain_contacts"


class ActionExplainComplaint(_ExplainTopic):
    topic = "complaint"

    def name(self) -> Text:
        return "action_explain_complaint"


class ActionContinueAfterRole(Action):
    """After the reporter says who they are: answer what they asked, or continue the conversation."""

    def name(self) -> Text:
        return "action_continue_after_role"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        topic: Optional[str] = tracker.get_slot("requested_topic")
        if topic:
            return explain(dispatcher, tracker, topic)
        if tracker.get_slot("behaviour_type"):
            return explain(dispatcher, tracker, "routes")
        dispatcher.utter_message(response="utter_ask_what_happened")
        return []
