"""The EmbeddingModel ABC and the float32 vector format (spec: embeddings/python-api.md,
embeddings/writing-plugins.md, embeddings/storage.md)."""

from __future__ import annotations

import struct

import llm
import pytest

ITEMS = [f"item {i}" for i in range(10)]


def test_embed_returns_a_list_of_floats(make_embedding_model):
    model = make_embedding_model()
    vector = model.embed("my happy hound")
    assert vector == [14.0, 3.0]
    assert isinstance(vector, list)
    assert model.batches == [["my happy hound"]]


def test_embed_multi_single_batch_by_default(make_embedding_model):
    model = make_embedding_model()
    vectors = list(model.embed_multi(ITEMS))
    assert vectors == [[6.0, 2.0]] * 10  # "item N": 6 characters, 2 vowels
    assert [len(b) for b in model.batches] == [10]
    assert model.batches[0] == ITEMS


def test_embed_multi_explicit_batch_size(make_embedding_model):
    model = make_embedding_model()
    vectors = list(model.embed_multi(ITEMS, batch_size=3))
    assert len(vectors) == 10
    assert [len(b) for b in model.batches] == [3, 3, 3, 1]
    assert [item for batch in model.batches for item in batch] == ITEMS


def test_embed_multi_honours_the_models_batch_size(make_embedding_model):
    model = make_embedding_model(batch_size=4)
    assert len(list(model.embed_multi(ITEMS))) == 10
    assert [len(b) for b in model.batches] == [4, 4, 2]


def test_embed_multi_smaller_explicit_batch_size_than_the_models(make_embedding_model):
    model = make_embedding_model(batch_size=4)
    list(model.embed_multi(ITEMS, batch_size=3))
    assert [len(b) for b in model.batches] == [3, 3, 3, 1]


def test_embed_multi_keeps_order_and_accepts_generators(make_embedding_model):
    model = make_embedding_model(batch_size=2)
    words = ["a", "bb", "ccc", "dddd", "eeeee"]
    vectors = list(model.embed_multi(w for w in words))
    assert [v[0] for v in vectors] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_embed_multi_is_lazy(make_embedding_model):
    model = make_embedding_model(batch_size=2)
    iterator = model.embed_multi(ITEMS)
    assert model.batches == []
    next(iterator)
    assert len(model.batches) == 1


def test_embed_multi_of_nothing(make_embedding_model):
    model = make_embedding_model()
    assert list(model.embed_multi([])) == []
    assert model.batches == []


def test_text_model_refuses_binary(make_embedding_model):
    model = make_embedding_model()
    with pytest.raises(ValueError):
        model.embed(b"\x00\x01")
    with pytest.raises(ValueError):
        list(model.embed_multi(["ok", b"\x00"]))


def test_binary_only_model_refuses_text(make_embedding_model):
    model = make_embedding_model(supports_text=False, supports_binary=True)
    assert model.embed(b"abcd") == [4.0, 0.0]
    with pytest.raises(ValueError):
        model.embed("text")


def test_model_supporting_both_gets_mixed_batches(make_embedding_model):
    model = make_embedding_model(supports_binary=True)
    vectors = list(model.embed_multi(["text", b"bin"]))
    assert vectors == [[4.0, 1.0], [3.0, 0.0]]
    assert model.batches == [["text", b"bin"]]


def test_defaults_of_the_abc():
    class Minimal(llm.EmbeddingModel):
        model_id = "minimal"

        def embed_batch(self, texts):
            return ([1.0] for _ in texts)

    model = Minimal()
    assert model.supports_text is True
    assert model.supports_binary is False
    assert model.batch_size is None
    assert model.needs_key is None
    assert model.embed("x") == [1.0]


def test_embed_batch_is_abstract():
    class Incomplete(llm.EmbeddingModel):
        model_id = "incomplete"

    with pytest.raises(TypeError):
        Incomplete()


def test_embedding_model_needs_key(monkeypatch):
    class Keyed(llm.EmbeddingModel):
        model_id = "keyed-embed"
        needs_key = "embedkey"
        key_env_var = "EMBED_KEY"

        def embed_batch(self, texts):
            key = self.get_key()
            return ([float(len(key))] for _ in texts)

    model = Keyed()
    with pytest.raises(llm.NeedsKeyError) as excinfo:
        model.embed("x")
    assert "embedkey" in str(excinfo.value)
    assert "EMBED_KEY" in str(excinfo.value)
    monkeypatch.setenv("EMBED_KEY", "abc")
    assert model.embed("x") == [3.0]
    llm.set_key("embedkey", "abcdef")
    assert model.embed("x") == [6.0]
    model.key = "k"
    assert model.embed("x") == [1.0]


# -- encode / decode -------------------------------------------------------------------------


def test_encode_is_little_endian_float32():
    assert llm.encode([1.0, -2.5, 0.25]) == (
        b"\x00\x00\x80\x3f" b"\x00\x00\x20\xc0" b"\x00\x00\x80\x3e"
    )
    assert llm.encode([1.0, 2.0]) == struct.pack("<ff", 1.0, 2.0)


def test_decode_reads_little_endian_float32():
    assert llm.decode(b"\x00\x00\x80\x3f\x00\x00\x20\xc0") == (1.0, -2.5)


def test_encode_decode_round_trip():
    values = [0.5, -1.25, 3.0, 0.0, 1024.0]
    assert llm.decode(llm.encode(values)) == tuple(values)


def test_round_trip_loses_precision_like_float32():
    (value,) = llm.decode(llm.encode([0.1]))
    assert value == struct.unpack("<f", struct.pack("<f", 0.1))[0]
    assert value != 0.1


def test_encode_empty():
    assert llm.encode([]) == b""
    assert llm.decode(b"") == ()
