"""Classifies messages with the trained Rasa model into the DESIGN.md `classify` contract."""

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Union

from contactpunt.labels import type_label
from bot.safeguarding.flags import SIGNALS_KEY, ConversationFlags, MessageSignals, combine

MODEL_DIR = Path("models")
FALLBACK_INTENT = "nlu_fallback"

Result = Dict[str, Union[str, float, bool, None]]


class ModelNotFound(FileNotFoundError):
    """No trained model: the message tells the user how to make one."""


def latest_model(directory: Path = MODEL_DIR) -> Path:
    models = sorted(directory.glob("*.tar.gz"), key=os.path.getmtime)
    if not models:
        raise ModelNotFound(f"No trained model in {directory}/. Train one first: make train")
    return models[-1]


def quiet_rasa_logging() -> None:
    """Warnings and errors only, on stderr (stdout carries the JSON lines).

    Outside `rasa run`, Rasa's structlog is unconfigured and prints its debug events, which
    include the message text (`parse_data_text`). That must never reach a log.
    """
    import structlog

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for name in ("rasa", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.WARNING)
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


class Classifier:
    """Loads a model once and classifies texts exactly as the live assistant's NLU does."""

    def __init__(self, model_path: Optional[Path] = None) -> None:
        quiet_rasa_logging()
        from bot import graph_runner
        from rasa.core.agent import Agent

        graph_runner.install()  # as in the live assistant (bot/rasa_main.py)

        self.model_path = model_path or latest_model()
        self._agent = Agent.load(str(self.model_path))
        self._loop = asyncio.new_event_loop()

    def parse(self, text: str) -> Dict:
        """Rasa's parse data for a text, as the live assistant gets it."""
        return self._loop.run_until_complete(self._agent.parse_message(text))

    def classify(self, text: str) -> Result:
        return to_result(self.parse(text))

    def classify_all(self, texts: Iterable[str]) -> Iterator[Result]:
        for text in texts:
            yield self.classify(text)


def to_result(parsed: Dict) -> Result:
    """Top intent other than the fallback marker -> label and confidence; flags as the live bot sets them.

    A message without words (empty, only emoji or a link) has no intent: `geen` with confidence 0.

    One line is a conversation of one message: the same combination rules as the assistant's slots.
    `check` names the check question the assistant would ask first (the model was unsure), or None.
    """
    ranking: List[Dict] = [i for i in parsed.get("intent_ranking") or [] if i["name"] != FALLBACK_INTENT]
    top = ranking[0] if ranking else {"name": "", "confidence": 0.0}
    result: Result = {"type": type_label(top["name"]), "confidence": round(float(top["confidence"]), 4)}
    signals = MessageSignals.from_dict(parsed.get(SIGNALS_KEY))
    result.update(combine(ConversationFlags(), signals).public())
    result["check"] = signals.check
    return result
