"""compare(): geometric verification of a query against one reference, and its score.

How a pair is judged
--------------------
1. Every query feature proposes its nearest reference features (several: a repeat print holds
   many copies of each motif, so the nearest copy is often not the one that lines up).
2. The proposals vote on the change of scale and rotation they imply (a Hough histogram); the
   strongest peak is fitted with a RANSAC similarity transform, extended to a homography for
   photographed cloth, and then *guided matching* collects every query feature whose projection
   lands on a reference feature that looks alike, has the right scale and orientation, and is
   not yet used. That makes repeats help instead of hurt.
3. The used features are removed and the next peak is tried, up to ``MAX_MODELS`` times, so a
   design whose motifs were re-arranged (each motif moved on its own) still adds up. Once
   ``_MAX_MISSES`` peaks have failed to verify the search stops: unrelated pairs (most of a
   shortlist) end there quickly.
4. Then *local* models: motifs re-arranged one by one give each placement its own similarity
   transform with only 3-8 features, too few for step 2. Each proposal votes for its scale and
   rotation change, its query neighbourhood (a grid cell, two offset grids) and where that
   cell's centre lands in the reference; a bin holding 3 or more different query features seeds
   a small RANSAC similarity, grown by guided matching inside the neighbourhood and kept with
   ``_LOCAL_MIN`` inliers. Each local model counts its inliers less ``_LOCAL_DISCOUNT`` (the
   points that fix a similarity anyway), and only local models within ``_LOCAL_SCALE_SPREAD``
   of their median scale change count: re-arranged motifs share one size change, chance
   look-alikes scatter. Motifs flipped one by one fall into both views, so the models of the
   direct and mirrored view are pooled as well, capped by distinct-looking features on the
   query *and* the reference side.
5. Evidence counts the inliers of all models, but at most ``REPEAT_CAP`` times the number of
   *distinct-looking* inliers beyond the few any stock pattern has: stripes, checks and dots
   line up perfectly under many transforms, yet all their features look alike, so they cannot
   build evidence. Evidence ``e`` becomes ``score = 1 - exp(-e / EVIDENCE_SCALE)``.
6. The mirrored query is tried as well; the better of the two views (or their pool) is the
   result. Its evidence is then weighed by *coverage* (see ``coverage``): inside each model's
   area, a reference feature that is no inlier but falls, under the model, on a query feature of
   about its size is *contradicted*: the query shows something else in that place. A print that
   only shares a ground or a layout with the reference matches the ground while its own motifs
   stand where the reference's were; a copy whose motifs were moved away leaves those places
   empty instead. Below ``_FULL_COVERAGE`` inliers among inliers and contradicted features, the
   evidence shrinks in proportion.
7. Still below ``_LOCAL_GATE_EVIDENCE``, the motif inventories are compared (see ``_motifs``):
   each of the reference's distinct motif types found again in the query with the same shape
   signature, the same ink and one common size change adds ``_MOTIF_UNITS``, beyond the first
   (one shared simple shape is chance), up to ``_MOTIF_CAP``. Flat motifs re-arranged one by one
   give SIFT too few features for step 4, yet their outlines survive moving, turning and
   flipping. The cap keeps motifs alone from reaching ``copy`` without some feature geometry.
8. Two *simple* images (few distinct-looking features, see ``_design``) are also compared as
   whole design pictures: the same design after colour normalisation, a quarter turn or mirror
   and a shift is at least a ``copy`` (``Match.same_design``), however few distinct features
   it has; step 5's cap would otherwise give a simple design nothing even against itself.

Thresholds
----------
``COPY_THRESHOLD`` (0.80): about 19 units of evidence, e.g. 19 inliers showing a dozen or more
different-looking motif details in consistent geometry. At or above it the verdict is ``copy``:
the reference's protectable arrangement is present in the query. It was set where the synthetic
benchmark (``python -m fangdu.bench accuracy``, 80 originals) reaches precision 0.95 with no hard
negative or unrelated print called a copy; at 0.60 precision was only 0.72.
``SIMILAR_THRESHOLD`` (0.35): about 5 units. Between the two the verdict is ``similar``: some
details line up and a reviewer should look. Below it, ``none``.
The per-motif phase (step 4) runs only when the global models give less than
``_LOCAL_GATE_EVIDENCE`` (11 units, score 0.60): above that the single-geometry explanation is
already convincing and cheaper.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from fangdu.similarity._design import SAME_DESIGN_NCC, same_design
from fangdu.similarity._fingerprint import Fingerprint
from fangdu.similarity._model import load_model, matmul_t
from fangdu.similarity._motifs import match_motifs
from fangdu.similarity.types import Box, Match, Verdict

COPY_THRESHOLD = 0.80
SIMILAR_THRESHOLD = 0.35
EVIDENCE_SCALE = 12.0
MAX_MODELS = 8
MIN_INLIERS = 6
REPEAT_CAP = 2.0

# Descriptor distances, in int8 PCA units (unit RootSIFT distance x QUANT_SCALE).
_PROPOSE_DIST = 110.0  # a proposal for the Hough vote
_GUIDED_DIST = 125.0  # acceptable once the geometry agrees
_SAME_DIST = 100.0  # two inliers closer than this "look the same"
_MAX_PROPOSALS = 3000
# Distinct-looking inliers any stock pattern (dots, gaps, crossings, borders) can supply.
_FREE_LEADERS = 3
_RATIO = 1.3  # proposals within this factor of a feature's best distance
# Geometry, relative to the reference's working image and in log2 scale / degrees.
_RANSAC_FRACTION = 0.012
_SCALE_BIN = 0.5
_SCALE_BINS = 24  # +-6 octaves
_MAX_MISSES = 2  # Hough peaks that may fail to verify before giving up
_LOCAL_GATE_EVIDENCE = -EVIDENCE_SCALE * float(np.log(1.0 - 0.60))
# Motif inventories (step 7): units per re-found motif type beyond the first, and their cap.
_MOTIF_UNITS = 4.0
_FREE_MOTIFS = 1
_MOTIF_CAP = _LOCAL_GATE_EVIDENCE
# Coverage (step 6): at this share of inliers among inliers and contradicted features, evidence
# counts in full. Chosen on the home benchmark (docs/SIMILARITY.md, "Coverage").
_FULL_COVERAGE = 0.85
_COVERAGE_MARGIN = 0.03  # of the reference's working side, around the inliers' box
_SURE_EVIDENCE = 5 * EVIDENCE_SCALE  # score >= 0.993: more models cannot change anything
_ANGLE_BIN = 30.0
_SCALE_TOL = 0.7
_ANGLE_TOL = 35.0
# Local clusters (motifs re-arranged one by one): a pose Hough per query neighbourhood.
_LOCAL_CELL = 0.1  # query grid cell, fraction of the query's working side
_LOCAL_BIN = 0.05  # predicted reference position bin, fraction of the reference's side
_LOCAL_MIN = 4  # inliers a local model needs
_LOCAL_DISCOUNT = 3  # a similarity is fixed by two points; only the rest is evidence
_LOCAL_SEEDS = 40
_LOCAL_SCALE_TOL = 0.35
_LOCAL_SCALE_SPREAD = 0.25  # log2: local models further from their median do not count
_LOCAL_ANGLE_TOL = 25.0


@dataclass
class _Pairs:
    """Candidate feature pairs of one view, with their implied scale and rotation change."""

    q: np.ndarray
    r: np.ndarray
    dist: np.ndarray
    dscale: np.ndarray
    dangle: np.ndarray
    proposal: np.ndarray  # bool: strong enough to vote


def _pairs(qk: np.ndarray, qd: np.ndarray, rk: np.ndarray, rd: np.ndarray) -> _Pairs:
    # Squared distance less the query's own norm, built in place: this is the hot loop.
    nr = len(rd)
    part = matmul_t(qd, rd, -2.0)
    part += (rd * rd).sum(1)[None, :]
    qn = (qd * qd).sum(1)
    best = np.sqrt(np.maximum(part.min(axis=1) + qn, 0.0))
    # Flat indices: np.nonzero on the 2-D mask is several times slower.
    flat = np.flatnonzero(part < (_GUIDED_DIST**2 - qn)[:, None])
    q, r = np.divmod(flat, nr)
    d2 = part.ravel()[flat]
    d2 += qn[q]
    dist = np.sqrt(np.maximum(d2, 0.0, out=d2), out=d2)
    proposal = (dist <= _PROPOSE_DIST) & (dist <= best[q] * _RATIO)
    if proposal.sum() > _MAX_PROPOSALS:
        # Stock patterns make every feature propose everything; the best proposals suffice.
        cut = np.partition(dist[proposal], _MAX_PROPOSALS)[_MAX_PROPOSALS]
        proposal &= dist < cut
    dangle = rk[:, 3][r] - qk[:, 3][q]  # angles lie in [0, 360)
    dangle[dangle < 0] += 360.0
    return _Pairs(
        q=q,
        r=r,
        dist=dist,
        proposal=proposal,
        dscale=np.log2(rk[:, 2])[r] - np.log2(qk[:, 2])[q],
        dangle=dangle,
    )


def _angle_gap(a: np.ndarray, b: float) -> np.ndarray:
    return np.abs((a - b + 180.0) % 360.0 - 180.0)


def _project(model: np.ndarray, pts: np.ndarray) -> np.ndarray:
    if model.shape == (2, 3):
        return pts @ model[:, :2].T + model[:, 2]
    h = np.concatenate([pts, np.ones((len(pts), 1), pts.dtype)], axis=1) @ model.T
    return h[:, :2] / np.where(np.abs(h[:, 2:]) < 1e-9, 1e-9, h[:, 2:])


@dataclass
class _Model:
    q: np.ndarray  # query feature indices of the inliers
    r: np.ndarray  # reference feature indices
    local: bool = False
    view: int = 0
    lscale: float = 0.0
    rot: float = 0.0


def _first(vals: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each value, in their original order."""
    if len(vals) < 2:
        return np.arange(len(vals))
    o = np.argsort(vals, kind="stable")
    sv = vals[o]
    keep = np.empty(len(vals), bool)
    keep[0] = True
    np.not_equal(sv[1:], sv[:-1], out=keep[1:])
    return np.sort(o[keep])


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, e)`` over the given slices."""
    lens = ends - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offs = np.cumsum(lens) - lens
    return np.repeat(starts - offs, lens) + np.arange(total)


class _Verifier:
    def __init__(
        self, qk: np.ndarray, qd: np.ndarray, rk: np.ndarray, rd: np.ndarray, ref_side: float
    ) -> None:
        self.qk, self.qd, self.rk = qk, qd, rk
        self.p = p = _pairs(qk, qd, rk, rd)
        self.thr = max(2.0, _RANSAC_FRACTION * ref_side)
        self.ref_side = ref_side
        self.used_q = np.zeros(len(qk), bool)
        self.used_r = np.zeros(len(rk), bool)
        self.nangle = round(360 / _ANGLE_BIN)
        self.sbin = np.floor(p.dscale / _SCALE_BIN).astype(int)
        self.abin = np.floor(p.dangle / _ANGLE_BIN).astype(int) % self.nangle
        self.aprev = np.roll(np.arange(self.nangle), 1)
        self.anext = np.roll(np.arange(self.nangle), -1)
        # The proposals (the only pairs that vote), and each query feature's slice of pairs
        # (np.nonzero lists them row by row, so p.q is sorted).
        self.prop = np.flatnonzero(p.proposal)
        self.dead = np.zeros(len(self.prop), bool)
        self.qstart = np.searchsorted(p.q, np.arange(len(qk) + 1))

    def run(self) -> list[_Model]:
        models: list[_Model] = []
        misses = 0
        pq, pr = self.p.q[self.prop], self.p.r[self.prop]
        for _ in range(MAX_MODELS + _MAX_MISSES):
            live = ~self.dead & ~self.used_q[pq] & ~self.used_r[pr]
            if live.sum() < MIN_INLIERS:
                break
            sel = self._peak(live)
            self.dead[sel] = True  # each peak is tried once
            model = self._fit(self.prop[sel])
            if model is None:
                misses += 1
                if misses >= _MAX_MISSES:
                    break
                continue
            self.used_q[model.q] = True
            self.used_r[model.r] = True
            models.append(model)
            if len(models) == MAX_MODELS or self.evidence(models) >= _SURE_EVIDENCE:
                break
        if self.evidence(models) < _LOCAL_GATE_EVIDENCE:
            # Only when one model per design does not already make it a copy: a repeat print
            # matches locally everywhere, and those pairs would blur the explanation.
            models += self._local_models()
        return models

    def _local_models(self) -> list[_Model]:
        """Small similarity clusters, one per motif placement (re-arranged designs)."""
        p = self.p
        live = self.prop[~self.used_q[p.q[self.prop]] & ~self.used_r[p.r[self.prop]]]
        if len(live) < _LOCAL_MIN:
            return []
        qside = float(max(self.qk[:, 0].max(), self.qk[:, 1].max(), 1.0))
        cell = _LOCAL_CELL * qside
        pbin = _LOCAL_BIN * self.ref_side
        pq = self.qk[p.q[live], :2]
        pr = self.rk[p.r[live], :2]
        s = np.exp2(p.dscale[live])
        th = np.radians(p.dangle[live])
        cos, sin = s * np.cos(th), s * np.sin(th)
        pose = (self.sbin[live] + 16) * 16 + self.abin[live]
        keys = []
        for off in (0.0, 0.5):
            fq = np.floor(pq / cell + off)
            d = (fq - off + 0.5) * cell - pq
            pred = pr + np.stack([cos * d[:, 0] - sin * d[:, 1], sin * d[:, 0] + cos * d[:, 1]], 1)
            cq = fq.astype(np.int64)
            pb = np.floor(pred / pbin).astype(np.int64)
            key = ((cq[:, 0] * 64 + cq[:, 1]) * 64 + (pb[:, 0] + 16)) * 64 + (pb[:, 1] + 16)
            keys.append((key * 512 + pose) * 2 + int(off * 2))
        key = np.concatenate(keys)
        own = np.concatenate([np.arange(len(live))] * 2)
        # One sort groups the votes by key, and by query feature within a key.
        nq1 = len(self.qk) + 1
        kq = key * nq1 + np.concatenate([p.q[live]] * 2)
        order = np.argsort(kq, kind="stable")
        ks = key[order]
        kqs = kq[order]
        bounds = np.flatnonzero(np.diff(ks)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(ks)]])
        newq = np.ones(len(ks), np.int64)
        newq[1:] = kqs[1:] != kqs[:-1]
        newq[starts] = 1
        nq = np.add.reduceat(newq, starts)
        seeds = np.flatnonzero(nq >= 3)
        seeds = seeds[np.argsort(-nq[seeds], kind="stable")][:_LOCAL_SEEDS]
        models: list[_Model] = []
        for sk in seeds:
            members = live[own[np.sort(order[starts[sk] : ends[sk]])]]
            members = members[~self.used_q[p.q[members]] & ~self.used_r[p.r[members]]]
            model = self._fit_local(members, cell)
            if model is None:
                continue
            self.used_q[model.q] = True
            self.used_r[model.r] = True
            models.append(model)
        return models

    def _fit_local(self, members: np.ndarray, radius: float) -> _Model | None:
        fitted = self._fit_similarity(members, min_inliers=3, max_iters=100)
        if fitted is None:
            return None
        sim, inlier_src, scale, rot = fitted
        centre = inlier_src.mean(0)
        p = self.p
        near = np.flatnonzero(((self.qk[:, :2] - centre) ** 2).sum(1) < radius**2)
        idx = _ranges(self.qstart[near], self.qstart[near + 1])
        idx = idx[np.abs(p.dscale[idx] - np.log2(scale)) < _LOCAL_SCALE_TOL]
        idx = idx[~self.used_q[p.q[idx]] & ~self.used_r[p.r[idx]]]
        idx = idx[_angle_gap(p.dangle[idx], rot) < _LOCAL_ANGLE_TOL]
        if len(idx) < _LOCAL_MIN:
            return None
        proj = _project(sim, self.qk[p.q[idx], :2])
        err = np.sqrt(((proj - self.rk[p.r[idx], :2]) ** 2).sum(1))
        keep = err < self.thr
        idx, err = idx[keep], err[keep]
        idx = idx[np.argsort(err / self.thr + p.dist[idx] / _GUIDED_DIST)]
        idx = idx[_first(p.q[idx])]
        idx = idx[_first(p.r[idx])]
        if len(idx) < _LOCAL_MIN:
            return None
        return _Model(p.q[idx], p.r[idx], local=True, lscale=float(np.log2(scale)), rot=rot)

    def _peak(self, live: np.ndarray) -> np.ndarray:
        """Live proposals (positions in ``self.prop``) around the peak of the Hough histogram
        of scale and rotation change.

        A feature that proposes (or is proposed by) many partners votes with less weight, so
        generic blobs cannot outvote the distinctive details; votes are summed over 3 x 3
        neighbouring bins so a peak on a bin border is not split.
        """
        p = self.p
        li = self.prop[live]
        sb, ab = self.sbin[li], self.abin[li]
        q, r = p.q[li], p.r[li]
        weight = 1.0 / np.sqrt(np.bincount(q)[q] * np.bincount(r)[r])
        ns, na = _SCALE_BINS, self.nangle
        hist = np.bincount(
            np.clip(sb + ns // 2, 0, ns - 1) * na + ab, weight, minlength=ns * na
        ).reshape(ns, na)
        # Angle wraps around; scale does not.
        hist = hist + hist[:, self.aprev] + hist[:, self.anext]
        summed = hist.copy()
        summed[1:] += hist[:-1]
        summed[:-1] += hist[1:]
        hist = summed
        bs, ba = np.unravel_index(int(np.argmax(hist)), hist.shape)
        bs -= ns // 2
        near = np.abs(sb - bs) <= 1
        near &= np.minimum((ab - ba) % na, (ba - ab) % na) <= 1
        return np.flatnonzero(live)[near]

    def _fit_similarity(
        self, sel: np.ndarray, min_inliers: int, max_iters: int
    ) -> tuple[np.ndarray, np.ndarray, float, float] | None:
        """RANSAC similarity over one pair per feature: (matrix, inlier query points, scale,
        rotation in degrees), or None when too few pairs agree or the scale is absurd."""
        p = self.p
        if len(sel) < min_inliers:
            return None
        # One pair per feature on either side: many-to-one pairs let RANSAC "fit" a transform
        # that collapses the query onto one point. Guided matching restores the repeats later.
        sel = sel[np.argsort(p.dist[sel])]
        sel = sel[_first(p.r[sel])]
        sel = sel[_first(p.q[sel])]
        if len(sel) < min_inliers:
            return None
        src = self.qk[p.q[sel], :2]
        dst = self.rk[p.r[sel], :2]
        sim, mask = cv2.estimateAffinePartial2D(
            src,
            dst,
            method=cv2.RANSAC,
            ransacReprojThreshold=self.thr,
            maxIters=max_iters,
            confidence=0.99,
            refineIters=5,
        )
        if sim is None or mask is None or int(mask.sum()) < min_inliers:
            return None
        scale = float(np.sqrt(abs(np.linalg.det(sim[:, :2]))))
        if not 1 / 8 < scale < 8:
            return None
        rot = float(np.degrees(np.arctan2(sim[1, 0], sim[0, 0])) % 360.0)
        return sim, src[mask.ravel() > 0], scale, rot

    def _fit(self, sel: np.ndarray) -> _Model | None:
        fitted = self._fit_similarity(sel, min_inliers=MIN_INLIERS, max_iters=400)
        if fitted is None:
            return None
        sim, _, scale, rot = fitted
        q, r = self._guided(sim, np.log2(scale), rot, 2.5 * self.thr)
        best_q, best_r = q, r
        if len(q) >= 8:
            # Photographed cloth: a homography over the loose set, then strict guided matching.
            h, _ = cv2.findHomography(self.qk[q, :2], self.rk[r, :2], cv2.USAC_MAGSAC, self.thr)
            if h is not None and self._plausible(h):
                hq, hr = self._guided(h, np.log2(scale), rot, 1.5 * self.thr)
                if len(hq) > len(best_q):
                    best_q, best_r = hq, hr
        sq, sr = self._guided(sim, np.log2(scale), rot, 1.5 * self.thr)
        if len(sq) > len(best_q):
            best_q, best_r = sq, sr
        if len(best_q) < MIN_INLIERS:
            return None
        return _Model(best_q, best_r)

    def _plausible(self, h: np.ndarray) -> bool:
        """Reject homographies that fold, mirror or wildly stretch the query."""
        a = h[:2, :2] / h[2, 2] if abs(h[2, 2]) > 1e-9 else h[:2, :2]
        det = float(np.linalg.det(a))
        return 1 / 64 < det < 64 and float(np.abs(h[2, :2]).max()) < 2e-3

    def _guided(
        self, model: np.ndarray, lscale: float, rot: float, radius: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Unique (query, reference) inliers of ``model`` among all candidate pairs."""
        p = self.p
        idx = np.flatnonzero(np.abs(p.dscale - lscale) < _SCALE_TOL)
        idx = idx[~self.used_q[p.q[idx]] & ~self.used_r[p.r[idx]]]
        idx = idx[_angle_gap(p.dangle[idx], rot) < _ANGLE_TOL]
        if len(idx) == 0:
            return idx, idx
        proj = _project(model, self.qk[p.q[idx], :2])
        err = np.sqrt(((proj - self.rk[p.r[idx], :2]) ** 2).sum(1))
        idx, err = idx[err < radius], err[err < radius]
        # Greedy one-to-one: best geometric + descriptor agreement first.
        order = np.argsort(err / radius + p.dist[idx] / _GUIDED_DIST)
        idx = idx[order]
        idx = idx[_first(p.q[idx])]
        idx = idx[_first(p.r[idx])]
        return p.q[idx], p.r[idx]

    def evidence(self, models: list[_Model]) -> float:
        """Inliers of all models, capped by how many of them look different from one another.

        Counted over the union, so the same motif matched again elsewhere adds nothing new.
        """
        return _evidence(models, [self.qd, self.qd])


