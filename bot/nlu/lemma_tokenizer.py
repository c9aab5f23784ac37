"""Rasa tokenizer that splits Dutch text with spaCy and gives each token its lookup lemma."""

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.message_text import clean
from bot.nlu.dutch_pipeline import dutch_nlp


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class DutchLemmaTokenizer(Tokenizer):
    """Tokens with lemmas, so that CountVectorsFeaturizer (use_lemma) sees "liepen" as "lopen"."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DutchLemmaTokenizer":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """First the text is cleaned (every later component reads it): a lone surrogate or control character
        that reached the pipeline some other way than a channel would make spaCy or the encoder raise."""
        for message in messages:
            if isinstance(message.get(TEXT), str):
                message.set(TEXT, clean(message.get(TEXT)))
        return super().process(messages)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        doc = dutch_nlp()(message.get(attribute))
        tokens = [
            Token(token.text, token.idx, lemma=(token.lemma_ or token.text).lower())
            for token in doc
            if not (token.is_punct or token.is_space)
        ]
        return self._apply_token_pattern(tokens)
