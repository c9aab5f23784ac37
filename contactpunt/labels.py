"""The label vocabulary of DESIGN.md: behaviour types, `geen`, roles, languages, safeguarding signals and flags."""

BEHAVIOUR_TYPES = (
    "seksuele_intimidatie",
    "agressie_geweld",
    "pesten",
    "discriminatie",
    "stalking",
    "mensenhandel",
    "radicalisering",
    "integriteit",
)

#: Label for every message that is not a report of unwanted behaviour.
NO_BEHAVIOUR = "geen"

#: All nine classification labels, in the order used for reports.
TYPE_LABELS = BEHAVIOUR_TYPES + (NO_BEHAVIOUR,)

ROLES = ("student", "ouder", "medewerker", "stagiair", "oud_student", "promovendus")

#: Whom it happened to, as the reporter says it: themselves, their child, a student who told them
#: (the reporter works there), a friend or fellow student, a colleague.
PERSONS = ("self", "child", "student", "friend", "colleague")

#: The texts written for someone who writes about another person (bot/audience.py chooses).
OTHER_AUDIENCES = ("staff_told", "bystander")

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


def type_label(intent_name: str) -> str:
    """Map an NLU intent to one of the nine classification labels."""
    return intent_name if intent_name in BEHAVIOUR_TYPES else NO_BEHAVIOUR

#: What the learned safeguarding model scores (bot/nlu/safeguarding_model.py), as training data names them:
#: the signals the flags are made of, and who does it (`metadata: {signals: [...], actor: ...}`).
SAFEGUARDING_SIGNALS = ("danger_now", "suicidal", "sexual", "home_violence", "exploitation")
SAFEGUARDING_ACTORS = ("staff", "peer", "company", "family", "stranger")
MODEL_LABELS = SAFEGUARDING_SIGNALS + tuple(f"actor_{actor}" for actor in SAFEGUARDING_ACTORS)

#: The five safeguarding flags of a conversation (DESIGN.md), as the handoff queue stores them.
FLAG_NAMES = ("minor", "staff_perpetrator", "meldplicht", "meldcode", "acute")
