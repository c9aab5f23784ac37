"""Rasa sparse featurizer: sublinear TF-IDF over character n-grams or lemma n-grams, one unit vector per message."""

from typing import Any, Dict, List, Optional, Text

import joblib
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer

VECTORIZER_FILE = "tfidf.joblib"
ANALYZERS = ("char_wb", "word")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class TfidfFeaturizer(SparseFeaturizer, GraphComponent):
    """Raw n-gram counts let long messages dominate a linear classifier; TF-IDF rows do not.

    `analyzer: char_wb` reads the raw text; `analyzer: word` reads the tokens' lemmas (from
    DutchLemmaTokenizer), so "sloeg" and "slaat" count as one word. `scale` multiplies the
    unit-length row; for an L2-regularised classifier that acts like a larger C for these
    features (docs/nlu-pipelines.md).
    """

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SparseFeaturizer.get_default_config(), "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5, "scale": 1.0}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if config["analyzer"] not in ANALYZERS:
            raise ValueError(f"TfidfFeaturizer: analyzer must be one of {ANALYZERS}")
        if not 1 <= config["min_ngram"] <= config["max_ngram"]:
            raise ValueError("TfidfFeaturizer: need 1 <= min_ngram <= max_ngram")
        if config["scale"] <= 0:
            raise ValueError("TfidfFeaturizer: scale must be positive")

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        name: Text,
        vectorizer: Optional[TfidfVectorizer] = None,
    ) -> None:
        super().__init__(name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._vectorizer = vectorizer

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TfidfFeaturizer":
        return cls(config, model_storage, resource, execution_context.node_name)

    def _document(self, message: Message) -> str:
        if self._config["analyzer"] == "word":
            return " ".join(token.lemma for token in message.get(TOKENS_NAMES[TEXT]) or [])
        return message.get(TEXT)

    def train(self, training_data: TrainingData) -> Resource:
        texts = [self._document(m) for m in training_data.training_examples if m.get(TEXT)]
        self._vectorizer = TfidfVectorizer(
            analyzer=self._config["analyzer"],
            token_pattern=r"(?u)\b\w+\b" if self._config["analyzer"] == "word" else None,
            ngram_range=(self._config["min_ngram"], self._config["max_ngram"]),
            sublinear_tf=True,
            lowercase=True,
        ).fit(texts)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._vectorizer, directory / VECTORIZER_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "TfidfFeaturizer":
        with model_storage.read_from(resource) as directory:
            vectorizer = joblib.load(directory / VECTORIZER_FILE)
        return cls(config, model_storage, resource, execution_context.node_name, vectorizer)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [message for message in messages if message.get(TEXT)]
        if not with_text or self._vectorizer is None:
            return messages
        rows = self._vectorizer.transform([self._document(m) for m in with_text]) * self._config["scale"]
        for message, row in zip(with_text, rows):
            self.add_features_to_message(
                sequence=None, sentence=scipy.sparse.coo_matrix(row), attribute=TEXT, message=message
            )
        return messages
