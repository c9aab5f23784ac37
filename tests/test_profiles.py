"""Institution profiles: both load, invalid ones fail with a clear message, the texts hold the policy facts."""

import pytest
import yaml

import re

from bot.audience import Reporter
from bot.institution_profile import PROFILE_DIR, ProfileError, active_profile, load_profile
from contactpunt.labels import BEHAVIOUR_TYPES, LANGUAGES, OTHER_AUDIENCES, PERSONS, ROLES


def all_text(node) -> str:
    if isinstance(node, dict):
        return " ".join(all_text(value) for value in node.values())
    if isinstance(node, list):
        return " ".join(all_text(value) for value in node)
    return str(node)


@pytest.mark.parametrize("name", ["rocmn", "wur"])
def test_profile_is_valid_and_complete(name):
    profile = load_profile(name)
    assert set(profile.behaviours) == set(BEHAVIOUR_TYPES)
    assert profile.default_role in profile.roles
    assert set(profile.routes) <= set(ROLES) | set(OTHER_AUDIENCES)


def test_rocmn_distinguishes_every_role_but_promovendus():
    rocmn = load_profile("rocmn")
    assert set(rocmn.roles) == set(ROLES) - {"promovendus"} and rocmn.treat_as == {"promovendus": "medewerker"}


@pytest.mark.parametrize("name", ["rocmn", "wur"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("person", PERSONS)
def test_every_role_writing_about_every_person_gets_its_texts_in_both_languages(name, role, person):
    profile = load_profile(name)
    audience = profile.audience(Reporter(role=role, person=person))
    routes, confidentiality = profile.routes[audience], profile.confidentiality_for(audience)
    for language in LANGUAGES:
        texts = [getattr(routes, topic).get(language) for topic in ("overview", "informal", "contacts", "complaint")]
        texts += [getattr(confidentiality, kind).get(language) for kind in ("chat", "general", "minors")]
        texts += [profile.definition(kind, audience).get(language) for kind in BEHAVIOUR_TYPES]
        texts += [profile.first_conversation_for(audience).get(language)]
        assert all(text.strip() for text in texts)
    if person != "self":
        assert confidentiality != profile.confidentiality  # not the texts written to the person it happened to


@pytest.mark.parametrize("name", ["rocmn", "wur"])
def test_a_parent_is_addressed_with_u_and_texts_about_someone_else_use_neither(name):
    profile = load_profile(name)
    you = re.compile(r"\b(je|jij|jou|jouw)\b", re.IGNORECASE)
    parent = profile.confidentiality.audiences["ouder"]
    for text in [parent.chat.nl, parent.general.nl, parent.minors.nl, profile.routes["ouder"].overview.nl,
                 profile.first_conversation_formal.nl]:
        assert not you.search(text), text
        assert re.search(r"\b(u|uw)\b", text), text
    for behaviour in profile.behaviours.values():
        assert not re.search(r"\b(je|jij|jou|jouw|u|uw)\b", behaviour.definition_other.nl, re.IGNORECASE)


@pytest.mark.parametrize("remove, message", [
    (("routes", "staff_told"), r"routes -> staff_told: missing, needed for a \w+ writing about student"),
    (("routes", "bystander"), r"routes -> bystander: missing, needed for a \w+ writing about friend"),
    (("confidentiality", "audiences", "ouder"),
     r"confidentiality -> audiences -> ouder: missing, needed for a \w+ writing about"),
    (("behaviours", "pesten", "definition_other"), r"behaviours -> pesten -> definition_other: field required"),
    (("treat_as", "promovendus"), r"roles \['promovendus'\] are neither under roles nor under treat_as"),
])
def test_a_profile_missing_a_text_for_someone_fails_with_a_clear_message(tmp_path, remove, message):
    data = yaml.safe_load((PROFILE_DIR / "rocmn.yml").read_text())
    node = data
    for key in remove[:-1]:
        node = node[key]
    del node[remove[-1]]
    with pytest.raises(ProfileError, match=message):
        load_profile(write_profile(tmp_path, data))


def test_rocmn_is_the_default(monkeypatch):
    monkeypatch.delenv("CONTACTPUNT_PROFILE", raising=False)
    active_profile.cache_clear()
    assert active_profile().id == "rocmn"
    monkeypatch.setenv("CONTACTPUNT_PROFILE", "wur")
    active_profile.cache_clear()
    assert active_profile().id == "wur"
    active_profile.cache_clear()


ROCMN_FACTS = {
    "student complaint: acknowledgement within 10 school days": ("student", "complaint", "10 schooldagen"),
    "student complaint: admissibility within 20 school days": ("student", "complaint", "20 schooldagen"),
    "student complaint: report within 10 weeks": ("student", "complaint", "10 weken"),
    "student complaint: within a year": ("student", "complaint", "jaar"),
    "student complaint: LKC": ("student", "complaint", "LKC"),
    "staff complaint goes to the CvB": ("medewerker", "complaint", "College van Bestuur"),
    "staff: ombudsvrouw": ("medewerker", "contacts", "ombudsvrouw"),
    "staff: external vertrouwenspersoon": ("medewerker", "contacts", "externe vertrouwenspersoon"),
    "internship: bpv-docent": ("stagiair", "contacts", "bpv-docent"),
    "students: COG": ("student", "contacts", "COG"),
    "informal: COG does not mediate": ("student", "informal", "bemiddel"),
}


@pytest.mark.parametrize("fact", sorted(ROCMN_FACTS))
def test_rocmn_route_texts_hold_policy_facts(fact):
    role, field, phrase = ROCMN_FACTS[fact]
    text = getattr(load_profile("rocmn").routes[role], field).nl
    assert phrase.lower() in text.lower(), f"{fact}: '{phrase}' not in routes.{role}.{field}"


def test_rocmn_confidentiality_names_the_exceptions():
    confidentiality = load_profile("rocmn").confidentiality
    general = confidentiality.general.nl.lower()
    for phrase in ("verschoningsrecht", "rechter", "minderjarig"):
        assert phrase in general
    assert "ouder" in confidentiality.minors.nl.lower()
    assert "anoniem" in confidentiality.chat.nl.lower()


def test_rocmn_first_conversation_within_five_working_days():
    text = load_profile("rocmn").first_conversation.nl.lower()
    assert "vijf werkdagen" in text or "5 werkdagen" in text


def test_rocmn_radicalisation_involves_the_werkgroep():
    note = load_profile("rocmn").behaviours["radicalisering"].note
    assert note is not None and "werkgroep radicalisering" in note.nl.lower()


@pytest.mark.parametrize("name", ["rocmn", "wur"])
def test_profiles_never_promise_absolute_confidentiality(name):
    text = all_text(yaml.safe_load((PROFILE_DIR / f"{name}.yml").read_text())).lower()
    for promise in ("altijd geheim", "100% vertrouwelijk", "blijft altijd tussen", "always secret", "completely confidential"):
        assert promise not in text


def write_profile(tmp_path, data) -> str:
    path = tmp_path / "school.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return str(path)


def test_missing_text_is_reported_with_its_place(tmp_path):
    data = yaml.safe_load((PROFILE_DIR / "rocmn.yml").read_text())
    del data["routes"]["student"]["complaint"]["en"]
    with pytest.raises(ProfileError, match=r"routes -> student -> complaint -> en: field required"):
        load_profile(write_profile(tmp_path, data))


def test_missing_behaviour_type_is_reported(tmp_path):
    data = yaml.safe_load((PROFILE_DIR / "rocmn.yml").read_text())
    del data["behaviours"]["stalking"]
    with pytest.raises(ProfileError, match="missing: \\['stalking'\\]"):
        load_profile(write_profile(tmp_path, data))


def test_unknown_role_is_reported(tmp_path):
    data = yaml.safe_load((PROFILE_DIR / "rocmn.yml").read_text())
    data["routes"]["directeur"] = data["routes"]["student"]
    with pytest.raises(ProfileError, match="unknown route sets \\['directeur'\\]"):
        load_profile(write_profile(tmp_path, data))


def test_not_yaml_and_not_found_are_clear(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("id: [unclosed")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(str(broken))
    with pytest.raises(ProfileError, match="not found.*Available: rocmn, wur"):
        load_profile("nope")


def test_check_profile_command_reports_errors_without_a_traceback(tmp_path, capsys):
    from bot.cli import main

    data = yaml.safe_load((PROFILE_DIR / "wur.yml").read_text())
    data["quick_exit_url"] = "http://insecure.example"
    assert main(["check-profile", write_profile(tmp_path, data)]) == 2
    err = capsys.readouterr().err
    assert "quick_exit_url" in err and "Traceback" not in err
    assert main(["check-profile"]) == 0
