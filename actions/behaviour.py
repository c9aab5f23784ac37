"""Reflects the recognised kind of behaviour back with the policy's definition, or asks when unsure."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import audience, profile, reply_language
from contactpunt.labels import BEHAVIOUR_TYPES
from bot.message_text import has_words

#: A behaviour intent counts as a candidate for a clarifying question from this confidence on.
CANDIDATE_CONFIDENCE = 0.1


def reflect(dispatcher: CollectingDispatcher, behaviour: str, tracker: Tracker) -> List[Dict[Text, Any]]:
    """Say what it sounds like, in the policy's words, and check that we understood.

    Someone writing about another person (their child, a student, a friend) hears the definition about
    that person. When a minor is involved, what confidentiality means for minors is said once, to
    whoever writes (unless the duty to report applies, which has its own explanation).
    """
    language = reply_language(tracker)
    institution = profile()
    reader = audience(tracker)
    described = institution.behaviours[behaviour]
    events: List[Dict[Text, Any]] = [SlotSet("behaviour_type", behaviour)]
    dispatcher.utter_message(
        response="utter_reflect_behaviour",
        behaviour_name=described.name.get(language),
        behaviour_definition=institution.definition(behaviour, reader).get(language),
    )
    if described.note:
        dispatcher.utter_message(text=described.note.get(language))
    handled = list(tracker.get_slot("safeguarding_handled") or [])
    if tracker.get_slot("minor") is True and not tracker.get_slot("meldplicht") and "minor" not in handled:
        dispatcher.utter_message(text=institution.confidentiality_for(reader).minors.get(language))
        events.append(SlotSet("safeguarding_handled", handled + ["minor"]))
    dispatcher.utter_message(response="utter_check_understanding")
    return events


def behaviour_candidates(tracker: Tracker) -> List[str]:
    """Behaviour intents the classifier considered plausible for the last message, best first."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [
        item["name"]
        for item in ranking
        if item.get("name") in BEHAVIOUR_TYPES and item.get("confidence", 0) >= CANDIDATE_CONFIDENCE
    ]


class ActionReflectBehaviour(Action):
    def name(self) -> Text:
        return "action_reflect_behaviour"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent: Optional[str] = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in BEHAVIOUR_TYPES:
            dispatcher.utter_message(response="utter_ask_what_happened")
            return []
        return reflect(dispatcher, intent, tracker)


class ActionClarifyBehaviour(Action):
    """When the classifier is unsure: one question between the two likeliest kinds, never a guess.
    A message without words (empty, only emoji or a link) is answered: it could not be read, what to do.

    The response itself (domain.yml) carries the "something else" button; this adds the two options.
    """

    def name(self) -> Text:
        return "action_clarify_behaviour"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if not has_words(tracker.latest_message.get("text")):
            dispatcher.utter_message(response="utter_not_readable")
            return []
        language = reply_language(tracker)
        candidates = behaviour_candidates(tracker)
        if len(candidates) >= 2:
            names = [profile().behaviours[c].name.get(language) for c in candidates[:2]]
            dispatcher.utter_message(
                response="utter_clarify_type",
                option_a=names[0],
                option_b=names[1],
                buttons=[
                    {"title": names[0].capitalize(), "payload": f"/{candidates[0]}"},
                    {"title": names[1].capitalize(), "payload": f"/{candidates[1]}"},
                ],
            )
            return []
        if len(candidates) == 1:
            return reflect(dispatcher, candidates[0], tracker)
        dispatcher.utter_message(response="utter_default")
        return []
