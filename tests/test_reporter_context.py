"""Who writes and about whom: the phrase rules (bot/reporter_context.yml), the audience they decide, and the
test stories' entity annotations, which must be exactly what the extractor finds."""

import re
from pathlib import Path

import pytest
import yaml

from bot.audience import Reporter
from bot.institution_profile import load_profile
from bot.nlu.dutch_pipeline import dutch_nlp
from bot.reporter_context import ENTITIES, find_mentions

TESTS = Path(__file__).parent


def found(text):
    return {(m.entity, m.value) for m in find_mentions(dutch_nlp()(text))}


@pytest.mark.parametrize("text, expected", [
    # said in so many words, in the reporter's own words
    ("ik ben zijn moeder", {("role", "ouder")}),
    ("ik werk hier", {("role", "medewerker")}),
    ("ik geef les op deze school", {("role", "medewerker")}),
    ("ik zit in het 2e jaar", {("role", "student")}),
    ("ik ben oud-leerling", {("role", "oud_student")}),
    ("ik promoveer bij een leerstoelgroep", {("role", "promovendus")}),
    ("I'm on placement", {("role", "stagiair")}),
    ("I'm a PhD candidate", {("role", "promovendus")}),
    ("I am a second-year student", {("role", "student")}),
    ("I used to study here", {("role", "oud_student")}),
    # implied by where or with whom it happened
    ("op mijn stage bij een garage maakt de chef steeds opmerkingen", {("role_hint", "stagiair")}),
    ("mijn collega maakt steeds grappen over mijn afkomst", {("role_hint", "medewerker")}),
    ("mijn mentor stuurt me 's avonds berichten", {("role_hint", "student")}),
    ("at my internship the boss keeps making comments", {("role_hint", "stagiair")}),
    ("ik ben zijn oma", {("role_hint", "ouder")}),
    # about someone else
    ("mijn zoon van 15 wordt gepest", {("person", "child")}),
    ("my daughter is scared to go to school", {("person", "child")}),
    ("een leerling van mij wordt uitgescholden", {("person", "student")}),
    ("I'm a teacher and one of my students told me", {("role", "medewerker"), ("person", "student")}),
    ("mijn vriendin wordt gestalkt door haar ex", {("person", "friend")}),
    ("ik maak me zorgen om mijn klasgenoot", {("person", "friend")}),
    ("a colleague of mine is being harassed", {("person", "colleague")}),
])
def test_who_writes_and_about_whom_is_found(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "de docent raakte me aan",  # a teacher mentioned is not the reporter
    "ik ben geen docent",
    "mijn vriend slaat me",  # a boyfriend who hits is not someone the reporter writes for
    "a teacher keeps texting me",
    "ik werk bij de supermarkt en mijn klant schold me uit",
])
def test_a_mention_is_not_a_role(text):
    assert not {pair for pair in found(text) if pair[0] in ("role", "person")}


def test_overlapping_phrases_keep_the_longest():
    mentions = find_mentions(dutch_nlp()("mijn collega wordt steeds uitgescholden"))
    assert [(m.entity, m.value) for m in mentions] == [("person", "colleague")]


@pytest.mark.parametrize("reporter, audience", [
    (Reporter(person="child"), "ouder"),
    (Reporter(role="medewerker", person="child"), "ouder"),  # a teacher about their own child writes as a parent
    (Reporter(role="medewerker", person="student"), "staff_told"),
    (Reporter(person="friend"), "bystander"),
    (Reporter(role_hint="stagiair"), "stagiair"),
    (Reporter(role="student", role_hint="medewerker"), "student"),  # what was said beats what was implied
    (Reporter(), None),
])
def test_the_audience_follows_from_what_was_said(reporter, audience):
    assert load_profile("rocmn").audience(reporter) == audience


def test_roles_an_institution_does_not_have_get_the_texts_it_names():
    wur = load_profile("wur")
    assert wur.audience(Reporter(role_hint="stagiair")) == "student"
    assert wur.audience(Reporter(role="promovendus")) == "promovendus"
    assert load_profile("rocmn").audience(Reporter(role="promovendus")) == "medewerker"


ANNOTATION = re.compile(r'\[([^\]]+)\]\{"entity": "(\w+)", "value": "(\w+)"\}')


def story_messages():
    for path in sorted(TESTS.glob("test_stories_*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                if "user" in step and not step["user"].lstrip().startswith("/"):
                    yield path.name, step["user"].strip()


@pytest.mark.parametrize("source, annotated", list(story_messages()))
def test_the_test_stories_annotate_exactly_what_the_extractor_finds(source, annotated):
    """`rasa test` does not compare a custom extractor's entities; this does, span and value."""
    text, expected, offset = annotated, [], 0
    for match in ANNOTATION.finditer(annotated):
        start = match.start() - offset
        expected.append((match.group(2), match.group(3), start, start + len(match.group(1))))
        offset += len(match.group(0)) - len(match.group(1))
    text = ANNOTATION.sub(lambda m: m.group(1), annotated)
    got = [(m.entity, m.value, m.start, m.end) for m in find_mentions(dutch_nlp()(text)) if m.entity in ENTITIES]
    assert got == expected, f"{source}: {text!r}"