def _evidence(models: list[_Model], qds: list[np.ndarray], rd: np.ndarray | None = None) -> float:
    """Inliers of ``models`` (each local model less the two points that define it), capped by
    how many distinct-looking features they hold: on the query side (``qds[view]`` holds the
    descriptors of model view ``m.view``) and, when given, on the reference side too."""
    local = [m.lscale for m in models if m.local]
    if local:
        # Re-arranged motifs keep one common size change; chance look-alikes scatter.
        mid = float(np.median(local))
        models = [m for m in models if not m.local or abs(m.lscale - mid) <= _LOCAL_SCALE_SPREAD]
    if not models:
        return 0.0
    count = sum(len(m.q) - (_LOCAL_DISCOUNT if m.local else 0) for m in models)
    q = np.concatenate([qds[m.view][m.q] for m in models])
    cap = _distinct(q, count)
    if rd is not None:
        cap = min(cap, _distinct(rd[np.unique(np.concatenate([m.r for m in models]))], count))
    return float(max(0, min(count, cap)))


def _distinct(d: np.ndarray, count: int) -> float:
    """REPEAT_CAP x the distinct-looking features of ``d`` beyond the few stock patterns have."""
    d2 = (d * d).sum(1)[:, None] + (d * d).sum(1)[None, :] + matmul_t(d, d, -2.0)
    unclaimed = np.ones(len(d), bool)
    leaders = 0
    # Leader clustering, stopped once the cap no longer binds.
    while unclaimed.any() and REPEAT_CAP * (leaders - _FREE_LEADERS) < count:
        i = int(np.argmax(unclaimed))
        unclaimed &= d2[i] >= _SAME_DIST**2
        leaders += 1
    return REPEAT_CAP * max(0, leaders - _FREE_LEADERS)


