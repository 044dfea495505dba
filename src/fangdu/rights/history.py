"""Who held what on a date: the one answer, from the database's holdings or from the log.

No database here: the rebuild from an exported log (``rebuild``) folds log entries into the
same ``Holding`` values the repository reads from its table, and ``standing`` selects what is
in force on a day from either, so the two can be compared field by field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

LICENSEES = ("exclusive_licensee", "non_exclusive_licensee")


@dataclass(frozen=True)
class Holding:
    role: str
    party: str  # the party's log hash
    record: int | None  # the record that created it; None: the title as registered
    share: int | None = None
    right: str | None = None
    territory: str | None = None
    applied_on: dt.date | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    status: str = "in_force"
    rank: int | None = None

    @property
    def key(self) -> tuple[int | None, str, str]:
        return (self.record, self.party, self.role)

    def held_on(self, day: dt.date) -> bool:
        return (
            self.starts_on is not None
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )

    def pending_on(self, day: dt.date) -> bool:
        """A pledge applied for and not (yet, on ``day``) registered at the national register."""
        return (
            self.applied_on is not None
            and self.applied_on <= day
            and (self.starts_on is None or day < self.starts_on)
            and (self.ends_on is None or day <= self.ends_on)
        )

    def as_json(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Standing:
    """The rights in a work on one day."""

    work_id: int
    on: dt.date
    owners: tuple[Holding, ...]
    licences: tuple[Holding, ...]
    pledges: tuple[Holding, ...]  # registered at the national register and in force
    pending_pledges: tuple[Holding, ...]  # applied for; not a pledge in law yet

    def as_json(self, names: Mapping[str, str] | None = None) -> dict[str, Any]:
        def items(holdings: tuple[Holding, ...]) -> list[dict[str, Any]]:
            out = []
            for h in holdings:
                item = h.as_json()
                if names is not None and h.party in names:
                    item["name"] = names[h.party]
                out.append(item)
            return out

        return {
            "work_id": self.work_id,
            "as_of": self.on.isoformat(),
            "owners": items(self.owners),
            "licences": items(self.licences),
            "pledges": items(self.pledges),
            "pending_pledges": items(self.pending_pledges),
        }


def _order(h: Holding) -> tuple:
    return (h.record or 0, h.role, h.party)


def standing(work_id: int, day: dt.date, holdings: Iterable[Holding]) -> Standing:
    every = sorted(holdings, key=_order)
    return Standing(
        work_id=work_id,
        on=day,
        owners=tuple(h for h in every if h.role == "owner" and h.held_on(day)),
        licences=tuple(h for h in every if h.role in LICENSEES and h.held_on(day)),
        pledges=tuple(h for h in every if h.role == "pledgee" and h.held_on(day)),
        pending_pledges=tuple(h for h in every if h.role == "pledgee" and h.pending_on(day)),
    )


# -- changes: what a record does to the holdings, as logged -------------------------------------


def change_open(h: Holding) -> dict[str, Any]:
    return {"op": "open", **h.as_json()}


def change_close(h: Holding, ends_on: dt.date, status: str) -> dict[str, Any]:
    return {
        "op": "close",
        "record": h.record,
        "party": h.party,
        "role": h.role,
        "ends_on": ends_on.isoformat(),
        "status": status,
    }


def change_register(h: Holding, starts_on: dt.date) -> dict[str, Any]:
    return {
        "op": "register",
        "record": h.record,
        "party": h.party,
        "role": h.role,
        "starts_on": starts_on.isoformat(),
    }


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def apply_change(holdings: dict[tuple, Holding], change: Mapping[str, Any]) -> None:
    """Fold one logged change into ``holdings`` (keyed by ``Holding.key``)."""
    op = change["op"]
    if op == "open":
        h = Holding(
            role=change["role"],
            party=change["party"],
            record=change["record"],
            share=change.get("share"),
            right=change.get("right"),
            territory=change.get("territory"),
            applied_on=_day(change.get("applied_on")),
            starts_on=_day(change.get("starts_on")),
            ends_on=_day(change.get("ends_on")),
            status=change.get("status", "in_force"),
            rank=change.get("rank"),
        )
        holdings[h.key] = h
        return
    key = (change["record"], change["party"], change["role"])
    if key not in holdings:
        raise KeyError(f"change {op} names a holding that was never opened: {key}")
    current = holdings[key]
    if op == "close":
        holdings[key] = replace(current, ends_on=_day(change["ends_on"]), status=change["status"])
    elif op == "register":
        holdings[key] = replace(current, starts_on=_day(change["starts_on"]), status="in_force")
    else:
        raise KeyError(f"unknown change {op!r}")
