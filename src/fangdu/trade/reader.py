"""Goods lists from CSV or Excel with Chinese (or English) headers → Lines, or every error.

A file is read whole or not at all: any cell that cannot be read raises ReadError listing each
bad cell by sheet, row and column, so nothing is planned from a half-read file. Rule checks
(checks.py) run only on files that read cleanly.

Layout: one row per line (one variety of fabric); the header row names the columns, in any
order. Parties are written on every row (a merchant's list is usually one stall's sheet).
Compositions read "涤纶65%/棉35%" or "65%涤纶 35%棉"; roll lists (码单) read "50.5/12.3;48/11.8"
(metres, optionally /kg, one roll per entry).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fangdu.errors import InputError
from fangdu.trade.fibres import lookup
from fangdu.trade.models import (
    Component,
    Construction,
    FabricSpec,
    Finish,
    KnitType,
    Labelling,
    LabReport,
    Line,
    Merchant,
    Operator,
    Pile,
    Purchaser,
    Roll,
    Weave,
    YarnKind,
)

__all__ = ["COLUMNS", "CellError", "ReadError", "parse_composition", "read_lines", "read_rows"]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("merchant", "商户", "merchant"),
    Column("merchant_uscc", "商户信用代码", "merchant uscc"),
    Column("operator", "外贸经营者", "operator"),
    Column("operator_uscc", "经营者信用代码", "operator uscc"),
    Column("operator_registered", "经营者已备案", "operator registered"),
    Column("operator_consignor", "经营者为发货人", "operator consignor"),
    Column("purchaser", "采购商", "purchaser"),
    Column("purchaser_nationality", "采购商国籍", "purchaser nationality"),
    Column("purchaser_id", "采购商证件号", "purchaser id", required=False),
    Column("destination", "目的国", "destination"),
    Column("sailing", "船期", "sailing"),
    Column("settlement", "结算方式", "settlement"),
    Column("export_date", "出口日期", "export date"),
    Column("name", "品名", "name"),
    Column("code", "商品编码", "code"),
    Column("elements", "申报要素", "elements", required=False),
    Column("composition", "成分", "composition"),
    Column("construction", "织造", "construction", required=False),
    Column("yarn", "纱线", "yarn", required=False),
    Column("textured", "变形丝", "textured", required=False),
    # The filament part of the composition (e.g. 涤纶38.87%): the rest of each fibre is staple.
    Column("filament", "长丝成分", "filament composition", required=False),
    Column("finish", "染整", "finish", required=False),
    Column("weave", "组织", "weave", required=False),
    Column("width_cm", "幅宽cm", "width cm", required=False),
    Column("gsm", "克重", "gsm", required=False),
    Column("knit", "针织方式", "knit", required=False),
    Column("pile", "起绒", "pile", required=False),
    Column("elastomeric", "弹性纱线", "elastomeric", required=False),
    Column("insecticide", "防蚊药剂", "insecticide", required=False),
    Column("metres", "米数", "metres"),
    Column("net_kg", "净重", "net kg"),
    Column("gross_kg", "毛重", "gross kg"),
    Column("packages", "件数", "packages"),
    Column("volume_m3", "体积", "volume m3"),
    Column("currency", "币制", "currency"),
    Column("amount", "金额", "amount"),
    Column("confirmed", "平台确认", "confirmed"),
    Column("excluded", "主管部门排除", "excluded", required=False),
    Column("rolls", "码单", "rolls", required=False),
    Column("marks", "唛头", "marks", required=False),
    Column("labelling", "标签", "labelling", required=False),
    Column("label", "标签成分", "label composition", required=False),
    Column("lab_composition", "检测成分", "tested composition", required=False),
    Column("formaldehyde", "甲醛", "formaldehyde", required=False),
    Column("ph", "pH", "ph", required=False),
    Column("azo", "偶氮", "azo", required=False),
    Column("category", "安全类别", "category", required=False),
)
_BY_HEADER = {
    h.lower().replace(" ", "").replace("_", ""): c for c in COLUMNS for h in (c.zh, c.en, c.key)
}

_WORDS: dict[str, dict[str, Any]] = {
    "construction": {
        "机织": Construction.WOVEN,
        "woven": Construction.WOVEN,
        "针织": Construction.KNITTED,
        "knitted": Construction.KNITTED,
    },
    "yarn": {
        "长丝": YarnKind.FILAMENT,
        "filament": YarnKind.FILAMENT,
        "短纤": YarnKind.STAPLE,
        "staple": YarnKind.STAPLE,
    },
    "finish": {
        "本色": Finish.UNBLEACHED,
        "坯布": Finish.UNBLEACHED,
        "unbleached": Finish.UNBLEACHED,
        "漂白": Finish.BLEACHED,
        "bleached": Finish.BLEACHED,
        "染白": Finish.DYED_WHITE,
        "dyed white": Finish.DYED_WHITE,
        "dyed_white": Finish.DYED_WHITE,
        "染色": Finish.DYED,
        "匹染": Finish.DYED,
        "dyed": Finish.DYED,
        "色织": Finish.YARN_DYED,
        "yarn-dyed": Finish.YARN_DYED,
        "yarn_dyed": Finish.YARN_DYED,
        "印花": Finish.PRINTED,
        "printed": Finish.PRINTED,
    },
    "weave": {
        "平纹": Weave.PLAIN,
        "plain": Weave.PLAIN,
        "斜纹": Weave.TWILL,
        "twill": Weave.TWILL,
        "牛仔": Weave.DENIM,
        "劳动布": Weave.DENIM,
        "denim": Weave.DENIM,
        "缎纹": Weave.OTHER,
        "提花": Weave.OTHER,
        "其他": Weave.OTHER,
        "other": Weave.OTHER,
        "satin": Weave.OTHER,
    },
    "knit": {
        "经编": KnitType.WARP,
        "warp": KnitType.WARP,
        "纬编": KnitType.WEFT,
        "weft": KnitType.WEFT,
    },
    "pile": {
        "无": Pile.NONE,
        "否": Pile.NONE,
        "none": Pile.NONE,
        "no": Pile.NONE,
        "长毛绒": Pile.LONG,
        "long": Pile.LONG,
        "毛圈": Pile.LOOPED,
        "looped": Pile.LOOPED,
        "其他起绒": Pile.OTHER,
        "割绒": Pile.OTHER,
        "other": Pile.OTHER,
    },
    "labelling": {
        "": Labelling.NONE,
        "无": Labelling.NONE,
        "none": Labelling.NONE,
        "中国": Labelling.CN,
        "cn": Labelling.CN,
        "欧盟": Labelling.EU,
        "eu": Labelling.EU,
    },
}
_BOOL = {
    "是": True,
    "y": True,
    "yes": True,
    "true": True,
    "1": True,
    "否": False,
    "n": False,
    "no": False,
    "false": False,
    "0": False,
}


@dataclass(frozen=True, slots=True)
class CellError:
    sheet: str
    row: int  # 1-based, as a spreadsheet shows it
    column: str  # header as written, or "" for a whole-row or file problem
    zh: str
    en: str

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.row}" + (f" [{self.column}]" if self.column else "")
        return f"{where}: {self.zh} / {self.en}"


class ReadError(InputError):
    """The file could not be read whole; ``errors`` names each bad cell."""

    def __init__(self, errors: list[CellError]) -> None:
        self.errors = errors
        head = "; ".join(str(e) for e in errors[:3])
        more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"{len(errors)} unreadable cell(s): {head}{more}")


class _Bad(Exception):
    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en


_SEP = r"[/,，、;；+\s]*"
_NAME_FIRST = re.compile(r"([^\d%/,，、;；+]+?)\s*(\d+(?:\.\d+)?)\s*%?" + _SEP)
_PCT_FIRST = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*([^\d%/,，、;；+]+?)\s*(?=[/,，、;；+\s]|$)" + _SEP)


def parse_composition(text: str) -> tuple[Component, ...]:
    """ "涤纶65%/棉35%", "65%涤纶 35%棉" or "polyester 65%/cotton 35%" → components.

    A name not known gets fibre None (rule CLS-FIBRE-UNKNOWN); text that is not a list of
    name-and-percentage pairs is a read error.
    """
    s = text.strip()
    if not s:
        raise _Bad("成分为空", "composition is empty")
    pct_first = s[0].isdigit()
    pattern = _PCT_FIRST if pct_first else _NAME_FIRST
    out, pos = [], 0
    while pos < len(s):
        m = pattern.match(s, pos)
        if not m or m.end() == pos:
            raise _Bad(f"成分无法解析：{s[pos:]}", f"cannot read composition: {s[pos:]}")
        name, pct = (m[2], m[1]) if pct_first else (m[1], m[2])
        name = name.strip()
        fibre, standard = lookup(name)
        out.append(
            Component(
                name=name,
                fibre=fibre.key if fibre else None,
                standard=standard,
                percent=Decimal(pct),
            )
        )
        pos = m.end()
    return tuple(out)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    return str(v).strip()


_OVER_30 = (">30", "＞30", "大于30", "超过30", "over30", "exceeding30")
_NOT_OVER_30 = ("<=30", "≤30", "不超过30", "notover30", "notexceeding30")


def width_bound(s: str) -> bool | None:
    """A width stated only against the tariff's 30 cm line (headings 6002/6003 "not exceeding
    30 cm", 6004-6006 wider; 58.06): True for over 30 cm, False for not over, None otherwise."""
    t = s.replace(" ", "").lower().removesuffix("cm").removesuffix("厘米")
    if t in _OVER_30:
        return True
    if t in _NOT_OVER_30:
        return False
    return None


