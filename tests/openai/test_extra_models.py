"""``extra-openai-models.yaml``: OpenAI-compatible servers configured by the user."""

from __future__ import annotations

import asyncio

import pytest

import llm


def test_model_with_api_base_sends_no_openai_key(server, write_extra_models):
    write_extra_models(f"""
- model_id: orca-openai-compat
  model_name: orca-mini-3b.ggmlv3
  api_base: "{server.url}"
  aliases: ["orca", "o3b"]
""")
    model = llm.get_model("orca")
    assert model.model_id == "orca-openai-compat"
    assert model.needs_key is None
    server.reply("Paris")
    assert model.prompt("Capital of France?").text() == "Paris"
    [request] = server.requests
    assert request.body["model"] == "orca-mini-3b.ggmlv3"
    # OPENAI_API_KEY is set in this test: it must not leak to another server.
    assert request.header("Authorization") is None
    assert "sk-test-key" not in str(request.headers)
    entry = [m for m in llm.get_models_with_aliases() if m.model_id == "orca-openai-compat"][0]
    assert entry.aliases == ["orca", "o3b"]
    assert str(entry.model) == "OpenAI Chat: orca-openai-compat"


def test_api_key_name_uses_a_stored_key(server, write_extra_models):
    write_extra_models(f"""
- model_id: router
  model_name: anthropic/claude-2
  api_base: "{server.url}"
  api_key_name: openrouter
  headers:
    HTTP-Referer: "https://llm.datasette.io/"
    X-Title: LLM
""")
    llm.set_key("openrouter", "or-secret-123")
    llm.get_model("router").prompt("hi").text()
    [request] = server.requests
    assert request.header("Authorization") == "Bearer or-secret-123"
    assert request.header("HTTP-Referer") == "https://llm.datasette.io/"
    assert request.header("X-Title") == "LLM"


def test_api_key_name_without_a_key_is_a_clear_error(server, write_extra_models):
    write_extra_models(f"""
- model_id: router
  api_base: "{server.url}"
  api_key_name: openrouter
""")
    with pytest.raises(llm.NeedsKeyError, match="llm keys set openrouter"):
        llm.get_model("router").prompt("hi").text()
    assert server.requests == []


def test_new_openai_model_without_api_base_uses_openai_key(server, write_extra_models):
    write_extra_models("""
- model_id: gpt-3.5-turbo-0613
  aliases: ["0613"]
""")
    llm.get_model("0613").prompt("hi").text()
    assert server.requests[0].body["model"] == "gpt-3.5-turbo-0613"
    assert server.requests[0].header("Authorization") == "Bearer sk-test-key"
    lines = [str(m.model) for m in llm.get_models_with_aliases()]
    assert lines[-1] == "OpenAI Chat: gpt-3.5-turbo-0613"


def test_completion_model(server, write_extra_models):
    write_extra_models(f"""
- model_id: my-completion
  model_name: davinci-local
  api_base: "{server.url}"
  completion: true
""")
    model = llm.get_model("my-completion")
    assert str(model) == "OpenAI Completion: my-completion"
    server.reply(["Once", " upon"])
    assert model.prompt("Tell a story").text() == "Once upon"
    assert server.requests[0].path == "/v1/completions"
    assert server.requests[0].body["prompt"] == "Tell a story"
    assert server.requests[0].body["model"] == "davinci-local"


def test_can_stream_false(server, write_extra_models):
    write_extra_models(f"""
- model_id: no-stream
  api_base: "{server.url}"
  can_stream: false
""")
    model = llm.get_model("no-stream")
    assert model.can_stream is False
    server.reply("whole answer")
    assert list(model.prompt("hi")) == ["whole answer"]
    assert server.requests[0].body["stream"] is False
    assert "stream_options" not in server.requests[0].body


def test_capability_flags(server, write_extra_models):
    write_extra_models(f"""
- model_id: local-vision
  api_base: "{server.url}"
  vision: true
  audio: true
  supports_schema: true
  supports_tools: true
  reasoning: true
""")
    model = llm.get_model("local-vision")
    assert model.attachment_types == {"image/png", "image/jpeg", "image/webp", "image/gif",
                                      "audio/wav", "audio/mpeg"}
    assert model.supports_schema is True
    assert model.supports_tools is True
    assert "reasoning_effort" in model.Options.model_fields
    async_model = llm.get_async_model("local-vision")
    assert async_model.needs_key is None
    server.reply("ok")

    async def run():
        return await async_model.prompt("hi").text()

    assert asyncio.run(run()) == "ok"
    assert server.requests[0].header("Authorization") is None


def test_plain_defaults(write_extra_models):
    write_extra_models("- model_id: plain\n")
    model = llm.get_model("plain")
    assert model.attachment_types == set()
    assert model.supports_schema is False
    assert model.supports_tools is False
    assert model.can_stream is True
    assert model.needs_key == "openai"


def test_empty_file_is_fine(write_extra_models):
    write_extra_models("")
    assert llm.get_model("4o-mini").model_id == "gpt-4o-mini"


@pytest.mark.parametrize(
    "text,problem",
    [
        ("- model_id: [unclosed\n", "Invalid YAML in {path} (line 2, column 1): expected ','"),
        ("model_id: x\n", "{path} must contain a list of models"),
        ("- model_name: nothing\n", "{path}, model 1: model_id is required"),
        ("- model_id: a\n- just a string\n", "{path}, model 2: each entry must be a mapping"),
        ("- model_id: a\n  vision: sometimes\n",
         "{path}, model 1 (a): vision must be true or false"),
        ("- model_id: a\n  headers: [1, 2]\n", "{path}, model 1 (a): headers must be a mapping"),
    ],
)
def test_malformed_file_is_a_clean_error_naming_the_path(write_extra_models, text, problem):
    path = write_extra_models(text)
    with pytest.raises(llm.ModelError) as excinfo:
        llm.get_model("4o-mini")
    assert str(excinfo.value).startswith(problem.format(path=path))


def test_malformed_file_does_not_break_unrelated_things(write_extra_models):
    write_extra_models("- model_id: [unclosed\n")
    # Embedding models, keys and aliases do not read the file.
    assert llm.get_embedding_model("3-small").model_id == "text-embedding-3-small"
    llm.set_key("openai", "sk-x")
    assert llm.get_key(None, "openai") == "sk-x"
