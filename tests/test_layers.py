"""Arrows one way: actions → bot → handoff → contactpunt (the shared vocabulary); nothing that ships imports the tests."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(package: str):
    """(file, top-level package) for every absolute import in a package of this checkout."""
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            yield from ((str(path.relative_to(ROOT)), name.split(".")[0]) for name in names)


@pytest.mark.parametrize("package, forbidden", [
    ("actions", {"tests"}),
    ("bot", {"tests", "actions"}),
    ("handoff", {"tests", "actions", "bot", "rasa", "rasa_sdk"}),
    ("contactpunt", {"tests", "actions", "bot", "handoff", "rasa", "rasa_sdk"}),
])
def test_imports_only_point_down(package, forbidden):
    imports = list(imported_packages(package))
    assert imports, package
    assert [(path, name) for path, name in imports if name in forbidden] == []
