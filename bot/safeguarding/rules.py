"""Compiles a phrase-rule YAML file (patterns.yml by default) into rules over each token's word and lemma, and runs them."""

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

import yaml
from spacy.tokens import Doc

PATTERNS = Path(__file__).with_name("patterns.yml")
ANY = "~"


@dataclass(frozen=True)
class Hit:
    category: str
    rule: str
    start: int  # token index
    end: int
    wildcards: Tuple[int, ...] = ()  # token indexes taken by `~` ("mezelf niks aandoen": "niks")


@dataclass(frozen=True)
class TokenSpec:
    """One token of a phrase: any of these words, or any word starting with one of these prefixes."""

    words: FrozenSet[str]
    prefixes: Tuple[str, ...]

    @classmethod
    def parse(cls, spec: str) -> "TokenSpec":
        alternatives = spec.split("|")
        return cls(
            frozenset(word for word in alternatives if not word.endswith("*")),
            tuple(word[:-1] for word in alternatives if word.endswith("*")),
        )

    def matches(self, forms: Tuple[str, str]) -> bool:
        return any(form in self.words or form.startswith(self.prefixes) for form in forms)


@dataclass(frozen=True)
class Phrase:
    """A rule's phrase: token specs, where None is "any one token, optional" (`~`)."""

    category: str
    rule: str
    specs: Tuple[Optional[TokenSpec], ...]

    @property
    def anchor(self) -> int:
        """Index of the first spec that must match a token (a phrase is found from there)."""
        return next(i for i, spec in enumerate(self.specs) if spec is not None)

    def ends(self, forms: List[Tuple[str, str]], index: int, position: int) -> Set[Tuple[int, Tuple[int, ...]]]:
        """Every (end, wildcard positions) where the phrase can end, matching specs[index:] from `position`."""
        if index == len(self.specs):
            return {(position, ())}
        spec = self.specs[index]
        ends: Set[Tuple[int, Tuple[int, ...]]] = set()
        if spec is None:
            ends |= self.ends(forms, index + 1, position)
        if position < len(forms) and (spec is None or spec.matches(forms[position])):
            taken = (position,) if spec is None else ()
            ends |= {(end, taken + wild) for end, wild in self.ends(forms, index + 1, position + 1)}
        return ends


class RuleIndex:
    """Phrases indexed by the words and prefixes of their anchor token, so a message costs a few lookups per token."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self.by_word: Dict[str, List[Phrase]] = defaultdict(list)
        self.by_prefix: Dict[str, List[Phrase]] = defaultdict(list)
        for phrase in phrases:
            anchor = phrase.specs[phrase.anchor]
            for word in anchor.words:
                self.by_word[word].append(phrase)
            for prefix in anchor.prefixes:
                self.by_prefix[prefix].append(phrase)
        self.prefix_lengths = sorted({len(prefix) for prefix in self.by_prefix})

    def candidates(self, forms: Tuple[str, str]) -> Set[Phrase]:
        found: Set[Phrase] = set()
        for form in set(forms):
            found.update(self.by_word.get(form, ()))
            for length in self.prefix_lengths:
                if length > len(form):
                    break
                found.update(self.by_prefix.get(form[:length], ()))
        return found

    def hits(self, forms: List[Tuple[str, str]]) -> Set[Hit]:
        found: Set[Hit] = set()
        for position, token_forms in enumerate(forms):
            for phrase in self.candidates(token_forms):
                after = phrase.ends(forms, phrase.anchor + 1, position + 1)
                # Optional tokens before the anchor may each take one token or none.
                for start in range(max(0, position - phrase.anchor), position + 1):
                    leading = tuple(range(start, position))
                    found.update(Hit(phrase.category, phrase.rule, start, end, leading + wild) for end, wild in after)
        return found


def _phrase(category: str, rule: str, text: str) -> Phrase:
    specs = tuple(None if spec == ANY else TokenSpec.parse(spec) for spec in text.split())
    if all(spec is None for spec in specs):
        raise ValueError(f"{category}:{rule}: a phrase needs at least one word: {text!r}")
    return Phrase(category, rule, specs)


@lru_cache(maxsize=None)
def rule_index(path: Path = PATTERNS) -> RuleIndex:
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))
    return RuleIndex(
        _phrase(category, rule, text)
        for category, named in rules.items()
        for rule, texts in named.items()
        for text in texts
    )


def token_forms(doc: Doc) -> List[Tuple[str, str]]:
    """What the rules match on: each token's word and lookup lemma, lower-cased ("sloeg", "slaan")."""
    return [(token.lower_, (token.lemma_ or token.text).lower()) for token in doc]


def find_hits(doc: Doc, path: Path = PATTERNS) -> List[Hit]:
    return sorted(rule_index(path).hits(token_forms(doc)), key=lambda hit: (hit.start, hit.end, hit.category, hit.rule))
