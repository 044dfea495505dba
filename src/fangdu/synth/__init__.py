"""Deterministic synthetic textile prints, their copies and hard negatives (tests, bench).

``make_print(seed)`` draws a repeat print; ``make_variant(print, kind, rng)`` makes a copy by
one of VARIANT_KINDS; ``make_hard_negative(print, kind, rng)`` a look-alike that is not a copy
(HARD_NEGATIVE_KINDS); ``stock_pattern(kind, rng)`` plain stripes, checks or dots. Specs are
frozen dataclasses: ``render(dataclasses.replace(spec, palette=...))`` redraws a variant.
"""

from fangdu.synth._assets import clipart_files, gimp_pattern_files
from fangdu.synth._generate import (
    STOCK_KINDS,
    colourway,
    make_print,
    random_background,
    random_layout,
    random_palette,
    render_stock,
    stock_pattern,
)
from fangdu.synth._render import render
from fangdu.synth._spec import (
    Background,
    Layout,
    Motif,
    Placement,
    Print,
    PrintSpec,
    StockSpec,
)
from fangdu.synth._variants import (
    HARD_NEGATIVE_KINDS,
    VARIANT_KINDS,
    make_hard_negative,
    make_variant,
)

__all__ = [
    "HARD_NEGATIVE_KINDS",
    "STOCK_KINDS",
    "VARIANT_KINDS",
    "Background",
    "Layout",
    "Motif",
    "Placement",
    "Print",
    "PrintSpec",
    "StockSpec",
    "clipart_files",
    "colourway",
    "gimp_pattern_files",
    "make_hard_negative",
    "make_print",
    "make_variant",
    "random_background",
    "random_layout",
    "random_palette",
    "render",
    "render_stock",
    "stock_pattern",
]
