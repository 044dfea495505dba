"""The trade context is its own bounded context: it imports nothing of the registry's."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "fangdu"
FORBIDDEN = (
    "fangdu.registry",
    "fangdu.web",
    "fangdu.ledger",
    "fangdu.similarity",
    "fangdu.cli.render",
    "fangdu.cli.failures",
)


def test_trade_imports_no_other_context() -> None:
    files = [*sorted((SRC / "trade").glob("*.py")), SRC / "cli" / "trade.py"]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


def test_package_data_is_json() -> None:
    # pyproject ships **/*.json as package data; a CSV would be missing from a wheel.
    data = SRC / "trade" / "data"
    assert {p.suffix for p in data.iterdir()} == {".json"}
