"""Guesses whether a chat message is Dutch or English from function words, or says it cannot tell."""

import re
from typing import Optional

# Short, frequent words that are typical for one language and rare in the other.
# Words both languages use ("is", "in", "me", "was", "had", "want", "school") are left out.
_DUTCH = frozenset(
    """ik je jij jou mij mijn hij zij ze het de een en niet wel wat wie waar hoe
    dat die dit deze er naar van voor met op aan bij uit ook maar nog al
    ben bent heb hebt heeft zijn wil wilt kan kun kunt moet mag doet
    gaat zegt blijft steeds altijd nooit iemand niemand iets niks 
    docent leraar klas stage ouders dochter zoon hallo hoi doei dank bedankt
    graag ja nee klopt oke oké waarom omdat dus als toen""".split()
)
_ENGLISH = frozenset(
    """i you my he she they them it the a an and not what who where how
    that this these there to of for with on at from also but still
    am are have has were can could should must does do
    keeps always never someone nobody something nothing teacher
    class internship parents daughter son hello hi bye thanks thank
    please yes no right okay why because so if when i'm im don't doesn't""".split()
)
_WORD = re.compile(r"[a-zà-ÿ']+")


def detect_language(text: str) -> Optional[str]:
    """Return "nl" or "en" when the text clearly leans one way, else None."""
    words = _WORD.findall(text.lower())
    dutch = sum(word in _DUTCH for word in words)
    english = sum(word in _ENGLISH for word in words)
    if dutch > english:
        return "nl"
    if english > dutch:
        return "en"
    return None
