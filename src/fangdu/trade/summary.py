"""Each merchant's monthly summary of what was exported through 1039 (rule REG-VAT).

Market-procurement exports are VAT-exempt without refund; a merchant exporting through an
agent signs a 委托代理出口货物协议 and files the exemption in the month after export. The
summary lists the merchant's planned lines of one export month so it can do so: it is a list
of facts, not a tax filing and not tax advice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from fangdu.trade.models import Line

__all__ = ["MerchantMonth", "filing_month", "merchant_months"]

RULE = "REG-VAT"


@dataclass(slots=True)
class MerchantMonth:
    merchant: str
    uscc: str
    month: str  # YYYY-MM of export
    filing_month: str  # YYYY-MM: the month after export
    lines: list[Line] = field(default_factory=list)
    declarations: dict[str, str] = field(default_factory=dict)  # line ref → declaration id

    @property
    def amounts(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for ln in self.lines:
            out[ln.currency] += ln.amount
        return dict(sorted(out.items()))

    @property
    def metres(self) -> Decimal:
        return sum((ln.metres for ln in self.lines), Decimal(0))

    @property
    def net_kg(self) -> Decimal:
        return sum((ln.net_kg for ln in self.lines), Decimal(0))


def filing_month(export: dt.date) -> str:
    year, month = (export.year + 1, 1) if export.month == 12 else (export.year, export.month + 1)
    return f"{year:04d}-{month:02d}"


def merchant_months(planned: Iterable[tuple[str, Line]]) -> list[MerchantMonth]:
    """(declaration id, line) pairs → one summary per merchant and export month, stable order."""
    out: dict[tuple[str, str], MerchantMonth] = {}
    for decl, ln in planned:
        month = ln.export_date.strftime("%Y-%m")
        key = (ln.merchant.uscc, month)
        if key not in out:
            out[key] = MerchantMonth(
                merchant=ln.merchant.name,
                uscc=ln.merchant.uscc,
                month=month,
                filing_month=filing_month(ln.export_date),
            )
        out[key].lines.append(ln)
        out[key].declarations[ln.ref] = decl
    return [out[k] for k in sorted(out)]
