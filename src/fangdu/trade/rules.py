"""Every rule the trade context applies: one ID, the clause it encodes, its source.

docs/TRADE.md lists the same IDs; tests/trade/test_rules_documented.py fails when the two
differ. A rule here is either a check that yields findings (checks.py) or a step of planning
(plan.py, simplified.py) or of the documents (documents.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["RULES", "Rule", "Severity", "rule"]


class Severity(StrEnum):
    ERROR = "error"  # the declaration would be refused or is wrong; nothing is planned from it
    QUESTION = "question"  # an attribute the tariff turns on is missing: ask, never guess
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    zh: str
    en: str
    clause: str
    source: str


_R = Rule
_E, _Q, _W, _I = Severity.ERROR, Severity.QUESTION, Severity.WARNING, Severity.INFO
GACC221 = "GACC Announcement 2019 No. 221 (市场采购贸易监管办法)"
SAT89 = "SAT Announcement 2015 No. 89"
HS = "Harmonized System, Section XI (via UN Comtrade HS dataset, data/hs_woven.json)"
CN = (
    "China tariff 8+2-digit rows, third-party copies (hs.bianmachaxun.com, china-gacc.agency and "
    "others; data/cn_tariff_fabric.json)"
)

_ALL: tuple[Rule, ...] = (
    # Regime
    _R(
        "REG-CAP",
        _E,
        "单票报关单货值超过上限",
        "declaration value over the cap",
        "at most US$150,000 per declaration (USD rate a setting)",
        GACC221,
    ),
    _R(
        "REG-CAP-LINE",
        _E,
        "单行货值超过上限，须按数量拆分",
        "one line worth more than the cap; split it by quantity",
        "at most US$150,000 per declaration",
        GACC221,
    ),
    _R(
        "REG-EXCL-LIST",
        _E,
        "商品在禁止或限制出口清单内",
        "good on the export-banned or restricted list",
        "excluded: goods banned or restricted for export (dated list)",
        GACC221,
    ),
    _R(
        "REG-EXCL-PLATFORM",
        _E,
        "商品未经联网信息平台确认",
        "line not confirmed by the platform",
        "excluded: goods not confirmed by the networked information platform",
        GACC221,
    ),
    _R(
        "REG-EXCL-AUTH",
        _E,
        "商品被主管部门排除",
        "good excluded by the authorities",
        "excluded: goods the authorities exclude from market procurement",
        GACC221,
    ),
    _R(
        "REG-CASH",
        _E,
        "不得现金结算",
        "no cash settlement",
        "market procurement may not be settled in cash",
        GACC221,
    ),
    _R(
        "REG-OPERATOR",
        _E,
        "外贸经营者须在商务和海关备案并作为发货人",
        "trade operator must be registered with commerce and customs and be the consignor",
        "the operator is registered and named as consignor",
        GACC221,
    ),
    _R(
        "REG-PURCHASER",
        _E,
        "须注明采购商国籍及护照或身份证号",
        "purchaser needs nationality and passport or ID number",
        "the purchaser is named with nationality and passport/ID",
        GACC221,
    ),
    _R(
        "REG-SIMPLIFIED",
        _I,
        "简化申报：5种以上货物按价值列前5项，其余按章合并",
        "simplified declaration: 5 or more varieties list the top five by value, the rest "
        "merged per chapter",
        "5种以上: top five by value one by one in descending value; the "
        "rest merged per tariff chapter under the code of that chapter's highest-value item, "
        "quantities and values summed; the mapping kept",
        GACC221,
    ),
    _R(
        "REG-SIMPLIFIED-EXCL",
        _I,
        "出口征税或须检验(N类)商品不得简化合并",
        "goods with export duty or inspection class N are never merged",
        "simplified declaration does not apply to goods with export duty or export inspection",
        GACC221,
    ),
    _R(
        "REG-VAT",
        _I,
        "增值税免征不退；委托出口须签代理协议，出口次月申报免税",
        "VAT exempt without refund; an agent's merchant signs an agency agreement and files "
        "the exemption in the month after export",
        "免征增值税，不退税; 委托代理出口货物协议; 次月申报",
        SAT89,
    ),
    _R(
        "REG-ONE-CURRENCY",
        _E,
        "一票报关单只能使用一种币制",
        "one currency per declaration",
        "a declaration is priced in one currency (the form has one currency field)",
        "issue 18",
    ),
    # Classification
    _R(
        "CLS-COMP-SUM",
        _E,
        "成分合计须为100%",
        "composition must sum to 100 %",
        "fibre contents are percentages by weight of the whole",
        "GB/T 29862-2013",
    ),
    _R(
        "CLS-FIBRE-UNKNOWN",
        _E,
        "纤维名称不可识别",
        "unknown fibre name",
        "fibre names per GB/T 4146.1 and GB/T 11951",
        "GB/T 4146.1; GB/T 11951",
    ),
    _R(
        "CLS-FIBRE-ALIAS",
        _E,
        "使用了非标准纤维名称",
        "non-standard fibre name",
        "use the standard name (人造棉 → 粘纤, 天丝 → 莱赛尔纤维)",
        "GB/T 4146.1; GB/T 11951",
    ),
    _R(
        "CLS-PREDOMINANT",
        _E,
        "归类须按重量最大的纤维，相等时取后一品目",
        "classified by the predominant fibre by weight; on a tie, the last heading",
        'Section XI Note 2(A); "mixed mainly or solely with" weighs the other materials as '
        "Note 2(B)(d) counts them (one per chapter; within the chapter, one per heading)",
        HS,
    ),
    _R(
        "CLS-85",
        _E,
        "85%含量界限",
        "the 85 % threshold",
        "headings 5208/5209 vs 5210-5212, 5512 vs 5513-5515, 5516.1, 5407.4-7 vs 5407.8-9, "
        "5309.1 vs 5309.2; 5407.5 (textured) vs 5407.61 (non-textured) vs 5407.69",
        HS,
    ),
    _R(
        "CLS-WEIGHT",
        _E,
        "克重界限(棉200, 涤棉170, 平纹100 g/m²)",
        "weight splits (cotton 200, polyester staple with cotton 170, plain weave 100 g/m²)",
        "headings 5208/5209, 5210/5211, 5212.1/5212.2, 5513/5514; subheadings .11/.12",
        HS,
    ),
    _R(
        "CLS-CONSTRUCTION",
        _E,
        "机织/针织、长丝/短纤决定章别",
        "woven vs knitted and filament vs staple decide the chapter",
        "chapters 52 and 55 staple, 54 filament; knitted goes to chapter 60",
        HS,
    ),
    _R(
        "CLS-FIL-STAPLE",
        _E,
        "长丝与短纤为不同纺织材料，按重量定第54或55章，相等时取第55章",
        "filament and staple are different textile materials: chapter 54 or 55 by weight, ties "
        "to 55",
        "Section XI Note 2(A) and 2(B)(b)-(d): man-made filament (54) against staple (55) by "
        "weight, each chapter's heading by its own materials; 5515.12/.21/.91 and 5516.2x "
        '"mixed mainly or solely with man-made filaments"',
        HS,
    ),
    _R(
        "CLS-KNIT",
        _E,
        "针织物品目：起绒6001；幅宽≤30cm且弹性纱线或橡胶丝≥5% 6002、其他6003；>30cm且≥5% 6004；"
        "经编6005；其他6006",
        "knitted headings: pile 6001; width <= 30 cm with >= 5 % elastomeric yarn or rubber "
        "thread 6002, other 6003; > 30 cm with >= 5 % 6004; warp knit 6005; other 6006",
        "Chapter 60 headings 60.01-60.06 and subheadings 6002.40/.90, 6004.10/.90 (a width stated "
        'only as over or not over 30 cm decides); Section XI subheading note 2(A) for "of cotton '
        '/ synthetic / artificial fibres"',
        "Harmonized System 2022, chapter 60 (structure, data/hs_knitted.json)",
    ),
    _R(
        "CLS-FINISH-WEAVE",
        _E,
        "本色/漂白/染色/色织/印花及组织决定子目",
        "unbleached / bleached / dyed / yarn-dyed / printed and the weave decide the subheading",
        "Section XI subheading note 1 (dyed white counts as bleached); Chapter 52 subheading "
        "notes; 6-digit subheadings",
        HS,
    ),
    _R(
        "CLS-ASK",
        _Q,
        "缺少归类所需属性，请补充",
        "an attribute the tariff turns on is missing; please supply it",
        "the tool asks, never guesses",
        "issue 18",
    ),
    _R(
        "CLS-OUT-OF-SCOPE",
        _W,
        "该商品不在归类数据范围内，仅作格式与申报要素检查",
        "good outside the transcribed tariff rows; format and 申报要素 checks only",
        "tariff rows transcribed for woven fabrics of 52, 53, 54, 55 and knitted fabrics of 60; "
        "a woven fabric not over 30 cm wide may be a narrow woven fabric of 58.06 (Chapter 58 "
        "Note 5)",
        "docs/TRADE.md",
    ),
    _R(
        "TAR-FORMAT",
        _E,
        "商品编码须为10位数字",
        "commodity code must be 10 digits",
        "China's tariff extends the HS to 8 digits plus 2 statistical digits",
        "issue 18",
    ),
    _R(
        "TAR-ABSENT",
        _E,
        "商品编码不在税则年度目录中",
        "code absent from the tariff year",
        "the code's 6-digit subheading must exist in the transcribed nomenclature; one a later "
        "HS edition deleted is named with its edition and successor (data/hs_editions.json); "
        "under a subheading whose 10-digit rows were all read, the code must be one of them "
        "(data/cn_tariff_fabric.json)",
        HS,
    ),
    _R(
        "TAR-NATIONAL",
        _E,
        "10位商品编码与商品属性所定税则行不符",
        "10-digit code differs from the tariff row the attributes select",
        "China's 8+2-digit rows under one subheading split by finish or material; where the rows "
        "read decide it, the declared row must be that one (data/cn_tariff_fabric.json)",
        CN,
    ),
    _R(
        "TAR-UNITS",
        _E,
        "未按商品编码的法定计量单位申报数量",
        "a legal unit of the code has no declared quantity",
        "each legal unit (法定第一/第二单位) of the code's row is declared: 米 as metres, 千克 as "
        "net kg (data/cn_tariff_fabric.json)",
        CN,
    ),
    _R(
        "TAR-ELEMENTS",
        _E,
        "申报要素缺少克重或幅宽等必填项",
        "申报要素 missing a required element (e.g. 克重, 幅宽)",
        "规范申报: every element the code's list names is given (the 10-digit row's list where "
        "transcribed: 织造方法, 染整方法, 组织结构 besides 成分含量, 幅宽, 克重)",
        "issue 18",
    ),
    # Consistency
    _R(
        "CON-WEIGHT",
        _E,
        "米数×幅宽×克重与净重不符",
        "metres × width × g/m² far from net kg",
        "net kg ≈ m × width(m) × g/m² / 1000 within a tolerance (a setting)",
        "issue 18",
    ),
    _R(
        "CON-NET-GROSS",
        _E,
        "净重大于毛重",
        "net weight above gross weight",
        "net ≤ gross",
        "issue 18",
    ),
    _R(
        "CON-ROLLS",
        _E,
        "码单合计与申报米数不符",
        "roll list does not sum to the line",
        "the roll list sums to the declared metres",
        "issue 18",
    ),
    _R(
        "CON-CURRENCY",
        _E,
        "币制不是ISO 4217代码",
        "currency not an ISO 4217 code",
        "ISO 4217 alphabetic code",
        "ISO 4217 (CLDR via Babel)",
    ),
    _R(
        "CON-COUNTRY",
        _E,
        "国别不是ISO 3166代码",
        "country not an ISO 3166 code",
        "ISO 3166-1 alpha-2 code",
        "ISO 3166-1 (CLDR via Babel)",
    ),
    _R(
        "CON-USCC",
        _E,
        "统一社会信用代码校验位错误",
        "bad 统一社会信用代码 check digit",
        "18 characters, check digit per the weighted mod-31 scheme",
        "GB 32100-2015",
    ),
    # Labelling: only when the contract or the destination asks
    _R(
        "LAB-SUM",
        _E,
        "标签成分合计须为100%",
        "label contents must sum to 100",
        "fibre content labels total 100 %",
        "GB/T 29862-2013",
    ),
    _R(
        "LAB-TOLERANCE",
        _E,
        "成分偏差超出允差",
        "fibre content outside the tolerance",
        "tolerance 5 points; 3 when the label says ≤10 %; ≤3 % must not test 0",
        "GB/T 29862-2013",
    ),
    _R(
        "LAB-GB18401",
        _E,
        "GB 18401 类别限值不符",
        "GB 18401 category limit exceeded",
        "formaldehyde A ≤20, B ≤75, C ≤300 mg/kg; pH A 4.0-7.5, B 4.0-8.5, C 4.0-9.0. Binds goods "
        "sold in China; for export it is a contract term",
        "GB 18401-2010",
    ),
    _R(
        "LAB-EU-NAMES",
        _E,
        "欧盟标签须使用附件I纤维名称",
        "EU labels use the Annex I fibre names",
        "Annex I names",
        "Regulation (EU) 1007/2011",
    ),
    _R(
        "LAB-AZO",
        _E,
        "可分解芳香胺超过30 mg/kg",
        "azo amines over 30 mg/kg",
        "each listed amine ≤30 mg/kg",
        "REACH Annex XVII entry 43",
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in _ALL}
assert len(RULES) == len(_ALL), "duplicate rule ID"


def rule(rule_id: str) -> Rule:
    """The rule with this ID (KeyError for an unknown one: a typo must not pass silently)."""
    return RULES[rule_id]
