"""Cosine similarity over a whole collection, vectorised with numpy.

numpy is imported inside the functions so that ``import llmio_embeddings`` (and
so ``llm --help``) stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import DimensionMismatchError


class ChunkScorer:
    """Cosine scores of stored vectors against one query, a chunk of rows at a time.

    Each chunk is the concatenated float32 blobs of many rows: one
    ``np.frombuffer``, one matrix-vector product and one row-norm pass per
    chunk, all in float32. Only the scores are kept, so memory stays at one
    chunk however large the collection. Rows or a query that are all zeros
    score 0.0.
    """

    def __init__(self, query: Sequence[float], capacity: int) -> None:
        import numpy as np

        self.query = np.asarray(query, dtype=np.float64).reshape(-1)
        self.dimensions = int(self.query.shape[0])
        self.query_norm = float(np.linalg.norm(self.query))
        self._unit_query = (
            (self.query / self.query_norm).astype(np.float32) if self.query_norm else None
        )
        self.scores = np.zeros(capacity, dtype=np.float32)
        self.count = 0

    def add(self, data: bytes, rows: int) -> None:
        import numpy as np

        if len(data) != rows * self.dimensions * 4:
            raise DimensionMismatchError(
                f"Query vector has {self.dimensions} dimensions but the collection's vectors "
                f"have {len(data) // (4 * rows)}"
            )
        if self.count + rows > self.scores.shape[0]:  # more rows than counted: grow
            self.scores = np.concatenate(
                [self.scores, np.zeros(self.count + rows - self.scores.shape[0], np.float32)]
            )
        if self._unit_query is not None:
            matrix = np.frombuffer(data, dtype="<f4").reshape(rows, self.dimensions)
            dots = matrix @ self._unit_query
            norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
            with np.errstate(divide="ignore", invalid="ignore"):
                chunk_scores = np.where(norms > 0, dots / norms, np.float32(0.0))
            self.scores[self.count : self.count + rows] = chunk_scores
        self.count += rows

    def top(self, number: int, skip_index: int | None = None) -> list[int]:
        """Indexes of the ``number`` best rows (in no particular order), via argpartition."""
        import numpy as np

        scores = self.scores[: self.count]
        if skip_index is not None:
            scores = scores.copy()
            scores[skip_index] = -np.inf
        number = min(number, self.count - (1 if skip_index is not None else 0))
        if number <= 0:
            return []
        if number < self.count:
            candidates = np.argpartition(-scores, number - 1)[:number]
        else:
            candidates = np.arange(self.count)
        return [int(i) for i in candidates if scores[i] > -np.inf]

    def exact(self, blob: bytes) -> float:
        """The float64 cosine score of one stored vector, to match a hand computation."""
        import numpy as np

        vector = np.frombuffer(blob, dtype="<f4").astype(np.float64)
        if vector.shape[0] != self.dimensions:
            raise DimensionMismatchError(
                f"Query vector has {self.dimensions} dimensions but the collection's vectors "
                f"have {vector.shape[0]}"
            )
        norm = float(np.linalg.norm(vector))
        if norm == 0.0 or self.query_norm == 0.0:
            return 0.0
        return float(vector @ self.query) / (norm * self.query_norm)


def cosine_similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors; 0.0 when either is all zeros."""
    import numpy as np

    va = np.asarray(a, dtype=np.float64)
    vb = np.asarray(b, dtype=np.float64)
    if va.shape != vb.shape:
        raise DimensionMismatchError(
            f"Cannot compare vectors of {va.shape[0]} and {vb.shape[0]} dimensions"
        )
    denominator = float(np.linalg.norm(va) * np.linalg.norm(vb))
    if denominator == 0.0:
        return 0.0
    return float(va @ vb) / denominator
