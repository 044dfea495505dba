"""The planner's own tables (缸卡 lots, 染缸 vats, 洗缸 washes) from CSV or Excel → an Instance.

A dye house keeps lots and vats in spreadsheets with names, not OSP's 1-based numbers. Three
tables, headers in Chinese or English in any order:

* 缸卡 lots: 缸卡号, 客户, 布种, 重量kg, 色系, 最短min, 最长min, 到布min, 交期min, 可用染缸
  (vat names separated by ``;``; empty: every vat);
* 染缸 vats: 染缸, 最小装载kg, 最大装载kg, 初始色系, 可用时段 (``0-480;540-1020``);
* 洗缸 washes: 从色系, 到色系, 洗缸min, 洗缸成本. The recipe classes are the ones this table
  names, in the order it first names them (light to dark, by convention).

Times are whole minutes from the start of the plan. A workbook holds the three as sheets named
缸卡, 染缸, 洗缸 (or lots, vats, washes). A file is read whole or not at all: every bad cell is
reported by table, row and column (:class:`TableErrors`), and nothing is planned from a
half-read file.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from fangdu.dyehouse.generator import generate
from fangdu.dyehouse.models import Instance, Job, Machine, ScheduleInputError, Weights

__all__ = [
    "TABLES",
    "PlannerTables",
    "RowError",
    "TableErrors",
    "numbered",
    "read_tables",
    "read_workbook",
    "sample_tables",
    "tables_csv",
    "tables_xlsx",
]


@dataclass(frozen=True, slots=True)
class RowError:
    table: str  # 缸卡, 染缸 or 洗缸
    row: int  # 1-based spreadsheet row (1 is the header); 0: the table as a whole
    column: str
    zh: str
    en: str

    def __str__(self) -> str:
        where = f"{self.table} 第{self.row}行" if self.row else self.table
        col = f" [{self.column}]" if self.column else ""
        return f"{where}{col}: {self.zh} / {self.en}"


class TableErrors(ScheduleInputError):
    """Every bad cell of the tables at once."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors[:5]))


# key, Chinese header, English header, required
_LOTS = (
    ("lot", "缸卡号", "lot", True),
    ("customer", "客户", "customer", False),
    ("fabric", "布种", "fabric", False),
    ("weight", "重量kg", "weight kg", True),
    ("cls", "色系", "recipe class", True),
    ("min", "最短min", "min program", True),
    ("max", "最长min", "max program", True),
    ("release", "到布min", "release", True),
    ("due", "交期min", "due", True),
    ("vats", "可用染缸", "vats", False),
)
_VATS = (
    ("vat", "染缸", "vat", True),
    ("min_load", "最小装载kg", "min load kg", True),
    ("max_load", "最大装载kg", "max load kg", True),
    ("init", "初始色系", "initial class", True),
    ("windows", "可用时段", "windows", True),
)
_WASHES = (
    ("from", "从色系", "from class", True),
    ("to", "到色系", "to class", True),
    ("time", "洗缸min", "wash min", True),
    ("cost", "洗缸成本", "wash cost", True),
)
# table name (zh), English name, columns
TABLES = {"lots": ("缸卡", _LOTS), "vats": ("染缸", _VATS), "washes": ("洗缸", _WASHES)}


class PlannerTables(BaseModel):
    """An instance with the names the dye house uses (lots, vats and classes, in id order)."""

    model_config = ConfigDict(frozen=True)

    instance: Instance
    lots: tuple[str, ...]
    customers: tuple[str, ...]
    fabrics: tuple[str, ...]
    vats: tuple[str, ...]
    classes: tuple[str, ...]


def _norm(header: object) -> str:
    return str(header or "").strip().lower().replace(" ", "").replace("_", "")


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


class _Bad(Exception):
    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en


def _int(v: object) -> int:
    s = _text(v)
    try:
        return int(s)
    except ValueError:
        raise _Bad(f"须为整数：{s}", f"not a whole number: {s}") from None


