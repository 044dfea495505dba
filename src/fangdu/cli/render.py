"""How results look on a terminal (Rich) and on a pipe (one JSON object per line)."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from fangdu.registry.schemas import CheckResult, MatchInfo, PriorArtInfo, WorkInfo

VERDICT_STYLES = {"copy": "bold red", "similar": "yellow", "none": "green"}


def stdout_console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = 120  # logs and pipes: Rich's 80 columns would cut registration numbers
    return console


def stderr_console() -> Console:
    console = Console(stderr=True, highlight=False)
    if not console.is_terminal:
        console.width = 120
    return console


def print_json(data: dict[str, Any]) -> None:
    """One compact JSON object on its own stdout line: what scripts and benchmarks read."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def error_line(console: Console, message: str) -> None:
    """One line on stderr, never wrapped, never interpreted as markup."""
    console.print(f"error: {message}", style="red", markup=False, soft_wrap=True)


def _box(box: list[int] | None) -> str:
    return "-" if box is None else ",".join(str(v) for v in box)


def matches_table(matches: list[MatchInfo], title: str | None = None) -> Table:
    # User-supplied text goes in as Text so "[red]" in a file name is not taken as markup.
    table = Table(title=Text(title) if title else None, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("match", no_wrap=True)
    table.add_column("title", overflow="fold")
    table.add_column("kind")
    table.add_column("score", justify="right")
    table.add_column("verdict")
    table.add_column("query box")
    table.add_column("match box")
    for rank, m in enumerate(matches, 1):
        table.add_row(
            str(rank),
            Text(m.label),
            Text(m.title),
            m.kind.replace("_", " "),
            f"{m.score:.3f}",
            Text(m.verdict, style=VERDICT_STYLES.get(m.verdict, "")),
            _box(m.query_box),
            _box(m.match_box),
        )
    return table


def print_check(console: Console, result: CheckResult) -> None:
    if result.error is not None:
        console.print(Text(f"{result.query}: ", style="bold") + Text(result.error, style="red"))
        return
    if not result.matches:
        console.print(Text(result.query, style="bold"), "- the registry is empty")
        return
    console.print(matches_table(result.matches, title=result.query))


def print_work(console: Console, work: WorkInfo) -> None:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    rows = [
        ("work", f"W-{work.id}"),
        ("registration no", work.registration_no or "-"),
        ("title", work.title),
        ("status", work.status),
        ("owner", work.owner or "-"),
        ("designers", ", ".join(work.designers) or "-"),
        ("created", _date(work.created_on)),
        ("first published", _date(work.published_on)),
        ("category", work.category or "-"),
        ("colourways", ", ".join(work.colourways) or "-"),
        ("repeat", f"{work.repeat_mm[0]:g} x {work.repeat_mm[1]:g} mm" if work.repeat_mm else "-"),
        ("image", f"{work.image_format} {work.width}x{work.height}"),
        ("sha256", work.sha256),
        ("filed at", work.created_at.isoformat(timespec="seconds")),
        (
            "registered at",
            work.registered_at.isoformat(timespec="seconds") if work.registered_at else "-",
        ),
    ]
    for key, value in rows:
        table.add_row(key, Text(value))
    console.print(table)
    if work.review_matches:
        console.print(matches_table(list(work.review_matches), title="matches under review"))


def print_prior_art(console: Console, prior_art: PriorArtInfo) -> None:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in [
        ("prior art", prior_art.label),
        ("title", prior_art.title),
        ("source", prior_art.source or "-"),
        ("first seen", _date(prior_art.first_seen)),
        ("image", f"{prior_art.image_format} {prior_art.width}x{prior_art.height}"),
        ("sha256", prior_art.sha256),
        ("recorded at", prior_art.created_at.isoformat(timespec="seconds")),
    ]:
        table.add_row(key, Text(value))
    console.print(table)


def works_table(works: list[WorkInfo]) -> Table:
    table = Table()
    for column in ("id", "registration no", "title", "status", "owner", "created"):
        table.add_column(column, overflow="fold")
    for w in works:
        table.add_row(
            f"W-{w.id}",
            w.registration_no or "-",
            Text(w.title),
            w.status,
            Text(w.owner or "-"),
            _date(w.created_on),
        )
    return table


def prior_art_table(items: list[PriorArtInfo]) -> Table:
    table = Table()
    for column in ("id", "title", "source", "first seen"):
        table.add_column(column, overflow="fold")
    for p in items:
        table.add_row(p.label, Text(p.title), Text(p.source or "-"), _date(p.first_seen))
    return table


def _date(value) -> str:
    return value.isoformat() if value is not None else "-"
