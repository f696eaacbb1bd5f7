"""Published provider plugins, unchanged, against our packages (PLUGINS.md §1-3).

llm-openrouter subclasses our Responses classes, llm-llama-server our Chat
class; both are pointed at the local test server, which records what they send.
llm-gemini builds its requests from ``prompt.messages`` and registers
server-side tools; its request body is checked without any network.
``scripts/test`` installs these (scripts/compat-plugins.txt).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import llm
import pytest
from support.plugin_dists import compat_plugins_mark
from llm.parts import StreamEvent
from support.openai_server import OpenAIServer

MODULES = {"llm_openrouter": "llm-openrouter", "llm_llama_server": "llm-llama-server",
           "llm_gemini": "llm-gemini"}
pytestmark = compat_plugins_mark(MODULES)

LLM = str(Path(sys.executable).with_name("llm"))


@pytest.fixture
def server():
    with OpenAIServer() as running:
        yield running


@pytest.fixture
def openrouter(server, monkeypatch):
    from llm_openrouter import OpenRouterResponses

    monkeypatch.setenv("OPENROUTER_KEY", "or-test-key")
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "0")
    return OpenRouterResponses(
        model_id="openrouter/test/model", model_name="test/model", vision=True, reasoning=True,
        verbosity=False, supports_schema=True, supports_tools=True, api_base=server.url,
        headers={"HTTP-Referer": "https://llm.datasette.io/", "X-OpenRouter-Title": "LLM"},
    )


def test_openrouter_responses_request_and_reasoning_replay(server, openrouter):
    server.reply(["Sky", "per"], reasoning=["Pelicans ", "like names"])
    server.reply("Scoop")
    response = openrouter.prompt("Name a pelican", system="Be brief", provider={"order": ["OpenAI"]},
                                 reasoning_effort="low", frequency_penalty=0.5)
    assert response.text() == "Skyper"
    first = server.requests[0]
    assert first.path == "/v1/responses"
    assert first.header("Authorization") == "Bearer or-test-key"
    assert first.header("X-OpenRouter-Title") == "LLM"
    assert first.body == {
        "model": "test/model", "input": [{"role": "user", "content": "Name a pelican"}],
        "instructions": "Be brief", "stream": True, "store": False,
        "include": ["reasoning.encrypted_content"], "reasoning": {"effort": "low"},
        "frequency_penalty": 0.5, "provider": {"order": ["OpenAI"]},
    }
    assert str(openrouter) == "OpenRouter: openrouter/test/model"
    assert {type(p).__name__ for p in response.messages()[0].parts} == {"ReasoningPart", "TextPart"}

    assert response.reply("Another").text() == "Scoop"
    replayed = server.requests[1].body["input"]
    assert replayed[1]["type"] == "reasoning"
    assert replayed[1]["encrypted_content"] == "ENCRYPTED:Pelicans like names"
    assert replayed[2:] == [{"role": "assistant", "content": "Skyper"}, {"role": "user", "content": "Another"}]


def test_openrouter_server_tool_items_replayed_in_place(server, openrouter):
    from llm_openrouter import WebSearch

    search = {"id": "ws_1", "type": "openrouter:web_search", "status": "completed",
              "action": {"type": "search", "query": "pelicans"}}
    server.reply("Found them.", output_items=[search])
    server.reply("They fly.")
    response = openrouter.prompt("Research pelicans", tools=[WebSearch(engine="exa", max_results=2)])
    assert response.text() == "Found them."
    assert server.requests[0].body["tools"] == [
        {"type": "openrouter:web_search", "parameters": {"engine": "exa", "max_results": 2}}]
    assert response.tool_calls() == []
    response.reply("And then?").text()
    assert server.requests[1].body["input"] == [
        {"role": "user", "content": "Research pelicans"},
        search,
        {"role": "assistant", "content": "Found them."},
        {"role": "user", "content": "And then?"},
    ]


@pytest.mark.asyncio
async def test_openrouter_async_tool_chain(server, monkeypatch):
    from llm_openrouter import OpenRouterAsyncResponses

    monkeypatch.setenv("OPENROUTER_KEY", "or-test-key")
    model = OpenRouterAsyncResponses(model_id="openrouter/t", model_name="t", supports_tools=True,
                                     api_base=server.url)
    server.reply("", tool_calls=[{"id": "call_1", "name": "llm_version", "arguments": "{}"}])
    server.reply("It is installed.")
    chain = model.chain("Which version?", tools=[llm.tools.llm_version])
    assert await chain.text() == "It is installed."
    assert server.requests[1].body["input"][1:] == [
        {"type": "function_call", "call_id": "call_1", "name": "llm_version", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": llm.tools.llm_version()},
    ]


def test_openrouter_chat_completions_option_uses_its_chat_class(server, openrouter):
    server.reply("via chat")
    assert openrouter.prompt("hi", chat_completions=True, provider={"order": ["A"]}).text() == "via chat"
    request = server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.body["provider"] == {"order": ["A"]}
    assert request.body["messages"] == [{"role": "user", "content": "hi"}]


def test_llama_server_chat_subclass(server, monkeypatch):
    from llm_llama_server import LlamaServerTools

    model = LlamaServerTools(vision=True, can_stream=False, supports_tools=True)
    monkeypatch.setattr(model, "api_base", server.url)
    server.reply("hello from llama")
    assert model.prompt("hi").text() == "hello from llama"
    request = server.requests[0]
    assert request.header("Authorization") == "Bearer sk-llama-server"
    assert request.body["model"] == "llama-server" and request.body["stream"] is False


def test_gemini_request_from_prompt_messages(tmp_path):
    """The request llm-gemini builds for a tool-call continuation: history from
    prompt.messages, with the thought signature it attached to its call."""
    code = """
