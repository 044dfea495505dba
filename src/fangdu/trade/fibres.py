"""Fibre names: the standard Chinese names, their common aliases, and how the HS groups them.

Standard names follow GB/T 4146.1 (chemical fibres) and GB/T 11951 (natural fibres) as used on
Chinese content labels; the EU names are those of Annex I of Regulation (EU) 1007/2011. Only
the fibres Keqiao's fabric trade names day to day are listed; any other name is reported as
unknown (rule CLS-FIBRE-UNKNOWN) rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ALIASES", "FIBRES", "Fibre", "FibreGroup", "lookup"]


class FibreGroup(StrEnum):
    """How Section XI sorts fibres into chapters."""

    SILK = "silk"  # chapter 50
    WOOL = "wool"  # chapter 51
    COTTON = "cotton"  # chapter 52
    VEGETABLE = "vegetable"  # chapter 53 (flax, ramie, ...)
    SYNTHETIC = "synthetic"  # man-made, synthetic polymers
    ARTIFICIAL = "artificial"  # man-made, regenerated cellulose and the like
    # Rubber thread: not a textile material for Section XI Note 2, but heading 6002/6004 counts
    # it ("5 % or more of elastomeric yarn or rubber thread"), so it is named in a composition.
    RUBBER = "rubber"
    # Metallised yarn (heading 56.05): one textile material for Section XI Note 2(B)(a), the
    # weight of its components together; for woven fabrics metal thread is a textile material.
    METALLISED = "metallised"


@dataclass(frozen=True, slots=True)
class Fibre:
    key: str  # stable identifier
    zh: str  # standard Chinese name
    eu: str  # Annex I name, Regulation (EU) 1007/2011
    group: FibreGroup
    polymer: str = ""  # for synthetics: polyester / polyamide / acrylic / other


FIBRES: dict[str, Fibre] = {
    f.key: f
    for f in (
        Fibre("cotton", "棉", "cotton", FibreGroup.COTTON),
        Fibre("polyester", "涤纶", "polyester", FibreGroup.SYNTHETIC, "polyester"),
        Fibre("polyamide", "锦纶", "polyamide", FibreGroup.SYNTHETIC, "polyamide"),
        Fibre("acrylic", "腈纶", "acrylic", FibreGroup.SYNTHETIC, "acrylic"),
        Fibre("polypropylene", "丙纶", "polypropylene", FibreGroup.SYNTHETIC, "other"),
        Fibre("elastane", "氨纶", "elastane", FibreGroup.SYNTHETIC, "other"),
        Fibre("viscose", "粘纤", "viscose", FibreGroup.ARTIFICIAL),
        Fibre("modal", "莫代尔纤维", "modal", FibreGroup.ARTIFICIAL),
        Fibre("lyocell", "莱赛尔纤维", "lyocell", FibreGroup.ARTIFICIAL),
        Fibre("acetate", "醋纤", "acetate", FibreGroup.ARTIFICIAL),
        Fibre("cupro", "铜氨纤维", "cupro", FibreGroup.ARTIFICIAL),
        # Regenerated protein fibre (soybean): artificial, Chapter 54 Note 1(b) ("chemical
        # transformation of natural organic polymers (for example, ... casein and other
        # proteins)"); Annex I's "protein". A fibre mainly of polyvinyl alcohol with some
        # protein is a synthetic (vinylal) and must be declared as such.
        Fibre("soybean_protein", "大豆蛋白纤维", "protein", FibreGroup.ARTIFICIAL),
        Fibre("wool", "羊毛", "wool", FibreGroup.WOOL),
        Fibre("silk", "桑蚕丝", "silk", FibreGroup.SILK),
        Fibre("flax", "亚麻", "linen", FibreGroup.VEGETABLE),
        Fibre("ramie", "苎麻", "ramie", FibreGroup.VEGETABLE),
        Fibre("hemp", "大麻", "hemp", FibreGroup.VEGETABLE),  # true hemp, heading 5302
        Fibre("jute", "黄麻", "jute", FibreGroup.VEGETABLE),  # bast fibre of heading 5303
        # Rubber thread; "elastodiene" is Annex I's name for natural or synthetic polyisoprene.
        Fibre("rubber", "橡胶丝", "elastodiene", FibreGroup.RUBBER),
        # Metallised yarn (Lurex and the like), heading 56.05. The EU name is Annex I's "metal"
        # (not checked against the regulation's text for metallised yarn).
        Fibre("metallised", "金属化纱线", "metal", FibreGroup.METALLISED),
    )
}

# Standard alternative names that are equally correct (scientific vs customary name).
_EQUIVALENT: dict[str, str] = {
    "聚酯纤维": "polyester",
    "聚酰胺纤维": "polyamide",
    "尼龙": "polyamide",
    "聚丙烯腈纤维": "acrylic",
    "聚丙烯纤维": "polypropylene",
    "聚氨酯弹性纤维": "elastane",
    "粘胶纤维": "viscose",
    "黏胶纤维": "viscose",
    "黏纤": "viscose",
    "莫代尔": "modal",
    "莱赛尔": "lyocell",
    "醋酯纤维": "acetate",
    "蚕丝": "silk",
    "羊毛纤维": "wool",
    "棉纤维": "cotton",
    "二烯类弹性纤维": "rubber",
    "大豆蛋白改性纤维": "soybean_protein",
    "再生蛋白质纤维": "soybean_protein",
}

# Names the market uses that are not standard: accepted to classify, reported as CLS-FIBRE-ALIAS.
ALIASES: dict[str, str] = {
    "人造棉": "viscose",
    "人棉": "viscose",
    "天丝": "lyocell",
    "涤": "polyester",
    "锦": "polyamide",
    "莱卡": "elastane",
    "弹力丝": "elastane",
    "真丝": "silk",
    "汉麻": "hemp",
    "全棉": "cotton",
    "纯棉": "cotton",
    "橡胶": "rubber",
    "橡筋": "rubber",
    "大豆纤维": "soybean_protein",
    "金银丝": "metallised",
    "金属丝": "metallised",
}


# English names of the regenerated soybean protein fibre in rulings and invoices.
_EN_PROTEIN = frozenset(
    {
        "soybean",
        "soy",
        "soybean fiber",
        "soybean fibre",
        "soybean protein fiber",
        "soybean protein fibre",
        "soybean regenerated fiber",
        "soybean regenerated fibre",
        "regenerated protein fiber",
        "regenerated protein fibre",
    }
)


def lookup(name: str) -> tuple[Fibre | None, bool]:
    """(fibre, is_standard) for a name in Chinese or English; (None, False) when unknown."""
    n = name.strip()
    low = n.lower()
    for f in FIBRES.values():
        if n == f.zh or low in (f.key, f.eu):
            return f, True
    if n in _EQUIVALENT:
        return FIBRES[_EQUIVALENT[n]], True
    if n in ALIASES:
        return FIBRES[ALIASES[n]], False
    if low in ("metallised yarn", "metalized yarn", "metallized yarn", "metallic yarn", "lurex"):
        return FIBRES["metallised"], False
    if low in _EN_PROTEIN:
        return FIBRES["soybean_protein"], False
    if low in ("nylon", "spandex", "rayon", "tencel", "rubber"):
        key = {
            "nylon": "polyamide",
            "spandex": "elastane",
            "rayon": "viscose",
            "tencel": "lyocell",
            "rubber": "rubber",
        }[low]
        return FIBRES[key], False
    return None, False
