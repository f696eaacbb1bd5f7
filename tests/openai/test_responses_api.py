"""The Responses API model classes against the local server (``/v1/responses``).

Everything goes through the real ``openai`` client: JSON and streamed typed
events, reasoning carried between turns as encrypted items, tool chains,
attachments, schemas, hosted (server-side) tools, errors, and a subclass written
the way llm-openrouter writes its own.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Optional

import llm
import pytest
from llm.default_plugins.openai_models import (
    AsyncResponses,
    Chat,
    ReasoningEffortEnum,
    Responses,
)
from llm.parts import Message, ReasoningPart, StreamEvent, TextPart, ToolCallPart, ToolResultPart
from llmio_openai.responses_api import WebSearch
from pydantic import Field

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def make(cls=Responses, **kwargs):
    return cls(model_id="resp", model_name="gpt-resp", **kwargs)


@pytest.fixture
def model(server):
    return make(api_base=server.url, vision=True, supports_tools=True, supports_schema=True)


def test_streamed_prompt(server, model):
    server.reply(["Hel", "lo"], usage={"input_tokens": 7, "output_tokens": 2, "total_tokens": 9,
                                       "input_tokens_details": {"cached_tokens": 3}})
    response = model.prompt("hi")
    assert list(response) == ["Hel", "lo"]
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/v1/responses")
    assert request.header("Authorization") == "Bearer sk-test-key"
    assert request.body == {"model": "gpt-resp", "input": [{"role": "user", "content": "hi"}],
                            "stream": True, "store": False}
    assert (response.input_tokens, response.output_tokens) == (7, 2)
    assert response.token_details == {"input_tokens_details": {"cached_tokens": 3}}
    assert response.response_json["output"][0]["content"][0]["text"] == "Hello"
    assert response.response_json["object"] == "response"
    assert [(e.type, e.chunk) for e in response.stream_events()] == [("text", "Hel"), ("text", "lo")]


def test_not_streamed(server, model):
    server.reply("Hello there")
    response = model.prompt("hi", stream=False)
    assert response.text() == "Hello there"
    assert server.requests[0].body["stream"] is False
    assert response.response_json["status"] == "completed"
    assert (response.input_tokens, response.output_tokens) == (10, 1)


def test_conversation_and_system_prompt_become_input_and_instructions(server, model):
    server.reply("first answer")
    server.reply("second answer")
    conversation = model.conversation()
    conversation.prompt("one", system="be brief").text()
    assert conversation.prompt("two").text() == "second answer"
    body = server.requests[1].body
    assert body["instructions"] == "be brief"
    assert body["input"] == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "two"},
    ]


def test_reasoning_is_requested_streamed_and_sent_back(server):
    model = make(api_base=server.url, reasoning=True)
    server.reply(["4"], reasoning=["Adding ", "two and two"])
    server.reply("8")
    response = model.prompt("2+2?", reasoning_effort="low")
    assert response.text() == "4"
    body = server.requests[0].body
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"]
    events = list(response.stream_events())
    assert [(e.type, e.chunk) for e in events] == [
        ("reasoning", "Adding "), ("reasoning", "two and two"), ("reasoning", ""), ("text", "4")]
    [reasoning, text] = response.messages()[0].parts
    assert reasoning.text == "Adding two and two"
    assert reasoning.provider_metadata["openai"]["encrypted_content"] == "ENCRYPTED:Adding two and two"
    assert text == TextPart("4")

    response.reply("double it").text()
    items = server.requests[1].body["input"]
    assert items[0] == {"role": "user", "content": "2+2?"}
    assert items[1]["type"] == "reasoning"
    assert items[1]["encrypted_content"] == "ENCRYPTED:Adding two and two"
    assert items[1]["summary"] == [{"type": "summary_text", "text": "Adding two and two"}]
    assert items[2:] == [{"role": "assistant", "content": "4"}, {"role": "user", "content": "double it"}]


def test_reasoning_effort_enum_and_hidden_reasoning(server):
    model = make(api_base=server.url, reasoning=True)
    assert [e.value for e in ReasoningEffortEnum] == [
        "none", "minimal", "low", "medium", "high", "xhigh", "max"]
    with pytest.raises(ValueError):
        model.prompt("x", reasoning_effort="extreme")
    server.reply("ok")
    model.prompt("x", reasoning_effort=ReasoningEffortEnum.high, hide_reasoning=True).text()
    assert server.requests[0].body["reasoning"] == {"effort": "high"}


def test_tool_chain(server, model):
    server.reply("", tool_calls=[{"id": "call_1", "name": "version", "arguments": '{"short": true}'}])
    server.reply("It is 1.0")

    def version(short: bool) -> str:
        "The installed version"
        return "1.0"

    chain = model.chain("which version?", tools=[version])
    assert chain.text() == "It is 1.0"
    first, second = [r.body for r in server.requests]
    assert first["tools"] == [{"type": "function", "name": "version", "description": "The installed version",
                               "parameters": {"type": "object", "properties": {"short": {"type": "boolean"}},
                                              "required": ["short"]}}]
    assert second["input"] == [
        {"role": "user", "content": "which version?"},
        {"type": "function_call", "call_id": "call_1", "name": "version", "arguments": '{"short": true}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "1.0"},
    ]
    calls = chain._responses[0].tool_calls()
    assert [(c.name, c.arguments, c.tool_call_id) for c in calls] == [("version", {"short": True}, "call_1")]
    assert chain._responses[0].messages()[0].parts == [ToolCallPart("version", {"short": True}, "call_1")]


def test_attachments_image_detail_and_schema(server, model):
    server.reply('{"name": "Pelly"}')
    attachment = llm.Attachment(content=PNG)
    model.prompt("describe", attachments=[attachment], image_detail="low",
                 schema={"type": "object", "properties": {"name": {"type": "string"}}}).text()
    body = server.requests[0].body
    assert body["input"] == [{"role": "user", "content": [
        {"type": "input_text", "text": "describe"},
        {"type": "input_image", "image_url": f"data:image/png;base64,{attachment.base64_content()}",
         "detail": "low"},
    ]}]
    assert body["text"] == {"format": {"type": "json_schema", "name": "output",
                                       "schema": {"type": "object",
                                                  "properties": {"name": {"type": "string"}}}}}


def test_options_the_api_does_not_take_go_in_the_body(server, model):
    server.reply("ok")
    model.prompt("x", max_tokens=20, temperature=0.5, seed=3).text()
    body = server.requests[0].body
    assert (body["max_output_tokens"], body["temperature"], body["seed"]) == (20, 0.5, 3)


def test_hosted_web_search_is_a_server_side_tool(server, model):
    search_item = {"id": "ws_1", "type": "web_search_call", "status": "completed",
                   "action": {"type": "search", "query": "pelicans"}}
    server.reply("Pelicans are large.", output_items=[search_item])
    response = model.prompt("find pelicans", tools=[WebSearch(search_context_size="low")])
    assert response.text() == "Pelicans are large."
    assert server.requests[0].body["tools"] == [{"type": "web_search", "search_context_size": "low"}]
    assert response.tool_calls() == []
    assert response.messages()[0].parts == [
        ToolCallPart("web_search", {"type": "search", "query": "pelicans"}, "ws_1", server_executed=True),
        ToolResultPart("web_search", "completed", "ws_1", server_executed=True),
        TextPart("Pelicans are large."),
    ]


def test_chat_models_refuse_server_side_tools(server):
    with pytest.raises(ValueError, match="does not support server-side tool web_search"):
        Chat("chat", api_base=server.url).prompt("x", tools=[WebSearch()]).text()
    assert server.requests == []


def test_chat_completions_option_uses_the_chat_api(server, model):
    server.reply("from chat")
    assert model.prompt("hi", chat_completions=True).text() == "from chat"
    request = server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.body["messages"] == [{"role": "user", "content": "hi"}]
    assert "chat_completions" not in request.body


def test_errors_and_cut_streams(server, model):
    server.reply_error(401, "Incorrect API key provided")
    with pytest.raises(llm.ModelError, match="Incorrect API key provided"):
        model.prompt("hi").text()
    server.reply("partial", fault="no_done")
    with pytest.raises(llm.ModelError, match="ended before it was complete"):
        model.prompt("hi").text()


def test_registered_from_extra_openai_models_yaml(server, write_extra_models):
    write_extra_models(f"""
