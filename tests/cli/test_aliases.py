import json

import llm
import pytest


class TinyEmbed(llm.EmbeddingModel):
    model_id = "tiny-embed"

    def embed_batch(self, items):
        for item in items:
            yield [float(len(item))]


class EmbedPlugin:
    __name__ = "embed-plugin"

    @llm.hookimpl
    def register_embedding_models(self, register):
        register(TinyEmbed(), aliases=("tiny", "te"))


@pytest.fixture
def with_embeddings(only_fixtures):
    llm.plugins.pm.register(EmbedPlugin(), name="embed-plugin")
    yield
    llm.plugins.pm.unregister(name="embed-plugin")


def test_aliases_list(invoke, with_embeddings):
    result = invoke("aliases")
    assert result.exit_code == 0
    assert result.output == (
        "mock-alias : mock\n"
        "tiny       : tiny-embed (embedding)\n"
        "te         : tiny-embed (embedding)\n"
    )
    assert invoke("aliases", "list").output == result.output


def test_aliases_list_includes_user_aliases(invoke, with_embeddings):
    assert invoke("aliases", "set", "a-much-longer-alias", "echo-json").exit_code == 0
    assert invoke("aliases", "set", "emb", "tiny").exit_code == 0
    assert invoke("aliases").output == (
        "mock-alias          : mock\n"
        "a-much-longer-alias : echo-json\n"
        "tiny                : tiny-embed (embedding)\n"
        "te                  : tiny-embed (embedding)\n"
        "emb                 : tiny-embed (embedding)\n"
    )


def test_aliases_list_json(invoke, with_embeddings):
    invoke("aliases", "set", "e", "echo-json")
    result = invoke("aliases", "list", "--json")
    assert result.exit_code == 0
    assert (
        result.output
        == json.dumps(
            {"mock-alias": "mock", "e": "echo-json", "tiny": "tiny-embed", "te": "tiny-embed"},
            indent=4,
        )
        + "\n"
    )


def test_aliases_list_empty(invoke, only_fixtures):
    llm.plugins.pm.unregister(name="llm-test-fixtures")
    try:
        assert invoke("aliases").output == ""
        assert invoke("aliases", "--json").output == "{}\n"
    finally:
        llm.plugins.pm.register(only_fixtures, name="llm-test-fixtures")


def test_aliases_set_stores_model_id(invoke, only_fixtures, user_path):
    result = invoke("aliases", "set", "mm", "mock-alias")
    assert (result.exit_code, result.output) == (0, "")
    assert json.loads((user_path / "aliases.json").read_text()) == {"mm": "mock"}
    assert llm.get_model("mm").model_id == "mock"


def test_aliases_set_with_query(invoke, only_fixtures, user_path):
    result = invoke("aliases", "set", "ej", "-q", "echo", "-q", "json")
    assert result.exit_code == 0
    assert result.output == "Alias 'ej' set to model 'echo-json'\n"
    assert json.loads((user_path / "aliases.json").read_text()) == {"ej": "echo-json"}


def test_aliases_set_query_without_match(invoke, only_fixtures, user_path):
    result = invoke("aliases", "set", "x", "-q", "mock", "-q", "json")
    assert result.exit_code == 1
    assert result.output == "Error: No model found matching query: mock, json\n"
    assert not (user_path / "aliases.json").exists()


def test_aliases_set_needs_model_or_query(invoke, only_fixtures):
    result = invoke("aliases", "set", "x")
    assert result.exit_code == 1
    assert result.output == "Error: You must provide a model_id or at least one -q option\n"


def test_aliases_remove(invoke, only_fixtures, user_path):
    invoke("aliases", "set", "one", "mock")
    invoke("aliases", "set", "two", "echo-json")
    result = invoke("aliases", "remove", "one")
    assert (result.exit_code, result.output) == (0, "")
    assert json.loads((user_path / "aliases.json").read_text()) == {"two": "echo-json"}


def test_aliases_remove_missing(invoke, only_fixtures):
    result = invoke("aliases", "remove", "nope")
    assert result.exit_code == 1
    assert result.output == "Error: No such alias: nope\n"


def test_aliases_path(invoke, user_path):
    result = invoke("aliases", "path")
    assert (result.exit_code, result.output) == (0, f"{user_path / 'aliases.json'}\n")
