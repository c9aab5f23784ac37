"""Safeguarding detection: each flag, the hard negatives, and that reasons never hold message text."""

from datetime import date

import pytest

from bot.safeguarding.ages import find_ages, minor_from_ages
from contactpunt.labels import MODEL_LABELS
from bot.safeguarding.detector import ModelThresholds, analyse
from bot.safeguarding.flags import ConversationFlags, MessageSignals, combine


def flags(text, intent=None, confidence=0.0):
    return combine(ConversationFlags(), analyse(text, intent, confidence))


@pytest.mark.parametrize("text, expected", [
    ("ik ben 16", True), ("16 jr", True), ("mijn dochter van 15", True), ("I'm 17 and scared", True),
    ("ik ben bijna 18", True), ("een meisje uit mijn klas (16)", True), ("ik ben 19", False),
    ("hij is 35 en ik ben 17", True), ("ik ben geen 16 meer", None), ("ik werk van 9 tot 5", None),
    ("ik heb 3 jaar stage gelopen", None), ("ik ben 25 en een student van 17 appt me", False),
    ("mijn zusje (15) zegt dat mama's vriend haar pijn doet. ik ben 18", True), ("my little brother (he's 15) has a black eye, i'm 20", True),
    (f"ik ben geboren in {date.today().year - 15}", True), (f"born in {date.today().year - 30}", False),
    ("ik word in maart 18", True), ("ik word pas in juni 18 hoor", True), ("turning 18 next month", True),
    ("ben 16, zit op mbo", True), ("we zijn 16 en 17", True), ("15j", True), ("ik ben zestien", True),
    ("ik word 19 volgende week", False),
    # ages as people write them about others and groups, and "under"
    ("ze is echt nog maar 16 ofzo", True), ("she's 14, he is a 30-year-old 'friend'", True),
    ("sommigen van ons zijn 16", True), ("we zijn allemaal 16/17", True), ("first years who are 17", True),
    ("two of my classmates (both 17)", True), ("de meiden uit de eerstejaars (15, 16)", True),
    ("a 16 y/o student", True), ("a girl who looks about 14, 15", True), ("hij is van de entree, denk 16", True),
    ("ze was toen 15 en is nu 19", True), ("i'm under 18", True), ("ik ben jonger dan 18", True),
    ("we zijn met 16 mensen", None), ("het is 16 graden in het lokaal", None), ("the exam is 15 march", None),
    ("there are 15 of us in the group", None), ("de les begint om 16.30", None),
    ("ben nog 17 tot de zomer", True), ("ik ben pas 18 in maart", True), ("I'm not 18 until June", True),
    ("ik werk van 9 tot 5", None),
    # the age when it happened decides, also for an adult writing now; ages with a label; "nog geen"
    ("toen ik 16 was had ik een 'relatie' met mijn mentor, nu ben ik 18", True),
    ("ik was 15 en zat op deze school. ik ben nu 21", True), ("when I was 14 a teacher touched me, I'm 25 now", True),
    ("ik was 20 toen het begon", False), ("ik was 3 uur te laat", None), ("I was 15 minutes late", None),
    ("ik (m, 17) krijg berichtjes van een docente", True), ("de ouders van Ruben (leeftijd: 15)", True),
    ("scholieren (16–17) op een zomerschool", True), ("ik ben nog geen 17", True), ("she's not even 16", True),
    ("hij was 15 keer te laat", None),
])
def test_ages_decide_minor(text, expected):
    assert minor_from_ages(find_ages(text)) is expected


@pytest.mark.parametrize("text", [
    "Ik zit in leerjaar 1 en mag volgend jaar pas stemmen. De docent zit aan me", "ik mag nog niet eens alcohol kopen",
    "I can't even vote yet", "ik ben nog niet oud genoeg voor een rijbewijs",
])
def test_not_old_enough_means_a_minor(text):
    assert analyse(text).minor is True


@pytest.mark.parametrize("text, expected", [
    ("ik zit in de 3e van de havo en mijn mentor appt me", True), ("ik zit in 3 havo", True),
    ("ik zit op de mavo", True), ("she is in secondary school", True),
    ("ik zit in het 3e jaar van het mbo", None),  # MBO years say nothing about age
])
def test_school_years_of_secondary_school_mean_a_minor(text, expected):
    assert analyse(text).minor is expected


