"""An approximate (HNSW) index over the matrix cache, for the largest collections.

Optional: it needs the ``index`` extra (``pip install 'llmio-embeddings[index]'``,
which brings usearch). The index file ``c<ID>.usearch`` sits beside the matrix
and uses matrix row numbers as keys. Rows keep their numbers while the cache
is patched, so the index stays valid as the collection grows: rows appended
since it was saved, and rows whose vectors were replaced (the header's
``index.dirty``), are scored exactly beside the index's answer. Once they
add up to more than ``CATCH_UP`` of the collection, the next write folds them
into the index incrementally. A rebuilt matrix (after another program changed
the collection) renumbers rows and voids the index until it is built again.

The index only proposes candidates: several times the rows asked for, which
are then scored exactly against the matrix and, at the end, against the rows in
SQLite. ``bench/similar.py`` measures its recall against the exact search.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .matrix import MatrixCache, Snapshot

# Collections at least this large get an index automatically after a write
# (``LLM_EMBEDDINGS_INDEX_THRESHOLD`` changes it; 0 turns that off).
DEFAULT_THRESHOLD = 500_000
# Pending rows (appended or replaced since the index was saved) are folded into
# the index once they exceed this share of the collection and CATCH_UP_ROWS.
CATCH_UP = 0.02
CATCH_UP_ROWS = 10_000
# How many candidates the index proposes per result asked for.
OVERSAMPLE = 4
_MIN_CANDIDATES = 64
# HNSW parameters. On 1,000,000 clustered vectors (bench/similar.py --index),
# with 40 candidates re-ranked exactly, expansion_search 64 gave recall@10
# 0.93 (two queries of fifty found none of their ten), 128 gave 0.97 and 256
# gave 0.99 at about 1.2 ms a query.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 256


def available() -> bool:
    """Whether the ``index`` extra (usearch) is installed."""
    return importlib.util.find_spec("usearch") is not None


def threshold() -> int:
    value = os.environ.get("LLM_EMBEDDINGS_INDEX_THRESHOLD")
    try:
        number = int(value) if value else DEFAULT_THRESHOLD
    except ValueError:
        return DEFAULT_THRESHOLD
    return number if number > 0 else 2**62


def _new_index(dims: int) -> Any:
    from usearch.index import Index

    return Index(
        ndim=dims,
        metric="ip",  # rows and queries are unit vectors: inner product is the cosine
        dtype="f16",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )


def _save(index: Any, cache: MatrixCache) -> None:
    temporary = cache.path(".usearch.tmp")
    index.save(str(temporary))
    os.chmod(temporary, 0o600)
    os.replace(temporary, cache.path(".usearch"))


def update(cache: MatrixCache, snapshot: Snapshot, force: bool) -> bool:
    """Build the index (``force``, or none yet), or fold pending rows into it.

    Runs with the cache's lock held exclusively; records the result in the header.
    """
    import numpy as np

    header = cache.header()
    if header is None or snapshot.rows == 0:
        return False
    state = header.get("index")
    path = cache.path(".usearch")
    if state is not None and path.exists() and not force:
        pending = snapshot.rows - state["rows"] + len(state.get("dirty", []))
        if pending <= max(CATCH_UP_ROWS, CATCH_UP * snapshot.rows):
            return True
        from usearch.index import Index

        index = Index.restore(str(path))
        dirty = np.asarray(state.get("dirty", []), dtype=np.uint64)
        if dirty.size:
            index.remove(dirty)
            index.add(dirty, np.asarray(snapshot.matrix[dirty.astype(np.int64)]))
        start = state["rows"]
    else:
        index = _new_index(snapshot.dims)
        start = 0
    block = 65_536
    for offset in range(start, snapshot.rows, block):
        end = min(offset + block, snapshot.rows)
        index.add(np.arange(offset, end, dtype=np.uint64), np.asarray(snapshot.matrix[offset:end]))
    _save(index, cache)
    cache.write_header({**header, "index": {"rows": snapshot.rows, "dirty": []}})
    return True


_views: dict[str, tuple[tuple[int, int, int], Any]] = {}


def _view(path: Path) -> Any:
    """The index file memory-mapped read-only (kept while the file is unchanged), or None.

    ``expansion_search`` is not saved with an index, so it is set on every view.
    """
    from usearch.index import Index

    try:
        info = path.stat()
    except OSError:
        return None
    signature = (info.st_ino, info.st_size, info.st_mtime_ns)
    cached = _views.get(str(path))
    if cached is not None and cached[0] == signature:
        return cached[1]
    try:
        index = Index.restore(str(path), view=True, enable_key_lookups=False)
    except Exception:  # noqa: BLE001 - unreadable: search exactly instead
        return None
    if index is None:
        return None
    index.expansion_search = EXPANSION_SEARCH
    _views[str(path)] = (signature, index)
    return index


def candidates(snapshot: Snapshot, query: Any, number: int) -> list[tuple[int, float]] | None:
    """(row, float32 score) of the best rows by the index plus the pending rows,
    rescored exactly against the matrix; None when there is no usable index."""
    import numpy as np

    from .matrix import top_rows

    state = snapshot.index
    if state is None or snapshot.stem is None or not available():
        return None
    index = _view(snapshot.stem.with_name(snapshot.stem.name + ".usearch"))
    if index is None or index.ndim != snapshot.dims or len(index) != state["rows"]:
        return None
    count = min(len(index), max(number * OVERSAMPLE, _MIN_CANDIDATES))
    found = np.asarray(index.search(query, count).keys, dtype=np.int64)
    dirty = np.asarray(state.get("dirty", []), dtype=np.int64)
    pending = np.arange(state["rows"], snapshot.rows, dtype=np.int64)
    rows = np.unique(np.concatenate([found[found >= 0], dirty, pending]))
    scores = np.asarray(snapshot.matrix[rows]) @ query
    return [(int(rows[i]), float(scores[i])) for i in top_rows(scores, number)]
