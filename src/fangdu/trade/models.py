"""The trade context's data: parties, fabric specifications, lines, findings, settings.

Money and weights are Decimal; models are strict (no silent str→number coercion) and frozen.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from fangdu.trade.rules import Severity

__all__ = [
    "CONTAINERS",
    "Component",
    "Construction",
    "ContainerType",
    "FabricSpec",
    "Finding",
    "Finish",
    "KnitType",
    "LabReport",
    "Labelling",
    "Line",
    "Merchant",
    "Operator",
    "Pile",
    "Purchaser",
    "Roll",
    "TradeSettings",
    "Weave",
    "YarnKind",
]


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class Construction(StrEnum):
    WOVEN = "woven"  # 机织
    KNITTED = "knitted"  # 针织


class YarnKind(StrEnum):
    FILAMENT = "filament"  # 长丝
    STAPLE = "staple"  # 短纤


class KnitType(StrEnum):
    """Chapter 60: warp knit (heading 6005) or not (6006)."""

    WARP = "warp"  # 经编 (including galloon machines)
    WEFT = "weft"  # 纬编 (circular, flat; and crochet)


class Pile(StrEnum):
    """Chapter 60, heading 6001: pile fabrics, including long pile and terry."""

    NONE = "none"  # 非起绒
    LONG = "long"  # 长毛绒 ("long pile", subheading 6001.10)
    LOOPED = "looped"  # 毛圈 (looped pile, terry: 6001.2x)
    OTHER = "other"  # 其他起绒 (cut pile, velour: 6001.9x)


class Finish(StrEnum):
    UNBLEACHED = "unbleached"  # 本色
    BLEACHED = "bleached"  # 漂白
    # 染白: dyed white or given a white dressing in the piece. Kept apart from DYED because the
    # HS counts it as bleached (Section XI subheading note 1(e)(i)); see classify.effective_finish.
    DYED_WHITE = "dyed_white"
    DYED = "dyed"  # 染色
    YARN_DYED = "yarn_dyed"  # 色织
    PRINTED = "printed"  # 印花


class Weave(StrEnum):
    PLAIN = "plain"  # 平纹
    TWILL = "twill"  # 三线或四线斜纹（含双面斜纹）
    DENIM = "denim"  # 劳动布 (yarn-dyed twill, subheadings 5209.42 / 5211.42)
    OTHER = "other"  # 其他组织（缎纹等）


class Labelling(StrEnum):
    NONE = "none"
    CN = "cn"  # the contract asks for Chinese labelling (GB/T 29862, GB 18401)
    EU = "eu"  # destination EU: Reg. 1007/2011 names, REACH azo amines


class Component(_Model):
    name: str = Field(min_length=1)  # as written by the merchant
    fibre: str | None  # key into fibres.FIBRES; None when unknown
    standard: bool  # False for 人造棉, 天丝 and the like
    percent: Decimal


class FabricSpec(_Model):
    """What the tariff turns on, and what the order ledger reuses. None = not given."""

    composition: tuple[Component, ...] = ()
    construction: Construction | None = None
    yarn: YarnKind | None = None
    textured: bool | None = None  # polyester filament: textured (弹力丝/低弹) or not
    # Textured polyester filament as a share of the fabric's weight, for a fabric mixing
    # textured and non-textured filaments (5407.5x / 5407.61 / 5407.69); overrides `textured`.
    textured_percent: Decimal | None = None
    # The filament part of the composition: for each man-made fibre spun partly as filament, its
    # filament share of the fabric's weight; the rest of that fibre is staple (Section XI Note 2:
    # filament, chapter 54, and staple, chapter 55, are different textile materials). None: the
    # kind comes from `yarn` (every man-made fibre of that kind).
    filament: tuple[Component, ...] | None = None
    finish: Finish | None = None
    weave: Weave | None = None
    # Knitted (chapter 60): warp or weft knit, pile, elastomeric yarn share of the weight (None:
    # the composition's elastane share).
    knit: KnitType | None = None
    pile: Pile | None = None
    elastomeric_percent: Decimal | None = None
    # Impregnated or coated with an insecticide of Chapter 60 subheading note 1 (mosquito-net
    # fabric, 6005.35): a treatment the declarant states, like a finish; such fabric is not
    # classified (the note turns on yarn decitex, not modelled).
    insecticide: bool = False
    width_cm: Decimal | None = None
    # The width stated only against the tariff's 30 cm line (幅宽 ">30" / "≤30"): True over
    # 30 cm, False not over; used where width_cm is not given (headings 6002/6003 vs 6004-6006,
    # 58.06).
    width_over_30: bool | None = None
    gsm: Decimal | None = None  # g/m²


class Roll(_Model):
    number: str
    metres: Decimal
    kg: Decimal | None = None


class LabReport(_Model):
    """An attached test report, only read when labelling applies."""

    composition: tuple[Component, ...] = ()
    formaldehyde_mg_kg: Decimal | None = None
    ph: Decimal | None = None
    azo_mg_kg: Decimal | None = None  # highest single listed amine
    category: str | None = None  # GB 18401 A / B / C


class Merchant(_Model):
    name: str = Field(min_length=1)
    uscc: str  # 统一社会信用代码


class Operator(_Model):
    name: str = Field(min_length=1)
    uscc: str
    registered: bool  # 商务和海关备案
    consignor: bool  # named as consignor on the declaration


class Purchaser(_Model):
    name: str = Field(min_length=1)
    nationality: str  # ISO 3166 alpha-2
    id_number: str  # passport or ID; "" when missing


class Line(_Model):
    """One row of a merchant's goods list (one variety of fabric)."""

    ref: str  # where it came from: "sheet!row" or "file:row"
    merchant: Merchant
    operator: Operator
    purchaser: Purchaser
    destination: str  # ISO 3166 alpha-2
    sailing: str  # vessel/voyage or date: groups lines that leave together
    settlement: str  # 结算方式, as written
    name: str = Field(min_length=1)  # 品名
    declared_code: str
    elements: str  # 申报要素 as given, "|"-separated
    spec: FabricSpec
    metres: Decimal
    net_kg: Decimal
    gross_kg: Decimal
    packages: int = Field(ge=1)
    volume_m3: Decimal
    currency: str
    amount: Decimal  # total value in currency
    confirmed: bool  # confirmed on the networked information platform
    excluded: bool  # excluded by the authorities
    export_date: dt.date
    rolls: tuple[Roll, ...] = ()
    marks: str = ""
    labelling: Labelling = Labelling.NONE
    label: tuple[Component, ...] = ()  # contents on the label, when labelling applies
    lab: LabReport | None = None


