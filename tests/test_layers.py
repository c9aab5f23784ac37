"""Arrows one way: what ships (actions/, bot/, handoff/) never imports the tests' helpers."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_nothing_that_ships_imports_the_tests():
    shipped = [path for package in ("actions", "bot", "handoff") for path in (ROOT / package).rglob("*.py")]
    assert len(shipped) > 50
    offending = {str(path.relative_to(ROOT)): name for path in shipped for name in imported_modules(path)
                 if name == "tests" or name.startswith("tests.")}
    assert offending == {}
