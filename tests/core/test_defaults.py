"""Default model and default embedding model (spec: python-api.md, setup.md)."""

from __future__ import annotations

import llm
import pytest


def test_default_model_is_gpt_4o_mini_when_unset(user_path):
    assert llm.get_default_model() == "gpt-4o-mini"
    assert not (user_path / "default_model.txt").exists()


def test_default_none_detects_unset(user_path):
    assert llm.get_default_model(default=None) is None


def test_set_default_model_persists_in_default_model_txt(user_path):
    llm.set_default_model("mock")
    assert (user_path / "default_model.txt").read_text().strip() == "mock"
    assert llm.get_default_model() == "mock"
    assert llm.get_default_model(default=None) == "mock"


def test_default_model_written_by_an_earlier_release_is_read(user_path):
    (user_path / "default_model.txt").write_text("echo-json\n")
    assert llm.get_default_model() == "echo-json"


def test_get_model_without_argument_uses_the_default(user_path, fixtures):
    llm.set_default_model("mock")
    assert llm.get_model() is fixtures.mock
    assert llm.get_async_model() is fixtures.async_mock


def test_get_model_without_argument_when_unset_is_gpt_4o_mini(user_path):
    # llmio-openai is installed in the workspace and provides the default model.
    assert llm.get_model().model_id == "gpt-4o-mini"


def test_default_naming_an_unknown_model_gives_unknown_model_error(user_path):
    llm.set_default_model("no-such-model")
    with pytest.raises(llm.UnknownModelError) as excinfo:
        llm.get_model()
    assert str(excinfo.value) == "Unknown model: no-such-model"


def test_llm_model_environment_variable(user_path, fixtures, monkeypatch):
    monkeypatch.setenv("LLM_MODEL", "echo-json")
    assert llm.get_model() is fixtures.echo


def test_llm_model_environment_variable_beats_default_file(user_path, fixtures, monkeypatch):
    llm.set_default_model("mock")
    monkeypatch.setenv("LLM_MODEL", "echo-json")
    assert llm.get_model() is fixtures.echo
    # An explicit name still wins over both.
    assert llm.get_model("mock") is fixtures.mock


def test_llm_model_environment_variable_accepts_an_alias(user_path, fixtures, monkeypatch):
    monkeypatch.setenv("LLM_MODEL", "mock-alias")
    assert llm.get_model() is fixtures.mock


# -- embedding models -----------------------------------------------------------------


def test_default_embedding_model_unset_is_none(user_path):
    assert llm.get_default_embedding_model() is None


def test_set_default_embedding_model(user_path, core_models):
    llm.set_default_embedding_model("embed-test")
    assert (user_path / "default_embedding_model.txt").read_text().strip() == "embed-test"
    assert llm.get_default_embedding_model() == "embed-test"
    assert llm.get_embedding_model() is core_models.embed


def test_set_default_embedding_model_none_clears_it(user_path, core_models):
    llm.set_default_embedding_model("embed-test")
    llm.set_default_embedding_model(None)
    assert llm.get_default_embedding_model() is None
    assert not (user_path / "default_embedding_model.txt").exists()


def test_get_embedding_model_without_default_raises(user_path, core_models):
    with pytest.raises(llm.UnknownModelError):
        llm.get_embedding_model()


def test_llm_embedding_model_environment_variable(user_path, core_models, monkeypatch):
    monkeypatch.setenv("LLM_EMBEDDING_MODEL", "et")
    assert llm.get_embedding_model() is core_models.embed


def test_llm_embedding_model_environment_variable_beats_default(user_path, core_models,
                                                                  monkeypatch):
    llm.set_default_embedding_model("embed-binary")
    assert llm.get_embedding_model() is core_models.embed_binary
    monkeypatch.setenv("LLM_EMBEDDING_MODEL", "embed-test")
    assert llm.get_embedding_model() is core_models.embed


def test_default_model_and_default_embedding_model_are_independent(user_path):
    llm.set_default_model("mock")
    llm.set_default_embedding_model("embed-test")
    assert llm.get_default_model() == "mock"
    assert llm.get_default_embedding_model() == "embed-test"