def _decimal(v: Any) -> Decimal:
    s = _text(v).replace(",", "")
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise _Bad(f"不是数字：{s!r}", f"not a number: {s!r}") from None
    if not d.is_finite() or d < 0:
        raise _Bad(f"数值无效：{s!r}", f"invalid number: {s!r}")
    return d


def _parse(key: str, v: Any) -> Any:
    s = _text(v)
    if key in _WORDS:
        table = _WORDS[key]
        if s.lower() not in table:
            allowed = "、".join(k for k in table if k)
            raise _Bad(f"无法识别“{s}”，可用：{allowed}", f"unknown value {s!r}; use: {allowed}")
        return table[s.lower()]
    if key == "textured" and s.rstrip("%").replace(".", "", 1).isdigit():
        # a share of textured polyester filament in the fabric, for a mix of the two kinds
        d = _decimal(s.rstrip("%"))
        if d > 100:
            raise _Bad(f"变形丝含量须在0-100%之间：{s!r}", f"textured share must be 0-100 %: {s!r}")
        return d
    if key == "elastomeric":
        d = _decimal(s.rstrip("%"))
        if d > 100:
            raise _Bad(
                f"弹性纱线含量须在0-100%之间：{s!r}", f"elastomeric share must be 0-100 %: {s!r}"
            )
        return d
    if key in (
        "operator_registered",
        "operator_consignor",
        "confirmed",
        "excluded",
        "textured",
        "insecticide",
    ):
        if s.lower() not in _BOOL:
            if key == "textured":
                raise _Bad(
                    f"须填“是”“否”或变形丝含量（如32.7%）：{s!r}",
                    f"must be yes, no or the textured share (e.g. 32.7%): {s!r}",
                )
            raise _Bad(f"须填“是”或“否”：{s!r}", f"must be yes or no: {s!r}")
        return _BOOL[s.lower()]
    if key == "width_cm":
        bound = width_bound(s)
        if bound is not None:
            return bound  # True: over 30 cm; False: not over 30 cm
        return _decimal(v)
    if key in (
        "gsm",
        "metres",
        "net_kg",
        "gross_kg",
        "volume_m3",
        "amount",
        "formaldehyde",
        "ph",
        "azo",
    ):
        return _decimal(v)
    if key == "packages":
        d = _decimal(v)
        if d != d.to_integral_value() or d < 1:
            raise _Bad(f"件数须为正整数：{s}", f"packages must be a positive integer: {s}")
        return int(d)
    if key == "export_date":
        try:
            return dt.date.fromisoformat(s[:10])
        except ValueError:
            raise _Bad(f"日期须为YYYY-MM-DD：{s!r}", f"date must be YYYY-MM-DD: {s!r}") from None
    if key in ("composition", "label", "lab_composition", "filament"):
        return parse_composition(s)
    if key == "rolls":
        rolls = []
        for i, entry in enumerate(p for p in re.split(r"[;；]", s) if p.strip()):
            bits = entry.strip().split("/")
            if len(bits) > 2:
                raise _Bad(f"码单条目无法解析：{entry}", f"cannot read roll entry: {entry}")
            rolls.append(
                Roll(
                    number=str(i + 1),
                    metres=_decimal(bits[0]),
                    kg=_decimal(bits[1]) if len(bits) == 2 else None,
                )
            )
        return tuple(rolls)
    if key in ("currency", "destination", "purchaser_nationality", "code"):
        return s.upper().replace(".", "")
    return s


