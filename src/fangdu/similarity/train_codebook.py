"""Train the engine's model files under ``data/`` reproducibly from procedural prints.

    python -m fangdu.similarity.train_codebook [--prints 600]

Steps: RootSIFT from prints and lightly altered copies; a PCA to LOCAL_DIM whose components are
each mirror-symmetric or antisymmetric; a k-means VLAD codebook; and a PCA of the VLAD vectors to
DESCRIPTOR_DIM with partial whitening. ``--words`` trains only the visual words of the second
shortlist (``_words``) on the local model already saved. Everything is seeded; the result only
changes when this file, the feature extractor or the procedural generator changes.
"""

from __future__ import annotations

import argparse

import cv2
import faiss
import numpy as np

from fangdu.similarity import _procedural as proc
from fangdu.similarity._features import (
    detect,
    feature_image,
    gradient_magnitude,
    mirror_descriptors,
    working_lab,
    working_scale,
)
from fangdu.similarity._model import (
    DATA_DIR,
    DESCRIPTOR_DIM,
    LOCAL_DIM,
    QUANT_SCALE,
    Model,
    load_model,
    save_model,
)
from fangdu.similarity._words import WORDS_FILE

VOCABULARY = 32
WORD_VOCABULARY = 1024
WORD_PRINTS = 300
SEED_BASE = 1_000_000  # far from the seeds tests use
# Whitening strength for the global PCA: 0 keeps plain PCA, 1 fully whitens (noisy on small data).
WHITEN = 0.5


def _altered(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A copy under one or two random infringing edits, to make the codebook see them."""
    out = rgb
    if rng.random() < 0.6:
        out = proc.recolour(out, int(rng.integers(1 << 30)))
    h, w = out.shape[:2]
    if rng.random() < 0.6:
        ch, cw = int(h * rng.uniform(0.5, 0.9)), int(w * rng.uniform(0.5, 0.9))
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        out = out[y : y + ch, x : x + cw]
    out = proc.rotate(
        out,
        float(rng.choice([0, 90, 180, 270]) + rng.uniform(-10, 10)),
        float(rng.uniform(0.5, 1.6)),
    )
    if rng.random() < 0.4:
        out = proc.photo(out, int(rng.integers(1 << 30)))
    return out


def _images(n: int):
    for i in range(n):
        rng = np.random.default_rng(SEED_BASE + i)
        size = int(rng.integers(512, 900))
        if i % 10 == 9:
            kind = ("stripes", "checks", "dots")[i // 10 % 3]
            rgb = proc.stock_print(SEED_BASE + i, kind, size, size)
        else:
            rgb = proc.tiled_print(SEED_BASE + i, size, size)
        yield rgb
        yield _altered(rgb, rng)


def _raw(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    lab = working_lab(rgb, working_scale(w, h))
    return detect(feature_image(gradient_magnitude(lab)))[1]


def _symmetric_pca(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, basis (LOCAL_DIM, 128) and mirror signs of a PCA made mirror-equivariant."""
    xm = mirror_descriptors(x)
    mean = (x.mean(0) + xm.mean(0)) / 2
    parts = []
    for sign, part in ((1.0, (x + xm) / 2 - mean), (-1.0, (x - xm) / 2)):
        vals, vecs = np.linalg.eigh(part.T @ part / len(part))
        parts += [(float(v), sign, vecs[:, j]) for j, v in enumerate(vals)]
    parts.sort(key=lambda p: -p[0])
    top = parts[:LOCAL_DIM]
    basis = np.stack([p[2] for p in top]).astype(np.float32)
    signs = np.array([p[1] for p in top], np.float32)
    return mean.astype(np.float32), basis, signs


def train(prints: int) -> Model:
    cv2.setRNGSeed(0)
    descs = [_raw(rgb) for rgb in _images(prints)]
    rng = np.random.default_rng(0)
    pool = np.concatenate(descs)
    sample = pool[rng.choice(len(pool), min(len(pool), 200_000), replace=False)]
    mean, basis, signs = _symmetric_pca(sample)

    def local(d: np.ndarray) -> np.ndarray:
        q = np.clip(np.rint((d - mean) @ basis.T * QUANT_SCALE), -127, 127)
        return (q / QUANT_SCALE).astype(np.float32)

    km = faiss.Kmeans(LOCAL_DIM, VOCABULARY, niter=30, seed=1234, spherical=False)
    km.train(local(sample))
    partial = Model(
        mean,
        basis,
        signs,
        km.centroids.astype(np.float32),
        np.zeros(VOCABULARY * LOCAL_DIM, np.float32),
        np.zeros((DESCRIPTOR_DIM, VOCABULARY * LOCAL_DIM), np.float32),
    )
    vlads = []
    for d in descs:
        y = local(d)
        vlads += [partial.vlad(y), partial.vlad(y * signs)]
    v = np.stack(vlads)
    gmean = v.mean(0)
    vals, vecs = np.linalg.eigh(np.cov((v - gmean).T))
    order = np.argsort(-vals)[:DESCRIPTOR_DIM]
    scale = np.maximum(vals[order], 1e-9) ** (-WHITEN / 2)
    gbasis = (vecs[:, order] * scale).T.astype(np.float32)
    return Model(mean, basis, signs, partial.centroids, gmean.astype(np.float32), gbasis)


def train_words(prints: int = WORD_PRINTS, size: int = WORD_VOCABULARY) -> np.ndarray:
    """The visual-word vocabulary of ``_words``: k-means of the engine's own local descriptors
    (as stored, closed under mirroring) from procedural prints and their altered copies."""
    model = load_model()
    descs = [model.project(_raw(rgb)).astype(np.float32) / QUANT_SCALE for rgb in _images(prints)]
    x = np.concatenate(descs)
    x = np.concatenate([x, x * model.signs])
    km = faiss.Kmeans(LOCAL_DIM, size, niter=20, seed=1, max_points_per_centroid=256)
    km.train(x)
    return km.centroids.astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prints", type=int, default=600)
    parser.add_argument(
        "--words", action="store_true", help="train only the visual-word vocabulary (words.npy)"
    )
    args = parser.parse_args()
    if args.words:
        words = train_words()
        np.save(DATA_DIR / WORDS_FILE, words.astype(np.float16), allow_pickle=False)
        print(f"saved {len(words)} visual words trained on {WORD_PRINTS} prints")
        return
    model = train(args.prints)
    save_model(model)
    print(f"saved model trained on {args.prints} prints")


if __name__ == "__main__":
    main()
