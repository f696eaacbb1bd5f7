"""The matrix cache beside the database: in step with every change, never used stale."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap

import llm
import numpy as np
import pytest
import sqlite_utils
from llmio_embeddings import Collection, DimensionMismatchError
from llmio_embeddings.matrix import MatrixCache

DIMS = 16


def numpy_scan(path, collection_id, query, number, skip_id=None):
    """The reference: every row read from SQLite, cosine in float64, best first then ID."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT id, embedding FROM embeddings WHERE collection_id = ?", [collection_id]
    ).fetchall()
    conn.close()
    ids = [id for id, _ in rows]
    matrix = np.array([np.frombuffer(blob, "<f4") for _, blob in rows], dtype=np.float64)
    query = np.asarray(query, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(query)
    scores = np.where(norms > 0, matrix @ query / np.where(norms > 0, norms, 1), 0.0)
    ranked = sorted(zip(scores.tolist(), ids), key=lambda pair: (-pair[0], pair[1]))
    return [(id, score) for score, id in ranked if id != skip_id][:number]


def check_against_scan(collection, path, queries, number=10):
    for query in queries:
        got = [(e.id, e.score) for e in collection.similar_by_vector(query.tolist(), number)]
        expected = numpy_scan(path, collection.id, query, number)
        assert [id for id, _ in got] == [id for id, _ in expected]
        for (_, score), (_, want) in zip(got, expected):
            assert score == pytest.approx(want, rel=1e-9, abs=1e-12)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "embeddings.db"


@pytest.fixture
def filled(path, text_model):
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((400, DIMS)).astype(np.float32)
    collection = Collection("things", str(path), model=text_model)
    collection.embed_multi((f"item-{i:03d}", json.dumps(v.tolist())) for i, v in enumerate(vectors))
    return collection


def queries(seed=11, count=5):
    return list(np.random.default_rng(seed).standard_normal((count, DIMS)))


def cache_of(collection):
    return MatrixCache.for_connection(collection.conn, collection.id)


def version(path, collection_id):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT version FROM collection_versions WHERE collection_id = ?", [collection_id]
        ).fetchone()[0]
    finally:
        conn.close()


def test_results_identical_to_a_numpy_scan_of_the_rows(filled, path):
    check_against_scan(filled, path, queries())
    check_against_scan(filled, path, queries(seed=12), number=1)
    check_against_scan(filled, path, queries(seed=13), number=400)


def test_cache_files_beside_the_database_private_and_reused(filled, path):
    filled.similar_by_vector(queries()[0].tolist())
    assert filled.storage.timings.keys() >= {"rebuild"}
    folder = path.parent / "embeddings.db.vectors"
    assert sorted(p.name for p in folder.iterdir()) == [
        "c1.f32",
        "c1.ids",
        "c1.idx",
        "c1.json",
        "c1.lock",
    ]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for file in folder.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    header = json.loads((folder / "c1.json").read_text())
    assert header == {
        "format": 1,
        "version": version(path, filled.id),
        "rows": 400,
        "dims": DIMS,
        "names": 400 * len("item-000"),
        "index": None,
    }
    assert (folder / "c1.f32").stat().st_size == 400 * DIMS * 4
    # rows are stored at unit length
    matrix = np.fromfile(folder / "c1.f32", dtype="<f4").reshape(400, DIMS)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-6)
    filled.similar_by_vector(queries()[1].tolist())
    assert "rebuild" not in filled.storage.timings
    assert "open" in filled.storage.timings


def test_writes_through_the_library_patch_the_cache_in_step(filled, path, text_model):
    filled.similar_by_vector(queries()[0].tolist())  # build it
    rng = np.random.default_rng(5)
    new = {f"new-{i}": rng.standard_normal(DIMS).tolist() for i in range(30)}
    changed = {f"item-{i:03d}": rng.standard_normal(DIMS).tolist() for i in range(0, 400, 20)}
    filled.embed_multi((id, json.dumps(v)) for id, v in {**new, **changed}.items())
    header = cache_of(filled).header()
    assert header["version"] == version(path, filled.id)
    assert header["rows"] == 430
    check_against_scan(filled, path, queries(seed=21) + [np.asarray(new["new-3"])])
    assert "rebuild" not in filled.storage.timings
    # a changed item is found by its new vector, and only once
    results = filled.similar_by_vector(changed["item-020"], number=2)
    assert results[0].id == "item-020" and results[0].score == pytest.approx(1.0)
    assert results[1].id != "item-020"


def test_deleting_the_cache_loses_nothing(filled, path):
    before = [e.id for e in filled.similar_by_vector(queries()[0].tolist())]
    for file in (path.parent / "embeddings.db.vectors").iterdir():
        file.unlink()
    (path.parent / "embeddings.db.vectors").rmdir()
    assert [e.id for e in filled.similar_by_vector(queries()[0].tolist())] == before
    assert "rebuild" in filled.storage.timings


