"""Checks the action server's answers against Rasa's response schema with a validator built once (Rasa 3.6 builds it, and checks the schema itself, on every call)."""

from functools import lru_cache
from typing import Any, Dict, Text

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def response_validator() -> Any:
    """Rasa's own schema (`RemoteAction.action_response_format_spec`), checked once and compiled once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Same answer and same error as Rasa's `_validate_action_result` (`jsonschema.validate` reports the
    best match of all errors), without rebuilding the validator."""
    error = jsonschema.exceptions.best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the Action "
        f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Used by the Rasa server process (bot/rasa_main.py) before the model loads."""
    RemoteAction._validate_action_result = validate_action_result