def _windows(v: object) -> tuple[tuple[int, int], ...]:
    out = []
    for part in _text(v).replace("；", ";").split(";"):
        if not part.strip():
            continue
        a, sep, b = part.partition("-")
        if not sep:
            raise _Bad(f"时段格式应为 开始-结束：{part}", f"a window reads start-end: {part}")
        s, e = _int(a), _int(b)
        if e <= s:
            raise _Bad(f"时段结束不晚于开始：{part}", f"window ends before it starts: {part}")
        out.append((s, e))
    if not out:
        raise _Bad("没有可用时段", "no availability window")
    out.sort()
    for (_, e0), (s1, _) in itertools.pairwise(out):
        if s1 < e0:
            raise _Bad("时段重叠", "windows overlap")
    return tuple(out)


def _records(
    name: str, columns: tuple, rows: list[list[Any]], errors: list[RowError]
) -> list[tuple[int, dict[str, object]]]:
    """(row number, {key: raw}) of the non-empty rows; header problems go to ``errors``."""
    zh = TABLES[name][0]
    if not rows:
        errors.append(RowError(zh, 0, "", "表为空", "the table is empty"))
        return []
    by_header = {_norm(h): key for key, hz, he, _ in columns for h in (hz, he, key)}
    cols: dict[str, int] = {}
    for i, h in enumerate(rows[0]):
        key = by_header.get(_norm(h))
        if key is None:
            if _text(h):
                errors.append(RowError(zh, 1, _text(h), f"未知列：{h}", f"unknown column: {h}"))
        elif key in cols:
            errors.append(RowError(zh, 1, _text(h), f"列重复：{h}", f"duplicate column: {h}"))
        else:
            cols[key] = i
    for key, hz, he, required in columns:
        if required and key not in cols:
            errors.append(RowError(zh, 1, hz, f"缺少必填列：{hz}", f"missing column: {he}"))
    out = []
    for r, row in enumerate(rows[1:], start=2):
        if all(_text(v) == "" for v in row):
            continue
        rec: dict[str, object] = {}
        for key, hz, he, required in columns:
            i = cols.get(key)
            value = row[i] if i is not None and i < len(row) else None
            if required and i is not None and _text(value) == "":
                errors.append(RowError(zh, r, hz, f"必填项为空：{hz}", f"empty cell: {he}"))
            rec[key] = value
        out.append((r, rec))
    if len(rows) > 1 and not out:
        errors.append(RowError(zh, 0, "", "表中没有数据行", "the table has no rows"))
    return out