OTHER_PROCESS = """
import sqlite3, struct, sys
conn = sqlite3.connect(sys.argv[1])
pack = lambda values: struct.pack("<%df" % len(values), *values)
with conn:
{statements}
"""


@pytest.mark.parametrize(
    "change",
    [
        # insert: a new item that is the best match for the query
        (
            'conn.execute("INSERT INTO embeddings (collection_id, id, embedding) '
            "VALUES (1, 'zz', ?)\", [pack([1.0] + [0.0] * 15)])"
        ),
        # update in place: an item's vector becomes the best match
        (
            "conn.execute(\"UPDATE embeddings SET embedding = ? WHERE id = 'item-007'\","
            " [pack([1.0] + [0.0] * 15)])"
        ),
        # delete the current best matches
        (
            "conn.execute(\"DELETE FROM embeddings WHERE id IN ({})\".format(','.join('?' * 3)),"
            " sys.argv[2:5])"
        ),
    ],
    ids=["insert", "update", "delete"],
)
def test_cache_follows_changes_made_by_another_process(filled, path, change):
    query = [1.0] + [0.0] * 15
    best = [e.id for e in filled.similar_by_vector(query, number=3)]
    assert "rebuild" in filled.storage.timings
    script = OTHER_PROCESS.format(statements=textwrap.indent(change, "    "))
    subprocess.run([sys.executable, "-c", script, str(path), *best], check=True)
    results = filled.similar_by_vector(query, number=10)
    assert "rebuild" in filled.storage.timings
    expected = numpy_scan(path, filled.id, np.asarray(query), 10)
    assert [e.id for e in results] == [id for id, _ in expected]
    if "INSERT" in change:
        assert results[0].id == "zz"
    elif "UPDATE" in change:
        assert results[0].id == "item-007"
    else:
        assert not set(best) & {e.id for e in results}


def test_library_writes_in_another_process_keep_the_cache_usable(filled, path, text_model):
    """Another process writing through the library patches the shared cache: no rebuild."""
    filled.similar_by_vector(queries()[0].tolist())
    script = textwrap.dedent(
        """
        import json, sys
        import llm
        from llmio_embeddings import Collection
        sys.path.insert(0, sys.argv[2])
        from conftest import TextEmbedding
        collection = Collection("things", sys.argv[1], model=TextEmbedding())
        collection.embed("fresh", json.dumps([0.0] * 15 + [1.0]))
        """
    )
    here = os.path.dirname(__file__)
    subprocess.run([sys.executable, "-c", script, str(path), here], check=True)
    results = filled.similar_by_vector([0.0] * 15 + [1.0], number=5)
    assert "rebuild" not in filled.storage.timings
    assert results[0].id == "fresh"
    check_against_scan(filled, path, queries(seed=4))


def corrupt_header(folder):
    (folder / "c1.json").write_text("{not json")


def truncate_matrix(folder):
    with open(folder / "c1.f32", "r+b") as f:
        f.truncate(100)


def stale_version(folder):
    header = json.loads((folder / "c1.json").read_text())
    header["version"] -= 1
    (folder / "c1.json").write_text(json.dumps(header))


def scramble_ids(folder):
    offsets = np.fromfile(folder / "c1.idx", dtype="<i8")
    offsets[5] = 10**6
    offsets.tofile(folder / "c1.idx")


def overwrite_rows(folder):
    """Same sizes and header, but a row replaced: caught when the rows are fetched."""
    matrix = np.fromfile(folder / "c1.f32", dtype="<f4").reshape(-1, DIMS)
    matrix[:50] = np.asarray([1.0] + [0.0] * 15, dtype=np.float32)
    matrix.tofile(folder / "c1.f32")


def nan_rows(folder):
    matrix = np.fromfile(folder / "c1.f32", dtype="<f4").reshape(-1, DIMS)
    matrix[:50] = np.nan
    matrix.tofile(folder / "c1.f32")


@pytest.mark.parametrize(
    "damage",
    [corrupt_header, truncate_matrix, stale_version, scramble_ids, overwrite_rows, nan_rows],
)
def test_a_corrupt_or_stale_cache_is_rebuilt_never_used(filled, path, damage):
    query = [1.0] + [0.0] * 15
    expected = [e.id for e in filled.similar_by_vector(query, number=10)]
    damage(path.parent / "embeddings.db.vectors")
    results = filled.similar_by_vector(query, number=10)
    assert [e.id for e in results] == expected
    assert "rebuild" in filled.storage.timings
    header = cache_of(filled).header()
    assert header["version"] == version(path, filled.id)
    check_against_scan(filled, path, queries(seed=8))


