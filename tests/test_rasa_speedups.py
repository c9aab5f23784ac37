"""The per-message costs removed from Rasa 3.6 change nothing it answers: same validation errors, same parses, same predictions."""

import asyncio

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import action_result_schema
from bot.graph_runner import SequentialGraphRunner

VALID = {"events": [{"event": "slot", "name": "language", "value": "en"}], "responses": [{"text": "hoi"}]}
INVALID = [
    {"events": [{"event": "no_such_event"}]},
    {"events": {"event": "slot"}},
    {"responses": ["not an object"]},
]


def rasa_own_error(result):
    with pytest.raises(jsonschema.ValidationError) as raised:
        RemoteAction("action_x", None)._validate_action_result(result)
    return raised.value


def test_a_valid_answer_passes():
    assert action_result_schema.validate_action_result(RemoteAction("action_x", None), VALID) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_answer_fails_as_rasa_would_have_failed_it(result, monkeypatch):
    expected = rasa_own_error(result)  # Rasa's own method, not yet replaced
    monkeypatch.setattr(RemoteAction, "_validate_action_result", action_result_schema.validate_action_result)
    with pytest.raises(jsonschema.ValidationError) as raised:
        RemoteAction("action_x", None)._validate_action_result(result)
    assert raised.value.message == expected.message and list(raised.value.path) == list(expected.path)


def test_the_schema_is_checked_and_compiled_once(monkeypatch):
    checks = []
    original = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec()).check_schema
    monkeypatch.setattr(jsonschema.Draft202012Validator, "check_schema", lambda schema: checks.append(1) or original(schema))
    monkeypatch.setattr(jsonschema.Draft7Validator, "check_schema", lambda schema: checks.append(1) or original(schema))
    action_result_schema.response_validator.cache_clear()
    for _ in range(3):
        action_result_schema.validate_action_result(RemoteAction("action_x", None), VALID)
    assert len(checks) == 1


MESSAGES = [
    "mijn stagebegeleider stuurt me 's avonds berichtjes met hartjes, ik ben 16",
    "a guy from my class keeps calling me names about my headscarf",
    "ja",
    "/inform_role{\"role\": \"ouder\"}",
    "",
]


@pytest.fixture(scope="module")
def agent(trained_model):
    from bot.classifier import quiet_rasa_logging
    from rasa.core.agent import Agent
    import rasa.core.processor
    from rasa.engine.runner.dask import DaskGraphRunner

    quiet_rasa_logging()
    original = rasa.core.processor.DaskGraphRunner
    rasa.core.processor.DaskGraphRunner = DaskGraphRunner  # Rasa's own runner, whatever else installed ours
    try:
        loaded = Agent.load(str(trained_model))
    finally:
        rasa.core.processor.DaskGraphRunner = original
    assert type(loaded.processor.graph_runner) is DaskGraphRunner
    return loaded


def sequential_twin(runner):
    """Ours over the very nodes Rasa's runner loaded (same components, same state)."""
    twin = SequentialGraphRunner.__new__(SequentialGraphRunner)
    twin.__dict__.update(runner.__dict__)
    return twin


def test_parses_and_next_actions_are_the_same_as_with_rasas_runner(agent):
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    loop = asyncio.new_event_loop()
    processor = agent.processor
    dask_runner, ours = processor.graph_runner, sequential_twin(processor.graph_runner)

    def both(call):
        results = []
        for runner in (dask_runner, ours):
            processor.graph_runner = runner
            results.append(call())
        processor.graph_runner = dask_runner
        return results

    for text in MESSAGES:
        rasa_parse, our_parse = both(lambda: loop.run_until_complete(processor.parse_message(UserMessage(text))))
        assert our_parse == rasa_parse
        tracker = DialogueStateTracker.from_events("speedups", [
            ActionExecuted("action_listen"), UserUttered(text, rasa_parse["intent"], rasa_parse["entities"],
                                                         rasa_parse)], slots=agent.domain.slots)
        rasa_next, our_next = both(lambda: processor._predict_next_with_tracker(tracker))
        assert (our_next.probabilities, our_next.policy_name, our_next.events) == (
            rasa_next.probabilities, rasa_next.policy_name, rasa_next.events)
    loop.close()


def test_a_missing_input_is_reported_as_rasa_reports_it(agent):
    from rasa.engine.exceptions import GraphRunError

    runner = sequential_twin(agent.processor.graph_runner)
    node = next(iter(runner._graph_schema.nodes))
    with pytest.raises(GraphRunError):
        runner.run(inputs={"__message__": node})
