"""The Collection library: storage, hash de-duplication, batching and similarity."""

from __future__ import annotations

import hashlib
import json
import math
import random
import time

import llm
import pytest
import sqlite_utils
from llmio_embeddings import (
    Collection,
    CollectionDoesNotExist,
    ContentTypeError,
    DimensionMismatchError,
    EmbeddingsError,
    Entry,
    ItemNotFoundError,
    ModelMismatchError,
    migrate,
)

SPEC_COLLECTIONS = """CREATE TABLE [collections] (
   [id] INTEGER PRIMARY KEY,
   [name] TEXT,
   [model] TEXT
)"""

SPEC_EMBEDDINGS = """CREATE TABLE "embeddings" (
   [collection_id] INTEGER REFERENCES [collections]([id]),
   [id] TEXT,
   [embedding] BLOB,
   [content] TEXT,
   [content_blob] BLOB,
   [content_hash] BLOB,
   [metadata] TEXT,
   [updated] INTEGER,
   PRIMARY KEY ([collection_id], [id])
)"""


def rows(db, collection_id=None):
    sql = "SELECT collection_id, id, embedding, content, content_blob, content_hash, metadata, updated FROM embeddings"
    return [dict(r) for r in db.query(sql + " ORDER BY collection_id, id")]


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return 0.0 if na == 0 or nb == 0 else dot / (na * nb)


def vec(*values):
    return json.dumps(list(values))


# -- construction ------------------------------------------------------------------------


def test_llm_collection_is_the_llm_embeddings_class():
    assert llm.Collection is Collection


def test_schema_matches_spec(db, text_model):
    Collection("entries", db, model=text_model)
    assert db["collections"].schema == SPEC_COLLECTIONS
    assert db["embeddings"].schema == SPEC_EMBEDDINGS


def test_in_memory_by_default_and_alias_resolved(text_model):
    collection = Collection("entries", model_id="et")
    assert collection.conn.execute("PRAGMA database_list").fetchone()[2] == ""
    assert isinstance(collection.db, sqlite_utils.Database)
    assert collection.name == "entries"
    assert collection.model_id == "embed-text"
    assert collection.model() is text_model
    assert isinstance(collection.id, int)
    assert collection.count() == 0
    assert list(collection.db.query("SELECT id, name, model FROM collections")) == [
        {"id": collection.id, "name": "entries", "model": "embed-text"}
    ]


def test_existing_collection_reads_its_model(db, text_model):
    first = Collection("entries", db, model_id="embed-text")
    second = Collection("other", db, model_id="embed-binary")
    again = Collection("entries", db)
    assert again.id == first.id != second.id
    assert again.model_id == "embed-text"
    assert again.model() is text_model


def test_existing_collection_with_alias_of_same_model_is_fine(db, models):
    Collection("entries", db, model_id="embed-text")
    assert Collection("entries", db, model_id="text-alias").model_id == "embed-text"
    assert Collection("entries", db, model=models.text).model_id == "embed-text"


def test_model_mismatch_is_a_clear_error(db, models):
    Collection("entries", db, model_id="embed-text")
    with pytest.raises(ModelMismatchError) as excinfo:
        Collection("entries", db, model=models.binary)
    assert str(excinfo.value) == (
        "Collection 'entries' uses model 'embed-text', not 'embed-binary'"
    )


def test_new_collection_needs_a_model(db, models):
    with pytest.raises(EmbeddingsError, match="pass model= or model_id="):
        Collection("entries", db)
    assert not Collection.exists(db, "entries")


def test_create_false(db, models):
    with pytest.raises(CollectionDoesNotExist, match="Collection 'nope' does not exist"):
        Collection("nope", db, model_id="embed-text", create=False)
    assert Collection.DoesNotExist is CollectionDoesNotExist


def test_exists(db, models):
    assert not Collection.exists(db, "entries")  # no tables yet
    assert db.table_names() == []
    Collection("entries", db, model_id="embed-text")
    assert Collection.exists(db, "entries")
    assert not Collection.exists(db, "other")


