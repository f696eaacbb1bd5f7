"""The approximate index (the ``index`` extra, usearch): recall, exact re-ranking, upkeep."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from click.testing import CliRunner
from llmio_cli.app import cli
from llmio_embeddings import Collection, EmbeddingsError, ann
from llmio_embeddings.matrix import MatrixCache

DIMS = 24


def clustered(seed, count):
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).standard_normal((40, DIMS))
    return centres[rng.integers(0, 40, count)] + 0.5 * rng.standard_normal((count, DIMS))


@pytest.fixture
def path(tmp_path):
    return tmp_path / "embeddings.db"


@pytest.fixture
def big(path, text_model, monkeypatch):
    monkeypatch.setenv("LLM_EMBEDDINGS_INDEX_THRESHOLD", "0")  # only when asked for
    collection = Collection("big", str(path), model=text_model)
    collection.embed_multi(
        (f"v{i:04d}", json.dumps(v.tolist())) for i, v in enumerate(clustered(1, 3000))
    )
    return collection


@pytest.fixture
def used(monkeypatch):
    calls = []
    original = ann.candidates

    def spy(snapshot, query, number):
        result = original(snapshot, query, number)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(ann, "candidates", spy)
    return calls


def header(collection):
    return MatrixCache.for_connection(collection.conn, collection.id).header()


def recall(collection, queries, number=10):
    hits = 0
    for query in queries:
        approximate = collection.similar_by_vector(query.tolist(), number)
        exact = collection.similar_by_vector(query.tolist(), number, exact=True)
        hits += len({e.id for e in approximate} & {e.id for e in exact})
        # what the index returns is re-ranked exactly: same scores for the same IDs
        exact_scores = {e.id: e.score for e in exact}
        for entry in approximate:
            if entry.id in exact_scores:
                assert entry.score == exact_scores[entry.id]
        assert [e.score for e in approximate] == sorted(
            (e.score for e in approximate), reverse=True
        )
    return hits / (number * len(queries))


def test_index_answers_with_high_recall(big, used):
    assert big.build_index() is True
    assert header(big)["index"] == {"rows": 3000, "dirty": []}
    assert recall(big, clustered(2, 50)) >= 0.95
    assert used and all(used)


def test_exact_skips_the_index(big, used):
    big.build_index()
    big.similar_by_vector(clustered(3, 1)[0].tolist(), exact=True)
    assert used == []


def test_new_and_changed_rows_are_found_before_the_index_catches_up(big, used):
    big.build_index()
    target = clustered(4, 1)[0]
    big.embed_multi(
        [("new", json.dumps(target.tolist())), ("v0005", json.dumps((-target).tolist()))]
    )
    state = header(big)["index"]
    assert state == {"rows": 3000, "dirty": [5]}
    assert big.similar_by_vector(target.tolist(), 1)[0].id == "new"
    assert big.similar_by_vector((-target).tolist(), 1)[0].id == "v0005"
    assert all(used)


def test_pending_rows_are_folded_into_the_index(big, monkeypatch):
    big.build_index()
    monkeypatch.setattr(ann, "CATCH_UP_ROWS", 10)
    monkeypatch.setattr(ann, "CATCH_UP", 0.0)
    fresh = clustered(5, 80)
    big.embed_multi((f"n{i}", json.dumps(v.tolist())) for i, v in enumerate(fresh))
    big.embed("v0001", json.dumps(fresh[0].tolist()))
    assert header(big)["index"] == {"rows": 3080, "dirty": [1]}
    big.embed_multi((f"m{i}", json.dumps(v.tolist())) for i, v in enumerate(clustered(6, 20)))
    assert header(big)["index"] == {"rows": 3100, "dirty": []}
    assert recall(big, clustered(7, 30)) >= 0.95


def test_built_automatically_past_the_threshold(path, text_model, monkeypatch):
    monkeypatch.setenv("LLM_EMBEDDINGS_INDEX_THRESHOLD", "500")
    collection = Collection("auto", str(path), model=text_model)
    collection.embed_multi(
        (f"a{i}", json.dumps(v.tolist())) for i, v in enumerate(clustered(8, 400))
    )
    assert not (path.parent / "embeddings.db.vectors" / "c1.usearch").exists()
    collection.embed_multi(
        (f"b{i}", json.dumps(v.tolist())) for i, v in enumerate(clustered(9, 200))
    )
    assert (path.parent / "embeddings.db.vectors" / "c1.usearch").exists()
    assert header(collection)["index"] == {"rows": 600, "dirty": []}


def test_a_change_by_another_program_voids_the_index(big, path, used):
    big.build_index()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM embeddings WHERE id = 'v0000'")
    conn.close()
    query = clustered(10, 1)[0].tolist()
    results = big.similar_by_vector(query)
    assert "v0000" not in {e.id for e in results}
    assert header(big)["index"] is None
    assert not (path.parent / "embeddings.db.vectors" / "c1.usearch").exists()
    assert used == [False]
    assert [e.id for e in results] == [e.id for e in big.similar_by_vector(query, exact=True)]


def test_a_damaged_index_file_is_not_used(big, path, used):
    big.build_index()
    (path.parent / "embeddings.db.vectors" / "c1.usearch").write_bytes(b"garbage" * 100)
    query = clustered(11, 1)[0].tolist()
    assert [e.id for e in big.similar_by_vector(query)] == [
        e.id for e in big.similar_by_vector(query, exact=True)
    ]
    assert used == [False]


def test_without_the_extra(big, monkeypatch):
    monkeypatch.setattr(ann, "available", lambda: False)
    with pytest.raises(EmbeddingsError, match=r"pip install 'llmio-embeddings\[index\]'"):
        big.build_index()
    result = CliRunner().invoke(cli, ["collections", "index", "big", "-d", str(big_path(big))])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Approximate indexes need the usearch library")


def big_path(collection):
    return collection.conn.execute("PRAGMA database_list").fetchone()[2]


def test_cli_builds_the_index_and_similar_can_skip_it(big, used):
    runner = CliRunner()
    result = runner.invoke(cli, ["collections", "index", "big", "-d", big_path(big)])
    assert (result.exit_code, result.output) == (0, "")
    assert header(big)["index"]["rows"] == 3000
    args = ["similar", "big", "v0007", "-d", big_path(big), "-n", "3"]
    indexed = runner.invoke(cli, args).stdout
    assert used == [True]
    exact = runner.invoke(cli, [*args, "--exact"]).stdout
    assert used == [True]
    assert [json.loads(line)["id"] for line in indexed.splitlines()] == [
        json.loads(line)["id"] for line in exact.splitlines()
    ]
