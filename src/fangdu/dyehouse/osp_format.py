"""Readers for the OSP instance files (`.dat` for CP Optimizer, `.dzn` for MiniZinc) and our JSON.

Traps handled (see shared/data/osp/README.md §3–4): the all-zero dummy row of the setup matrices
is first in `.dat` and last in `.dzn`; machines with fewer windows are padded with zero-length
intervals, which are dropped; huge `.dzn` files have trailing commas and stray spaces. Any
problem raises :class:`ScheduleInputError` naming the file, line and field: nothing is planned
from a half-read file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from fangdu.dyehouse.models import Instance, Job, Machine, ScheduleInputError, Weights

Value = int | float | list["Value"]

# Field names per format, in our vocabulary.
_DAT = {
    "horizon": "LengthSchedulingHorizon",
    "a": "nAttributes",
    "sc": "SetupCosts",
    "st": "SetupTimes",
    "m": "nMachines",
    "min_cap": "MinCap",
    "max_cap": "MaxCap",
    "init": "initState",
    "s": "nShifts",
    "shift_start": "ShiftStartTimes",
    "shift_end": "ShiftEndTimes",
    "n": "nJobs",
    "eligible": "EligibleMachines",
    "release": "EarliestStart",
    "due": "LatestEnd",
    "min_time": "MinTime",
    "max_time": "MaxTime",
    "size": "JobSize",
    "attribute": "Attribute",
}
_DZN = {
    "horizon": "l",
    "a": "a",
    "sc": "setup_costs",
    "st": "setup_times",
    "m": "m",
    "min_cap": "min_cap",
    "max_cap": "max_cap",
    "init": "initState",
    "s": "s",
    "shift_start": "m_a_s",
    "shift_end": "m_a_e",
    "n": "n",
    "eligible": "eligible_machine",
    "release": "earliest_start",
    "due": "latest_end",
    "min_time": "min_time",
    "max_time": "max_time",
    "size": "size",
    "attribute": "attribute",
}
_WEIGHTS = {
    "runtime": "mult_factor_total_runtime",
    "late": "mult_factor_finished_toolate",
    "setup_time": "mult_factor_total_setuptimes",
    "setup_cost": "mult_factor_total_setupcosts",
}
_TOKEN = re.compile(r"\s*(\[\||\|\]|\||[\[\]{},]|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")


@dataclass
class _Stmt:
    line: int
    value: Value


class _Reader:
    def __init__(self, text: str, where: str) -> None:
        self.where = where
        self.stmts: dict[str, _Stmt] = {}
        self._split(text)

    def fail(self, line: int, msg: str) -> ScheduleInputError:
        return ScheduleInputError(f"{self.where} line {line}: {msg}")

    def _split(self, text: str) -> None:
        # Comments: '//' (OPL) and '%' (MiniZinc) run to the end of the line.
        text = re.sub(r"(//|%)[^\n]*", "", text)
        pos, line = 0, 1
        for chunk in text.split(";"):
            stripped = chunk.strip()
            first = line + chunk[: len(chunk) - len(chunk.lstrip())].count("\n")
            line += chunk.count("\n")
            pos += len(chunk) + 1
            if not stripped:
                continue
            name, eq, raw = stripped.partition("=")
            name = name.strip()
            if not eq or not re.fullmatch(r"[A-Za-z_]\w*", name):
                raise self.fail(first, f"expected 'name = value;', got {stripped[:40]!r}")
            if name in self.stmts:
                raise self.fail(first, f"field {name} given twice")
            self.stmts[name] = _Stmt(first, self._value(raw, first, name))

    def _value(self, raw: str, line: int, name: str) -> Value:
        tokens: list[str] = []
        i = 0
        raw = raw.strip()
        while i < len(raw):
            m = _TOKEN.match(raw, i)
            if not m:
                raise self.fail(line, f"field {name}: unexpected text {raw[i : i + 20].strip()!r}")
            tokens.append(m.group(1))
            i = m.end()
            while i < len(raw) and raw[i].isspace():
                i += 1
        value, rest = self._parse(tokens, 0, line, name)
        if rest != len(tokens):
            raise self.fail(line, f"field {name}: trailing {' '.join(tokens[rest:])!r}")
        return value

    def _parse(self, tok: list[str], i: int, line: int, name: str) -> tuple[Value, int]:
        if i >= len(tok):
            raise self.fail(line, f"field {name}: value missing or cut short")
        t = tok[i]
        if t in ("[", "{"):
            close = "]" if t == "[" else "}"
            items: list[Value] = []
            i += 1
            while i < len(tok) and tok[i] != close:
                v, i = self._parse(tok, i, line, name)
                items.append(v)
                if i < len(tok) and tok[i] == ",":
                    i += 1
                elif i < len(tok) and tok[i] != close:
                    raise self.fail(line, f"field {name}: expected ',' or {close!r}")
            if i >= len(tok):
                raise self.fail(line, f"field {name}: missing {close!r}")
            return items, i + 1
        if t == "[|":  # MiniZinc 2-D array: rows separated by '|'
            rows: list[Value] = []
            row: list[Value] = []
            i += 1
            while i < len(tok) and tok[i] != "|]":
                if tok[i] == "|":
                    rows.append(row)
                    row = []
                    i += 1
                elif tok[i] == ",":
                    i += 1
                else:
                    v, i = self._parse(tok, i, line, name)
                    row.append(v)
            if i >= len(tok):
                raise self.fail(line, f"field {name}: missing '|]'")
            rows.append(row)
            return rows, i + 1
        if re.fullmatch(r"-?\d+", t):
            return int(t), i + 1
        if t[0].isdigit() or t[0] == "-":
            return float(t), i + 1
        raise self.fail(line, f"field {name}: unexpected {t!r}")

    # Typed accessors: each names the field and line on failure.
    def get(self, key: str) -> _Stmt:
        if key not in self.stmts:
            raise ScheduleInputError(f"{self.where}: field {key} missing")
        return self.stmts[key]

    def int_(self, key: str) -> int:
        st = self.get(key)
        if not isinstance(st.value, int):
            raise self.fail(st.line, f"field {key}: expected an integer")
        return st.value

    def ints(self, key: str, length: int) -> list[int]:
        st = self.get(key)
        v = st.value
        if not isinstance(v, list) or not all(isinstance(x, int) for x in v):
            raise self.fail(st.line, f"field {key}: expected a list of integers")
        if len(v) != length:
            raise self.fail(st.line, f"field {key}: expected {length} values, got {len(v)}")
        return v  # type: ignore[return-value]

    def matrix(self, key: str, rows: int, cols: int) -> list[list[int]]:
        st = self.get(key)
        v = st.value
        if not isinstance(v, list) or not all(
            isinstance(r, list) and all(isinstance(x, int) for x in r) for r in v
        ):
            raise self.fail(st.line, f"field {key}: expected a matrix of integers")
        if len(v) != rows or any(len(r) != cols for r in v):  # type: ignore[arg-type]
            shape = f"{len(v)}×{'/'.join(sorted({str(len(r)) for r in v})) or 0}"  # type: ignore[arg-type]
            raise self.fail(st.line, f"field {key}: expected {rows}×{cols}, got {shape}")
        return v  # type: ignore[return-value]

    def sets(self, key: str, length: int) -> list[list[int]]:
        st = self.get(key)
        v = st.value
        if not isinstance(v, list) or len(v) != length:
            raise self.fail(st.line, f"field {key}: expected {length} sets")
        for idx, s in enumerate(v, 1):
            if not isinstance(s, list) or not all(isinstance(x, int) for x in s):
                raise self.fail(st.line, f"field {key}: entry {idx} is not a set of integers")
        return v  # type: ignore[return-value]


def _setup_matrix(r: _Reader, key: str, a: int, dummy_first: bool) -> list[list[int]]:
    st = r.get(key)
    n_rows = len(st.value) if isinstance(st.value, list) else 0
    if n_rows == a:  # no dummy row at all: accept as written
        return r.matrix(key, a, a)
    mat = r.matrix(key, a + 1, a)
    dummy = mat[0] if dummy_first else mat[-1]
    if any(dummy):
        which = "first" if dummy_first else "last"
        raise r.fail(st.line, f"field {key}: the {which} row must be the all-zero dummy row")
    return mat[1:] if dummy_first else mat[:-1]


def parse_osp(text: str, *, fmt: str, name: str = "instance", where: str = "") -> Instance:
    """Parse OSP text; ``fmt`` is ``"dat"`` or ``"dzn"``."""
    if fmt not in ("dat", "dzn"):
        raise ScheduleInputError(f"unknown OSP format {fmt!r}")
    r = _Reader(text, where or f"{name}.{fmt}")
    f = _DAT if fmt == "dat" else _DZN
    a, k, n = r.int_(f["a"]), r.int_(f["m"]), r.int_(f["n"])
    horizon = r.int_(f["horizon"])
    sc = _setup_matrix(r, f["sc"], a, dummy_first=fmt == "dat")
    st = _setup_matrix(r, f["st"], a, dummy_first=fmt == "dat")
    min_cap, max_cap = r.ints(f["min_cap"], k), r.ints(f["max_cap"], k)
    init = r.ints(f["init"], k)
    s = r.int_(f["s"])
    starts, ends = r.matrix(f["shift_start"], k, s), r.matrix(f["shift_end"], k, s)
    machines = []
    for i in range(k):
        # Zero-length intervals are padding (README §4), not windows.
        shifts = tuple((b, e) for b, e in zip(starts[i], ends[i], strict=True) if e > b)
        if any(e < b for b, e in zip(starts[i], ends[i], strict=True)):
            line = r.get(f["shift_end"]).line
            raise r.fail(line, f"machine {i + 1}: a window ends before it starts")
        machines.append((min_cap[i], max_cap[i], init[i], shifts))
    elig = r.sets(f["eligible"], n)
    cols = {key: r.ints(f[key], n) for key in ("release", "due", "min_time", "max_time", "size")}
    attr = r.ints(f["attribute"], n)
    present = [w for w in _WEIGHTS.values() if w in r.stmts]
    if present and len(present) < len(_WEIGHTS):
        missing = sorted(set(_WEIGHTS.values()) - set(present))
        raise ScheduleInputError(f"{r.where}: weight fields missing: {', '.join(missing)}")
    weights = Weights(**{k_: r.int_(v) for k_, v in _WEIGHTS.items()}) if present else Weights()
    norm = (
        r.int_("upper_bound_integer_objective")
        if "upper_bound_integer_objective" in r.stmts
        else None
    )
    try:
        return Instance(
            name=name,
            horizon=horizon,
            n_attributes=a,
            setup_costs=tuple(map(tuple, sc)),
            setup_times=tuple(map(tuple, st)),
            machines=tuple(
                Machine(min_cap=lo, max_cap=hi, init_state=ini, shifts=sh)
                for lo, hi, ini, sh in machines
            ),
            jobs=tuple(
                Job(
                    eligible=tuple(sorted(set(elig[j]))),
                    release=cols["release"][j],
                    due=cols["due"][j],
                    min_time=cols["min_time"][j],
                    max_time=cols["max_time"][j],
                    size=cols["size"][j],
                    attribute=attr[j],
                )
                for j in range(n)
            ),
            weights=weights,
            norm_constant=norm,
        )
    except ScheduleInputError as exc:
        raise ScheduleInputError(f"{r.where}: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise ScheduleInputError(f"{r.where}: {loc}: {err['msg']}") from None


def load_instance(path: Path) -> Instance:
    """Read `.dat`, `.dzn` or Fangdu's `.json` (an :class:`Instance` dump)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScheduleInputError(f"{path}: cannot read: {exc}") from None
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("dat", "dzn"):
        return parse_osp(text, fmt=suffix, name=path.stem, where=path.name)
    if suffix == "json":
        try:
            return Instance.model_validate_json(text)
        except ScheduleInputError as exc:
            raise ScheduleInputError(f"{path.name}: {exc}") from None
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            raise ScheduleInputError(f"{path.name}: {loc}: {err['msg']}") from None
    raise ScheduleInputError(f"{path.name}: unknown format (expected .dat, .dzn or .json)")


