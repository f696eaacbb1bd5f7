"""OpenAI embedding models, batched, with truncated dimensions."""

from __future__ import annotations

import pytest

import llm


def test_embedding_models_and_aliases():
    listed = [(str(m.model), m.aliases) for m in llm.get_embedding_models_with_aliases()
              if "OpenAI" in str(m.model)]
    assert listed == [
        ("OpenAIEmbeddingModel: text-embedding-ada-002", ["ada", "ada-002"]),
        ("OpenAIEmbeddingModel: text-embedding-3-small", ["3-small"]),
        ("OpenAIEmbeddingModel: text-embedding-3-large", ["3-large"]),
        ("OpenAIEmbeddingModel: text-embedding-3-small-512", ["3-small-512"]),
        ("OpenAIEmbeddingModel: text-embedding-3-large-256", ["3-large-256"]),
        ("OpenAIEmbeddingModel: text-embedding-3-large-1024", ["3-large-1024"]),
    ]


def test_embed_one(server):
    server.reply_embeddings([[0.5, -1.25, 2.0]])
    model = llm.get_embedding_model("3-small")
    assert model.embed("hello") == [0.5, -1.25, 2.0]
    [request] = server.requests
    assert request.path == "/v1/embeddings"
    assert request.header("Authorization") == "Bearer sk-test-key"
    assert request.body == {"model": "text-embedding-3-small", "input": ["hello"],
                            "encoding_format": "float"}


@pytest.mark.parametrize(
    "name,api_name,dimensions",
    [("3-small-512", "text-embedding-3-small", 512),
     ("3-large-256", "text-embedding-3-large", 256),
     ("3-large-1024", "text-embedding-3-large", 1024)],
)
def test_truncated_models_send_dimensions(server, name, api_name, dimensions):
    vector = llm.get_embedding_model(name).embed("hi")
    assert len(vector) == dimensions
    assert server.requests[0].body["model"] == api_name
    assert server.requests[0].body["dimensions"] == dimensions


def test_embed_multi_batches_of_100(server):
    model = llm.get_embedding_model("ada")
    items = [f"item {i}" for i in range(250)]
    vectors = list(model.embed_multi(items))
    assert len(vectors) == 250
    assert [len(r.body["input"]) for r in server.requests] == [100, 100, 50]
    # The server's default vectors are [(len(text) + index_in_batch + j) * 0.5 ...]
    assert vectors[0][:2] == [3.0, 3.5]
    assert vectors[101][:2] == [4.5, 5.0]


def test_embedding_error(server):
    server.reply_error(400, "This model's maximum context length is 8192 tokens")
    with pytest.raises(llm.ModelError, match="^400 This model's maximum context length"):
        llm.get_embedding_model("3-small").embed("x")


def test_embedding_needs_key(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(llm.NeedsKeyError):
        llm.get_embedding_model("3-small").embed("x")
    assert server.requests == []
