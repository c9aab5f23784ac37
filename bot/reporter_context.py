"""Finds who writes and about whom in a message (reporter_context.yml): role, role_hint and person mentions."""

from dataclasses import dataclass
from pathlib import Path
from typing import List

from spacy.tokens import Doc

from bot.safeguarding.rules import Hit, find_hits

PHRASES = Path(__file__).with_name("reporter_context.yml")
ENTITIES = ("role", "role_hint", "person")


@dataclass(frozen=True)
class Mention:
    """One phrase that says something about the reporter: entity, value, character offsets."""

    entity: str
    value: str
    start: int
    end: int


def find_mentions(doc: Doc) -> List[Mention]:
    """Non-overlapping mentions, longest first where phrases overlap, in text order."""
    hits = sorted(find_hits(doc, PHRASES), key=lambda hit: (-(hit.end - hit.start), hit.start))
    taken: List[Hit] = []
    for hit in hits:
        if all(hit.end <= other.start or hit.start >= other.end for other in taken):
            taken.append(hit)
    mentions = []
    for hit in sorted(taken, key=lambda hit: hit.start):
        entity, value = hit.category.split(":")
        first, last = doc[hit.start], doc[hit.end - 1]
        mentions.append(Mention(entity, value, first.idx, last.idx + len(last.text)))
    return mentions