def test_path_opens_database_in_wal_mode(tmp_path, models):
    path = tmp_path / "e.db"
    collection = Collection("entries", str(path), model_id="embed-text")
    collection.embed("one", "abc")
    assert collection.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # LLM_BUSY_TIMEOUT seconds, default 30 (the same as logs.db).
    assert collection.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    assert collection.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert collection.db.conn is collection.conn
    assert sqlite_utils.Database(path)["embeddings"].count == 1


# -- storing -----------------------------------------------------------------------------


def test_embed_stores_row_exactly(db, text_model):
    collection = Collection("entries", db, model=text_model)
    before = int(time.time())
    collection.embed("hound", "my happy hound", metadata={"name": "Hound"})
    after = int(time.time())
    [row] = rows(db)
    assert row["collection_id"] == collection.id
    assert row["id"] == "hound"
    assert row["embedding"] == llm.encode([1.0, 0.0, 0.0, 1.0])
    assert row["content"] is None
    assert row["content_blob"] is None
    assert row["content_hash"] == hashlib.md5(b"my happy hound").digest()
    assert json.loads(row["metadata"]) == {"name": "Hound"}
    assert before <= row["updated"] <= after
    assert collection.count() == 1


def test_embed_store_text(db, text_model):
    collection = Collection("entries", db, model=text_model)
    collection.embed("hound", "my happy hound", store=True)
    [row] = rows(db)
    assert row["content"] == "my happy hound"
    assert row["content_blob"] is None
    assert row["metadata"] is None


def test_embed_store_binary(db, binary_model):
    collection = Collection("photos", db, model=binary_model)
    data = b"\x00\x01\xffbinary"
    collection.embed("img", data, store=True)
    [row] = rows(db)
    assert row["content"] is None
    assert row["content_blob"] == data
    assert row["content_hash"] == hashlib.md5(data).digest()
    assert llm.decode(row["embedding"]) == (9.0, float(sum(data) % 256), 0.0)
    assert binary_model.items == [data]


def test_content_type_checked(db, models):
    with pytest.raises(ContentTypeError, match="embed-text does not support binary content"):
        Collection("a", db, model=models.text).embed("x", b"bytes")
    with pytest.raises(ContentTypeError, match="embed-binary-only does not support text content"):
        Collection("b", db, model=models.binary_only).embed("x", "text")
    assert models.text.calls == 0 and models.binary_only.calls == 0
    assert rows(db) == []


def test_unchanged_content_is_not_embedded_again(db, text_model):
    collection = Collection("entries", db, model=text_model)
    collection.embed("one", "aaa")
    collection.embed("one", "aaa")
    assert text_model.calls == 1
    collection.embed("one", "bbb")
    assert text_model.items == ["aaa", "bbb"]
    assert llm.decode(rows(db)[0]["embedding"]) == (0.0, 3.0, 0.0, 0.0)


def test_embed_multi_only_sends_changed_items(db, text_model):
    collection = Collection("entries", db, model=text_model)
    collection.embed_multi([("1", "a"), ("2", "b"), ("3", "c")])
    collection.embed_multi([("1", "a"), ("2", "bb"), ("3", "c"), ("4", "d")])
    assert text_model.batches == [["a", "b", "c"], ["bb", "d"]]
    collection.embed_multi([("1", "a"), ("2", "bb")])
    assert text_model.calls == 2
    assert collection.count() == 4


def test_unchanged_content_still_updates_metadata_and_stored_content(db, text_model):
    collection = Collection("entries", db, model=text_model)
    collection.embed("one", "aaa", metadata={"v": 1})
    collection.embed("one", "aaa", metadata={"v": 2}, store=True)
    assert text_model.calls == 1
    [row] = rows(db)
    assert json.loads(row["metadata"]) == {"v": 2}
    assert row["content"] == "aaa"


def test_same_ids_in_other_collection_are_independent(db, text_model):
    a = Collection("a", db, model=text_model)
    b = Collection("b", db, model=text_model)
    a.embed("one", "aaa")
    b.embed("one", "aaa")
    assert text_model.calls == 2
    assert [(r["collection_id"], r["id"]) for r in rows(db)] == [(a.id, "one"), (b.id, "one")]