def coverage(
    models: list[_Model], view_keypoints: list[np.ndarray], rk: np.ndarray, side: float
) -> float:
    """Inliers against inliers plus *contradicted* reference features: inside a model's box
    (its inliers' box, widened by a margin), a reference feature that is no inlier but lands,
    under that model, on a query feature of about its size. There the query shows something
    else in the same place (another motif on the same layout); where it shows nothing (a motif
    moved away in a re-arranged copy, a detail lost to the camera) nothing is contradicted.
    0 without inliers."""
    inliers = np.unique(np.concatenate([m.r for m in models] or [np.zeros(0, np.int64)]))
    if len(inliers) == 0:
        return 0.0
    margin = _COVERAGE_MARGIN * side
    radius = max(2.0, _RANSAC_FRACTION * side)
    free = np.ones(len(rk), bool)
    free[inliers] = False
    contradicted = np.zeros(len(rk), bool)
    for m in models:
        if len(m.r) < 3:
            continue
        box = rk[m.r, :2]
        lo, hi = box.min(0) - margin, box.max(0) + margin
        inside = free & ((rk[:, :2] >= lo) & (rk[:, :2] <= hi)).all(1)
        if not inside.any():
            continue
        qk = view_keypoints[m.view]
        fit, _ = cv2.estimateAffinePartial2D(
            rk[m.r, :2].astype(np.float32), qk[m.q, :2].astype(np.float32), method=cv2.LMEDS
        )
        if fit is None:
            continue
        scale = float(np.sqrt(abs(np.linalg.det(fit[:, :2]))))
        if not 1 / 8 < scale < 8:
            continue
        where = np.flatnonzero(inside)
        landed = rk[where, :2] @ fit[:, :2].T + fit[:, 2]
        d2 = ((landed[:, None, :] - qk[None, :, :2]) ** 2).sum(2)
        query_size = np.maximum(qk[None, :, 2], 1e-3)
        size = np.abs(np.log2(query_size / np.maximum(rk[where, 2][:, None] * scale, 1e-3)))
        hit = ((d2 < (radius * scale) ** 2) & (size < _SCALE_TOL)).any(1)
        contradicted[where[hit]] = True
    return float(len(inliers) / (len(inliers) + int(contradicted.sum())))