def test_an_interrupted_patch_leaves_the_cache_to_be_rebuilt(filled, path, monkeypatch):
    filled.similar_by_vector(queries()[0].tolist())
    cache = cache_of(filled)
    calls = []

    def crash(self, *args):
        calls.append(args)
        self.write_header({**self.header(), "version": -1})
        raise KeyboardInterrupt

    monkeypatch.setattr(MatrixCache, "patch", crash)
    with pytest.raises(KeyboardInterrupt):
        filled.embed("late", json.dumps([0.0] * 15 + [1.0]))
    monkeypatch.undo()
    assert calls and cache.header()["version"] == -1
    assert filled.similar_by_vector([0.0] * 15 + [1.0], number=1)[0].id == "late"
    assert "rebuild" in filled.storage.timings


def test_vectors_of_another_length_are_refused_not_cached(filled):
    filled.similar_by_vector(queries()[0].tolist())
    filled.embed("short", json.dumps([1.0, 2.0, 3.0]))
    with pytest.raises(DimensionMismatchError, match="mixes vectors of 16 and 3 dimensions"):
        filled.similar_by_vector(queries()[0].tolist())


def test_collection_delete_removes_its_cache(filled, path):
    filled.similar_by_vector(queries()[0].tolist())
    filled.delete()
    assert list((path.parent / "embeddings.db.vectors").iterdir()) == []


def test_in_memory_database_searches_without_a_cache(text_model):
    collection = Collection("things", model=text_model)
    collection.embed_multi([("a", "[1, 0]"), ("b", "[0, 1]"), ("c", "[1, 1]")])
    assert [e.id for e in collection.similar_by_vector([1, 0.1], number=2)] == ["a", "c"]


def test_two_collections_have_separate_caches(path, text_model):
    one = Collection("one", str(path), model=text_model)
    two = Collection("two", str(path), model=text_model)
    one.embed_multi([("a", "[1, 0]"), ("b", "[0, 1]")])
    two.embed_multi([("x", "[1, 0.1]")])
    assert [e.id for e in one.similar_by_vector([1, 0])] == ["a", "b"]
    assert [e.id for e in two.similar_by_vector([1, 0])] == ["x"]
    two.embed("y", "[1, 0]")
    assert [e.id for e in one.similar_by_vector([1, 0])] == ["a", "b"]
    assert [e.id for e in two.similar_by_vector([1, 0])] == ["y", "x"]


def test_version_counter_moves_on_every_change_by_anyone(path, text_model):
    collection = Collection("things", str(path), model=text_model)
    start = version(path, collection.id)
    collection.embed("a", "[1, 0]")
    assert version(path, collection.id) == start + 1
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE embeddings SET metadata = '{}'")  # not the vector: no change
    assert version(path, collection.id) == start + 1
    with conn:
        conn.execute("UPDATE embeddings SET embedding = ?", [llm.encode([0, 1])])
    with conn:
        conn.execute("DELETE FROM embeddings")
    assert version(path, collection.id) == start + 3


def test_missing_triggers_are_restored_and_move_every_counter(path, text_model):
    """A tool that rebuilt the table without our triggers: its writes went
    uncounted, so reopening moves every counter and the cache is rebuilt."""
    collection = Collection("things", str(path), model=text_model)
    collection.embed_multi([("a", "[1, 0]"), ("b", "[0, 1]")])
    assert [e.id for e in collection.similar_by_vector([1, 0], number=1)] == ["a"]
    conn = sqlite3.connect(path)
    with conn:
        for name in ("insert", "update", "delete"):
            conn.execute(f"DROP TRIGGER embeddings_version_{name}")
        conn.execute("UPDATE embeddings SET embedding = ? WHERE id = 'b'", [llm.encode([2, 0])])
        conn.execute("UPDATE embeddings SET embedding = ? WHERE id = 'a'", [llm.encode([0, 2])])
    conn.close()
    reopened = Collection("things", str(path))
    assert [e.id for e in reopened.similar_by_vector([1, 0], number=1)] == ["b"]
    assert "rebuild" in reopened.storage.timings
    names = {
        r[0]
        for r in sqlite_utils.Database(path).execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        )
    }
    assert names == {f"embeddings_version_{n}" for n in ("insert", "update", "delete")}


def test_patches_read_the_ids_only_when_rows_change_and_once(filled, path, monkeypatch):
    from llmio_embeddings.matrix import Snapshot

    filled.similar_by_vector(queries()[0].tolist())
    reads = []
    original = Snapshot.row_of
    monkeypatch.setattr(Snapshot, "row_of", lambda self: reads.append(1) or original(self))
    rng = np.random.default_rng(9)
    filled.embed_multi(
        ((f"new-{i}", json.dumps(rng.standard_normal(DIMS).tolist())) for i in range(30)),
        batch_size=10,
    )
    assert reads == []  # only new IDs: appended without looking anything up
    filled.embed_multi(
        ((f"item-{i:03d}", json.dumps(rng.standard_normal(DIMS).tolist())) for i in range(50)),
        batch_size=10,
    )
    assert reads == [1]  # five batches of changed rows, one read of the IDs
    check_against_scan(filled, path, queries(seed=31))
    assert "rebuild" not in filled.storage.timings
    assert cache_of(filled).header()["rows"] == 430
