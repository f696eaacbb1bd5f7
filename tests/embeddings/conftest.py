"""Fixture embedding models, registered through the real plugin manager.

``embed-text`` turns a JSON list such as ``"[1, 0, 2]"`` into exactly that
vector (so tests control the numbers), and any other text into letter counts
for "abcd"; ``embed-binary`` embeds bytes (and text) as byte statistics;
``embed-binary-only`` refuses text. Every model records the batches it received.
"""

from __future__ import annotations

import json

import llm
import pytest


class RecordingModel(llm.EmbeddingModel):
    def __init__(self):
        self.batches: list[list] = []

    @property
    def calls(self) -> int:
        return len(self.batches)

    @property
    def items(self) -> list:
        return [item for batch in self.batches for item in batch]

    def embed_batch(self, items):
        items = list(items)
        self.batches.append(items)
        return [self.vector(item) for item in items]


class TextEmbedding(RecordingModel):
    model_id = "embed-text"

    def vector(self, item):
        if isinstance(item, str) and item.startswith("["):
            return [float(v) for v in json.loads(item)]
        text = item.decode("utf-8") if isinstance(item, bytes) else item
        return [float(text.count(letter)) for letter in "abcd"]


class BinaryEmbedding(RecordingModel):
    model_id = "embed-binary"
    supports_binary = True

    def vector(self, item):
        data = item if isinstance(item, bytes) else item.encode("utf-8")
        return [float(len(data)), float(sum(data) % 256), float(data[0] if data else 0)]


class BinaryOnlyEmbedding(BinaryEmbedding):
    model_id = "embed-binary-only"
    supports_text = False


class SmallBatchEmbedding(TextEmbedding):
    model_id = "embed-small-batch"
    batch_size = 2


class EmbeddingFixtures:
    __name__ = "llm-test-embedding-fixtures"

    def __init__(self):
        self.text = TextEmbedding()
        self.binary = BinaryEmbedding()
        self.binary_only = BinaryOnlyEmbedding()
        self.small_batch = SmallBatchEmbedding()

    @llm.hookimpl
    def register_embedding_models(self, register):
        register(self.text, aliases=("et", "text-alias"))
        register(self.binary)
        register(self.binary_only)
        register(self.small_batch)


@pytest.fixture
def models():
    from llm.plugins import pm

    plugin = EmbeddingFixtures()
    pm.register(plugin, name="llm-test-embedding-fixtures")
    try:
        yield plugin
    finally:
        pm.unregister(name="llm-test-embedding-fixtures")


@pytest.fixture
def text_model(models):
    return models.text


@pytest.fixture
def binary_model(models):
    return models.binary


@pytest.fixture
def db(tmp_path):
    import sqlite_utils

    return sqlite_utils.Database(tmp_path / "test.db")