def to_dat(inst: Instance) -> str:
    """Write an instance in the `.dat` format (dummy row first, padding windows in front)."""
    a, s = inst.n_attributes, max(len(m.shifts) for m in inst.machines)

    def mat(rows: tuple[tuple[int, ...], ...]) -> str:
        return "[" + ", ".join("[" + ", ".join(map(str, r)) + "]" for r in ((0,) * a, *rows)) + "]"

    def pad(m_shifts: tuple[tuple[int, int], ...], i: int) -> list[int]:
        # Zero-length padding windows go in front, as in the published files.
        first = m_shifts[0][0] if m_shifts else 0
        return [first] * (s - len(m_shifts)) + [w[i] for w in m_shifts]

    def lst(xs: list[int]) -> str:
        return "[" + ", ".join(map(str, xs)) + "]"

    js, ms = inst.jobs, inst.machines
    w = inst.weights
    lines = [
        f"LengthSchedulingHorizon={inst.horizon};",
        f"nAttributes={a};",
        f"SetupCosts={mat(inst.setup_costs)};",
        f"SetupTimes={mat(inst.setup_times)};",
        f"nMachines={len(ms)};",
        f"MinCap={lst([m.min_cap for m in ms])};",
        f"MaxCap={lst([m.max_cap for m in ms])};",
        "",
        f"initState={lst([m.init_state for m in ms])};",
        f"nShifts={s};",
        f"ShiftStartTimes = [{', '.join(lst(pad(m.shifts, 0)) for m in ms)}];",
        f"ShiftEndTimes = [{', '.join(lst(pad(m.shifts, 1)) for m in ms)}];",
        f"nJobs={len(js)};",
        "EligibleMachines = ["
        + ", ".join("{" + ", ".join(map(str, j.eligible)) + "}" for j in js)
        + "];",
        f"EarliestStart={lst([j.release for j in js])};",
        f"LatestEnd={lst([j.due for j in js])};",
        f"MinTime={lst([j.min_time for j in js])};",
        f"MaxTime={lst([j.max_time for j in js])};",
        f"JobSize={lst([j.size for j in js])};",
        f"Attribute={lst([j.attribute for j in js])};",
        "",
        f"upper_bound_integer_objective={inst.normaliser};",
        f"mult_factor_total_runtime={w.runtime};",
        f"mult_factor_finished_toolate={w.late};",
        f"mult_factor_total_setuptimes={w.setup_time};",
        f"mult_factor_total_setupcosts={w.setup_cost};",
    ]
    return "\n".join(lines) + "\n"