import json, llm
from llm.parts import StreamEvent
model = llm.get_model("gemini-3.6-flash")
conversation = model.conversation()
first = llm.Response(llm.Prompt("What time is it?", model, options=model.Options()), model,
                     stream=False, conversation=conversation)
first._record(StreamEvent("reasoning", "I should check", provider_metadata={"gemini": {"thoughtSignature": "R"}}))
first._record(StreamEvent("tool_call_name", "clock", tool_call_id="f1",
                          provider_metadata={"gemini": {"thoughtSignature": "SIG"}}))
first._record(StreamEvent("tool_call_args", "{}", tool_call_id="f1"))
first.add_tool_call(llm.ToolCall(name="clock", arguments={}, tool_call_id="f1"))
first._done = True
conversation.responses.append(first)
second = conversation.prompt(tool_results=[llm.ToolResult(name="clock", output="noon", tool_call_id="f1")],
                             system="Be brief")
print(json.dumps(model.build_request_body(second.prompt, conversation)))
"""
    env = dict(os.environ, LLM_LOAD_PLUGINS="llm-gemini", LLM_USER_PATH=str(tmp_path), LLM_GEMINI_KEY="x")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief"}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "What time is it?"}]},
        {"role": "model", "parts": [{"function_call": {"name": "clock", "args": {}, "id": "f1"},
                                     "thoughtSignature": "SIG"}]},
        {"role": "user", "parts": [{"function_response": {"name": "clock", "response": {"output": "noon"},
                                                          "id": "f1"}}]},
    ]


def test_gemini_server_side_tools_on_the_command_line(tmp_path):
    env = dict(os.environ, LLM_LOAD_PLUGINS="llm-gemini", LLM_USER_PATH=str(tmp_path), LLM_GEMINI_KEY="x")
    result = subprocess.run([LLM, "tools", "list", "-m", "gemini-3.6-flash"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for name in ("GoogleSearch()", "URLContext()", "CodeExecution()"):
        assert f"\n{name} (plugin: llm-gemini)\n" in result.stdout
    assert isinstance(StreamEvent("text"), StreamEvent)
