"""Deterministic synthetic textile prints, their copies and hard negatives (tests, bench).

``make_print(seed)`` draws a repeat print; ``make_variant(print, kind, rng)`` makes a copy by
one of VARIANT_KINDS; ``make_hard_negative(print, kind, rng)`` a look-alike that is not a copy
(HARD_NEGATIVE_KINDS); ``stock_pattern(kind, rng)`` plain stripes, checks or dots;
``simple_print(seed)`` a few plain shapes on a half-drop lattice and ``simple_lookalike`` a
different simple design. Specs are
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
from fangdu.synth._simple import (
    SIMPLE_LOOKALIKE_KINDS,
    SIMPLE_SHAPES,
    render_simple,
    simple_lookalike,
    simple_print,
)
from fangdu.synth._spec import (
    Background,
    Layout,
    Motif,
    Placement,
    Print,
    PrintSpec,
    SimpleSpec,
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
    "SIMPLE_LOOKALIKE_KINDS",
    "SIMPLE_SHAPES",
    "STOCK_KINDS",
    "VARIANT_KINDS",
    "Background",
    "Layout",
    "Motif",
    "Placement",
    "Print",
    "PrintSpec",
    "SimpleSpec",
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
    "render_simple",
    "render_stock",
    "simple_lookalike",
    "simple_print",
    "stock_pattern",
]