def _rows_csv(data: bytes) -> tuple[str, list[list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # Excel on Chinese Windows saves CSV in GBK
        except UnicodeDecodeError:
            raise ReadError(
                [
                    CellError(
                        "csv",
                        0,
                        "",
                        "文件编码无法识别（须为UTF-8或GBK）",
                        "unknown encoding (use UTF-8 or GBK)",
                    )
                ]
            ) from None
    return "csv", [list(r) for r in csv.reader(io.StringIO(text))]


def _rows_xlsx(data: bytes) -> tuple[str, list[list[Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise ReadError(
            [
                CellError(
                    "xlsx", 0, "", f"工作簿无法打开：{exc}", f"workbook cannot be opened: {exc}"
                )
            ]
        ) from None
    ws = wb["明细"] if "明细" in wb.sheetnames else wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return ws.title, rows


def read_rows(path: Path | str, data: bytes | None = None) -> tuple[str, list[list[str]]]:
    """(sheet, rows as text, the header first) of a goods list, as a person edits them."""
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    sheet, rows = _rows_xlsx(data) if xlsx else _rows_csv(data)
    return sheet, [[_text(v) for v in row] for row in rows]


def read_lines(path: Path | str, data: bytes | None = None) -> list[Line]:
    """Every line of a goods list, or ReadError with every bad cell."""
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    sheet, rows = _rows_xlsx(data) if path.suffix.lower() in (".xlsx", ".xlsm") else _rows_csv(data)
    if not rows:
        raise ReadError([CellError(sheet, 1, "", "文件为空", "the file is empty")])
    header = [_text(h) for h in rows[0]]
    cols: dict[str, int] = {}
    errors: list[CellError] = []
    for i, h in enumerate(header):
        col = _BY_HEADER.get(h.lower().replace(" ", "").replace("_", ""))
        if col is None:
            if h:
                errors.append(CellError(sheet, 1, h, f"未知列：{h}", f"unknown column: {h}"))
            continue
        if col.key in cols:
            errors.append(CellError(sheet, 1, h, f"列重复：{h}", f"duplicate column: {h}"))
        cols[col.key] = i
    for c in COLUMNS:
        if c.required and c.key not in cols:
            errors.append(
                CellError(sheet, 1, c.zh, f"缺少必填列：{c.zh}", f"missing required column: {c.en}")
            )
    if errors:
        raise ReadError(errors)
    lines: list[Line] = []
    for r, row in enumerate(rows[1:], start=2):
        if all(_text(v) == "" for v in row):
            continue
        values: dict[str, Any] = {}
        for c in COLUMNS:
            i = cols.get(c.key)
            raw = row[i] if i is not None and i < len(row) else None
            if _text(raw) == "" and c.key not in ("labelling",):
                if c.required and c.key != "purchaser_id":
                    errors.append(
                        CellError(
                            sheet,
                            r,
                            header[cols[c.key]],
                            f"必填项为空：{c.zh}",
                            f"required cell empty: {c.en}",
                        )
                    )
                values[c.key] = None
                continue
            try:
                values[c.key] = _parse(c.key, raw)
            except _Bad as bad:
                errors.append(
                    CellError(sheet, r, header[i] if i is not None else c.zh, bad.zh, bad.en)
                )
        if any(e.row == r for e in errors):
            continue
        try:
            lines.append(_line(f"{sheet}!{r}", values))
        except ValidationError as exc:
            for err in exc.errors():
                errors.append(
                    CellError(
                        sheet,
                        r,
                        ".".join(map(str, err["loc"])),
                        f"数据无效：{err['msg']}",
                        f"invalid: {err['msg']}",
                    )
                )
    if errors:
        raise ReadError(errors)
    if not lines:
        raise ReadError([CellError(sheet, 2, "", "没有数据行", "no data rows")])
    return lines


def _line(ref: str, v: dict[str, Any]) -> Line:
    lab = None
    if any(
        v.get(k) is not None for k in ("lab_composition", "formaldehyde", "ph", "azo", "category")
    ):
        lab = LabReport(
            composition=v.get("lab_composition") or (),
            formaldehyde_mg_kg=v.get("formaldehyde"),
            ph=v.get("ph"),
            azo_mg_kg=v.get("azo"),
            category=(v.get("category") or None),
        )
    return Line(
        ref=ref,
        merchant=Merchant(name=v["merchant"], uscc=v["merchant_uscc"]),
        operator=Operator(
            name=v["operator"],
            uscc=v["operator_uscc"],
            registered=v["operator_registered"],
            consignor=v["operator_consignor"],
        ),
        purchaser=Purchaser(
            name=v["purchaser"],
            nationality=v["purchaser_nationality"],
            id_number=v.get("purchaser_id") or "",
        ),
        destination=v["destination"],
        sailing=v["sailing"],
        settlement=v["settlement"],
        name=v["name"],
        declared_code=v["code"],
        elements=v.get("elements") or "",
        spec=FabricSpec(
            composition=v["composition"],
            construction=v.get("construction"),
            yarn=v.get("yarn"),
            textured=v.get("textured") if isinstance(v.get("textured"), bool) else None,
            textured_percent=(
                v.get("textured") if isinstance(v.get("textured"), Decimal) else None
            ),
            filament=v.get("filament"),
            finish=v.get("finish"),
            weave=v.get("weave"),
            knit=v.get("knit"),
            pile=v.get("pile"),
            elastomeric_percent=v.get("elastomeric"),
            insecticide=bool(v.get("insecticide")),
            width_cm=v.get("width_cm") if isinstance(v.get("width_cm"), Decimal) else None,
            width_over_30=(v.get("width_cm") if isinstance(v.get("width_cm"), bool) else None),
            gsm=v.get("gsm"),
        ),
        metres=v["metres"],
        net_kg=v["net_kg"],
        gross_kg=v["gross_kg"],
        packages=v["packages"],
        volume_m3=v["volume_m3"],
        currency=v["currency"],
        amount=v["amount"],
        confirmed=v["confirmed"],
        excluded=bool(v.get("excluded")),
        export_date=v["export_date"],
        rolls=v.get("rolls") or (),
        marks=v.get("marks") or "",
        labelling=v.get("labelling") or Labelling.NONE,
        label=v.get("label") or (),
        lab=lab,
    )
