"""Which HNSW library for the ``index`` extra: usearch, faiss-cpu or hnswlib.

    uv run python bench/ann_choice.py [--rows 100000] [--dims 384] [--queries 200]

The same clustered synthetic set as bench/similar.py (1,000 centres, noise
0.6), unit rows, the same HNSW parameters for all three (M = 16,
ef_construction = 128, ef_search = 128), and the search llm does: 40
candidates for 10 results, re-ranked exactly. Reports build time, one-query
latency, recall@10 against the exact top 10, and the saved index's size.
Libraries that are not installed are skipped (they are not dependencies:
install them by hand to compare).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

M, EF_CONSTRUCTION, EF_SEARCH, CANDIDATES = 16, 128, 128, 40


def data(rows: int, dims: int, queries: int):
    import numpy as np

    rng = np.random.default_rng(42)
    centres = np.random.default_rng(1234).standard_normal((1000, dims)).astype(np.float32)

    def draw(count):
        points = centres[rng.integers(0, 1000, count)] + 0.6 * rng.standard_normal(
            (count, dims)
        ).astype(np.float32)
        return points / np.linalg.norm(points, axis=1, keepdims=True)

    return draw(rows).astype(np.float32), draw(queries).astype(np.float32)


def with_usearch(matrix, folder):
    from usearch.index import Index

    index = Index(
        ndim=matrix.shape[1],
        metric="ip",
        dtype="f16",
        connectivity=M,
        expansion_add=EF_CONSTRUCTION,
        expansion_search=EF_SEARCH,
    )
    index.add(np.arange(len(matrix), dtype=np.uint64), matrix)
    path = os.path.join(folder, "u.usearch")
    index.save(path)
    view = Index.restore(path, view=True, enable_key_lookups=False)
    view.expansion_search = EF_SEARCH  # not saved with the index
    return (lambda q: np.asarray(view.search(q, CANDIDATES).keys, dtype=np.int64)), path


def with_faiss(matrix, folder):
    import faiss

    index = faiss.IndexHNSWFlat(matrix.shape[1], M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    index.add(matrix)
    index.hnsw.efSearch = EF_SEARCH
    path = os.path.join(folder, "f.faiss")
    faiss.write_index(index, path)
    loaded = faiss.read_index(path, faiss.IO_FLAG_MMAP)
    loaded.hnsw.efSearch = EF_SEARCH
    return (lambda q: loaded.search(q[None, :], CANDIDATES)[1][0]), path


def with_hnswlib(matrix, folder):
    import hnswlib

    index = hnswlib.Index(space="ip", dim=matrix.shape[1])
    index.init_index(max_elements=len(matrix), ef_construction=EF_CONSTRUCTION, M=M)
    index.add_items(matrix, np.arange(len(matrix)))
    path = os.path.join(folder, "h.bin")
    index.save_index(path)
    loaded = hnswlib.Index(space="ip", dim=matrix.shape[1])
    loaded.load_index(path)
    loaded.set_ef(EF_SEARCH)
    return (lambda q: loaded.knn_query(q, k=CANDIDATES)[0][0].astype(np.int64)), path


def main() -> None:
    global np
    import numpy as np

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    matrix, queries = data(args.rows, args.dims, args.queries)
    truth = [set(np.argpartition(-(matrix @ q), 10)[:10].tolist()) for q in queries]
    print(
        f"{args.rows:,} x {args.dims}, {args.queries} queries, M={M}, "
        f"ef_construction={EF_CONSTRUCTION}, ef_search={EF_SEARCH}, {CANDIDATES} candidates"
    )
    for name, build in (
        ("usearch", with_usearch),
        ("faiss-cpu", with_faiss),
        ("hnswlib", with_hnswlib),
    ):
        try:
            __import__({"faiss-cpu": "faiss"}.get(name, name))
        except ImportError:
            print(f"  {name:10} not installed")
            continue
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            search, path = build(matrix, folder)
            built = time.perf_counter() - started
            times, hits = [], 0
            for q, expected in zip(queries, truth):
                started = time.perf_counter()
                rows = search(q)
                rows = rows[rows >= 0]
                best = rows[np.argsort(-(matrix[rows] @ q))[:10]]
                times.append(time.perf_counter() - started)
                hits += len(expected & set(best.tolist()))
            print(
                f"  {name:10} build {built:6.1f} s   query {statistics.median(times) * 1000:5.2f} ms"
                f" median   recall@10 {hits / (10 * len(queries)):.3f}   "
                f"index file {os.path.getsize(path) / 1e6:6.1f} MB"
            )


if __name__ == "__main__":
    main()