def read_tables(
    lots: list[list[Any]],
    vats: list[list[Any]],
    washes: list[list[Any]],
    *,
    name: str = "dye-house plan",
    weights: Weights | None = None,
) -> PlannerTables:
    """The instance the three tables describe (rows as lists, the header first)."""
    errors: list[RowError] = []
    lot_rows = _records("lots", _LOTS, lots, errors)
    vat_rows = _records("vats", _VATS, vats, errors)
    wash_rows = _records("washes", _WASHES, washes, errors)
    if errors:
        raise TableErrors(errors)

    def cell(table: str, r: int, key: str, parse, columns):
        try:
            return parse(rec_of[(table, r)][key])
        except _Bad as bad:
            header = next(hz for k, hz, *_ in columns if k == key)
            errors.append(RowError(TABLES[table][0], r, header, bad.zh, bad.en))
            return None

    rec_of = {("lots", r): rec for r, rec in lot_rows}
    rec_of |= {("vats", r): rec for r, rec in vat_rows}
    rec_of |= {("washes", r): rec for r, rec in wash_rows}

    # Classes, in the order the wash table first names them.
    classes: list[str] = []
    for _, rec in wash_rows:
        for key in ("from", "to"):
            c = _text(rec[key])
            if c and c not in classes:
                classes.append(c)
    a = len(classes)
    cost = [[0] * a for _ in range(a)]
    time = [[0] * a for _ in range(a)]
    seen_pairs: set[tuple[int, int]] = set()
    for r, rec in wash_rows:
        p, q = classes.index(_text(rec["from"])), classes.index(_text(rec["to"]))
        t = cell("washes", r, "time", _nonneg, _WASHES)
        c = cell("washes", r, "cost", _nonneg, _WASHES)
        if (p, q) in seen_pairs:
            errors.append(RowError("洗缸", r, "到色系", "洗缸重复", "wash given twice"))
        seen_pairs.add((p, q))
        if t is not None and c is not None:
            time[p][q], cost[p][q] = t, c
    missing = [(p, q) for p in range(a) for q in range(a) if p != q and (p, q) not in seen_pairs]
    for p, q in missing[:5]:
        pair = f"{classes[p]} → {classes[q]}"
        errors.append(RowError("洗缸", 0, "", f"缺少洗缸：{pair}", f"no wash given for {pair}"))

    def known_class(table: str, r: int, header: str, value: object) -> int | None:
        c = _text(value)
        if c not in classes:
            errors.append(
                RowError(
                    table, r, header, f"未知色系（洗缸表中没有）：{c}", f"unknown recipe class: {c}"
                )
            )
            return None
        return classes.index(c) + 1

    vat_names: list[str] = []
    machines: list[Machine] = []
    for r, rec in vat_rows:
        vname = _text(rec["vat"])
        if vname in vat_names:
            errors.append(RowError("染缸", r, "染缸", f"染缸重复：{vname}", f"vat twice: {vname}"))
        vat_names.append(vname)
        lo = cell("vats", r, "min_load", _nonneg, _VATS)
        hi = cell("vats", r, "max_load", _positive, _VATS)
        init = known_class("染缸", r, "初始色系", rec["init"])
        wins = cell("vats", r, "windows", _windows, _VATS)
        if lo is not None and hi is not None and lo > hi:
            errors.append(
                RowError("染缸", r, "最小装载kg", "最小装载大于最大", "min load above max load")
            )
        if None not in (lo, hi, init, wins) and lo <= hi:
            machines.append(Machine(min_cap=lo, max_cap=hi, init_state=init, shifts=wins))

    lot_names: list[str] = []
    customers: list[str] = []
    fabrics: list[str] = []
    jobs: list[Job] = []
    for r, rec in lot_rows:
        lname = _text(rec["lot"])
        if lname in lot_names:
            errors.append(
                RowError("缸卡", r, "缸卡号", f"缸卡重复：{lname}", f"lot twice: {lname}")
            )
        lot_names.append(lname)
        customers.append(_text(rec["customer"]))
        fabrics.append(_text(rec["fabric"]))
        weight = cell("lots", r, "weight", _positive, _LOTS)
        cls = known_class("缸卡", r, "色系", rec["cls"])
        tmin = cell("lots", r, "min", _nonneg, _LOTS)
        tmax = cell("lots", r, "max", _nonneg, _LOTS)
        release = cell("lots", r, "release", _nonneg, _LOTS)
        due = cell("lots", r, "due", _int, _LOTS)
        wanted = [v.strip() for v in _text(rec["vats"]).replace("；", ";").split(";") if v.strip()]
        unknown = [v for v in wanted if v not in vat_names]
        if unknown:
            errors.append(
                RowError(
                    "缸卡",
                    r,
                    "可用染缸",
                    f"未知染缸：{'、'.join(unknown)}",
                    f"unknown vat: {', '.join(unknown)}",
                )
            )
            continue
        eligible = tuple(vat_names.index(v) + 1 for v in wanted) or tuple(
            range(1, len(vat_names) + 1)
        )
        if tmin is not None and tmax is not None and tmin > tmax:
            errors.append(
                RowError("缸卡", r, "最短min", "最短时间大于最长", "min program above max")
            )
            continue
        if release is not None and due is not None and due < release:
            errors.append(RowError("缸卡", r, "交期min", "交期早于到布", "due before release"))
            continue
        if (
            weight is not None
            and len(machines) == len(vat_names)
            and all(weight > machines[m - 1].max_cap for m in eligible)
        ):
            errors.append(
                RowError(
                    "缸卡",
                    r,
                    "重量kg",
                    f"重量{weight}kg超过每个可用染缸的最大装载",
                    f"weight {weight} kg exceeds every eligible vat's max load",
                )
            )
            continue
        if None in (weight, cls, tmin, tmax, release, due):
            continue
        jobs.append(
            Job(
                eligible=eligible,
                release=release,
                due=due,
                min_time=tmin,
                max_time=tmax,
                size=weight,
                attribute=cls,
            )
        )
    if errors:
        raise TableErrors(errors)
    horizon = max(e for m in machines for _, e in m.shifts)
    inst = Instance(
        name=name,
        horizon=horizon,
        n_attributes=a,
        setup_costs=tuple(map(tuple, cost)),
        setup_times=tuple(map(tuple, time)),
        machines=tuple(machines),
        jobs=tuple(jobs),
        weights=weights or Weights(),
    )
    return PlannerTables(
        instance=inst,
        lots=tuple(lot_names),
        customers=tuple(customers),
        fabrics=tuple(fabrics),
        vats=tuple(vat_names),
        classes=tuple(classes),
    )