- model_id: local-responses
  model_name: smol
  api_base: "{server.url}"
  responses: true
""")
    server.reply("via responses")
    model = llm.get_model("local-responses")
    assert isinstance(model, Responses) and str(model) == "OpenAI Responses: local-responses"
    assert isinstance(llm.get_async_model("local-responses"), AsyncResponses)
    assert model.prompt("hi").text() == "via responses"
    assert server.requests[0].path == "/v1/responses"
    assert server.requests[0].header("Authorization") is None


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [True, False])
async def test_async_responses(server, stream):
    model = make(AsyncResponses, api_base=server.url, reasoning=True)
    server.reply(["as", "ync"], reasoning=["thought"])
    response = model.prompt("hi", stream=stream)
    assert await response.text() == "async"
    assert server.requests[0].body["stream"] is stream
    parts = (await response.messages())[0].parts
    assert [type(p) for p in parts] == [ReasoningPart, TextPart]
    assert parts[0].provider_metadata == {"openai": {"id": "rs-0002", "encrypted_content": "ENCRYPTED:thought"}}
    assert (await response.usage()).input == 10


# -- a subclass written the way llm-openrouter writes its own -----------------------


class Shell(llm.ServerSideTool):
    name = "shell"

    def tool_spec(self, model):
        return {"type": "provider:shell"}


@cache
def provider_options(base):
    class Options(base):
        provider: Optional[dict] = Field(default=None, description="Routing preferences")
        reasoning_summary: Optional[str] = Field(default=None, description="Summary mode")

    return Options


class _ProviderMixin:
    needs_key = "provider"
    key_env_var = "PROVIDER_KEY"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.Options = provider_options(self.Options)

    @property
    def supported_server_side_tools(self):
        return (Shell, llm.ServerSideTool)

    def _build_responses_kwargs(self, prompt, stream):
        summary = prompt.options.reasoning_summary
        provider = prompt.options.provider
        kwargs = super()._build_responses_kwargs(prompt, stream)
        kwargs.pop("provider", None)
        kwargs.pop("reasoning_summary", None)
        reasoning = dict(kwargs.get("reasoning") or {})
        if summary is None or prompt.hide_reasoning:
            reasoning.pop("summary", None)
        else:
            reasoning["summary"] = summary
        if reasoning:
            kwargs["reasoning"] = reasoning
        else:
            kwargs.pop("reasoning", None)
        extra_body = dict(kwargs.pop("extra_body", {}) or {})
        for key in ("frequency_penalty", "presence_penalty"):
            if kwargs.get(key) is not None:
                extra_body[key] = kwargs.pop(key)
        if provider:
            extra_body["provider"] = provider
        if extra_body:
            kwargs["extra_body"] = extra_body
        return kwargs

    def _server_tool_events(self, item, message_index):
        events = super()._server_tool_events(item, message_index)
        if events:
            events[0].provider_metadata = {"provider": {"item": {"id": item.id, "type": item.type}}}
            return events
        if getattr(item, "type", None) != "provider:shell":
            return []
        return [
            StreamEvent("tool_call_name", "shell", tool_call_id=item.id, server_executed=True,
                        provider_metadata={"provider": {"item": {"id": item.id, "type": item.type,
                                                                 "status": item.status}}},
                        message_index=message_index),
            StreamEvent("tool_result", item.status, tool_call_id=item.id, server_executed=True,
                        tool_name="shell", message_index=message_index),
        ]

    def _refresh_server_tool_events(self, output, done_events):
        super()._refresh_server_tool_events(output, done_events)
        for item in output or []:
            for event in done_events.get(item.id) or []:
                if event.provider_metadata:
                    event.provider_metadata["provider"]["item"]["status"] = item.status

    def _build_responses_input(self, prompt, image_detail=None):
        """Raw provider items replayed in place; the rest delegated segment by segment."""

        class Segment:
            def __init__(self, messages):
                self.messages = messages

            def __getattr__(self, name):
                return getattr(prompt, name)

        items, instructions = [], None
        base = super()._build_responses_input
        for message in prompt.messages:
            ordinary = []
            for part in message.parts:
                raw = (getattr(part, "provider_metadata", None) or {}).get("provider", {}).get("item")
                if raw is None or not getattr(part, "server_executed", False):
                    ordinary.append(part)
                    continue
                if ordinary:
                    more, found = base(Segment([Message(message.role, ordinary)]), image_detail=image_detail)
                    items += more
                    instructions = found or instructions
                    ordinary = []
                items.append(raw)
            if ordinary:
                more, found = base(Segment([Message(message.role, ordinary)]), image_detail=image_detail)
                items += more
                instructions = found or instructions
        return items, instructions


class ProviderResponses(_ProviderMixin, Responses):
    def __str__(self):
        return f"Provider: {self.model_id}"


def provider_model(server, **more):
    return ProviderResponses(
        model_id="provider/test", model_name="test/model", vision=True, reasoning=True, verbosity=True,
        supports_schema=True, supports_tools=True, api_base=server.url,
        headers={"HTTP-Referer": "https://llm.example/", "X-Title": "LLM"}, **more)


def test_subclass_request(server, monkeypatch):
    monkeypatch.setenv("PROVIDER_KEY", "provider-key")
    model = provider_model(server)
    server.reply("routed")
    response = model.prompt("hello", provider={"order": ["A"]}, frequency_penalty=0.5,
                            reasoning_effort="high", verbosity="low")
    assert response.text() == "routed"
    request = server.requests[0]
    assert request.header("Authorization") == "Bearer provider-key"
    assert request.header("X-Title") == "LLM"
    assert request.body == {
        "model": "test/model", "input": [{"role": "user", "content": "hello"}], "stream": True,
        "store": False, "include": ["reasoning.encrypted_content"], "reasoning": {"effort": "high"},
        "text": {"verbosity": "low"}, "frequency_penalty": 0.5, "provider": {"order": ["A"]},
    }
    assert str(model) == "Provider: provider/test"
    assert provider_options(model.Options.__mro__[1]) is model.Options


def test_subclass_server_tools_are_replayed_in_order(server, monkeypatch):
    monkeypatch.setenv("PROVIDER_KEY", "provider-key")
    model = provider_model(server)
    shell_item = {"id": "sh_1", "type": "provider:shell", "status": "in_progress"}
    server.reply("Done.", output_items=[{**shell_item, "status": "completed"}])
    server.reply("It printed hello.")
    first = model.prompt("run it", tools=[Shell()], system="be terse")
    assert first.text() == "Done."
    assert server.requests[0].body["tools"] == [{"type": "provider:shell"}]
    call = first.messages()[0].parts[0]
    assert call.provider_metadata == {"provider": {"item": {**shell_item, "status": "completed"}}}
    first.reply("what happened?").text()
    assert server.requests[1].body["instructions"] == "be terse"
    assert server.requests[1].body["input"] == [
        {"role": "user", "content": "run it"},
        {**shell_item, "status": "completed"},
        {"role": "assistant", "content": "Done."},
        {"role": "user", "content": "what happened?"},
    ]


def test_subclass_delegates_to_its_chat_twin(server, monkeypatch):
    monkeypatch.setenv("PROVIDER_KEY", "provider-key")
    model = provider_model(server)
    kwargs = model._delegate_chat_kwargs()
    assert {k: kwargs[k] for k in ("model_id", "model_name", "reasoning", "verbosity", "api_base")} == {
        "model_id": "provider/test", "model_name": "test/model", "reasoning": True, "verbosity": True,
        "api_base": server.url}
    chat = Chat(**kwargs)
    server.reply("chatted")
    assert chat.prompt("hi", key="k").text() == "chatted"
    assert server.requests[0].path == "/v1/chat/completions"
    assert json.loads(server.requests[0].raw)["model"] == "test/model"