def test_rule_gate_lets_the_model_overrule_a_rule_and_ask_instead():
    gated = ModelThresholds(rule_gate={"sexual": 0.0, "home_violence": 0.0, "exploitation": 0.2})
    low = {label: 0.0 for label in MODEL_LABELS}
    text = "ik ben 15 en moet van mijn vriend met zijn vrienden naar bed"
    overruled = analyse(text, scores=low, thresholds=gated)
    assert not overruled.exploitation and overruled.check == "exploitation"
    assert any(reason.startswith("exploitation_unconfirmed:") for reason in overruled.reasons)
    confirmed = analyse(text, scores={**low, "exploitation": 0.25}, thresholds=gated)
    assert confirmed.exploitation and any(reason.startswith("exploitation:") for reason in confirmed.reasons)
    # rules alone (no model scores) are never gated
    assert analyse(text, thresholds=gated).exploitation


def test_staff_gate_asks_the_model_to_agree_outside_meldplicht():
    gated = ModelThresholds(staff_gate={"rule": 0.3, "model": 0.6})
    low = {label: 0.0 for label in MODEL_LABELS}
    topic = "de docent had het gisteren in de les over pesten"
    assert analyse(topic, scores=low, thresholds=gated).staff_perpetrator is None
    assert "staff_unconfirmed:docent" in analyse(topic, scores=low, thresholds=gated).reasons
    assert analyse(topic, scores={**low, "actor_staff": 0.35}, thresholds=gated).staff_perpetrator is True
    # sexual behaviour towards a minor: a staff member the rules find is never gated away
    meldplicht = analyse("ik ben 15 en de docent stuurt me naaktfoto's", scores=low, thresholds=gated)
    assert combine(ConversationFlags(), meldplicht).meldplicht
    # the model alone needs the `model` gate
    alone = "ze doet de hele tijd zo raar tegen me"
    assert analyse(alone, scores={**low, "actor_staff": 0.5}, thresholds=gated).staff_perpetrator is None
    assert analyse(alone, scores={**low, "actor_staff": 0.65}, thresholds=gated).staff_perpetrator is True
    # without model scores (rules alone) there is no gate
    assert analyse(topic, thresholds=gated).staff_perpetrator is True


def test_meldplicht_needs_minor_staff_and_sexual():
    assert flags("ik ben 15 en mijn mentor stuurt me naaktfoto's").meldplicht
    assert not flags("ik ben 19 en mijn mentor stuurt me naaktfoto's").meldplicht  # adult
    assert not flags("ik ben 15 en een klasgenoot stuurt me naaktfoto's").meldplicht  # fellow student
    assert not flags("ik ben 15 en mijn docent scheldt me uit").meldplicht  # not sexual
    assert not flags("ik ben 16 en de chef op mijn stage zit aan me").meldplicht  # internship company


def test_grooming_described_indirectly_counts():
    result = flags("ik ben 16 en mijn mentor appt me 's nachts dat ik er mooi uitzie en dat niemand het mag weten")
    assert result.meldplicht and "sexual:grooming" in result.reasons


def test_the_one_who_told_is_not_the_perpetrator():
    result = flags("ik ben docent en een meisje uit mijn klas (16) zegt dat de conciërge haar vroeg om naaktfoto's")
    assert result.meldplicht and result.reporter_is_staff


def test_the_classifier_can_supply_the_sexual_signal():
    text = "ik ben 16 en mijn docent doet heel raar tegen me als we alleen zijn"
    assert not flags(text).meldplicht
    assert flags(text, "seksuele_intimidatie", 0.6).meldplicht


