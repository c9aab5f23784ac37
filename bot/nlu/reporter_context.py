"""Rasa NLU component: adds role, role_hint and person entities from the reporter-context phrase rules."""

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.dutch_pipeline import dutch_nlp
from bot.reporter_context import find_mentions


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ReporterContextExtractor(GraphComponent, EntityExtractorMixin):
    """Who writes ("ik ben docent", "op mijn stage") and about whom ("mijn zoon"): rules, so a role said in
    one's own words is understood the first time, and a report never makes the reporter a teacher because
    a teacher is mentioned in it."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ReporterContextExtractor":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [
                {"entity": m.entity, "value": m.value, "start": m.start, "end": m.end, "confidence": 1.0}
                for m in find_mentions(dutch_nlp()(text))
            ]
            if found:
                entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
