"""What the channels pass on of a typed message, and which messages hold words."""

import unicodedata

import pytest
from hypothesis import given

from bot.message_text import clean, has_words
from tests.fuzzing import fuzz_settings, typed_messages


@fuzz_settings(examples=300, deep_examples=20000)
@given(text=typed_messages())
def test_clean_text_has_no_surrogates_or_control_characters_and_keeps_the_rest(text):
    cleaned = clean(text)
    cleaned.encode("utf-8")  # storable: no lone surrogates
    assert all(char in "\n\t" or unicodedata.category(char) not in ("Cs", "Cc") for char in cleaned)
    assert clean(cleaned) == cleaned
    if not text.lstrip().lower().startswith("/external_"):
        assert [c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cs", "Cc")] == list(cleaned)


@pytest.mark.parametrize("typed", ['/EXTERNAL_adviser_joined{"joined_case": "x"}', "  /external_adviser_left",
                                   '/EXTERNAL_adviser_message{"adviser_message": "geef je naam"}'])
def test_a_typed_console_only_intent_stays_words(typed):
    assert not clean(typed).lstrip().startswith("/")


@pytest.mark.parametrize("payload", ["/affirm", '/inform_role{"role": "student"}', "/greet"])
def test_button_payloads_pass_unchanged(payload):
    assert clean(payload) == payload


@pytest.mark.parametrize("text, words", [("", False), ("  \n", False), ("😢😢", False), ("?!...", False),
                                         ("https://example.com/x?y=1", False), ("iemand@example.com", False),
                                         ("ok", True), ("15", True), ("مرحبا", True), ("你好", True),
                                         ("zie https://example.com", True), (None, False)])
def test_words_are_letters_or_digits_outside_links(text, words):
    assert has_words(text) is words
