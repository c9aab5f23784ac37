"""What a channel passes on of a typed message (no lone surrogates or control characters), and whether it holds words."""

import re
import unicodedata

#: Links and e-mail addresses carry no report by themselves: a message of only these cannot be understood.
_LINK = re.compile(r"(?:https?://|www\.)\S*|\S+@\S+\.\S+", re.IGNORECASE)
_KEPT_CONTROLS = "\n\t"


def clean(text: str) -> str:
    """The text without what nobody types and later steps cannot store or encode: lone UTF-16 surrogates
    (from a JSON escape such as \\ud800) and control characters other than newline and tab."""
    return "".join(char for char in text if char in _KEPT_CONTROLS or unicodedata.category(char) not in ("Cs", "Cc"))


def has_words(text: object) -> bool:
    """True when the text has a letter or digit outside links (any script: Dutch, Arabic, Chinese, ...)."""
    if not isinstance(text, str):
        return False
    return any(unicodedata.category(char)[0] in "LN" for char in _LINK.sub(" ", text))
