"""House rules for routing/: pure decision logic — no Flask, no database, no clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import routing
from routing.text import normalize

ROUTING = Path(routing.__file__).resolve().parent
SOURCES = sorted(ROUTING.glob("*.py"))
FORBIDDEN_IMPORTS = ("flask", "sqlalchemy", "models", "hotline", "redis", "rq")
CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
}


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_routing_imports_no_web_framework_or_database(path):
    assert not _imports(ast.parse(path.read_text("utf-8"))) & set(FORBIDDEN_IMPORTS)


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_routing_never_reads_the_clock(path):
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name):
                assert (owner.id, node.func.attr) not in CLOCK_CALLS, f"{path.name}:{node.lineno}"


def test_public_api_is_exported():
    for name in routing.__all__:
        assert getattr(routing, name) is not None


def test_normalize__full_width_spaces_case_and_punctuation():
    assert normalize("北京市 朝阳区，望京ｓｏｈｏ Ｔ１") == "北京市朝阳区|望京SOHOT1"
    assert normalize(None) == "" and normalize("") == ""