class Finding(_Model):
    rule: str
    severity: Severity
    zh: str
    en: str
    clause: str
    where: str  # line ref or declaration id
    detail: str = ""  # the values involved


class ContainerType(_Model):
    code: str
    volume_m3: Decimal  # inside volume
    payload_kg: Decimal  # maximum payload


# Nominal ISO containers; inside volumes and payloads differ by owner, hence settings.
CONTAINERS: dict[str, ContainerType] = {
    "20GP": ContainerType(code="20GP", volume_m3=Decimal("33.2"), payload_kg=Decimal("28200")),
    "40GP": ContainerType(code="40GP", volume_m3=Decimal("67.7"), payload_kg=Decimal("26700")),
    "40HQ": ContainerType(code="40HQ", volume_m3=Decimal("76.4"), payload_kg=Decimal("26500")),
}


class TradeSettings(_Model):
    cap_usd: Decimal = Decimal(150000)
    usd_rates: dict[str, Decimal] = Field(  # units of USD per unit of currency, of the day
        default_factory=lambda: {"USD": Decimal(1)}
    )
    simplified_min_varieties: int = 5
    top_listed: int = 5
    # Codes with export duty or export inspection (class N): never merged. The tariff rows
    # carry neither, so this stays empty unless the operator lists them.
    no_merge_prefixes: tuple[str, ...] = ()
    weight_tolerance: Decimal = Decimal("0.10")  # relative, for CON-WEIGHT
    roll_tolerance_m: Decimal = Decimal("0.5")
    container: str = "40HQ"
    fill_factor: Decimal = Decimal("0.85")  # usable share of a container's volume
    max_items: int | None = 50  # items per declaration form
    cpsat_seconds: float = 2.0
    cpsat_max_items: int = 400
