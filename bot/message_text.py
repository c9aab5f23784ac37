"""What a channel passes on of a typed message (no lone surrogates, control characters or console-only intents), and whether it holds words."""

import re
import unicodedata

#: Links and e-mail addresses carry no report by themselves: a message of only these cannot be understood.
_LINK = re.compile(r"(?:https?://|www\.)\S*|\S+@\S+\.\S+", re.IGNORECASE)
_KEPT_CONTROLS = "\n\t"
#: Intents only the adviser console may trigger (through Rasa's API, with a token). Typed as "/EXTERNAL_…" by a
#: reporter, Rasa would take the text for the intent: an adviser joining, speaking or leaving that never did.
_CONSOLE_ONLY = re.compile(r"\s*/(?=external_)", re.IGNORECASE)


def clean(text: str) -> str:
    """The text without what nobody types and later steps cannot store or encode (lone UTF-16 surrogates from a
    JSON escape such as \\ud800, control characters other than newline and tab), and with the slash taken off a
    console-only intent, so that it stays words."""
    text = "".join(char for char in text if char in _KEPT_CONTROLS or unicodedata.category(char) not in ("Cs", "Cc"))
    return _CONSOLE_ONLY.sub("", text, count=1) if _CONSOLE_ONLY.match(text) else text


def has_words(text: object) -> bool:
    """True when the text has a letter or digit outside links (any script: Dutch, Arabic, Chinese, ...)."""
    if not isinstance(text, str):
        return False
    return any(unicodedata.category(char)[0] in "LN" for char in _LINK.sub(" ", text))
