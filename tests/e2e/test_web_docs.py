"""docs/WEB.md shows every screenshot that tests/e2e/screenshots.py makes, and no other."""

from __future__ import annotations

import re
from pathlib import Path

from screenshots import MAX_BYTES

DOCS = Path(__file__).resolve().parents[2] / "docs"
PNG = b"\x89PNG\r\n\x1a\n"


def test_web_page_shows_the_screenshots() -> None:
    shown = set(re.findall(r"screenshots/[\w.-]+\.png", (DOCS / "WEB.md").read_text()))
    on_disk = {f"screenshots/{p.name}" for p in (DOCS / "screenshots").glob("*.png")}
    assert shown == on_disk, f"missing: {shown - on_disk}, not shown: {on_disk - shown}"
    for name in on_disk:
        data = (DOCS / name).read_bytes()
        assert data.startswith(PNG) and len(data) <= MAX_BYTES, name
