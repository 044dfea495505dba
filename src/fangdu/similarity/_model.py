"""The trained parts of the engine: local PCA, VLAD codebook and global projection.

Trained by ``python -m fangdu.similarity.train_codebook`` and committed under ``data/``.

The local PCA is trained on descriptors closed under mirroring, and each component lies either in
the mirror-symmetric or the mirror-antisymmetric subspace of RootSIFT. So the mirrored image's
descriptor is the same vector with the antisymmetric components negated (``signs``), and mirrored
matching needs no second set of stored descriptors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

DATA_DIR = Path(__file__).with_name("data")
LOCAL_DIM = 64
DESCRIPTOR_DIM = 256
# int8 quantisation of the PCA'd descriptors; coordinates of a unit RootSIFT stay below ~0.6.
QUANT_SCALE = 200.0


def matmul_t(a: np.ndarray, b: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """``alpha * a @ b.T`` in float32 through OpenCV.

    numpy's multithreaded BLAS can stall for tens of milliseconds on small products when the
    server's cores are busy; OpenCV's gemm does not.
    """
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    a32 = np.ascontiguousarray(a, np.float32)
    b32 = np.ascontiguousarray(b, np.float32)
    return cv2.gemm(a32, b32, alpha, None, 0.0, flags=cv2.GEMM_2_T)


@dataclass(frozen=True)
class Model:
    local_mean: np.ndarray  # (128,)
    local_basis: np.ndarray  # (LOCAL_DIM, 128), rows orthonormal
    signs: np.ndarray  # (LOCAL_DIM,) +1 / -1: how each component behaves under mirroring
    centroids: np.ndarray  # (K, LOCAL_DIM) VLAD codebook
    global_mean: np.ndarray  # (K * LOCAL_DIM,)
    global_basis: np.ndarray  # (DESCRIPTOR_DIM, K * LOCAL_DIM), whitening folded in

    def project(self, root_sift: np.ndarray) -> np.ndarray:
        """RootSIFT (n, 128) to quantised local descriptors (n, LOCAL_DIM) int8."""
        y = matmul_t(root_sift - self.local_mean, self.local_basis)
        return np.clip(np.rint(y * QUANT_SCALE), -127, 127).astype(np.int8)

    def vlad(self, desc: np.ndarray) -> np.ndarray:
        """Power- and intra-normalised VLAD of dequantised descriptors (n, LOCAL_DIM)."""
        k, d = self.centroids.shape
        out = np.zeros((k, d), np.float32)
        if len(desc):
            dist = matmul_t(desc, self.centroids, -2.0) + (self.centroids**2).sum(1)[None]
            word = np.argmin(dist, axis=1)
            np.add.at(out, word, desc - self.centroids[word])
            out = np.sign(out) * np.sqrt(np.abs(out))
            out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-7
        flat = out.reshape(-1)
        return flat / (np.linalg.norm(flat) + 1e-7)

    def global_vector(self, desc: np.ndarray) -> np.ndarray:
        """L2-normalised (DESCRIPTOR_DIM,) float32 vector for the shortlist search."""
        v = matmul_t(self.global_basis, (self.vlad(desc) - self.global_mean)[None])[:, 0]
        norm = float(np.linalg.norm(v))
        if len(desc) == 0 or norm < 1e-6:
            # Featureless image: a fixed unit vector, so the index still accepts it.
            v = np.zeros(DESCRIPTOR_DIM, np.float32)
            v[0] = 1.0
            return v
        return (v / norm).astype(np.float32)


_FILES = ("local_mean", "local_basis", "signs", "centroids", "global_mean", "global_basis")


def save_model(model: Model, directory: Path = DATA_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name in _FILES:
        arr = getattr(model, name)
        dtype = np.float16 if name == "global_basis" else np.float32
        np.save(directory / f"{name}.npy", arr.astype(dtype), allow_pickle=False)


@cache
def load_model(directory: Path = DATA_DIR) -> Model:
    arrays = {
        name: np.load(directory / f"{name}.npy", allow_pickle=False).astype(np.float32)
        for name in _FILES
    }
    return Model(**arrays)
