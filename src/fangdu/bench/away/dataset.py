"""The away dataset: which references and queries exist, and how to draw each one.

Only seeds, families and code points are stored; images are drawn on demand and
deterministically. Every design drawn anew (a reference, a negative's new motifs, the new
motifs around a reused one) gets its own font glyphs (disjoint shares of each font) or its
own procedural seeds, so no two non-copies share a drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fangdu.bench.away.art import FONT_SOURCES, PROCEDURAL, Motif, pool
from fangdu.bench.away.design import (
    LAYOUTS,
    REPEATING,
    Design,
    Geo,
    random_canvas,
    random_colour,
    random_geo,
    random_ground,
    random_layout,
)
from fangdu.bench.away.queries import (
    COPY_CLASSES,
    GEO_CLASSES,
    NEGATIVE_CLASSES,
    REPEATING_ONLY,
    Drawn,
    make_copy,
    make_negative,
)

COPY = "copy"
NEGATIVE = "hard_negative"
SIZES = {  # name: (references, copies, hard negatives)
    "full": (5000, 600, 600),
    "quick": (500, 120, 120),
    "tiny": (40, 22, 8),
}
GEO_SHARE = 0.1  # share of references that are simple geometric designs
FAMILY_P = {"emoji": 0.25, "glyph": 0.3, "damask": 0.12, "sprig": 0.12, "brush": 0.1, "kilim": 0.11}


@dataclass(frozen=True)
class Art:
    """The motifs of one new design: a family and one key per motif."""

    family: str
    keys: tuple[int, ...]


@dataclass(frozen=True)
class Ref:
    ref_id: str
    seed: int
    art: Art | None  # None: a simple geometric design


@dataclass(frozen=True)
class Query:
    query_id: str
    group: str  # COPY or NEGATIVE
    kind: str
    source: str
    seed: int
    art: Art | None = None  # new motifs (motif_reused and negatives)

    @property
    def copy_of(self) -> str | None:
        return self.source if self.group == COPY else None


@dataclass
class AwayDataset:
    references: tuple[Ref, ...]
    queries: tuple[Query, ...]
    seed: int
    art_used: dict[str, int] = field(default_factory=dict)

    def positives(self) -> set[tuple[str, str]]:
        return {(q.query_id, q.source) for q in self.queries if q.group == COPY}

    def ref(self, ref_id: str) -> Ref:
        return self._by_id[ref_id]

    def __post_init__(self) -> None:
        self._by_id = {r.ref_id: r for r in self.references}


class _Allocator:
    """Hands out motifs: disjoint font glyphs while they last, else procedural seeds."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.pools = {s: list(rng.permutation(pool(s))) for s in FONT_SOURCES}
        self.used: dict[str, int] = {}

    def art(self, n: int, family: str | None = None) -> Art:
        if family is None:
            names = list(FAMILY_P)
            family = str(self.rng.choice(names, p=[FAMILY_P[k] for k in names]))
        if family in FONT_SOURCES:
            if len(self.pools[family]) >= n:
                keys = tuple(int(self.pools[family].pop()) for _ in range(n))
                self.used[family] = self.used.get(family, 0) + n
                return Art(family, keys)
            family = str(self.rng.choice(PROCEDURAL))
        self.used[family] = self.used.get(family, 0) + n
        return Art(family, tuple(int(k) for k in self.rng.integers(0, 2**31, n)))


