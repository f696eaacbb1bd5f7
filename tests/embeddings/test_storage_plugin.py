"""A storage backend from a plugin: registered by hook, used by the library and the CLI."""

from __future__ import annotations

import json
import math

import llm
import pytest
from click.testing import CliRunner
from llmio_cli.app import cli
from llmio_embeddings import (
    Collection,
    CollectionInfo,
    CollectionStorage,
    EmbeddingsError,
    Entry,
    list_collections,
    storage_backends,
)

DATABASES: dict[str, dict] = {}


class DictStorage(CollectionStorage):
    """Everything in a dict per URL: the smallest complete backend."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.data = DATABASES.setdefault(url, {"collections": {}, "items": {}})
        self.searches: list[tuple] = []

    def find_collection(self, name):
        found = self.data["collections"].get(name)
        return (name, found) if found else None

    def create_collection(self, name, model_id):
        self.data["collections"].setdefault(name, model_id)
        self.data["items"].setdefault(name, {})
        return name, self.data["collections"][name]

    def collections(self):
        return [
            CollectionInfo(name, model, len(self.data["items"][name]))
            for name, model in sorted(self.data["collections"].items())
        ]

    def delete_collection(self, collection_id):
        del self.data["collections"][collection_id]
        del self.data["items"][collection_id]

    def count(self, collection_id):
        return len(self.data["items"][collection_id])

    def content_hashes(self, collection_id, ids):
        items = self.data["items"][collection_id]
        return {id: items[id]["hash"] for id in ids if id in items}

    def write(self, collection_id, items):
        stored = self.data["items"][collection_id]
        for item in items:
            row = stored.setdefault(item.id, {})
            if item.embedding is not None:
                row.update(vector=list(item.embedding), hash=item.content_hash, content=None)
            if item.content is not None:
                row["content"] = item.content
            if item.metadata is not None:
                row["metadata"] = item.metadata

    def vector(self, collection_id, id):
        row = self.data["items"][collection_id].get(id)
        return row["vector"] if row else None

    def search(self, collection_id, vector, number, skip_id=None, exact=False):
        self.searches.append((collection_id, number, skip_id, exact))

        def cosine(other):
            dot = sum(a * b for a, b in zip(vector, other))
            norms = math.hypot(*vector) * math.hypot(*other)
            return dot / norms if norms else 0.0

        scored = sorted(
            (
                (-cosine(row["vector"]), id, row)
                for id, row in self.data["items"][collection_id].items()
                if id != skip_id
            ),
        )
        return [
            Entry(id, -score, row.get("content"), row.get("metadata"))
            for score, id, row in scored[:number]
        ]


class StoragePlugin:
    __name__ = "llm-test-dict-storage"

    @llm.hookimpl
    def register_embedding_storage(self, register):
        register("dict", DictStorage)


@pytest.fixture
def dict_storage():
    from llm.plugins import pm

    DATABASES.clear()
    pm.register(StoragePlugin(), name="llm-test-dict-storage")
    try:
        yield
    finally:
        pm.unregister(name="llm-test-dict-storage")


def test_backend_registered_through_the_hook(dict_storage):
    assert storage_backends()["dict"] is DictStorage


def test_collection_over_a_plugin_backend(dict_storage, text_model):
    collection = Collection("docs", "dict://one", model=text_model)
    collection.embed_multi_with_metadata(
        [("a", "aaa", {"n": 1}), ("b", "bbb", None), ("c", "ab", None)], store=True
    )
    assert isinstance(collection.storage, DictStorage)
    assert collection.count() == 3
    assert [(e.id, e.content) for e in collection.similar("aab", number=2)] == [
        ("c", "ab"),
        ("a", "aaa"),
    ]
    assert [e.id for e in collection.similar_by_id("a", number=5)] == ["c", "b"]
    collection.embed("a", "aaa")  # unchanged: the model is not called again
    assert text_model.items == ["aaa", "bbb", "ab", "aab"]
    assert Collection.exists("dict://one", "docs")
    assert list_collections(collection.storage) == [CollectionInfo("docs", "embed-text", 3)]
    with pytest.raises(EmbeddingsError, match="is not stored in SQLite"):
        collection.conn  # noqa: B018
    collection.delete()
    assert not Collection.exists("dict://one", "docs")


def test_cli_uses_the_backend_named_by_d(dict_storage, text_model, tmp_path):
    runner = CliRunner()
    csv = tmp_path / "rows.csv"
    csv.write_text("id,text\na,aaa\nb,bbb\nc,ab\n")
    result = runner.invoke(
        cli, ["embed-multi", "docs", str(csv), "-m", "et", "--store", "-d", "dict://two"]
    )
    assert (result.exit_code, result.output) == (0, "")
    result = runner.invoke(cli, ["similar", "docs", "-c", "aab", "-n", "1", "-d", "dict://two"])
    assert json.loads(result.stdout) == {
        "id": "c",
        "score": pytest.approx(3 / math.sqrt(10)),
        "content": "ab",
        "metadata": None,
    }
    result = runner.invoke(cli, ["collections", "list", "-d", "dict://two"])
    assert result.stdout == "docs: embed-text\n  3 embeddings\n"
    assert not (tmp_path / "dict:").exists()


def test_unknown_scheme_is_one_line_error(dict_storage, text_model):
    result = CliRunner().invoke(cli, ["collections", "list", "-d", "nosuch://x"])
    assert (result.exit_code, result.stderr) == (
        1,
        (
            "Error: No embedding storage is registered for 'nosuch://': install the plugin "
            "that provides it\n"
        ),
    )