@pytest.mark.parametrize("text", [
    "ik wil er niet meer zijn", "i want to kill myself", "hij staat nu voor de deur", "ik snij mezelf",
    "mijn vriendin zegt dat ze een einde aan haar leven wil maken", "he has a knife and is waiting outside",
    "ik heb een plan gemaakt om mezelf iets aan te doen", "ik heb weer in mijn armen gekrast", "iedereen is beter af zonder mij",
    "mijn zoon heeft een afscheidsvideo op zijn story gezet", "she wrote that she wishes she was dead",
    "ze zegt dat ze na dit gesprek van de parkeergarage springt", "ik wil niet meer wakker worden",
    "ik wil dood, niemand wil me hier",  # "niemand" after a trigger denies nothing
    # a joke denied is no joke, and its "geen" denies the joke, not the danger after it
    "dit is geen grapje, ik wil echt dood", "niet voor de grap hoor, ik wil er niet meer zijn",
    "ik dacht eerst dat het een grapje was, maar hij heeft een mes en wacht buiten",
    # a negation after a trigger that is said negatively repeats it
    "ik wil niet meer leven echt niet", "ik wil er niet meer zijn, nee echt niet", "I don't want to live, not anymore",
])
def test_acute(text):
    assert flags(text).acute


@pytest.mark.parametrize("text", [
    "ik ga dood van het lachen haha", "deze toets ik wil dood lol", "ik denk niet aan zelfmoord hoor",
    "stel dat iemand zegt dat hij zelfmoord wil plegen, wat moet ik dan doen?",
    "we hadden in de les een discussie over zelfmoord in een boek", "this homework is killing me lol",
    "ik heb een kras op mijn fiets", "hij viel vorig jaar van het dak tijdens de bouw", "ik spring van het dak haha grapje",
    "niemand wil zelfmoord plegen om een rooster", "ik snij mezelf niet hoor",
])
def test_not_acute(text):
    assert not flags(text).acute


@pytest.mark.parametrize("text, expected", [
    ("mijn vader slaat me als hij dronken is", True),
    ("mijn ouders willen dat ik deze zomer trouw met een neef", True),
    ("ik ben 16 en mijn vriend zegt dat ik met mannen moet afspreken om zijn schuld af te betalen", True),
    ("ik ben 30 en mijn man slaat me niet, maar hij schreeuwt wel", False),
    ("de docent had het over loverboys in de les", False),
    ("een jongen uit mijn klas sloeg me", False),
    ("ik ben 24 en mijn vriend slaat me als hij gedronken heeft", False),  # DESIGN.md: of a minor
    ("ik ben 16 en mijn vriend slaat me als hij gedronken heeft", True),  # a partner's violence is at home
    ("ik ben 16 en mijn stiefvader betast me als mama weg is", True),
    ("mijn vriendin (16) en haar vriend (17) hebben seks, moet ik dat melden?", False),  # a partner, not abuse
    ("mijn stiefvader sluit me op in mijn kamer, ik ben 15", True),
    ("ik ben 16 en heb mezelf opgesloten in de wc van school omdat een jongen voor de deur staat", False),
    ("I'm 17, my parents shout at each other a lot but nobody hits anyone", False),
    ("Mijn dochter van 16 kreeg een ketting van haar vriendje. Ik las jullie folder over loverboys en schrok", False),
    ("we hadden vandaag een les over loverboys, ik ben 16", False),
])
def test_meldcode(text, expected):
    assert flags(text).meldcode is expected


def test_hypothetical_questions_are_not_reports():
    result = flags("wat als een docent een leerling van 15 zoent, moet dat gemeld worden?")
    assert not result.meldplicht and result.minor is None and result.staff_perpetrator is None


def test_flags_build_up_over_the_conversation_and_true_stays_true():
    state = combine(ConversationFlags(), analyse("mijn mentor zit steeds aan me"))
    assert not state.meldplicht and state.staff_perpetrator and state.minor is None
    state = combine(state, analyse("ik ben trouwens 16"))
    assert state.meldplicht and "meldplicht:minor+staff+sexual" in state.reasons
    state = combine(state, analyse("ik ben 19"))  # a later adult age does not undo a minor
    assert state.minor is True


def test_reasons_name_rules_never_text():
    text = "ik ben 15 en mijn mentor (kanarie-91c) zit aan mijn billen"
    result = flags(text)
    assert result.reasons and all(":" in reason for reason in result.reasons)
    assert not any(word in " ".join(result.reasons) for word in ("kanarie", "billen", "mentor", "15"))


def test_signals_round_trip_through_the_tracker():
    signals = analyse("ik ben 15 en mijn vader slaat me")
    assert MessageSignals.from_dict(signals.as_dict()) == signals
    state = combine(ConversationFlags(), signals)
    assert ConversationFlags.from_dict(state.as_dict()) == state
