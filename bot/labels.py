"""The label vocabulary of DESIGN.md: behaviour types, the `geen` label, reporter roles, languages."""

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

ROLES = ("student", "ouder", "medewerker", "stagiair", "oud_student")

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


def type_label(intent_name: str) -> str:
    """Map an NLU intent to one of the nine classification labels."""
    return intent_name if intent_name in BEHAVIOUR_TYPES else NO_BEHAVIOUR
