"""`fangdu serve --demo`: a small, clearly labelled library and three accounts on first start.

Seeds only an empty registry with no accounts, so a second start (or a real installation)
gets nothing. The passwords are random, printed once and kept in ``<home>/demo-accounts.txt``
(mode 0600) for the newcomer who missed the console.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from fangdu.accounts import Accounts
from fangdu.registry.schemas import PriorArtSource
from fangdu.registry.services import Registry
from fangdu.synth import make_print

OWNER = "演示 Demo 工作室"
PRINTS = 12
PRIOR_ART = 2
PRINT_SIZE = 512
PRIOR_ART_SOURCE = "演示 Demo: 2025 autumn market photos"
PRIOR_ART_SEEN = dt.date(2025, 9, 1)
ACCOUNTS = (
    ("demo", "applicant", "演示申请人 Demo applicant", OWNER),
    ("reviewer", "reviewer", "演示审核员 Demo reviewer", None),
    ("admin", "admin", "演示管理员 Demo admin", None),
)
ACCOUNTS_FILE = "demo-accounts.txt"


def seed_demo(
    registry: Registry,
    accounts: Accounts,
    *,
    say: Callable[[str], None] = print,
    jobs: int = 1,
    size: int = PRINT_SIZE,
) -> bool:
    """Seed an empty installation; False (and nothing written) if it holds anything.

    One process by default: fourteen small prints take seconds, less than starting workers.
    """
    totals = registry.queries.totals()
    if totals.works or totals.prior_art or accounts.list():
        return False
    with tempfile.TemporaryDirectory(prefix="fangdu-demo-") as tmp:
        folder = Path(tmp)
        # Procedural prints: the same pixels on every machine, whatever art is installed.
        library = [_save(folder / f"演示花样 Demo {i + 1:02d}.png", i, size) for i in range(PRINTS)]
        seen = [
            _save(folder / f"演示市场照片 Demo market {i + 1}.png", 500 + i, size)
            for i in range(PRIOR_ART)
        ]
        registry.filing.import_files(library, owner=OWNER, owner_kind="company", jobs=jobs)
        registry.filing.import_files(
            seen, prior_art=PriorArtSource(PRIOR_ART_SOURCE, PRIOR_ART_SEEN), jobs=jobs
        )
    lines = []
    for username, role, display_name, party in ACCOUNTS:
        password = secrets.token_urlsafe(12)
        accounts.create(
            username, password, role, display_name=display_name, party=party, vouched_by="demo"
        )
        lines.append(f"{role:<10} {username:<9} {password}")
    path = registry.settings.resolved_home() / ACCOUNTS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Fangdu demo accounts (role, username, password)\n")
        handle.write("\n".join(lines) + "\n")
    say(f"demo: seeded {PRINTS} prints owned by {OWNER} and {PRIOR_ART} prior-art photos")
    say("demo accounts (shown once; also in " + str(path) + "):")
    for line in lines:
        say("  " + line)
    return True


def _save(path: Path, seed: int, size: int) -> Path:
    Image.fromarray(make_print(seed, size=size, real_art=False).rgb).save(path)
    return path
