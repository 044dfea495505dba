"""Documents: a round trip from plan to XLSX and PDF and back, and the same bytes twice."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from tests.trade.conftest import Rows

from fangdu.trade.documents import build_documents, render_pdf, write_documents
from fangdu.trade.models import Line
from fangdu.trade.plan import Plan, plan_lines


@pytest.fixture
def plan(clean_rows: Rows, read_rows: Callable[[Rows], list[Line]]) -> Plan:
    rows = [dict(r) for r in clean_rows[:24]]
    for r in rows:  # one purchaser and sailing: one group with several declarations
        r.update(
            采购商="Kim Fabrics",
            采购商国籍="KR",
            采购商证件号="P1234567",
            目的国="KR",
            船期="V1",
            外贸经营者=rows[0]["外贸经营者"],
            经营者信用代码=rows[0]["经营者信用代码"],
        )
        r["金额"] = str(Decimal(r["金额"]) * 4)
    return plan_lines(read_rows(rows))


def _sheet(path: Path, name: str) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    rows = [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    wb.close()
    return rows


def test_round_trip(plan: Plan, tmp_path: Path) -> None:
    assert len(plan.declarations) >= 2 and any(d.simplified for d in plan.declarations)
    written = write_documents(plan, tmp_path, workers=1)
    for d in plan.declarations:
        items = _sheet(tmp_path / f"declarations/{d.id}-declaration.xlsx", "商品")[1:]
        assert [r[1] for r in items] == [it.code for it in d.items]
        assert sum(Decimal(str(r[7])) for r in items) == d.amount
        metres = sum(Decimal(r[3].split()[0]) for r in items)
        assert metres == sum(ln.metres for ln in d.lines)
        mapping = _sheet(tmp_path / f"declarations/{d.id}-declaration.xlsx", "合并对照")[1:]
        assert len(mapping) == sum(len(it.merged_from) for it in d.items)
        invoice = _sheet(tmp_path / f"declarations/{d.id}-invoice.xlsx", "货物")
        assert Decimal(str(invoice[-1][5])) == d.amount
        text = "".join(
            p.extract_text()
            for p in PdfReader(tmp_path / f"declarations/{d.id}-declaration.pdf").pages
        )
        assert "1039" in text and d.items[0].code in text and "待填" in text
    packages: Counter[str] = Counter()
    for c in plan.containers:
        goods = _sheet(tmp_path / f"containers/{c.id}-packing-list.xlsx", "货物")[1:]
        for row in goods:
            first, last = row[5].split("/")[0].split("-")
            packages[row[0]] += int(last) - int(first) + 1
        rolls = _sheet(tmp_path / f"containers/{c.id}-packing-list.xlsx", "码单")[1:]
        assert sum(int(r[6]) for r in goods) == len(rolls)
    assert packages == Counter({ln.ref: ln.packages for d in plan.declarations for ln in d.lines})
    kinds = Counter(name.split("/")[0] for name in written)
    assert kinds["agreements"] > 0 and kinds["merchants"] > 0


def test_same_input_same_bytes(plan: Plan, tmp_path: Path) -> None:
    a = write_documents(plan, tmp_path / "a", workers=1)
    b = write_documents(plan, tmp_path / "b", workers=2)
    assert a == b


def test_pdf_embeds_a_cjk_font_or_names_the_fallback(plan: Plan) -> None:
    doc = build_documents(plan)[0]
    reader = PdfReader(io.BytesIO(render_pdf(doc)))
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert any("FangduTradeCJK" in f or "STSong" in f or "UMing" in f for f in fonts), fonts
    assert "装箱单" in reader.pages[0].extract_text()


def test_long_cells_wrap_and_lose_no_text() -> None:
    # A cell wider than its column wraps inside it (names overlapped the next column once),
    # and a table longer than a page continues with its header repeated.
    from fangdu.trade.documents import Document, Table, _font, _wrap

    name = "绍兴柯桥中国轻纺城国际贸易有限公司第一千零六号纺织品商行 Keqiao Textile Trading"
    lines = _wrap(name, 60, _font())
    assert len(lines) > 2 and "".join(lines).replace(" ", "") == name.replace(" ", "")
    doc = Document(
        name="x",
        title="测试 / Test",
        header=[("商户 / Merchant", name)],
        tables=[
            Table("码单 / Roll list", ["卷号 roll", "米 m"], [[str(i), "50.0"] for i in range(90)])
        ],
    )
    reader = PdfReader(io.BytesIO(render_pdf(doc)))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "").replace(" ", "")
    assert name.replace(" ", "") in text
    assert len(reader.pages) >= 2 and "卷号" in reader.pages[1].extract_text()
    # a cell's own line breaks are kept; a cell taller than a page is cut, not a crash
    assert _wrap("N/M\nC001", 200, _font()) == ["N/M", "C001"]
    huge = Document(name="y", title="t", header=[("备注 / Note", "很长" * 3000)])
    assert PdfReader(io.BytesIO(render_pdf(huge))).pages