def _nonneg(v: object) -> int:
    n = _int(v)
    if n < 0:
        raise _Bad(f"不能为负：{n}", f"negative: {n}")
    return n


def _positive(v: object) -> int:
    n = _int(v)
    if n <= 0:
        raise _Bad(f"须大于0：{n}", f"must be above 0: {n}")
    return n


# -- files ---------------------------------------------------------------------------------


def csv_rows(data: bytes, table: str) -> list[list[str]]:
    """A CSV file's rows; UTF-8 (with or without BOM) or GBK, as Excel on Chinese Windows saves."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableErrors([RowError(table, 0, "", "编码无法识别", "unknown encoding")])
    return [list(r) for r in csv.reader(io.StringIO(text))]


def read_workbook(data: bytes, *, name: str = "dye-house plan") -> PlannerTables:
    """The three tables from one .xlsx workbook (sheets 缸卡, 染缸, 洗缸 or lots, vats, washes)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise TableErrors(
            [RowError("xlsx", 0, "", f"工作簿无法打开：{exc}", f"workbook cannot be opened: {exc}")]
        ) from None
    try:
        sheets = {}
        missing = []
        for key, (zh, _) in TABLES.items():
            title = next((t for t in wb.sheetnames if t.strip() in (zh, key)), None)
            if title is None:
                missing.append(RowError(zh, 0, "", f"缺少工作表：{zh}", f"missing sheet: {key}"))
                continue
            sheets[key] = [list(r) for r in wb[title].iter_rows(values_only=True)]
    finally:
        wb.close()
    if missing:
        raise TableErrors(missing)
    return read_tables(sheets["lots"], sheets["vats"], sheets["washes"], name=name)


def _header(columns: tuple) -> list[str]:
    return [hz for _, hz, _, _ in columns]


def table_rows(t: PlannerTables) -> dict[str, list[list[object]]]:
    """The three tables as rows (header first): what a planner downloads and edits."""
    inst = t.instance
    every = tuple(range(1, len(inst.machines) + 1))
    lots: list[list[object]] = [_header(_LOTS)]
    for i, job in enumerate(inst.jobs):
        vats = "" if job.eligible == every else ";".join(t.vats[m - 1] for m in job.eligible)
        lots.append(
            [
                t.lots[i],
                t.customers[i],
                t.fabrics[i],
                job.size,
                t.classes[job.attribute - 1],
                job.min_time,
                job.max_time,
                job.release,
                job.due,
                vats,
            ]
        )
    vats_rows: list[list[object]] = [_header(_VATS)]
    for name, m in zip(t.vats, inst.machines, strict=True):
        wins = ";".join(f"{s}-{e}" for s, e in m.shifts)
        vats_rows.append([name, m.min_cap, m.max_cap, t.classes[m.init_state - 1], wins])
    washes: list[list[object]] = [_header(_WASHES)]
    for p, cp in enumerate(t.classes):
        for q, cq in enumerate(t.classes):
            washes.append([cp, cq, inst.setup_times[p][q], inst.setup_costs[p][q]])
    return {"lots": lots, "vats": vats_rows, "washes": washes}