def build(size: str | tuple[int, int, int] = "quick", seed: int = 0) -> AwayDataset:
    """References (with distractors and simple designs), copies cycling through the copy
    classes (each of a different reference), hard negatives in four equal classes."""
    n_refs, n_copies, n_neg = SIZES[size] if isinstance(size, str) else size
    rng = np.random.default_rng([seed, 0xA11A])
    alloc = _Allocator(rng)
    n_geo = max(len(GEO_CLASSES) * 2, round(n_refs * GEO_SHARE))
    refs = []
    for i in range(n_refs):
        art = None if i % round(n_refs / n_geo) == 0 else alloc.art(int(rng.integers(1, 4)))
        refs.append(Ref(f"a{i:05d}", int(rng.integers(2**31)), art))
    geo = [r for r in refs if r.art is None]
    designs = [r for r in refs if r.art is not None]
    repeating = {r.ref_id for r in designs if _layout_of(r) in REPEATING}
    order = {"geo": list(rng.permutation(len(geo))), "design": list(rng.permutation(len(designs)))}
    queries: list[Query] = []

    def add(group: str, kind: str, source: str, art: Art | None = None) -> None:
        queries.append(
            Query(f"q{len(queries):05d}", group, kind, source, int(rng.integers(2**31)), art)
        )

    used: set[str] = set()
    for i in range(n_copies):
        kind = COPY_CLASSES[i % len(COPY_CLASSES)]
        if kind in GEO_CLASSES:
            src = geo[order["geo"].pop()]
        else:
            src = next(
                designs[j]
                for j in order["design"]
                if designs[j].ref_id not in used
                and (kind not in REPEATING_ONLY or designs[j].ref_id in repeating)
            )
        used.add(src.ref_id)
        add(COPY, kind, src.ref_id, alloc.art(2) if kind == "motif_reused" else None)
    for i in range(n_neg):
        kind = NEGATIVE_CLASSES[i % len(NEGATIVE_CLASSES)]
        if kind in GEO_CLASSES:
            src = geo[int(rng.integers(len(geo)))]
            add(NEGATIVE, kind, src.ref_id)
        else:
            src = designs[int(rng.integers(len(designs)))]
            for _ in range(50):  # the same texture: a ground that is not flat
                if kind != "same_texture" or design_of(src).ground.kind != "flat":  # type: ignore[union-attr]
                    break
                src = designs[int(rng.integers(len(designs)))]
            family = src.art.family if kind != "same_texture" else None  # type: ignore[union-attr]
            add(NEGATIVE, kind, src.ref_id, alloc.art(len(src.art.keys), family))  # type: ignore[union-attr]
    return AwayDataset(tuple(refs), tuple(queries), seed, dict(alloc.used))


def _motifs(art: Art, rng: np.random.Generator, light_ground: bool) -> tuple[Motif, ...]:
    out = []
    for key in art.keys:
        inks = tuple(random_colour(rng, not light_ground) for _ in range(int(rng.integers(1, 4))))
        out.append(Motif(art.family, key, inks))
    return tuple(out)


def _layout_of(ref: Ref) -> str:
    rng = np.random.default_rng(ref.seed)
    return str(rng.choice(LAYOUTS, p=[0.17, 0.15, 0.2, 0.12, 0.14, 0.1, 0.12]))


def design_of(ref: Ref) -> Design | Geo:
    """The reference's design (deterministic from its seed and art)."""
    if ref.art is None:
        return random_geo(np.random.default_rng(ref.seed))
    layout = _layout_of(ref)
    rng = np.random.default_rng([ref.seed, 1])
    ground = random_ground(rng)
    tile, reps = random_canvas(rng, layout)
    light = sum(ground.colours[0]) / 3 > 128
    motifs = _motifs(ref.art, rng, light)
    placements, bands, ogee = random_layout(rng, layout, tile, len(motifs), ground)
    return Design(tile, reps, layout, ground, motifs, placements, bands, ogee)


def draw_reference(ref: Ref) -> np.ndarray:
    from fangdu.bench.away.design import render, render_geo

    d = design_of(ref)
    return render_geo(d) if isinstance(d, Geo) else render(d)


def draw_query(q: Query, dataset: AwayDataset) -> Drawn:
    source = design_of(dataset.ref(q.source))
    rng = np.random.default_rng(q.seed)
    fresh: tuple[Motif, ...] = ()
    if q.art is not None:
        light = True if isinstance(source, Geo) else sum(source.ground.colours[0]) / 3 > 128
        fresh = _motifs(q.art, np.random.default_rng([q.seed, 2]), light)
    if q.group == COPY:
        return make_copy(q.kind, source, rng, fresh)
    return make_negative(q.kind, source, rng, fresh)
