"""Rasa NLU component: adds each message's safeguarding signals (flags and rule names, no text)."""

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safeguarding.detector import analyse
from bot.safeguarding.flags import SIGNALS_KEY


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafeguardingSignals(GraphComponent):
    """Runs the pattern rules and reads the classifier's intent; place it right after DIETClassifier."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafeguardingSignals":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            intent = message.get(INTENT) or {}
            signals = analyse(text, intent.get("name"), float(intent.get("confidence") or 0.0))
            message.set(SIGNALS_KEY, signals.as_dict(), add_to_output=True)
        return messages