def tables_csv(t: PlannerTables) -> dict[str, bytes]:
    """UTF-8 (with BOM, so Excel reads the Chinese) CSV files of the three tables."""
    out = {}
    for key, rows in table_rows(t).items():
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        out[key] = buf.getvalue().encode("utf-8-sig")
    return out


def append_text_safe(ws: Any, rows: Iterable[Sequence[object]]) -> None:
    """Append rows; text that starts like a formula (``=``, ``+``, ``-``, ``@``) stays text:
    names come from uploaded files and must never run as formulas in someone's Excel."""
    for row in rows:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                cell.data_type = "s"


def tables_xlsx(t: PlannerTables) -> bytes:
    """One workbook with the sheets 缸卡, 染缸, 洗缸."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for key, rows in table_rows(t).items():
        append_text_safe(wb.create_sheet(TABLES[key][0]), rows)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def numbered(inst: Instance) -> PlannerTables:
    """An instance without names (an OSP file, Fangdu's JSON): lots, vats and classes by id."""
    n = len(inst.jobs)
    return PlannerTables(
        instance=inst,
        lots=tuple(str(j) for j in range(1, n + 1)),
        customers=("",) * n,
        fabrics=("",) * n,
        vats=tuple(str(m) for m in range(1, len(inst.machines) + 1)),
        classes=tuple(str(a) for a in range(1, inst.n_attributes + 1)),
    )


CLASS_NAMES = ("白色 white", "浅色 light", "中色 medium", "深色 dark", "黑色 black")
CUSTOMERS = ("柯桥布行", "绍兴纺织", "Keqiao Textiles", "华东服饰", "Lagos Fabrics")
FABRICS = ("涤纶雪纺", "全棉府绸", "涤棉卡其", "人棉印花", "锦纶塔丝隆")


def sample_tables(lots: int = 12, vats: int = 3, classes: int = 3, seed: int = 0) -> PlannerTables:
    """A generated, feasible dye-house day with names (every value made up)."""
    classes = min(classes, len(CLASS_NAMES))
    gen = generate(lots, vats, classes, seed=seed)
    # OSP-sized numbers made dye-house sized: a time unit is 15 min, a size unit 50 kg, a cost
    # unit 10 yuan. Scaling every time (or every size) alike keeps the instance feasible.
    T, KG, YUAN = 15, 50, 10

    def times(m: tuple[tuple[int, ...], ...], f: int) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(v * f for v in row) for row in m)

    machines = tuple(
        Machine(
            min_cap=m.min_cap * KG,
            max_cap=m.max_cap * KG,
            init_state=m.init_state,
            shifts=tuple((s * T, e * T) for s, e in m.shifts),
        )
        for m in gen.machines
    )
    jobs = tuple(
        j.model_copy(
            update={
                "release": j.release * T,
                "due": j.due * T,
                "min_time": j.min_time * T,
                "max_time": j.max_time * T,
                "size": j.size * KG,
            }
        )
        for j in gen.jobs
    )
    inst = Instance(
        name=f"sample-{seed}",
        horizon=max(e for m in machines for _, e in m.shifts),
        n_attributes=classes,
        setup_costs=times(gen.setup_costs, YUAN),
        setup_times=times(gen.setup_times, T),
        machines=machines,
        jobs=jobs,
        weights=Weights(),
    )
    return PlannerTables(
        instance=inst,
        lots=tuple(f"GK-{seed:02d}{i + 1:03d}" for i in range(lots)),
        customers=tuple(CUSTOMERS[i % len(CUSTOMERS)] for i in range(lots)),
        fabrics=tuple(FABRICS[(i * 3 + seed) % len(FABRICS)] for i in range(lots)),
        vats=tuple(f"{i + 1}号缸" for i in range(vats)),
        classes=tuple(_spread(CLASS_NAMES, classes)),
    )


def _spread(names: Sequence[str], k: int) -> Iterable[str]:
    """k of the names from light to dark, evenly spread."""
    if k == 1:
        return [names[0]]
    return [names[round(i * (len(names) - 1) / (k - 1))] for i in range(k)]
