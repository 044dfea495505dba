"""A cheap pre-verification that re-ranks a larger global shortlist before ``compare``.

The global vector (VLAD of the local descriptors) loses copies whose local features do match:
re-scaled repeats, new colourways and re-arranged motifs change *how many* features of each
kind an image has, and a VLAD is a sum over them, so the source can fall far down the ranking
(issue 14 item 2: on the home subset with 1,546 references, 45 of the 58 copies not ranked first
had their source outside the 20 verified candidates). Counting the query's features that have a
close neighbour among a candidate's stored descriptors, a crude match kernel, separates those
sources from look-alikes: measured in docs/SIMILARITY.md ("Shortlist recall").

So the index can be asked for ``prefilter`` candidates (``Searcher(prefilter=N)``), each scored
by ``PreQuery.score`` on its stored fingerprint (the query's ``PRE_FEATURES`` strongest features,
direct and mirrored, one matrix product per candidate), and the best ``shortlist`` go on to
``compare``.

It is **off by default** (``PREFILTER = 0``). Measured with 100: shortlist recall @20 0.925 ->
0.948 on the home study, but on the away benchmark (quick) 3 more hard negatives reached a
``copy`` verdict (look-alikes whose local features do match are verified more often; some
references collect high counts from many queries), and issue 14 does not allow the false
positive rate to rise; the ``check`` time budget is not re-measured either. See
docs/SIMILARITY.md, "Shortlist recall".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fangdu.similarity._fingerprint import Fingerprint
from fangdu.similarity._model import load_model, matmul_t

PREFILTER = 0  # global candidates pre-verified by default; 100 is the measured setting
MEASURED_PREFILTER = 100
PRE_FEATURES = 256  # strongest query features used (extract() stores them best first)
# Each query feature adds 1 - d / PRE_DIST for its nearest reference feature at distance d
# (int8 PCA units, as verify's _PROPOSE_DIST), nothing beyond PRE_DIST.
PRE_DIST = 110.0


class PreQuery:
    """The query's side of the pre-verification, prepared once per search."""

    def __init__(self, query: Fingerprint) -> None:
        d = query.descriptors[:PRE_FEATURES].astype(np.float32)
        self.n = len(d)
        self.desc = np.concatenate([d, d * load_model().signs])  # direct, then mirrored
        self.norm = (self.desc * self.desc).sum(1)

    def score(self, reference: Fingerprint) -> float:
        """Soft count of the query features (of the better of the direct and mirrored view) that
        have a close reference feature: sum of ``max(0, 1 - d / PRE_DIST)`` over nearest
        distances ``d``. (A hard count within 90 units was worse: see docs/SIMILARITY.md.)"""
        if self.n == 0 or len(reference.descriptors) == 0:
            return 0.0
        rd = reference.descriptors.astype(np.float32)
        d2 = matmul_t(self.desc, rd, -2.0)
        d2 += (rd * rd).sum(1)[None, :]
        near = np.sqrt(np.maximum(d2.min(axis=1) + self.norm, 0.0))
        found = np.maximum(0.0, 1.0 - near / PRE_DIST)
        return float(max(found[: self.n].sum(), found[self.n :].sum()))


def prefilter_scores(query: Fingerprint, references: Sequence[Fingerprint]) -> np.ndarray:
    pre = PreQuery(query)
    return np.array([pre.score(r) for r in references], np.float32)
