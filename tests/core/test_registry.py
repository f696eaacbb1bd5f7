"""Finding models: get_model & co, for chat and embedding models (spec: python-api.md)."""

from __future__ import annotations

from collections import Counter

import llm
import pytest


def test_get_model_by_id_and_alias(fixtures):
    assert llm.get_model("mock") is fixtures.mock
    assert llm.get_model("mock-alias") is fixtures.mock
    assert llm.get_model("echo-json") is fixtures.echo


def test_unknown_model_error(fixtures):
    with pytest.raises(llm.UnknownModelError) as excinfo:
        llm.get_model("no-such-model")
    assert str(excinfo.value) == "Unknown model: no-such-model"
    assert isinstance(excinfo.value, KeyError)


def test_get_async_model_by_id_and_alias(fixtures):
    assert llm.get_async_model("mock") is fixtures.async_mock
    assert llm.get_async_model("mock-alias") is fixtures.async_mock


def test_get_async_model_unknown(fixtures):
    with pytest.raises(llm.UnknownModelError) as excinfo:
        llm.get_async_model("no-such-model")
    assert "no-such-model" in str(excinfo.value)


def test_get_async_model_for_sync_only_model_raises(fixtures):
    with pytest.raises(llm.UnknownModelError) as excinfo:
        llm.get_async_model("echo-json")
    assert "echo-json" in str(excinfo.value)


def test_get_model_for_async_only_model_raises(core_models):
    assert llm.get_async_model("async-only") is core_models.async_only
    with pytest.raises(llm.UnknownModelError) as excinfo:
        llm.get_model("async-only")
    assert "async-only" in str(excinfo.value)


def test_get_models_lists_sync_models_once(fixtures, core_models):
    models = llm.get_models()
    ids = [m.model_id for m in models]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert fixtures.mock in models
    assert fixtures.echo in models
    assert fixtures.keyed in models
    assert all(isinstance(m, (llm.Model, llm.KeyModel)) for m in models)
    assert "async-only" not in ids


def test_get_async_models_lists_async_models_once(fixtures, core_models):
    models = llm.get_async_models()
    ids = [m.model_id for m in models]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert fixtures.async_mock in models
    assert core_models.async_only in models
    assert all(isinstance(m, (llm.AsyncModel, llm.AsyncKeyModel)) for m in models)
    assert "echo-json" not in ids


def test_model_registered_twice_is_listed_once(fixtures, register_plugin):
    from support.fixtures import MockModel

    class Duplicate:
        @llm.hookimpl
        def register_models(self, register):
            register(MockModel(), aliases=("dup",))

    register_plugin(Duplicate(), "llm-duplicate")
    ids = [m.model_id for m in llm.get_models()]
    assert ids.count("mock") == 1
    assert len(ids) == len(set(ids))


def test_get_models_with_aliases(fixtures):
    entries = llm.get_models_with_aliases()
    by_id = {(e.model or e.async_model).model_id: e for e in entries}
    mock = by_id["mock"]
    assert mock.model is fixtures.mock
    assert mock.async_model is fixtures.async_mock
    assert mock.aliases == ["mock-alias"]
    echo = by_id["echo-json"]
    assert echo.model is fixtures.echo
    assert echo.async_model is None
    assert echo.aliases == []


def test_model_with_aliases_matches(fixtures):
    [mock] = [e for e in llm.get_models_with_aliases() if e.model is fixtures.mock]
    assert mock.matches("mock")
    assert mock.matches("MOCK-AL")
    assert not mock.matches("zebra")


def test_register_with_keyword_arguments(register_plugin):
    class Sync(llm.Model):
        model_id = "kw-model"

        def execute(self, prompt, stream, response, conversation):
            yield "sync"

    class Async(llm.AsyncModel):
        model_id = "kw-model"

        async def execute(self, prompt, stream, response, conversation):
            yield "async"

    sync, async_ = Sync(), Async()

    class Plugin:
        @llm.hookimpl
        def register_models(self, register):
            register(sync, async_model=async_, aliases=["kw", "kw2"])

    register_plugin(Plugin(), "llm-kw")
    assert llm.get_model("kw2") is sync
    assert llm.get_async_model("kw") is async_


def test_default_model_may_be_an_alias(fixtures):
    llm.set_default_model("mock-alias")
    assert llm.get_model() is fixtures.mock


def test_register_models_hook_receives_register_with_aliases(register_plugin):
    calls = []

    class Spy:
        @llm.hookimpl
        def register_models(self, register):
            calls.append(register)

    register_plugin(Spy(), "llm-spy")
    llm.get_models()
    assert len(calls) == 1 and callable(calls[0])


# -- embedding models -------------------------------------------------------------------


def test_get_embedding_model_by_id_and_alias(core_models):
    assert llm.get_embedding_model("embed-test") is core_models.embed
    assert llm.get_embedding_model("et") is core_models.embed


def test_get_embedding_model_unknown(core_models):
    with pytest.raises(llm.UnknownModelError) as excinfo:
        llm.get_embedding_model("no-such-embedding")
    assert str(excinfo.value) == "Unknown model: no-such-embedding"


def test_get_embedding_models(core_models):
    models = llm.get_embedding_models()
    ids = [m.model_id for m in models]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert core_models.embed in models
    assert core_models.embed_binary in models


def test_get_embedding_models_with_aliases(core_models):
    by_id = {e.model.model_id: e for e in llm.get_embedding_models_with_aliases()}
    assert by_id["embed-test"].model is core_models.embed
    assert by_id["embed-test"].aliases == ["et"]
    assert by_id["embed-binary"].aliases == []
    assert by_id["embed-test"].matches("ET")
    assert not by_id["embed-test"].matches("zebra")


def test_chat_and_embedding_registries_are_separate(core_models):
    with pytest.raises(llm.UnknownModelError):
        llm.get_model("embed-test")
    with pytest.raises(llm.UnknownModelError):
        llm.get_embedding_model("mock")
