"""The plugin through the real CLI (click's CliRunner) against the scripted server."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import llm
from support.cli import invoke

if importlib.util.find_spec("llmio_cli") is None:  # pragma: no cover - llmio-cli not installed
    pytest.skip("llmio-cli is not installed", allow_module_level=True)
DATA = Path(__file__).parent / "data"


def test_models_options_matches_usage_docs():
    result = invoke("models", "list", "--options")
    assert result.exit_code == 0
    documented = (DATA / "models-options.txt").read_text()
    # Only OpenAI models are documented (other installed plugins may list theirs first);
    # the documented listing ends with the completion model and our additions follow it.
    ours = result.output[result.output.index("OpenAI Chat: gpt-4o (aliases: 4o)"):]
    assert ours.startswith(documented.split("Default:")[0])
    assert result.output.endswith("Default: gpt-4o-mini\n")


def test_prompt_then_continue(server):
    server.reply(["Pelican", "s!"], usage={"prompt_tokens": 5, "completion_tokens": 2})
    result = invoke("-m", "4o-mini", "hi", "-s", "Be brief", "-o", "temperature", "0.5")
    assert result.exit_code == 0, result.output
    assert result.output == "Pelicans!\n"
    server.reply("More pelicans")
    result = invoke("-c", "more")
    assert result.exit_code == 0, result.output
    assert result.output == "More pelicans\n"
    assert server.requests[1].body["model"] == "gpt-4o-mini"
    assert server.requests[1].body["messages"] == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Pelicans!"},
        {"role": "user", "content": "more"},
    ]
    logs = json.loads(invoke("logs", "-n", "2", "--json").output)
    assert [(row["prompt"], row["response"]) for row in logs] == [
        ("hi", "Pelicans!"), ("more", "More pelicans")]
    assert (logs[0]["input_tokens"], logs[0]["output_tokens"]) == (5, 2)
    assert logs[0]["response_json"]["content"] == "Pelicans!"
    assert logs[0]["options_json"] == {"temperature": 0.5}


def test_completion_model_from_cli(server):
    server.reply(["Reasons:", " many"])
    result = invoke("-m", "3.5-instruct", "Reasons to tame a wild beaver:", "-o", "logprobs", "3")
    assert result.exit_code == 0, result.output
    assert result.output == "Reasons: many\n"
    assert server.requests[0].path == "/v1/completions"
    assert server.requests[0].body["logprobs"] == 3


def test_no_stream_flag(server):
    invoke("-m", "4o", "hi", "--no-stream")
    assert server.requests[0].body["stream"] is False


def test_429_is_one_error_line_and_exit_1(server):
    server.reply_error(429, "Rate limit reached for gpt-4o-mini in organization org-abc.",
                       type="requests")
    result = invoke("-m", "4o-mini", "hi")
    assert result.exit_code == 1
    assert result.output == (
        "Error: 429 Rate limit reached for gpt-4o-mini in organization org-abc.\n")


def test_invalid_option_from_cli(server):
    result = invoke("-m", "4o-mini", "hi", "-o", "temperature", "7")
    assert result.exit_code == 1
    assert "temperature" in result.output
    assert server.requests == []


def test_embed_from_cli(server):
    server.reply_embeddings([[0.25, 0.5]])
    result = invoke("embed", "-m", "3-small", "-c", "hi")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [0.25, 0.5]
    assert server.requests[0].body["input"] == ["hi"]


def test_extra_model_from_cli(server, write_extra_models):
    write_extra_models(f"""
- model_id: local
  model_name: smol
  api_base: "{server.url}"
  aliases: [loc]
""")
    assert "OpenAI Chat: local (aliases: loc)" in invoke("models").output
    result = invoke("-m", "loc", "hello")
    assert result.output == "ok\n"
    assert server.requests[0].body["model"] == "smol"
    assert server.requests[0].header("Authorization") is None


def test_malformed_extra_models_yaml(write_extra_models):
    path = write_extra_models("- model_id: [broken\n")
    result = invoke("models")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: Invalid YAML in {path}")
    # Commands that do not need the models are unaffected.
    assert invoke("keys", "path").exit_code == 0
    assert invoke("--help").exit_code == 0
    assert invoke("embed-models").exit_code == 0


def test_openai_models_command(server):
    result = invoke("openai", "models")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "id                      owned_by  created",
        "gpt-4o-mini             system    2024-07-16T23:32:21",
        "gpt-4o                  system    2024-05-10T18:50:49",
        "text-embedding-3-small  system    2024-01-22T18:43:17",
    ]
    assert server.requests[0].method == "GET"
    assert server.requests[0].path == "/v1/models"
    assert server.requests[0].header("Authorization") == "Bearer sk-test-key"


def test_openai_models_json_and_key(server):
    result = invoke("openai", "models", "--json", "--key", "sk-flag")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [m["id"] for m in data] == ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"]
    assert data[0] == {"id": "gpt-4o-mini", "object": "model", "created": 1721172741,
                       "owned_by": "system"}
    assert server.requests[0].header("Authorization") == "Bearer sk-flag"
    assert "sk-flag" not in result.output


def test_openai_models_without_key(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    result = invoke("openai", "models")
    assert result.exit_code == 1
    assert "llm keys set openai" in result.output
    assert server.requests == []


def test_openai_models_error(server):
    server.reply_error(401, "Incorrect API key provided")
    result = invoke("openai", "models")
    assert result.exit_code == 1
    assert result.output == "Error: 401 Incorrect API key provided\n"


def test_openai_models_help():
    result = invoke("openai", "models", "--help")
    assert result.output == (
        "Usage: llm openai models [OPTIONS]\n\n"
        "  List models available to you from the OpenAI API\n\n"
        "Options:\n"
        "  --json      Output as JSON\n"
        "  --key TEXT  OpenAI API key\n"
        "  --help      Show this message and exit.\n"
    )


def test_key_never_in_logs(server):
    invoke("-m", "4o-mini", "hi", "--key", "sk-very-secret-key")
    assert server.requests[0].header("Authorization") == "Bearer sk-very-secret-key"
    logs = invoke("logs", "--json").output
    assert "sk-very-secret-key" not in logs
    assert "sk-very-secret-key" not in llm.logs_db_path().read_bytes().decode("latin-1")