def test_integer_ids_are_stored_as_text(db, text_model):
    collection = Collection("entries", db, model=text_model)
    collection.embed_multi((i, line) for i, line in enumerate(["a", "b"]))
    assert [r["id"] for r in rows(db)] == ["0", "1"]
    assert collection.similar_by_id(0)[0].id == "1"


def test_embed_multi_with_metadata(db, text_model):
    collection = Collection("entries", db, model=text_model)
    collection.embed_multi_with_metadata(
        [("hound", "my happy hound", {"name": "Hound"}), ("cat", "my dissatisfied cat", None)],
        store=True,
    )
    assert [(r["id"], r["content"], r["metadata"]) for r in rows(db)] == [
        ("cat", "my dissatisfied cat", None),
        ("hound", "my happy hound", '{"name": "Hound"}'),
    ]


def test_batch_size(db, text_model):
    collection = Collection("entries", db, model=text_model)
    collection.embed_multi(((str(i), "a" * (i + 1)) for i in range(5)), batch_size=2)
    assert [len(batch) for batch in text_model.batches] == [2, 2, 1]


def test_model_batch_size_caps_batches(db, models):
    collection = Collection("entries", db, model=models.small_batch)
    collection.embed_multi([(str(i), "a" * (i + 1)) for i in range(5)])
    assert [len(batch) for batch in models.small_batch.batches] == [2, 2, 1]


def test_default_batch_size_is_100(db, text_model):
    collection = Collection("entries", db, model=text_model)
    collection.embed_multi((str(i), "a" * (i + 1)) for i in range(250))
    assert [len(batch) for batch in text_model.batches] == [100, 100, 50]
    assert collection.count() == 250


def test_each_batch_is_one_transaction(db, text_model):
    collection = Collection("entries", db, model=text_model)
    statements = []
    db.conn.set_trace_callback(statements.append)
    collection.embed_multi(((str(i), "a" * (i + 1)) for i in range(5)), batch_size=2)
    db.conn.set_trace_callback(None)
    # SQLite traces a statement again for each trigger it fires (the version counter's)
    statements = [s for i, s in enumerate(statements) if i == 0 or s != statements[i - 1]]
    writes = [s.split()[0] for s in statements if s.split()[0] in ("BEGIN", "INSERT", "COMMIT")]
    # executemany shows one INSERT per row inside a single BEGIN ... COMMIT per batch
    assert writes == ["BEGIN", "INSERT", "INSERT", "COMMIT"] * 2 + ["BEGIN", "INSERT", "COMMIT"]


def test_failure_in_a_batch_keeps_earlier_batches_and_stores_nothing_of_it(db, text_model):
    original = text_model.embed_batch

    def failing(items):
        items = list(items)
        if "boom" in items:
            raise llm.ModelError("model failed")
        return original(items)

    text_model.embed_batch = failing
    collection = Collection("entries", db, model=text_model)
    with pytest.raises(llm.ModelError):
        collection.embed_multi([("1", "a"), ("2", "b"), ("3", "c"), ("4", "boom")], batch_size=2)
    assert [r["id"] for r in rows(db)] == ["1", "2"]


def test_delete(db, text_model):
    a = Collection("a", db, model=text_model)
    b = Collection("b", db, model=text_model)
    a.embed_multi([("1", "a"), ("2", "b")])
    b.embed("1", "a")
    a.delete()
    assert not Collection.exists(db, "a")
    assert Collection.exists(db, "b")
    assert [(r["collection_id"], r["id"]) for r in rows(db)] == [(b.id, "1")]


# -- similarity --------------------------------------------------------------------------

VECTORS = {
    "x": [1.0, 0.0, 0.0, 0.0],
    "xy": [1.0, 1.0, 0.0, 0.0],
    "mixed": [3.0, -1.0, 2.0, 0.5],
    "neg": [-1.0, 0.0, 0.0, 0.0],
    "zero": [0.0, 0.0, 0.0, 0.0],
}


