"""The vector index on Milvus: the same ``VectorIndex`` contract as FAISS, on an engine that
runs as a cluster when one machine's memory no longer holds the index.

``MilvusIndex.open(url, dim)`` takes ``milvus://host:port/collection`` for a Milvus server, or
a file path (``…/vectors.db``) for Milvus Lite, the embedded engine the tests use. Each stored
vector is a row keyed ``ref_id << VIEW_BITS | view`` with its reference id beside it, so removal
and de-duplication stay by reference; the index's position in the registry's change feed is a
row of a small second collection. Needs the ``milvus`` extra (pymilvus, milvus-lite).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from fangdu.similarity.index import VIEW_BITS, _pack, _stack

_META_SUFFIX = "_meta"


class MilvusIndex:
    """Inner-product search over L2-normalised vectors in one Milvus collection."""

    def __init__(self, client, collection: str, dim: int) -> None:
        self._client = client
        self.collection = collection
        self.meta = collection + _META_SUFFIX
        self.dim = dim
        self.read_only = False
        self._lock = threading.Lock()  # one client, one call at a time
        self._refs = self._stored_refs()
        self.position = self._stored_position()

    @classmethod
    def open(cls, url: str, dim: int) -> MilvusIndex:
        from pymilvus import MilvusClient

        parts = urlsplit(url)
        if parts.scheme == "milvus":
            client = MilvusClient(uri=f"http://{parts.hostname}:{parts.port or 19530}")
            collection = parts.path.strip("/") or "fangdu_refs"
        else:
            Path(url).parent.mkdir(parents=True, exist_ok=True)
            client = MilvusClient(str(url))
            collection = "fangdu_refs"
        if not client.has_collection(collection):
            client.create_collection(
                collection,
                dimension=dim,
                metric_type="IP",
                auto_id=False,
                primary_field_name="id",
                vector_field_name="vector",
            )
        if not client.has_collection(collection + _META_SUFFIX):
            client.create_collection(
                collection + _META_SUFFIX,
                dimension=2,
                metric_type="L2",
                auto_id=False,
                primary_field_name="id",
                vector_field_name="vector",
            )
        return cls(client, collection, dim)

    def add(self, ref_ids: np.ndarray, vectors: Sequence[np.ndarray]) -> None:
        ref_ids = np.asarray(ref_ids, dtype=np.int64)
        if len(ref_ids) == 0:
            return
        stacked = [_stack([v], self.dim) for v in vectors]
        labels = _pack(ref_ids, [len(v) for v in stacked]).tolist()
        rows = []
        for label, vector in zip(labels, np.concatenate(stacked), strict=True):
            rows.append(
                {"id": int(label), "ref": int(label) >> VIEW_BITS, "vector": vector.tolist()}
            )
        with self._lock:
            self._delete([int(r) for r in ref_ids if int(r) in self._refs])
            self._client.insert(self.collection, rows)
            self._refs.update(int(r) for r in ref_ids)

    def remove(self, ref_ids: Sequence[int]) -> None:
        with self._lock:
            present = [int(r) for r in ref_ids if int(r) in self._refs]
            self._delete(present)
            self._refs.difference_update(present)

    def ref_ids(self) -> set[int]:
        with self._lock:
            return set(self._refs)

    def search(self, vectors: np.ndarray, k: int) -> list[tuple[int, float]]:
        queries = _stack([vectors], self.dim)
        with self._lock:
            if not self._refs or k <= 0:
                return []
            hits = self._client.search(
                self.collection, data=queries.tolist(), limit=2 * k, output_fields=["ref"]
            )
        best: dict[int, float] = {}
        for per_query in hits:
            for hit in per_query:
                ref = int(hit["entity"]["ref"])
                best[ref] = max(best.get(ref, -np.inf), float(hit["distance"]))
        return sorted(best.items(), key=lambda item: -item[1])[:k]

    def save(self, position: int | None = None) -> None:
        """Milvus keeps every insert and delete itself; the position is recorded here."""
        if position is None:
            return
        with self._lock:
            self._client.upsert(self.meta, [{"id": 0, "position": position, "vector": [0.0, 0.0]}])
            self.position = position

    def close(self) -> None:
        with self._lock:
            self._client.close()

    def __len__(self) -> int:
        return len(self._refs)

    def _delete(self, refs: list[int]) -> None:
        for start in range(0, len(refs), 1000):
            chunk = refs[start : start + 1000]
            self._client.delete(self.collection, filter=f"ref in {chunk}")

    def _stored_refs(self) -> set[int]:
        rows = self._client.query(self.collection, filter="id >= 0", output_fields=["ref"])
        return {int(row["ref"]) for row in rows}

    def _stored_position(self) -> int:
        rows = self._client.query(self.meta, filter="id == 0", output_fields=["position"])
        return int(rows[0]["position"]) if rows else 0
