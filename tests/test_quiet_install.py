"""A newcomer's install is complete and quiet: every library our code imports is declared in pyproject.toml,
the commands print no library warnings, and every NLU pipeline candidate is valid YAML."""

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
OURS = {"bot", "actions", "handoff", "contactpunt", "tests"}


# --- every third-party import is declared -------------------------------------------------------------

def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(*groups: str) -> Set[str]:
    """Distribution names in pyproject.toml's `dependencies` and the named optional groups (Python 3.10 has
    no tomllib, and this file's arrays are plain: one quoted requirement a line)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    names = set()
    for group in ("dependencies",) + groups:
        block = re.search(rf"^{re.escape(group)}\s*=\s*\[(.*?)^\]", text, re.MULTILINE | re.DOTALL)
        assert block, f"no `{group} = [...]` in pyproject.toml"
        for requirement in re.findall(r'^\s*"([^"]+)"', block.group(1), re.MULTILINE):
            names.add(_normalise(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)))
    return names


def _distributions_by_module() -> Dict[str, List[str]]:
    """importlib.metadata.packages_distributions(), completed from each distribution's file list: on
    Python 3.10 it reads only top_level.txt, which wheels built without setuptools (cryptography, scipy,
    Rasa...) do not have. Python 3.11+ infers the same way."""
    mapping: Dict[str, List[str]] = defaultdict(list, importlib.metadata.packages_distributions())
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        for file in dist.files or []:
            if file.suffix in (".py", ".so", ".pyd") and ".dist-info" not in file.parts[0] and file.parts[0] != "..":
                top = file.parts[0] if len(file.parts) > 1 else file.name.split(".")[0]
                if top.isidentifier() and name not in mapping[top]:
                    mapping[top].append(name)
    return mapping


def _third_party_imports(*directories: str) -> Dict[str, Set[str]]:
    """Top-level names of every import (at module level or inside a function) -> the files importing them."""
    found: Dict[str, Set[str]] = defaultdict(set)
    for directory in directories:
        for path in sorted((ROOT / directory).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in OURS and top != "__future__":
                        found[top].add(str(path.relative_to(ROOT)))
    return found


def _undeclared(imports: Dict[str, Set[str]], declared: Set[str]) -> List[str]:
    by_module = _distributions_by_module()
    problems = []
    for module, files in sorted(imports.items()):
        distributions = by_module.get(module)
        if not distributions:
            problems.append(f"{module} (imported by {', '.join(sorted(files))}) is not installed")
        elif not declared & {_normalise(d) for d in distributions}:
            problems.append(f"{module} (distribution {' or '.join(sorted(set(distributions)))}; imported by "
                            f"{', '.join(sorted(files))}) is not declared in pyproject.toml")
    return problems


def test_the_checks_own_mapping_knows_libraries_without_top_level_txt():
    by_module = _distributions_by_module()
    assert "cryptography" in by_module["cryptography"]
    assert "rasa" in by_module["rasa"]


def test_every_library_our_code_imports_is_a_declared_dependency():
    imports = _third_party_imports("bot", "actions", "handoff", "contactpunt")
    assert {"rasa", "cryptography", "yaml"} <= set(imports)  # the walk does find them
    assert _undeclared(imports, _declared()) == []


def test_every_library_the_tests_import_is_declared_with_the_test_extra():
    assert _undeclared(_third_party_imports("tests"), _declared("test")) == []


def test_the_installed_packages_fit_each_other():
    done = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


# --- the commands are quiet ------------------------------------------------------------------------------

def _contactpunt() -> List[str]:
    script = Path(sys.executable).parent / "contactpunt"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def _newcomer_environment(data_dir: Path) -> Dict[str, str]:
    """A shell without the Makefile's exports: the command itself must keep the libraries quiet."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHONWARNINGS", "TF_CPP_MIN_LOG_LEVEL", "SQLALCHEMY_SILENCE_UBER_WARNING")}
    env["CONTACTPUNT_DATA_DIR"] = str(data_dir)
    return env


@pytest.mark.parametrize("arguments", [["--help"], ["check-profile"], ["adviser", "list"]],
                         ids=lambda arguments: " ".join(arguments))
