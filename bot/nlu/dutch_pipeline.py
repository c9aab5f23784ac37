"""A blank Dutch spaCy pipeline with the lookup lemmatizer from spacy-lookups-data (works offline)."""

from functools import lru_cache

import spacy
from spacy.language import Language


@lru_cache(maxsize=1)
def dutch_nlp() -> Language:
    """The shared pipeline; built once per process (no model download: tables ship in a wheel)."""
    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp
