"""The phrase rules: words match word or lemma, `pre*` any ending, `~` one optional token, every span found."""

import pytest

from bot.nlu.dutch_pipeline import dutch_nlp
from bot.safeguarding.rules import RuleIndex, _phrase, find_hits, token_forms


def spans(phrase: str, text: str):
    index = RuleIndex([_phrase("c", "r", phrase)])
    return sorted((hit.start, hit.end) for hit in index.hits(token_forms(dutch_nlp()(text))))


def test_a_word_matches_its_lemma_and_a_prefix_any_ending():
    assert spans("slaan", "hij sloeg me") == [(1, 2)]
    assert spans("klasgenoot*", "mijn klasgenoten lachen") == [(1, 2)]
    assert spans("klasgenoot*", "de klas lacht") == []


def test_alternatives_and_optional_tokens_give_every_span():
    assert spans("mijn|m'n ~ dochter", "mijn dochter") == [(0, 2)]
    assert spans("mijn|m'n ~ dochter", "m'n lieve dochter") == [(0, 3)]
    assert spans("mijn|m'n ~ dochter", "mijn heel lieve dochter") == []
    # A leading optional token may take the token before the anchor, or nothing.
    assert spans("~ zegt", "ze zegt") == [(0, 2), (1, 2)]


def test_a_phrase_of_only_optional_tokens_is_refused():
    with pytest.raises(ValueError):
        _phrase("c", "r", "~ ~")


def test_the_shipped_patterns_find_a_staff_member_and_an_age():
    hits = {(hit.category, hit.rule) for hit in find_hits(dutch_nlp()("de gymleraar zei dat ik er mooi uitzag"))}
    assert ("staff", "docent") in hits



def test_a_hit_knows_which_tokens_its_optional_slots_took():
    index = RuleIndex([_phrase("c", "r", "mezelf ~ ~ aandoen")])
    (hit,) = index.hits(token_forms(dutch_nlp()("ik ga mezelf niks aandoen")))
    assert (hit.start, hit.end, hit.wildcards) == (2, 5, (3,))
