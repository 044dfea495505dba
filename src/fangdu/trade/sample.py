"""A synthetic, deterministic market day: goods lists shaped like the ones trade companies get.

For tests, the benchmark and ``fangdu trade sample``. Every value is made up; the last four
digits of the sample's 10-digit codes are "0000" placeholders (China's 8+2 splits are not
transcribed). Clean by construction: each line classifies to its declared subheading and
passes every rule, so a test that breaks one field knows which rule must fire.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fangdu.trade.reader import COLUMNS
from fangdu.trade.uscc import check_character

__all__ = ["FABRICS", "sample_rows", "uscc", "write_csv", "write_xlsx"]

# name, composition, construction, yarn, textured, finish, weave, gsm, width cm, code (6 digits)
FABRICS: tuple[tuple[str, str, str, str, str, str, str, int, int, str], ...] = (
    ("涤纶雪纺印花布", "涤纶100%", "机织", "长丝", "否", "印花", "平纹", 75, 150, "540761"),
    ("涤纶低弹染色布", "涤纶100%", "机织", "长丝", "是", "染色", "斜纹", 130, 150, "540752"),
    ("涤纶低弹印花布", "涤纶96%/氨纶4%", "机织", "长丝", "是", "印花", "平纹", 110, 148, "540754"),
    ("锦纶塔丝隆", "锦纶100%", "机织", "长丝", "否", "染色", "平纹", 90, 150, "540742"),
    ("人丝印花布", "粘纤100%", "机织", "长丝", "否", "印花", "缎纹", 120, 140, "540824"),
    ("全棉府绸", "棉100%", "机织", "短纤", "否", "染色", "平纹", 120, 150, "520832"),
    ("全棉巴厘纱", "棉100%", "机织", "短纤", "否", "印花", "平纹", 80, 145, "520851"),
    ("全棉斜纹布", "棉100%", "机织", "短纤", "否", "染色", "斜纹", 240, 150, "520932"),
    ("全棉牛仔布", "棉98%/氨纶2%", "机织", "短纤", "否", "色织", "牛仔", 340, 150, "520942"),
    ("棉涤平布", "棉60%/涤纶40%", "机织", "短纤", "否", "染色", "平纹", 150, 150, "521031"),
    ("涤棉府绸", "涤纶65%/棉35%", "机织", "短纤", "否", "染色", "平纹", 120, 150, "551321"),
    ("涤棉卡其", "涤纶65%/棉35%", "机织", "短纤", "否", "染色", "斜纹", 210, 150, "551422"),
    ("涤棉印花布", "涤纶80%/棉20%", "机织", "短纤", "否", "印花", "平纹", 105, 150, "551341"),
    ("涤粘仿毛", "涤纶65%/粘纤35%", "机织", "短纤", "否", "染色", "斜纹", 230, 150, "551511"),
    ("纯涤纱卡", "涤纶100%", "机织", "短纤", "否", "染色", "斜纹", 200, 150, "551219"),
    ("人棉印花布", "粘纤100%", "机织", "短纤", "否", "印花", "平纹", 110, 140, "551614"),
    ("粘棉混纺布", "粘纤70%/棉30%", "机织", "短纤", "否", "染色", "平纹", 130, 145, "551642"),
    ("莱赛尔染色布", "莱赛尔纤维100%", "机织", "短纤", "否", "染色", "斜纹", 160, 145, "551612"),
)

_MERCHANT_NAMES = ("绍兴柯桥{}号纺织商行", "柯桥{}布业经营部", "轻纺城{}面料行")
_PURCHASERS = (
    ("Ahmed Trading", "AE"),
    ("Oyelaran Textiles", "NG"),
    ("Kim Fabrics", "KR"),
    ("Petrov Tekstil", "RU"),
    ("Silva Tecidos", "BR"),
    ("Rahman Garments", "BD"),
)


def uscc(rng: random.Random) -> str:
    """A syntactically valid, made-up 统一社会信用代码 (9 = enterprise, 1 = company)."""
    body = "91330621" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + check_character(body)


def _q(x: Decimal, places: str = "0.1") -> Decimal:
    return x.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def sample_rows(
    n_lines: int = 200,
    seed: int = 18,
    containers_hint: int | None = None,
    day: dt.date = dt.date(2026, 12, 7),
) -> list[dict[str, str]]:
    """``n_lines`` clean rows keyed by the Chinese headers."""
    rng = random.Random(seed)
    operators = [(f"绍兴柯桥{n}进出口有限公司", uscc(rng)) for n in ("华纺", "越丰", "轻联")]
    # A stall exports through one agent; a buyer's day fills a container or two.
    merchants = [
        (_MERCHANT_NAMES[i % 3].format(1000 + i), uscc(rng), operators[i % 3])
        for i in range(max(3, n_lines // 25))
    ]
    n_groups = containers_hint or max(1, n_lines // 80)
    purchasers = [
        (
            f"{_PURCHASERS[k % 6][0]} {k // 6 + 1}",
            _PURCHASERS[k % 6][1],
            f"P{rng.randrange(10**7, 10**8)}",
        )
        for k in range(max(1, n_groups // 2))
    ]
    sailings = ["COSCO V101", "MAERSK V202"]
    rows: list[dict[str, str]] = []
    for i in range(n_lines):
        # every fabric once first, so a small sample still has each kind
        f = FABRICS[i] if i < len(FABRICS) else FABRICS[rng.randrange(len(FABRICS))]
        name, comp, cons, yarn, tex, finish, weave, gsm, width, code = f
        g = rng.randrange(n_groups)
        op = operators[g % 3]
        pool = [m for m in merchants if m[2] == op]
        merchant = pool[rng.randrange(len(pool))]
        pur = purchasers[(g // 3) % len(purchasers)]
        sailing = sailings[g % 2]
        metres = Decimal(rng.randrange(300, 4000))
        rolls_n = max(1, int(metres // 100))
        base = metres / rolls_n
        roll_m = [_q(base) for _ in range(rolls_n - 1)]
        roll_m.append(metres - sum(roll_m, Decimal(0)))
        net = _q(metres * width / 100 * gsm / 1000)
        gross = _q(net * Decimal("1.02") + Decimal(rolls_n) * Decimal("0.6"))
        price = Decimal(rng.randrange(80, 520)) / 100
        amount = _q(metres * price, "0.01")
        volume = _q(Decimal(rolls_n) * Decimal("0.08") * width / 150, "0.01")  # a 100 m roll
        values = {
            "merchant": merchant[0],
            "merchant_uscc": merchant[1],
            "operator": op[0],
            "operator_uscc": op[1],
            "operator_registered": "是",
            "operator_consignor": "是",
            "purchaser": pur[0],
            "purchaser_nationality": pur[1],
            "purchaser_id": pur[2],
            "destination": pur[1],
            "sailing": sailing,
            "settlement": "电汇",
            "export_date": day.isoformat(),
            "name": name,
            "code": code + "0000",
            "elements": "",
            "composition": comp,
            "construction": cons,
            "yarn": yarn,
            "textured": tex,
            "filament": "",
            "finish": finish,
            "weave": weave,
            "width_cm": str(width),
            "gsm": str(gsm),
            "knit": "",
            "pile": "",
            "elastomeric": "",
            "insecticide": "",
            "metres": str(metres),
            "net_kg": str(net),
            "gross_kg": str(gross),
            "packages": str(rolls_n),
            "volume_m3": str(volume),
            "currency": "USD",
            "amount": str(amount),
            "confirmed": "是",
            "excluded": "否",
            "rolls": ";".join(str(m) for m in roll_m),
            "marks": f"N/M {i + 1:05d}",
            "labelling": "",
            "label": "",
            "lab_composition": "",
            "formaldehyde": "",
            "ph": "",
            "azo": "",
            "category": "",
        }
        rows.append({c.zh: values[c.key] for c in COLUMNS})
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=[c.zh for c in COLUMNS], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def write_xlsx(rows: list[dict[str, str]], path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "明细"
    headers = [c.zh for c in COLUMNS]
    ws.append(headers)
    for r in rows:
        ws.append([r[h] for h in headers])
    wb.save(path)
    return path