def _box(points: np.ndarray, radius: np.ndarray, width: int, height: int) -> Box:
    x0 = float(np.clip((points[:, 0] - radius).min(), 0, width))
    y0 = float(np.clip((points[:, 1] - radius).min(), 0, height))
    x1 = float(np.clip((points[:, 0] + radius).max(), 0, width))
    y1 = float(np.clip((points[:, 1] + radius).max(), 0, height))
    return Box(x0, y0, x1, y1)


def verdict_for(score: float) -> Verdict:
    if score >= COPY_THRESHOLD:
        return Verdict.COPY
    if score >= SIMILAR_THRESHOLD:
        return Verdict.SIMILAR
    return Verdict.NONE


def compare(query: Fingerprint, reference: Fingerprint) -> Match:
    """How much of ``reference`` is found in ``query``: score, verdict, boxes and inliers."""
    match = _compare_features(query, reference)
    if query.design.size == 0 or reference.design.size == 0:
        return match  # not two simple images: the features have said all there is
    ncc = same_design(query.design, reference.design)
    if ncc < SAME_DESIGN_NCC:
        return match
    # The whole simple design again: at least a copy, more the closer the pictures agree.
    score = max(
        match.score,
        COPY_THRESHOLD + (1.0 - COPY_THRESHOLD) * (ncc - SAME_DESIGN_NCC) / (1.0 - SAME_DESIGN_NCC),
    )
    whole_q = Box(0.0, 0.0, float(query.width), float(query.height))
    whole_r = Box(0.0, 0.0, float(reference.width), float(reference.height))
    return replace(
        match,
        score=float(min(score, 1.0)),
        verdict=verdict_for(score),
        query_box=match.query_box or whole_q,
        match_box=match.match_box or whole_r,
        same_design=True,
    )


