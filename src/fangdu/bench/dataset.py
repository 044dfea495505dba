"""The accuracy dataset: which references and queries exist, and how to draw each one.

Only seeds and class names are stored; images are drawn on demand (deterministically) so a
run over thousands of 768-px images needs little memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from fangdu.synth import (
    HARD_NEGATIVE_KINDS,
    STOCK_KINDS,
    VARIANT_KINDS,
    Print,
    clipart_files,
    make_hard_negative,
    make_print,
    make_variant,
    stock_pattern,
)

VARIANT = "variant"
HARD_NEGATIVE = "hard_negative"
UNRELATED = "unrelated"


@dataclass(frozen=True)
class Reference:
    ref_id: str
    seed: int
    stock_kind: str | None = None  # None for an original print
    clipart: tuple[str, ...] = ()  # the SVGs only this design may use


@dataclass(frozen=True)
class Query:
    query_id: str
    group: str  # VARIANT, HARD_NEGATIVE or UNRELATED
    kind: str  # the transform or hard-negative class; "unrelated" for unrelated prints
    source: str | None  # the reference it was made from
    seed: int
    clipart: tuple[str, ...] = ()  # SVGs only this query's new motifs may use

    @property
    def copy_of(self) -> str | None:
        """The reference this query is a copy of, if any (only variants are copies)."""
        return self.source if self.group == VARIANT else None


@dataclass(frozen=True)
class Dataset:
    references: tuple[Reference, ...]
    queries: tuple[Query, ...]
    size: int

    def positives(self) -> set[tuple[str, str]]:
        return {(q.query_id, q.copy_of) for q in self.queries if q.copy_of is not None}

    def by_source(self) -> Iterator[tuple[Reference | None, list[Query]]]:
        """Queries grouped by source reference (so each source is drawn once), then the rest."""
        refs = {r.ref_id: r for r in self.references}
        groups: dict[str | None, list[Query]] = {}
        for q in self.queries:
            groups.setdefault(q.source, []).append(q)
        for source, queries in groups.items():
            yield (refs[source] if source is not None else None), queries


def build_dataset(
    n_originals: int = 300, seed: int = 0, *, variants_per_original: int = 5, size: int = 768
) -> Dataset:
    """References: ``n_originals`` prints plus stock stripes/checks/dots as distractors.

    Queries: ``variants_per_original`` copies of every original, cycling through the transform
    classes so each class gets about the same count; hard negatives of a fifth of the originals
    per design class and of every stock reference; a fifth as many unrelated prints.

    Every design drawn anew (original, design hard negative, unrelated print) gets its own
    share of the installed clip art, so no two of them contain the same drawing: otherwise a
    non-copy could legitimately match another reference through a shared motif.
    """
    if n_originals < 1 or not 1 <= variants_per_original <= len(VARIANT_KINDS):
        raise ValueError("need n_originals >= 1 and 1 <= variants_per_original <= 15")
    rng = np.random.default_rng(seed)
    n_unrelated = max(1, n_originals // 5)
    n_stock = max(2, n_originals // 20)
    n_print_seeds = n_originals + n_unrelated
    print_seeds = rng.choice(2**31, size=n_print_seeds, replace=False)
    design_negatives = [k for k in HARD_NEGATIVE_KINDS if k not in STOCK_KINDS]
    n_design_negatives = sum(i % 5 < len(design_negatives) for i in range(n_originals))
    pools = iter(_clipart_pools(rng, n_originals + n_design_negatives + n_unrelated))
    originals = [
        Reference(f"r{i:05d}", int(s), clipart=next(pools))
        for i, s in enumerate(print_seeds[:n_originals])
    ]
    stock = [
        Reference(f"s-{kind}-{j:03d}", int(rng.integers(2**31)), kind)
        for kind in STOCK_KINDS
        for j in range(n_stock)
    ]
    queries: list[Query] = []

    def add(
        group: str,
        kind: str,
        source: str | None,
        seed_: int | None = None,
        clipart: tuple[str, ...] = (),
    ) -> None:
        qseed = int(rng.integers(2**31)) if seed_ is None else seed_
        queries.append(Query(f"q{len(queries):05d}", group, kind, source, qseed, clipart))

    n_kinds = len(VARIANT_KINDS)
    for i, ref in enumerate(originals):
        for j in range(variants_per_original):
            # Offsetting by i spreads the classes evenly whatever variants_per_original is.
            add(VARIANT, VARIANT_KINDS[(i * variants_per_original + j) % n_kinds], ref.ref_id)
    for i, ref in enumerate(originals):
        if i % 5 < len(design_negatives):
            add(HARD_NEGATIVE, design_negatives[i % 5], ref.ref_id, clipart=next(pools))
    for ref in stock:
        add(HARD_NEGATIVE, str(ref.stock_kind), ref.ref_id)
    for s in print_seeds[n_originals:]:
        add(UNRELATED, UNRELATED, None, int(s), clipart=next(pools))
    return Dataset(tuple(originals + stock), tuple(queries), size)


def _clipart_pools(rng: np.random.Generator, n: int) -> list[tuple[str, ...]]:
    """``n`` disjoint shares of the installed SVGs (empty shares when there are too few)."""
    files = list(clipart_files())
    files = [files[i] for i in rng.permutation(len(files))]
    share = max(1, len(files) // max(n, 1))
    return [tuple(files[j * share : (j + 1) * share]) for j in range(n)]


def reference_print(ref: Reference, size: int) -> Print:
    if ref.stock_kind is not None:
        return stock_pattern(ref.stock_kind, np.random.default_rng(ref.seed), size)
    return make_print(ref.seed, size, clipart=ref.clipart)


def query_image(query: Query, source: Print | None, size: int) -> np.ndarray:
    """Draw a query; ``source`` is the drawn source reference (None for unrelated prints)."""
    rng = np.random.default_rng(query.seed)
    if query.group == UNRELATED:
        return make_print(query.seed, size, clipart=query.clipart).rgb
    if source is None:
        raise ValueError(f"query {query.query_id} needs its source print")
    if query.group == VARIANT:
        return make_variant(source, query.kind, rng)
    return make_hard_negative(source, query.kind, rng, clipart=query.clipart)
