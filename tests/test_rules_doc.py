"""docs/rules.md names, for every rule of DESIGN.md, the one function that holds it and the tests that prove it.
This test fails when a name there does not exist, so the page cannot drift from the code."""

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
TABLE_ROWS = [line for line in DOC.splitlines() if line.startswith("| ") and not line.startswith("|---")]
FUNCTIONS = sorted(set(re.findall(r"`([a-z_][\w.]*:[A-Za-z_][\w.]*)`", DOC)))
TESTS = sorted(set(re.findall(r"`(tests/[\w/]+\.py::\w+)`", DOC)))


def test_the_page_names_functions_and_tests():
    assert len(FUNCTIONS) > 40
    assert len(TESTS) > 30
    # Every rule row names at least one function and one test (the header rows name neither).
    for row in TABLE_ROWS:
        if row.startswith(("| what |", "| rule |")):
            continue
        assert re.search(r"`[a-z_][\w.]*:[\w.]+`", row), f"no function named in: {row[:80]}"
        assert "tests/" in row, f"no test named in: {row[:80]}"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_named_function_exists(name):
    module_name, _, attribute = name.partition(":")
    found = importlib.import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)  # AttributeError names what is missing


@pytest.mark.parametrize("name", TESTS)
def test_every_named_test_exists(name):
    path, _, function = name.partition("::")
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert function in defined, f"{path} has no test {function}"