@pytest.fixture
def filled(db, text_model):
    collection = Collection("entries", db, model=text_model)
    collection.embed_multi_with_metadata(
        [(id, vec(*v), {"id": id}) for id, v in VECTORS.items()], store=True
    )
    text_model.batches.clear()
    return collection


def test_similar_exact_scores(filled, text_model):
    query = [2.0, 1.0, 0.5, 0.0]
    results = filled.similar(vec(*query))
    assert text_model.items == [vec(*query)]
    expected = sorted(((cosine(query, v), id) for id, v in VECTORS.items()), key=lambda p: -p[0])
    assert [e.id for e in results] == [id for _, id in expected]
    for entry, (score, _) in zip(results, expected):
        assert entry.score == pytest.approx(score, rel=1e-12, abs=1e-15)
        assert isinstance(entry.score, float)
    by_id = {e.id: e for e in results}
    assert by_id["zero"].score == 0.0
    assert by_id["neg"].score == pytest.approx(-2 / math.sqrt(5.25))
    assert by_id["mixed"] == Entry(
        id="mixed",
        score=pytest.approx(cosine(query, VECTORS["mixed"])),
        content=vec(*VECTORS["mixed"]),
        metadata={"id": "mixed"},
    )


def test_similar_number(filled):
    assert [e.id for e in filled.similar(vec(1, 0, 0, 0), number=2)] == ["x", "mixed"]
    assert filled.similar(vec(1, 0, 0, 0), number=0) == []
    assert len(filled.similar(vec(1, 0, 0, 0), number=50)) == 5


def test_similar_by_id_excludes_item(filled):
    results = filled.similar_by_id("x")
    assert [e.id for e in results] == ["mixed", "xy", "zero", "neg"]
    assert results[1].score == pytest.approx(1 / math.sqrt(2), rel=1e-12)
    assert [e.id for e in filled.similar_by_id("x", number=1)] == ["mixed"]


def test_similar_by_id_missing(filled):
    with pytest.raises(ItemNotFoundError, match="No item with ID 'nope' in collection 'entries'"):
        filled.similar_by_id("nope")


def test_similar_by_vector_skip_id(filled):
    results = filled.similar_by_vector([1, 0, 0, 0], number=3, skip_id="xy")
    assert [(e.id, e.score) for e in results] == [
        ("x", 1.0),
        ("mixed", pytest.approx(3 / math.sqrt(14.25), rel=1e-12)),
        ("zero", 0.0),
    ]


def test_zero_query_scores_zero_not_nan(filled):
    results = filled.similar_by_vector([0, 0, 0, 0])
    assert [e.score for e in results] == [0.0] * 5
    # ties come back in ID order (the order rows are read)
    assert [e.id for e in results] == sorted(VECTORS)


def test_stored_content_not_returned_when_not_stored(db, text_model):
    collection = Collection("entries", db, model=text_model)
    collection.embed("one", "abc")
    assert collection.similar("abc") == [
        Entry(id="one", score=pytest.approx(1.0), content=None, metadata=None)
    ]


def test_query_dimension_mismatch(filled):
    with pytest.raises(DimensionMismatchError) as excinfo:
        filled.similar_by_vector([1.0, 2.0])
    assert str(excinfo.value) == (
        "Query vector has 2 dimensions but the collection's vectors have 4"
    )


def test_mixed_dimensions_in_collection(filled):
    filled.embed("short", vec(1, 2, 3))
    with pytest.raises(DimensionMismatchError, match="mixes vectors of 4 and 3 dimensions"):
        filled.similar_by_vector([1, 0, 0, 0])


def test_empty_collection(db, text_model):
    assert Collection("entries", db, model=text_model).similar("abc") == []


def test_top_n_matches_brute_force(db, text_model):
    rng = random.Random(7)
    vectors = {f"id{i}": [rng.uniform(-1, 1) for _ in range(8)] for i in range(300)}
    collection = Collection("entries", db, model=text_model)
    collection.embed_multi((id, vec(*v)) for id, v in vectors.items())
    stored = {r["id"]: llm.decode(r["embedding"]) for r in rows(db)}
    query = [rng.uniform(-1, 1) for _ in range(8)]
    expected = sorted(stored, key=lambda id: -cosine(query, stored[id]))[:15]
    results = collection.similar_by_vector(query, number=15)
    assert [e.id for e in results] == expected
    for entry in results:
        assert entry.score == pytest.approx(cosine(query, stored[entry.id]), rel=1e-12)


