"""Compiles patterns.yml into a spaCy Matcher over lower-cased lookup lemmas, and runs it."""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token

from bot.nlu.dutch_pipeline import dutch_nlp

PATTERNS = Path(__file__).with_name("patterns.yml")

if not Token.has_extension("forms"):
    # What the rules match on: the word and its lookup lemma, lower-cased ("sloeg slaan").
    Token.set_extension("forms", getter=lambda token: f"{token.lower_} {(token.lemma_ or token.text).lower()}")


@dataclass(frozen=True)
class Hit:
    category: str
    rule: str
    start: int  # token index
    end: int


def _token_spec(spec: str) -> Dict:
    """One token: any of the |-separated words, as word or lemma; "pre*" matches any ending."""
    if spec == "~":
        return {"OP": "?"}
    alternatives = "|".join(
        re.escape(word[:-1]) + r"\S*" if word.endswith("*") else re.escape(word) for word in spec.split("|")
    )
    return {"_": {"forms": {"REGEX": f"(^| )({alternatives})( |$)"}}}


def _phrase_pattern(phrase: str) -> List[Dict]:
    """Words are matched on their lemma key; a phrase with several words also matches word forms."""
    return [_token_spec(spec) for spec in phrase.split()]


@lru_cache(maxsize=1)
def rule_matcher() -> Tuple[Matcher, Dict[int, Tuple[str, str]]]:
    nlp = dutch_nlp()
    matcher = Matcher(nlp.vocab)
    names: Dict[int, Tuple[str, str]] = {}
    for category, rules in yaml.safe_load(PATTERNS.read_text(encoding="utf-8")).items():
        for rule, phrases in rules.items():
            key = f"{category}:{rule}"
            matcher.add(key, [_phrase_pattern(phrase) for phrase in phrases])
            names[nlp.vocab.strings[key]] = (category, rule)
    return matcher, names


def find_hits(doc: Doc) -> List[Hit]:
    matcher, names = rule_matcher()
    hits = []
    for match_id, start, end in matcher(doc):
        category, rule = names[match_id]
        hits.append(Hit(category, rule, start, end))
    return sorted(hits, key=lambda hit: (hit.start, hit.end))
