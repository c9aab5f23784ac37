"""The conversations of tests/test_stories_audience.yml replayed through the trained model and a real action
server, for each institution profile and in both languages: the texts each reader gets ("u" for a parent,
the parents' route, the staff member's own duty, what a friend can do), which `rasa test` cannot see."""

import asyncio
import subprocess
import sys
import uuid

import pytest

from bot.institution_profile import load_profile
from bot.local_servers.ports import free_port, service_env
from tests.conftest import ROOT, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def agent(trained_model):
    from rasa.core.agent import load_agent

    loop = asyncio.new_event_loop()
    loaded = loop.run_until_complete(load_agent(model_path=str(trained_model)))
    yield loaded, loop
    loop.close()


@pytest.fixture(scope="module", params=["rocmn", "wur"])
def assistant(request, agent, tmp_path_factory):
    """The model with an action server for one profile: `say(texts)` -> every reply of the conversation."""
    from rasa.utils.endpoints import EndpointConfig

    loaded, loop = agent
    port = free_port()
    log = tmp_path_factory.mktemp("actions") / "actions.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
                                  cwd=ROOT, env=service_env(CONTACTPUNT_PROFILE=request.param), stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", server, seconds=120, log=log)
        loaded.processor.action_endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")

        def say(*texts):
            sender = uuid.uuid4().hex
            replies = []
            for text in texts:
                replies.append(loop.run_until_complete(loaded.handle_text(text, sender_id=sender)))
            return replies

        yield load_profile(request.param), say
    finally:
        server.terminate()
        server.wait(timeout=30)


def text_of(replies):
    return "\n".join(message.get("text") or "" for turn in replies for message in turn)


def buttons_of(turn):
    return [button["title"] for message in turn for button in message.get("buttons") or []]


ASKS_WHO = {"nl": "Wie ben jij?", "en": "Who are you?"}


@pytest.mark.parametrize("language, messages", [
    ("nl", ["mijn zoon van 15 wordt elke dag in elkaar geduwd door jongens uit zijn klas", "ja", "bij wie kan ik terecht"]),
    ("en", ["my son is 15 and boys in his class push him around every day", "yes", "who can I go to"]),
])
def test_a_parent_about_a_child_of_15_gets_the_parents_route_in_u_and_no_question_who_they_are(
        assistant, language, messages):
    profile, say = assistant
    reflect, routes, contacts = say(*messages)
    audience = profile.confidentiality.audiences["ouder"]
    assert audience.minors.get(language) in text_of([reflect])  # what confidentiality means, said to the parent
    assert profile.routes["ouder"].overview.get(language) in text_of([routes])
    assert profile.routes["ouder"].contacts.get(language) in text_of([contacts])
    assert profile.first_conversation_formal.get(language) in text_of([contacts])
    assert ASKS_WHO[language] not in text_of([reflect, routes, contacts])
    if language == "nl":
        assert text_of([reflect]).startswith("Wat u vertelt")
        assert "U schrijft als ouder" in text_of([routes]) and "Waar wilt u meer over weten?" in text_of([routes])
        assert " je " not in f" {text_of([routes, contacts])} ".replace("\n", " ")


@pytest.mark.parametrize("language, messages, confidential", [
    ("nl", ["ik ben docent en een leerling vertelde me dat ze elke dag wordt uitgescholden en buitengesloten door "
            "haar klas", "ja", "blijft dit geheim?"], "blijft dit geheim?"),
    ("en", ["I'm a teacher and one of my students told me her classmates threaten her every day", "yes",
            "is this confidential?"], "is this confidential?"),
])
def test_a_teacher_a_student_told_gets_their_own_duty_first(assistant, language, messages, confidential):
    profile, say = assistant
    reflect, routes, secret = say(*messages)
    assert profile.routes["staff_told"].overview.get(language) in text_of([routes])
    assert profile.confidentiality.audiences["staff_told"].general.get(language) in text_of([secret])
    assert ASKS_WHO[language] not in text_of([reflect, routes, secret])