def test_binary_similarity(db, binary_model):
    collection = Collection("photos", db, model=binary_model)
    collection.embed_multi([("a", b"\x01\x02"), ("b", b"\xff" * 10)], store=True)
    results = collection.similar(b"\x01\x02")
    assert results[0].id == "a"
    assert results[0].score == pytest.approx(1.0)
    assert results[0].content is None  # binary content is not returned as text


# -- migrations --------------------------------------------------------------------------


def test_migrates_older_schema_without_touching_rows(db, text_model):
    db.execute("CREATE TABLE collections (id INTEGER PRIMARY KEY, name TEXT, model TEXT)")
    db.execute(
        "CREATE TABLE embeddings (collection_id INTEGER REFERENCES collections(id), "
        "id TEXT, embedding BLOB, content TEXT, metadata TEXT, "
        "PRIMARY KEY (collection_id, id))"
    )
    db.execute("INSERT INTO collections VALUES (1, 'old', 'embed-text')")
    db.execute(
        "INSERT INTO embeddings VALUES (1, 'x', ?, 'stored', '{\"a\": 1}')",
        [llm.encode([1.0, 0.0, 0.0, 0.0])],
    )
    db.conn.commit()
    collection = Collection("old", db)
    assert set(db["embeddings"].columns_dict) == {
        "collection_id",
        "id",
        "embedding",
        "content",
        "content_blob",
        "content_hash",
        "metadata",
        "updated",
    }
    assert collection.similar_by_vector([1, 0, 0, 0]) == [
        Entry(id="x", score=1.0, content="stored", metadata={"a": 1})
    ]
    # No hash stored yet, so embedding the same content computes it once
    collection.embed("x", vec(1, 0, 0, 0))
    assert text_model.calls == 1


def test_migrate_is_idempotent(db):
    migrate(db.conn)
    migrate(db.conn)
    assert db["embeddings"].schema == SPEC_EMBEDDINGS


def test_accepts_sqlite3_connection_and_wraps_db_lazily(tmp_path, text_model):
    import sqlite3

    conn = sqlite3.connect(tmp_path / "c.db")
    collection = Collection("entries", conn, model_id="embed-text")
    collection.embed("one", "abc")
    assert collection.conn is conn
    assert collection.db.conn is conn
    assert Collection.exists(conn, "entries")
    assert Collection.exists(sqlite_utils.Database(tmp_path / "c.db"), "entries")


def test_not_a_database_object(text_model):
    with pytest.raises(TypeError, match="Expected a sqlite-utils Database, not int"):
        Collection("entries", 42, model_id="embed-text")


def test_concurrent_writers_lose_nothing(tmp_path, text_model):
    """Two connections writing batches at once: the busy timeout makes them take turns."""
    import threading

    path = tmp_path / "shared.db"
    errors = []
    start = threading.Barrier(3)

    def writer(prefix):
        try:
            start.wait()
            # all three create the database and the collection at the same moment
            collection = Collection("shared", str(path), model_id="embed-text")
            for batch in range(20):
                collection.embed_multi(
                    [(f"{prefix}-{batch}-{i}", f"{prefix} {batch} {i}") for i in range(10)]
                )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Collection("shared", str(path)).count() == 600
    assert sqlite_utils.Database(path)["collections"].count == 1


def test_cosine_similarity_helper():
    from llmio_embeddings.similarity import cosine_similarity

    assert cosine_similarity([1, 2, 3], [4, 5, 6]) == pytest.approx(cosine([1, 2, 3], [4, 5, 6]))
    assert cosine_similarity([0, 0], [1, 1]) == 0.0
    with pytest.raises(DimensionMismatchError):
        cosine_similarity([1], [1, 2])
