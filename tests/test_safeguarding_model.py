"""Rules and the learned safeguarding model together: either raises a flag, the middle band asks first."""

import pytest

from contactpunt.labels import MODEL_LABELS
from bot.nlu.safeguarding_signals import SafeguardingSignals
from bot.safeguarding.detector import ModelThresholds, analyse
from bot.safeguarding.flags import ConversationFlags, combine

THRESHOLDS = ModelThresholds(act={label: 0.6 for label in MODEL_LABELS}, ask={label: 0.3 for label in MODEL_LABELS})


def flags(text, **scores):
    signals = analyse(text, scores=scores, thresholds=THRESHOLDS)
    return combine(ConversationFlags(), signals), signals


def test_the_model_raises_what_the_rules_miss_and_says_so():
    result, _ = flags("niemand zou het merken als ik er morgen niet meer ben", suicidal=0.9)
    assert result.acute and "acute:suicidal:model" in result.reasons
    result, _ = flags("ze wachten met een groep bij de fietsenstalling", danger_now=0.8)
    assert result.acute and "acute:danger_now:model" in result.reasons


def test_a_rule_hit_needs_no_model():
    result, _ = flags("ik wil zelfmoord plegen", suicidal=0.0)
    assert result.acute and "acute:suicidal:zelfdoding" in result.reasons


def test_without_scores_only_the_rules_speak():
    result, signals = flags("niemand zou het merken als ik er morgen niet meer ben")
    assert not result.acute and signals.check is None


def test_the_middle_band_asks_instead_of_raising():
    result, signals = flags("niemand zou het merken als ik er morgen niet meer ben", suicidal=0.4)
    assert not result.acute and signals.check == "suicidal"
    _, signals = flags("ze wachten met een groep bij de fietsenstalling", danger_now=0.35)
    assert signals.check == "danger"
    _, signals = flags("ze wachten met een groep bij de fietsenstalling", danger_now=0.29)
    assert signals.check is None


def test_suicidal_is_asked_before_danger():
    _, signals = flags("ik weet het niet meer", suicidal=0.4, danger_now=0.4)
    assert signals.check == "suicidal"


def test_a_joke_marker_turns_a_sure_model_into_a_question_not_into_silence():
    result, signals = flags("ik wil gewoon niet meer wakker worden haha", suicidal=0.95)
    assert not result.acute and signals.check == "suicidal"


def test_a_what_if_question_is_no_report_but_danger_is_still_asked():
    result, signals = flags("wat als ik er gewoon niet meer ben", suicidal=0.9)
    assert not result.acute and signals.check == "suicidal"
    result, signals = flags("wat als een docent een leerling van 15 zoent", sexual=0.9, actor_staff=0.9)
    assert not result.meldplicht and signals.check is None


def test_meldplicht_from_the_model_actor_and_the_age_rule():
    result, _ = flags("ik ben 16 en die man van de mediatheek geeft me steeds cadeautjes",
                      sexual=0.9, actor_staff=0.9)
    assert result.meldplicht and "staff:model" in result.reasons and "minor:age_under_18" in result.reasons


def test_unsure_who_does_it_asks_whether_they_work_at_school():
    result, signals = flags("ik ben 16 en hij geeft me steeds cadeautjes en wil me na de training spreken",
                            sexual=0.9, actor_staff=0.4)
    assert not result.meldplicht and signals.check == "staff"
    _, adult = flags("ik ben 22 en hij geeft me steeds cadeautjes en wil me na de training spreken", sexual=0.9, actor_staff=0.4)
    assert adult.check is None  # an adult: no meldplicht to ask about


def test_the_model_can_say_the_one_doing_it_is_not_staff():
    result, _ = flags("iemand stuurt me steeds berichtjes", actor_stranger=0.9)
    assert result.staff_perpetrator is False and "not_staff:model:actor_stranger" in result.reasons


def test_home_and_exploitation_from_the_model_raise_meldcode_or_ask():
    result, _ = flags("ik moet elke dag voor mijn broertjes zorgen en er is geen geld voor eten", home_violence=0.8)
    assert result.meldcode and "abuse:model" in result.reasons
    _, signals = flags("ik mag vaak niet mee eten", home_violence=0.4)
    assert signals.check == "home"
    _, signals = flags("mijn vriendin heeft opeens een nieuwe telefoon van een oudere jongen", exploitation=0.4)
    assert signals.check == "exploitation"


def test_reasons_hold_rule_and_label_names_never_text():
    canary = "kanarie-7d1e"
    result, _ = flags(f"{canary} zegt dat hij me vanavond opwacht", danger_now=0.9, actor_stranger=0.9)
    assert all(canary not in reason for reason in result.reasons)


def test_thresholds_come_from_config_with_clear_errors():
    thresholds = SafeguardingSignals.thresholds({"act": {"suicidal": 0.4}, "ask": {"suicidal": 0.1}})
    assert thresholds.act["suicidal"] == 0.4 and thresholds.ask["suicidal"] == 0.1
    with pytest.raises(ValueError, match="unknown labels"):
        SafeguardingSignals.thresholds({"act": {"suicide": 0.4}})
    with pytest.raises(ValueError, match="ask <= act"):
        SafeguardingSignals.thresholds({"act": {"suicidal": 0.2}, "ask": {"suicidal": 0.5}})
    assert SafeguardingSignals.thresholds({"staff_gate": {"rule": 0.1}}).staff_gate == {"rule": 0.1, "model": 0.0}
    with pytest.raises(ValueError, match="staff_gate"):
        SafeguardingSignals.thresholds({"staff_gate": {"rule": 1.5}})
    with pytest.raises(ValueError, match="staff_gate"):
        SafeguardingSignals.thresholds({"staff_gate": {"teacher": 0.1}})
    assert SafeguardingSignals.thresholds({"rule_gate": {"exploitation": 0.1}}).rule_gate == {
        "sexual": 0.0, "home_violence": 0.0, "exploitation": 0.1}
    with pytest.raises(ValueError, match="rule_gate"):
        SafeguardingSignals.thresholds({"rule_gate": {"danger_now": 0.1}})
    with pytest.raises(ValueError, match="rule_gate"):
        SafeguardingSignals.thresholds({"rule_gate": {"sexual": -0.1}})


def test_a_denial_in_so_many_words_turns_a_sure_model_into_a_question():
    result, signals = flags("ik denk niet aan zelfmoord hoor, ik wil gewoon dat het pesten stopt", suicidal=0.9)
    assert not result.acute and signals.check == "suicidal"


def test_a_denial_inside_the_phrase_counts():
    result, signals = flags("ik ben zo moe, maar ik ga mezelf niks aandoen hoor")
    assert not result.acute and "acute_ignored:negation" in signals.reasons


def test_something_over_and_done_asks_about_now_instead_of_raising():
    result, signals = flags("twee jaar geleden had ik zelfmoordgedachten, inmiddels gaat het goed")
    assert not result.acute and signals.check == "suicidal"
    result, signals = flags("vorig jaar wilde ik zelfmoord plegen en vanavond wil ik het weer")
    assert result.acute


def test_asking_whether_to_report_it_is_still_a_report():
    result, signals = flags("mijn docent zit steeds aan mijn been, ik ben 16. moet ik dit melden?")
    assert not signals.hypothetical and result.meldplicht
