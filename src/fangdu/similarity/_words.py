"""Visual words for the second shortlist: ASMK* (Tolias, Avrithis, Jégou, ICCV 2013).

The global vector (VLAD) sums every feature of an image into one vector, so whatever changes
how many features of each kind an image has (a repeat re-scaled, a print photographed, motifs
re-arranged or partly reused) moves it although the features themselves survive. Here each
image is instead a set of visual words from a fine vocabulary (1,024 words of the local
descriptors); per word it keeps one 64-bit code, the signs of the sum of its features'
residuals. Two images are compared word by word, and only words whose codes agree count, with
a selectivity that favours close agreement (``SELECTIVITY``). The sum is normalised by both
images' word counts, so a busy reference with many words does not collect matches from every
query (the "hub" that sank the soft-count pre-verification, docs/SIMILARITY.md).

A mirrored image has the same words' mirrored descriptors (``Model.signs``), so the query is
encoded twice and the better score counts; references store one encoding.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from fangdu.similarity._model import DATA_DIR, QUANT_SCALE, load_model, matmul_t

WORDS_FILE = "words.npy"
CODE_BITS = 64  # = LOCAL_DIM: one sign bit per descriptor dimension
SELECTIVITY = 3.0  # ASMK's alpha: similarity u counts as u**3 when u > 0
_BIT_WEIGHTS = np.left_shift(np.uint64(1), np.arange(CODE_BITS, dtype=np.uint64))


@cache
def vocabulary(directory: Path = DATA_DIR) -> np.ndarray:
    """(n_words, LOCAL_DIM) float32 centroids, trained by ``train_codebook --words``."""
    return np.load(directory / WORDS_FILE, allow_pickle=False).astype(np.float32)


def encode(descriptors: np.ndarray, *, mirrored: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Stored int8 descriptors (n, LOCAL_DIM) to (words int32 ascending, codes uint64)."""
    x = descriptors.astype(np.float32) / QUANT_SCALE
    if mirrored:
        x = x * load_model().signs
    if len(x) == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.uint64)
    centroids = vocabulary()
    distances = matmul_t(x, centroids, -2.0) + (centroids**2).sum(1)[None]
    nearest = np.argmin(distances, axis=1)
    words, which = np.unique(nearest, return_inverse=True)
    residuals = np.zeros((len(words), x.shape[1]), np.float32)
    np.add.at(residuals, which, x - centroids[nearest])
    codes = ((residuals > 0).astype(np.uint64) * _BIT_WEIGHTS[None]).sum(1, dtype=np.uint64)
    return words.astype(np.int32), codes


def _selective(hamming: np.ndarray) -> np.ndarray:
    u = 1.0 - 2.0 * hamming / CODE_BITS
    return np.where(u > 0, u**SELECTIVITY, 0.0).astype(np.float32)


# By Hamming distance 0..64: a table lookup is ~20x faster than the power over millions of pairs.
_AGREEMENT = _selective(np.arange(CODE_BITS + 1, dtype=np.float32))


def agreement(query_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Selective similarity of paired codes: u = 1 - 2 * hamming / 64, counted u**3 if u > 0."""
    return _AGREEMENT[np.bitwise_count(np.bitwise_xor(query_codes, codes))]
