"""Finds ages in a message and whose they are: the reporter's, their child's, or someone else's."""

import re
from dataclasses import dataclass
from datetime import date
from typing import List, Optional

_WORDS = {
    "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "zestien": 16,
    "zeventien": 17, "achttien": 18, "negentien": 19, "twintig": 20, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20,
}
_NUMBER = r"(\d{1,2}|" + "|".join(_WORDS) + r")"
# After a number: not an age but a clock time, an amount, a count, a duration or a date.
_NOT_AN_AGE = (
    r"(?!\s*(?:uur|u\b|euro|minuten|min\b|keer|procent|%|:|\.\d|tot\s+\d|times|minutes|hours|dollars|pagina|graden|"
    r"degrees|punten|points|weken|weeks|dagen|days|maanden|months|km|kilo|cm|mensen|people|van\s+ons|of\s+us|"
    r"leerlingen|students|man\b|(?:jan|feb|maa|mar|apr|mei|may|jun|jul|aug|sep|okt|oct|nov|dec)[a-z]*))"
)
_UNIT = r"\s*(?:jaar|jr\b|j\b|jarige?|years?|yrs?\b|y/?o\b|-year-old|-jarige?)"

_SELF = re.compile(
    r"\b(?:ik\s+ben|ik\s+word|i'?m|i\s+am|ben|we\s+zijn|wij\s+zijn|we'?re|we\s+are)\s+(?:[a-z]+\s+)?(?:[a-z]+\s+)?"
    + _NUMBER + r"\b" + _NOT_AN_AGE
)
_SELF_BRACKET = re.compile(r"\b(?:ik|i|me)\s*\(\s*" + _NUMBER + r"\s*\)")
_CHILD = re.compile(
    r"\b(?:dochter|zoon|kind|dochtertje|zoontje|daughter|son|child|kid)\s*(?:van|of|is|\(|,)?\s*" + _NUMBER + r"\b"
)
# Whom the reporter writes about: "mijn zusje (15)", "my little brother, 14", "mn vriendin van 16".
_RELATIVE = re.compile(
    r"\b(?:mijn|m'n|mn|onze|ons|my|our)\s+(?:little\s+|kleine\s+|jongere\s+|younger\s+|beste\s+|best\s+)?"
    r"(?:zus|zusje|zusjes|broer|broertje|broertjes|nicht|nichtje|neef|neefje|vriendin|vriendinnetje|vriend|"
    r"sister|brother|cousin|niece|nephew|friend|stiefdochter|stiefzoon|stepdaughter|stepson|pleegkind)"
    r"\s*(?:van|of|is|\(|,|who\s+is|die)?\s*(?:he'?s\s+|she'?s\s+|pas\s+|net\s+)?" + _NUMBER + r"\b" + r"(?!\s*(?:uur|euro|keer))"
)
_PERSON = re.compile(
    r"\b(?:leerling|student|studente|meisje|jongen|meid|kind|girl|boy|pupil|leerlinge)\s*(?:van|of|\(|,)\s*" + _NUMBER + r"\b"
)
# Any person with an age in brackets, alone or in a list ("een meisje uit mijn klas (16)", "(15, 16)",
# "(16/17)"), or "van 15" ("nichtje van 12").
_BRACKET = re.compile(r"\(\s*" + _NUMBER + r"\s*(?:\)|,|/|-|–|en\b|and\b|of\b|or\b)")
# "(m, 17)", "(v16)", "(female, 15)", "leeftijd: 15", "age 16": an age with a label or a sex before it.
_LABELLED = re.compile(
    r"(?:\(\s*(?:m|v|f|j|man|vrouw|male|female|jongen|meisje)\s*[,/]?\s*|\b(?:leeftijd|age|aged|lft)\s*:?\s*)"
    + _NUMBER + r"\b" + _NOT_AN_AGE
)
_VAN = re.compile(r"\b(?:van|of)\s+" + _NUMBER + r"\b" + _NOT_AN_AGE)
# "ze is pas 15", "ze is echt nog maar 16 ofzo", "she's 14", "sommigen van ons zijn 16", "first years who
# are 17", "ze was toen 15": a form of "to be" and at most three small words before a bare number.
_BE = re.compile(
    r"(?:\b(?:is|was|zijn|waren|are|were|ben|bent|am)|'s|'re|'m)\s+(?:[a-z]+\s+){0,3}?" + _NUMBER + r"\b" + _NOT_AN_AGE
)
# "allebei 16", "both 17", "allemaal 16/17", "denk 16", "about 14, 15", "net 16 geworden", "als ik 18 ben".
# ("toen ze 16 was" and "when I was 14" are _THEN's: the age when it happened.)
_ROUGHLY = re.compile(
    r"\b(?:allebei|allemaal|beiden|both|all|denk|schat|ongeveer|rond\s+de|about|around|like|net|pas|"
    r"als\s+ik)\s+" + _NUMBER + r"\b" + _NOT_AN_AGE
)
_OTHER = re.compile(r"\b(?:hij|zij|ze|die\s+man|die\s+vrouw|he|she|him|her)\s+(?:is|was)\s+(?:al\s+)?" + _NUMBER + r"\b" + _NOT_AN_AGE)
_ANY = re.compile(r"\b" + _NUMBER + _UNIT)
_NEGATED = re.compile(r"\b(?:geen|niet|not|no\s+longer)\s+(?:meer\s+)?" + _NUMBER + r"\b")
# "nog geen 17", "niet eens 16", "not even 16", "not yet 18": younger than the number, not a denial.
_STILL_UNDER = re.compile(r"\b(?:nog\s+geen|nog\s+niet|niet\s+eens|not\s+even|not\s+yet)\s+" + _NUMBER + r"\b")
# "toen ik 15 was", "ik was pas 16", "when I was 15", "I was only 14": the age when it happened, which
# decides whether it happened to a minor even when the writer is an adult now.
_THEN = re.compile(
    r"\b(?:toen\s+(?:ik|ze|zij|hij)\s+(?:nog\s+)?(?:maar\s+)?|ik\s+was\s+(?:toen\s+)?(?:pas\s+|nog\s+)?(?:maar\s+)?|"
    r"when\s+(?:i|she|he)\s+was\s+(?:only\s+|just\s+)?|i\s+was\s+(?:only\s+|just\s+)?)" + _NUMBER + r"\b" + _NOT_AN_AGE
)
_ALMOST = re.compile(r"\b(?:bijna|almost|nearly)\s+" + _NUMBER + r"\b")
# "i'm under 18", "onder de 16", "jonger dan 18": a year younger than the number at most.
_UNDER = re.compile(r"\b(?:under|onder|below|jonger\s+dan|younger\s+than)\s+(?:de\s+|the\s+age\s+of\s+)?" + _NUMBER + r"\b")
# "ik ben pas 18 in maart", "not 18 until June": a year younger now.
_NOT_YET = re.compile(r"\b(?:pas|not)\s+" + _NUMBER + r"\s+(?:in|na|over|volgend\w*|vanaf|until|till)\b")
# "ik word in maart 18", "wordt volgende maand 16", "turning 18 next month": a year younger now.
_TURNING = re.compile(r"\b(?:word|wordt|turn|turns|turning)\s+(?:[a-z]+\s+){0,3}" + _NUMBER + r"\b")
# "geboren in 2009", "born in 2010", "ik ben van 2008": an age from the birth year.
_BIRTH_YEAR = re.compile(r"\b(?:geboren|born|ik\s+ben\s+van|i\s+was\s+born)\s+(?:in\s+|op\s+|on\s+)?(?:[a-z0-9]+\s+){0,2}((?:19|20)\d\d)\b")