def test_a_command_prints_nothing_on_stderr(arguments, tmp_path):
    done = subprocess.run(_contactpunt() + arguments, cwd=ROOT, env=_newcomer_environment(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.stderr == ""
    assert done.returncode == 0
    assert done.stdout


OURS_AND_A_LIBRARYS = """
import warnings
from pathlib import Path

import bot.cli  # the command's start: installs the filters, then imports Rasa and the rest
import sanic

def warn_from(module, directory, category):
    source = f"import warnings\\nwarnings.warn('{category.__name__} from {module}', {category.__name__})\\n"
    exec(compile(source, str(Path(directory) / "somewhere.py"), "exec"), {"__name__": module})

bot_dir, sanic_dir = Path(bot.cli.__file__).parent, Path(sanic.__file__).parent
warn_from("bot.somewhere", bot_dir, DeprecationWarning)
warn_from("handoff.somewhere", bot_dir.parent / "handoff", UserWarning)
warn_from("sanic.somewhere", sanic_dir, DeprecationWarning)
warn_from("sanic.somewhere", sanic_dir, FutureWarning)
warn_from("sanic.somewhere", sanic_dir, RuntimeWarning)
"""


def test_our_own_warnings_still_show_and_the_libraries_do_not(tmp_path):
    done = subprocess.run([sys.executable, "-c", OURS_AND_A_LIBRARYS], cwd=ROOT,
                          env=_newcomer_environment(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "DeprecationWarning: DeprecationWarning from bot.somewhere" in done.stderr
    assert "UserWarning: UserWarning from handoff.somewhere" in done.stderr
    assert "DeprecationWarning from sanic" not in done.stderr
    assert "FutureWarning from sanic" not in done.stderr
    assert "RuntimeWarning: RuntimeWarning from sanic.somewhere" in done.stderr  # only the listed kinds hidden


def test_asking_for_warnings_shows_the_libraries_too(tmp_path):
    env = _newcomer_environment(tmp_path)
    env["PYTHONWARNINGS"] = "default"
    done = subprocess.run([sys.executable, "-c", OURS_AND_A_LIBRARYS], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "DeprecationWarning: DeprecationWarning from sanic.somewhere" in done.stderr


# --- the pipeline candidates load ------------------------------------------------------------------------

class UniqueKeyLoader(yaml.SafeLoader):
    """yaml.safe_load, except that a key given twice in one mapping is an error (Rasa's reader refuses it)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def test_the_loader_refuses_a_duplicate_key():
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key 'assistant_id'"):
        yaml.load("assistant_id: a\npipeline: []\nassistant_id: b\n", Loader=UniqueKeyLoader)


@pytest.mark.parametrize("path", sorted((ROOT / "eval" / "pipelines").glob("*.yml")), ids=lambda path: path.stem)
def test_a_pipeline_candidate_is_yaml_without_duplicate_keys(path):
    config = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
    assert isinstance(config, dict)
    assert config["pipeline"], "no pipeline"
    assert config.get("assistant_id") == f"candidate-{path.stem}", "a fixed assistant_id keeps Rasa from rewriting it"


@pytest.mark.parametrize("path", sorted((ROOT / "eval" / "pipelines").glob("*.yml")), ids=lambda path: path.stem)
def test_rasa_gets_past_loading_a_pipeline_candidate(path, tmp_path):
    """What `rasa train nlu` does before it trains (`make compare-pipelines`, one candidate after another):
    read and check the config, build the training graph and validate its components and their settings.
    On a copy, which must come out unchanged: Rasa writes missing keys into a config it reads."""
    import rasa.cli.utils
    import rasa.engine.validation
    from rasa.engine.recipes.recipe import Recipe
    from rasa.shared.constants import CONFIG_MANDATORY_KEYS_NLU
    from rasa.shared.data import TrainingType
    from rasa.shared.importers.importer import TrainingDataImporter

    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    config_file = rasa.cli.utils.get_validated_config(str(copy), CONFIG_MANDATORY_KEYS_NLU)
    importer = TrainingDataImporter.load_nlu_importer_from_config(
        config_file, None, training_data_paths=[str(ROOT / "data" / "nlu")])
    config = importer.get_config()
    recipe = Recipe.recipe_for_name(config.get("recipe"))
    config, _, _ = recipe.auto_configure(importer.get_config_file_for_auto_config(), config, TrainingType.NLU)
    graph = recipe.graph_config_for_recipe(config, {}, training_type=TrainingType.NLU, is_finetuning=False)
    rasa.engine.validation.validate(graph)
    assert copy.read_bytes() == path.read_bytes()