@pytest.mark.parametrize("language, messages", [
    ("nl", ["op mijn stage bij een garage maakt de chef steeds opmerkingen over mijn lichaam", "ja"]),
    ("en", ["at my internship the manager keeps commenting on my body", "yes"]),
])
def test_an_intern_who_only_says_where_it_happened_is_told_what_was_understood(assistant, language, messages):
    profile, say = assistant
    reflect, routes = say(*messages)
    served = profile.treat_as.get("stagiair", "stagiair")  # WUR answers interns as students
    assert profile.routes[served].overview.get(language) in text_of([routes])
    assert profile.roles[served].name.get(language) in text_of([routes]).split("\n")[0]
    assert buttons_of(routes)[:1] == [{"nl": "Dat klopt niet", "en": "That's not right"}[language]]
    assert ASKS_WHO[language] not in text_of([reflect, routes])


@pytest.mark.parametrize("language, messages", [
    ("nl", ["mijn vriendin wordt gestalkt door een jongen van school, hij stuurt haar steeds berichten vanaf nieuwe accounts", "ja"]),
    ("en", ["my best friend is being stalked by a guy from school, he keeps messaging her from new accounts", "yes"]),
])
def test_a_friend_reporting_for_a_friend_hears_what_they_can_do(assistant, language, messages):
    profile, say = assistant
    reflect, routes = say(*messages)
    assert profile.behaviours["stalking"].definition_other.get(language) in text_of([reflect])
    assert profile.routes["bystander"].overview.get(language) in text_of([routes])
    assert ASKS_WHO[language] not in text_of([reflect, routes])


@pytest.mark.parametrize("language, messages", [
    ("nl", ["ik ben vorig jaar van school gegaan en een oud-klasgenoot blijft me volgen en appen", "ja"]),
    ("en", ["I graduated last year but a former teacher keeps following me and texting me", "yes"]),
])
def test_an_ex_student_who_says_so_is_not_asked_and_not_confirmed(assistant, language, messages):
    profile, say = assistant
    reflect, routes = say(*messages)
    served = profile.treat_as.get("oud_student", "oud_student")
    assert text_of([routes]).startswith(profile.routes[served].overview.get(language))
    assert ASKS_WHO[language] not in text_of([reflect, routes])


ANSWERS = {
    "nl": [("ik zit in het 2e jaar", "student"), ("ik ben zijn moeder", "ouder"), ("ik geef hier les", "medewerker"),
           ("ik werk hier", "medewerker"), ("ik loop stage", "stagiair"), ("ik heb hier gestudeerd", "oud_student"),
           ("ik ben promovendus", "promovendus")],
    "en": [("I'm in my second year", "student"), ("I'm his mother", "ouder"), ("I teach here", "medewerker"),
           ("I'm on placement", "stagiair"), ("I used to study here", "oud_student"),
           ("I'm a PhD candidate", "promovendus")],
}


@pytest.mark.parametrize("language, answer, role", [(lang, a, r) for lang, pairs in ANSWERS.items() for a, r in pairs])
def test_the_role_question_is_understood_in_own_words(assistant, language, answer, role):
    profile, say = assistant
    question, routes = say({"nl": "wat kan ik nu doen", "en": "what are my options"}[language], answer)
    assert ASKS_WHO[language] in text_of([question])
    assert buttons_of(question) == [r.button.get(language) for r in profile.roles.values()]
    served = profile.treat_as.get(role, role)
    assert text_of([routes]).startswith(profile.routes[served].overview.get(language))


def test_what_was_understood_can_be_corrected(assistant):
    profile, say = assistant
    *_, confirmed, question, corrected = say("mijn zoon van 15 wordt gepest", "ja", "/correct_role", "ik ben zijn oma")
    assert "U schrijft als ouder" in text_of([confirmed])
    assert ASKS_WHO["nl"] in text_of([question])
    assert "U schrijft als ouder" in text_of([corrected])  # a grandmother may be the carer: said, not assumed
    assert profile.routes["ouder"].overview.nl in text_of([corrected])
