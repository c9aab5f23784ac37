"""The channels' own words (help, errors, widget labels) in Dutch and English, read from a YAML file beside each channel."""

import functools
from pathlib import Path
from typing import Dict

import yaml


@functools.lru_cache(maxsize=None)
def ui_texts(path: Path) -> Dict[str, Dict[str, str]]:
    """{"nl": {name: text}, "en": {name: text}} from `path` (read once)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def language_of(tag: str) -> str:
    """English for a language tag that starts with "en" (en, en-GB), Dutch for every other."""
    return "en" if (tag or "").lower().startswith("en") else "nl"