@dataclass(frozen=True)
class Age:
    years: int
    whose: str  # "self", "child", "relative" (whom the reporter writes about), "then", "other" or "unknown"


def _value(token: str) -> int:
    return int(token) if token.isdigit() else _WORDS[token]


def find_ages(text: str) -> List[Age]:
    """Ages between 10 and 80 with whose they probably are. "geen 16 meer" is no age at all."""
    lower = text.lower()
    not_yet = {m.start(1) for m in _NOT_YET.finditer(lower)}
    still_under = {m.start(1) for m in _STILL_UNDER.finditer(lower)}
    negated = {m.start(1) for m in _NEGATED.finditer(lower)} - not_yet - still_under
    younger = {m.start(1) for pattern in (_ALMOST, _TURNING, _UNDER) for m in pattern.finditer(lower)} | not_yet | still_under
    found = {}
    for match in _BIRTH_YEAR.finditer(lower):
        years = date.today().year - int(match.group(1)) - 1  # the youngest it can be: safety first
        if 10 <= years <= 80:
            found[match.start(1)] = Age(years, "unknown")
    patterns = (
        (_THEN, "then"), (_OTHER, "other"), (_SELF, "self"), (_SELF_BRACKET, "self"), (_CHILD, "child"), (_RELATIVE, "relative"),
        (_TURNING, "unknown"),
        (_PERSON, "unknown"),
        (_ANY, "unknown"), (_BRACKET, "unknown"), (_VAN, "unknown"), (_BE, "unknown"),
        (_ROUGHLY, "unknown"), (_UNDER, "unknown"), (_NOT_YET, "unknown"), (_STILL_UNDER, "unknown"),
        (_LABELLED, "unknown"),
    )
    for pattern, whose in patterns:
        for match in pattern.finditer(lower):
            position = match.start(1)
            if position in negated or position in found:
                continue
            years = _value(match.group(1))
            if position in younger:
                years -= 1  # "bijna 18", "word in maart 18": 17 now
            if 10 <= years <= 80:
                found[position] = Age(years, whose)
    return [found[position] for position in sorted(found)]


def minor_from_ages(ages: List[Age]) -> Optional[bool]:
    """An age under 18 when it happened ("toen ik 15 was, nu ben ik 21") makes it something that happened
    to a minor. Otherwise the ages of the reporter and of whom they write about (child, sister, friend)
    decide; any one of them under 18 counts ("ik ben 18, mijn zusje van 15 ..."). Otherwise any age under
    18 counts (safety first); an adult age said of someone else ("hij is 35") says nothing about the
    person it happens to.
    """
    if any(age.whose == "then" and age.years < 18 for age in ages):
        return True
    own = [age for age in ages if age.whose in ("self", "child", "relative")]
    if own:
        return any(age.years < 18 for age in own)
    if any(age.years < 18 for age in ages):
        return True
    if any(age.whose in ("unknown", "then") for age in ages):
        return False
    return None
