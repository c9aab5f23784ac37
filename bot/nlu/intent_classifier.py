"""Rasa's logistic regression intent classifier, configurable, with a prior against "not a report", laid out for speed."""

import math
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from contactpunt.labels import BEHAVIOUR_TYPES
from bot.message_text import has_words

#: What a message without words gets (empty, only emoji, only a link): no intent, so the FallbackClassifier
#: marks it `nlu_fallback` and the assistant says it could not read it (as Rasa's DIET does without features).
NO_INTENT = {"name": None, "confidence": 0.0}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    """LogisticRegressionClassifier with its regularisation, class weights and one prior in the config.

    - `C` (default 1.0) and `class_weight` ("balanced", Rasa's fixed choice, or null for none).
    - A message without words (empty, only emoji or a link) gets no intent instead of a guess.
    - `non_report_weight` (default 1.0): multiplies the probability of every intent that is not a
      behaviour (questions, feelings, off-topic) before the ranking is normalised. Below 1 a message
      is called "not a report" only with more certainty: a report taken for a timetable question
      loses the reporter, a question taken for a report gets a clarifying question.
    The weights are stored column-major, so sklearn's product with coef_.T copies nothing per
    message (row-major, scipy copies the whole features x intents matrix: about 5 ms).
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "class_weight": "balanced",
                "non_report_weight": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        if not 0 < self.config["non_report_weight"] <= 1:
            raise ValueError(f"non_report_weight must be in (0, 1], not {self.config['non_report_weight']!r}")
        self.clf.set_params(C=self.config["C"], class_weight=self.config["class_weight"])

    def _ready(self) -> None:
        """Lay the weights out for speed and apply the prior (in memory only: the stored model is sklearn's own).

        A multinomial model's probability times w, renormalised, is the same as log(w) added to that
        class's intercept.
        """
        if not hasattr(self.clf, "coef_"):
            return
        self.clf.coef_ = np.asfortranarray(self.clf.coef_)
        if len(self.clf.classes_) > 2:
            shift = math.log(self.config["non_report_weight"])
            self.clf.intercept_ = self.clf.intercept_ + np.array(
                [0.0 if intent in BEHAVIOUR_TYPES else shift for intent in self.clf.classes_]
            )

    def process(self, messages: List[Message]) -> List[Message]:
        readable = []
        for message in messages:
            if has_words(message.get(TEXT)):
                readable.append(message)
            else:
                message.set("intent", dict(NO_INTENT), add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
        if readable:
            super().process(readable)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """As Rasa's: every training example has text (an example's gold intent is not replaced by "none")."""
        super().process(training_data.training_examples)
        return training_data

    def train(self, training_data: TrainingData) -> Resource:
        resource = super().train(training_data)
        self._ready()
        return resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        component._ready()
        return component