def _compare_features(query: Fingerprint, reference: Fingerprint) -> Match:
    if len(query.keypoints) < MIN_INLIERS or len(reference.keypoints) < MIN_INLIERS:
        return Match(0.0, Verdict.NONE)
    signs = load_model().signs
    qd = query.descriptors.astype(np.float32)
    rd = reference.descriptors.astype(np.float32)
    rk = reference.keypoints
    ref_side = float(max(reference.work_size))
    best: list[_Model] = []
    best_evidence = 0.0
    views: list[list[_Model]] = []
    view_keypoints: list[np.ndarray] = []
    qd0 = qd
    for mirrored in (False, True):
        qk = query.keypoints
        if mirrored:
            qk = qk.copy()
            qk[:, 0] = query.work_size[0] - 1 - qk[:, 0]
            qk[:, 3] = (180.0 - qk[:, 3]) % 360.0
            qd = qd * signs
        view_keypoints.append(qk)
        verifier = _Verifier(qk, qd, rk, rd, ref_side)
        models = verifier.run()
        for m in models:
            m.view = int(mirrored)
        evidence = verifier.evidence(models)
        views.append(models)
        if evidence > best_evidence:
            best, best_evidence = models, evidence
        if best_evidence >= _SURE_EVIDENCE:
            break  # the score is already ~1; the mirrored view cannot change the verdict
    if len(views) == 2 and best_evidence < _LOCAL_GATE_EVIDENCE:
        # Motifs flipped one by one: pool both views, counted on the reference's features.
        pooled = views[0] + views[1]
        if pooled:
            evidence = _evidence(pooled, [qd0, qd], rd)
            if evidence > best_evidence:
                best, best_evidence = pooled, evidence
    motif_evidence, motif_q, motif_r = 0.0, np.zeros(0, np.int64), np.zeros(0, np.int64)
    if best_evidence < _LOCAL_GATE_EVIDENCE:
        motif_q, motif_r = match_motifs(
            query.motifs, query.scale, reference.motifs, reference.scale
        )
        motif_evidence = float(min(_MOTIF_CAP, _MOTIF_UNITS * max(0, len(motif_q) - _FREE_MOTIFS)))
        if motif_evidence == 0.0:
            motif_q = motif_r = motif_q[:0]
    if not best and len(motif_q) == 0:
        return Match(0.0, Verdict.NONE)
    qi = np.concatenate([m.q for m in best] or [np.zeros(0, np.int64)])
    ri = np.concatenate([m.r for m in best] or [np.zeros(0, np.int64)])
    best_evidence *= min(1.0, coverage(best, view_keypoints, rk, ref_side) / _FULL_COVERAGE)
    score = float(1.0 - np.exp(-(best_evidence + motif_evidence) / EVIDENCE_SCALE))
    qm, rm = query.motifs[motif_q], reference.motifs[motif_r]
    # Original-pixel points with a radius each: inlier features, then matched motifs' centres.
    qpts = np.concatenate([query.keypoints[qi, :2], np.stack([qm["x"], qm["y"]], 1)])
    rpts = np.concatenate([reference.keypoints[ri, :2], np.stack([rm["x"], rm["y"]], 1)])
    qrad = np.concatenate([query.keypoints[qi, 2] / 2, qm["radius"]])
    rrad = np.concatenate([reference.keypoints[ri, 2] / 2, rm["radius"]])
    qpts, qrad = qpts / query.scale, qrad / query.scale
    rpts, rrad = rpts / reference.scale, rrad / reference.scale
    corr = np.concatenate([qpts, rpts], axis=1).astype(np.float32)
    return Match(
        score=score,
        verdict=verdict_for(score),
        query_box=_box(qpts, qrad, query.width, query.height),
        match_box=_box(rpts, rrad, reference.width, reference.height),
        correspondences=corr,
    )
