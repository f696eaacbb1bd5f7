"""Aliases: aliases.json, set_alias / remove_alias, lookups (spec: aliases.md, python-api.md)."""

from __future__ import annotations

import json

import llm
import pytest


def read_aliases(user_path):
    return json.loads((user_path / "aliases.json").read_text())


def test_set_alias_creates_aliases_json(user_path, fixtures):
    assert not (user_path / "aliases.json").exists()
    llm.set_alias("m", "mock")
    assert read_aliases(user_path) == {"m": "mock"}
    assert llm.load_aliases() == {"m": "mock"}


def test_set_alias_resolves_a_plugin_alias_target(user_path, fixtures):
    llm.set_alias("m2", "mock-alias")
    assert read_aliases(user_path) == {"m2": "mock"}


def test_set_alias_resolves_a_user_alias_target(user_path, fixtures):
    llm.set_alias("m", "echo-json")
    llm.set_alias("m-again", "m")
    assert read_aliases(user_path) == {"m": "echo-json", "m-again": "echo-json"}


def test_set_alias_resolves_embedding_model_alias(user_path, core_models):
    llm.set_alias("emb", "et")
    assert read_aliases(user_path) == {"emb": "embed-test"}
    assert llm.get_embedding_model("emb") is core_models.embed


def test_set_alias_keeps_other_aliases_and_overwrites_same_name(user_path, fixtures):
    llm.set_alias("a", "mock")
    llm.set_alias("b", "echo-json")
    llm.set_alias("a", "keyed")
    assert read_aliases(user_path) == {"a": "keyed", "b": "echo-json"}


def test_set_alias_overwrites_invalid_json(user_path, fixtures):
    (user_path / "aliases.json").write_text("{this is not json")
    llm.set_alias("m", "mock")
    assert read_aliases(user_path) == {"m": "mock"}


def test_set_alias_overwrites_json_that_is_not_an_object(user_path, fixtures):
    (user_path / "aliases.json").write_text("[1, 2, 3]")
    llm.set_alias("m", "mock")
    assert read_aliases(user_path) == {"m": "mock"}


def test_remove_alias(user_path, fixtures):
    llm.set_alias("a", "mock")
    llm.set_alias("b", "echo-json")
    llm.remove_alias("a")
    assert read_aliases(user_path) == {"b": "echo-json"}


def test_remove_missing_alias_raises_key_error(user_path, fixtures):
    llm.set_alias("a", "mock")
    with pytest.raises(KeyError):
        llm.remove_alias("nope")
    assert read_aliases(user_path) == {"a": "mock"}


def test_remove_alias_without_file_raises_key_error(user_path):
    with pytest.raises(KeyError):
        llm.remove_alias("nope")


def test_user_alias_is_usable_with_get_model(user_path, fixtures):
    llm.set_alias("m", "mock")
    assert llm.get_model("m") is fixtures.mock
    assert llm.get_async_model("m") is fixtures.async_mock
    assert llm.get_model("m").prompt("hi").text() == "mock: hi"


def test_user_alias_listed_with_the_model(user_path, fixtures):
    llm.set_alias("m", "mock")
    entries = {e.model.model_id if e.model else e.async_model.model_id: e
               for e in llm.get_models_with_aliases()}
    assert entries["mock"].aliases == ["mock-alias", "m"]
    assert entries["echo-json"].aliases == []
    assert entries["mock"].matches("m") is True


def test_user_alias_in_aliases_json_written_by_hand(user_path, fixtures):
    (user_path / "aliases.json").write_text(json.dumps({"handmade": "echo-json"}))
    assert llm.get_model("handmade") is fixtures.echo


def test_user_alias_for_embedding_model_listed(user_path, core_models):
    llm.set_alias("my-emb", "embed-test")
    entry = next(e for e in llm.get_embedding_models_with_aliases()
                 if e.model.model_id == "embed-test")
    assert entry.aliases == ["et", "my-emb"]
