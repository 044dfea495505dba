"""Every rule in code is in docs/TRADE.md with its clause and source, and vice versa."""

from __future__ import annotations

import re
from pathlib import Path

from fangdu.trade.rules import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "TRADE.md"
ROW = re.compile(r"^\| `([A-Z0-9-]+)` \| (\w+) \| (.+?) \| (.+?) \| (.+?) \|$")


def _documented() -> dict[str, tuple[str, str, str]]:
    out = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            assert m[1] not in out, f"{m[1]} documented twice"
            out[m[1]] = (m[2], m[4], m[5])
    return out


def test_every_rule_is_documented_and_every_documented_rule_exists() -> None:
    documented = _documented()
    assert set(documented) == set(RULES)


def test_documented_severity_clause_and_source_match_the_code() -> None:
    for rule_id, (severity, clause, source) in _documented().items():
        r = RULES[rule_id]
        assert (severity, clause, source) == (r.severity, r.clause, r.source), rule_id


def test_every_rule_is_used_by_the_code() -> None:
    src = Path(__file__).resolve().parents[2] / "src" / "fangdu" / "trade"
    text = "".join(p.read_text(encoding="utf-8") for p in src.glob("*.py") if p.name != "rules.py")
    unused = [r for r in RULES if f'"{r}"' not in text]
    assert not unused, f"rules defined but never applied: {unused}"
