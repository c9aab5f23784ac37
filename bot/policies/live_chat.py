"""Dialogue policy for the live phase of a handoff: while an adviser is present the assistant only relays."""

from typing import Any, Dict, Optional, Text

from rasa.core.policies.policy import PolicyPrediction, confidence_scores_for
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME, USER_INTENT_RESTART
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.fixed_rule import FixedRulePolicy

LIVE_SLOT = "live_chat"
RELAY = "action_relay_to_adviser"
STOP = "action_stop_live_chat"  # the reporter's /stop (Telegram) while a person is present
#: Intents the adviser console triggers through Rasa's API, and the action each one runs.
EXTERNAL = {
    "EXTERNAL_adviser_joined": "action_start_live_chat",
    "EXTERNAL_adviser_message": "action_deliver_adviser_message",
    "EXTERNAL_adviser_left": "action_end_live_chat",
}
OWN_ACTIONS = {RELAY, STOP, *EXTERNAL.values()}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class LiveChatPolicy(FixedRulePolicy):
    """Outranks every other policy (priority 8) so that an active form or a rule cannot block the
    adviser's arrival, and so that no reporter message is dropped or answered by the bot while a
    person is present: each one goes to `action_relay_to_adviser`, except a /stop, which ends the live
    phase and tells the adviser so. Rasa's own pause
    (ConversationPaused) is not used, because a paused conversation drops messages.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 8}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        latest = tracker.latest_action_name
        if latest in OWN_ACTIONS:
            return self._prediction(confidence_scores_for(ACTION_LISTEN_NAME, 1.0, domain))
        if latest == ACTION_LISTEN_NAME:
            intent = tracker.latest_message.intent.get("name") if tracker.latest_message else None
            if intent in EXTERNAL:
                return self._prediction(confidence_scores_for(EXTERNAL[intent], 1.0, domain))
            if tracker.get_slot(LIVE_SLOT):
                action = STOP if intent == USER_INTENT_RESTART else RELAY
                return self._prediction(confidence_scores_for(action, 1.0, domain))
        return self._prediction(self._default_predictions(domain))
