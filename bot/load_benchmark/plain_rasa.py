"""Builds the baseline: Rasa's own template assistant (`rasa init`) plus one custom action, trained, with socket.io on."""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import yaml

PLAIN_DIR = Path("results/bench/plain-rasa")

ACTIONS = '''"""The baseline's one custom action: a greeting from the action server."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionHelloWorld(Action):
    def name(self) -> Text:
        return "action_hello_world"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text="Hello World!")
        return []
'''

#: Rasa 3.6's own socket.io channel. Without session persistence: its handler does not await `enter_room`,
#: so with persistence on, replies to a session's room would be lost.
CREDENTIALS = {"socketio": {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                            "session_persistence": False}}


class PlainRasaError(RuntimeError):
    """`rasa init` or `rasa train` failed (the message says which and where its log is)."""


def rasa_command() -> str:
    return str(Path(sys.executable).parent / "rasa")


def _run(command: list, cwd: Path, log: Path, what: str) -> None:
    with open(log, "ab") as out:
        done = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise PlainRasaError(f"{what} failed (exit {done.returncode}); see {log}")


def add_custom_action(project: Path) -> None:
    """`action_hello_world` runs on the action server after every greeting, before Rasa's own greeting."""
    (project / "actions" / "actions.py").write_text(ACTIONS, encoding="utf-8")
    domain_path = project / "domain.yml"
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    domain["actions"] = ["action_hello_world"]
    domain_path.write_text(yaml.safe_dump(domain, sort_keys=False, allow_unicode=True), encoding="utf-8")
    stories_path = project / "data" / "stories.yml"
    stories = yaml.safe_load(stories_path.read_text(encoding="utf-8"))
    for story in stories["stories"]:
        steps = story["steps"]
        for index, step in enumerate(list(steps)):
            if step.get("intent") == "greet" and {"action": "action_hello_world"} not in steps:
                steps.insert(index + 1, {"action": "action_hello_world"})
                break
    stories_path.write_text(yaml.safe_dump(stories, sort_keys=False, allow_unicode=True), encoding="utf-8")
    (project / "credentials.yml").write_text(yaml.safe_dump(CREDENTIALS), encoding="utf-8")
    endpoints = {"action_endpoint": {"url": "http://127.0.0.1:5055/webhook"}}  # the port is set at start
    (project / "endpoints.yml").write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    (project / ".custom-action").write_text("action_hello_world\n", encoding="utf-8")


def trained_model(project: Path) -> Path:
    models = sorted((project / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None


def ensure_plain_rasa(project: Path = PLAIN_DIR, say: Callable[[str], None] = print) -> Path:
    """The baseline project with a trained model that includes the custom action; reused when already there.
    Returns the model archive."""
    marker = project / ".custom-action"
    if marker.exists() and trained_model(project):
        return trained_model(project)
    project.parent.mkdir(parents=True, exist_ok=True)
    log = project.parent / "plain-rasa-build.log"
    if not (project / "domain.yml").exists():
        if project.exists():
            shutil.rmtree(project)
        project.mkdir(parents=True)  # `rasa init` wants the directory to exist
        say("plain Rasa: `rasa init --no-prompt` (the template project; trains it once) ...")
        _run([rasa_command(), "init", "--no-prompt", "--init-dir", str(project)], Path.cwd(), log, "rasa init")
    add_custom_action(project)
    for old in (project / "models").glob("*.tar.gz"):
        old.unlink()
    say("plain Rasa: `rasa train` with the custom action ...")
    _run([rasa_command(), "train", "--quiet"], project, log, "rasa train")
    model = trained_model(project)
    if not model:
        raise PlainRasaError(f"rasa train wrote no model; see {log}")
    return model


if __name__ == "__main__":
    print(ensure_plain_rasa())
