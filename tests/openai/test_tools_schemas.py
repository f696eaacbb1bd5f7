"""Function calling (streamed tool-call deltas assembled) and JSON schemas."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from pydantic import BaseModel

import llm


def upper(text: str) -> str:
    """Convert text to uppercase."""
    return text.upper()


UPPER_TOOL = {
    "type": "function",
    "function": {
        "name": "upper",
        "description": "Convert text to uppercase.",
        "parameters": {"type": "object", "properties": {"text": {"type": "string"}},
                       "required": ["text"]},
    },
}

DOG_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"},
                                               "age": {"type": "integer"}}}


def test_schema_sent_as_json_schema_response_format(server):
    server.reply('{"name": "Rex", "age": 3}')
    response = llm.get_model("4o-mini").prompt("Invent a dog", schema=DOG_SCHEMA)
    assert json.loads(response.text()) == {"name": "Rex", "age": 3}
    assert server.requests[0].body["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "output", "schema": DOG_SCHEMA}}


def test_schema_from_pydantic_class(server):
    class Dog(BaseModel):
        name: str
        age: int

    llm.get_model("4o-mini").prompt("Invent a dog", schema=Dog, stream=False).text()
    sent = server.requests[0].body["response_format"]["json_schema"]["schema"]
    assert sent["properties"] == {"name": {"title": "Name", "type": "string"},
                                  "age": {"title": "Age", "type": "integer"}}


def test_schema_refused_by_model_without_support(server):
    with pytest.raises(ValueError, match="does not support schemas"):
        llm.get_model("gpt-3.5-turbo").prompt("x", schema=DOG_SCHEMA).text()
    assert server.requests == []


@pytest.mark.parametrize("stream", [True, False])
def test_tool_calls_are_sent_and_assembled(server, stream):
    server.reply(tool_calls=[
        {"id": "call_abc", "name": "upper", "arguments": '{"text": "panda"}'},
        {"id": "call_def", "name": "upper", "arguments": '{"text": "badger and friends"}'},
    ])
    response = llm.get_model("gpt-4.1-mini").prompt("Convert panda and badger", tools=[upper],
                                                     stream=stream)
    assert response.text() == ""
    calls = response.tool_calls()
    assert [(c.name, c.arguments, c.tool_call_id) for c in calls] == [
        ("upper", {"text": "panda"}, "call_abc"),
        ("upper", {"text": "badger and friends"}, "call_def"),
    ]
    assert server.requests[0].body["tools"] == [UPPER_TOOL]
    assert response.json()["finish_reason" if stream else "object"] in (
        "tool_calls", "chat.completion")


def test_chain_sends_tool_results_back(server):
    server.reply(tool_calls=[{"id": "call_1", "name": "upper", "arguments": '{"text": "panda"}'}])
    server.reply('The word "panda" in uppercase is "PANDA".')
    chain = llm.get_model("gpt-4.1-mini").chain("Convert panda to upper", tools=[upper])
    assert chain.text() == 'The word "panda" in uppercase is "PANDA".'
    assert len(server.requests) == 2
    assert server.requests[1].body["messages"] == [
        {"role": "user", "content": "Convert panda to upper"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"type": "function", "id": "call_1",
             "function": {"name": "upper", "arguments": '{"text": "panda"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "PANDA"},
    ]
    assert server.requests[1].body["tools"] == [UPPER_TOOL]


def test_async_tool_calls(server):
    server.reply(tool_calls=[{"id": "call_9", "name": "upper", "arguments": '{"text": "x"}'}])

    async def run():
        response = llm.get_async_model("gpt-4o").prompt("go", tools=[upper])
        await response.text()
        return await response.tool_calls()

    calls = asyncio.run(run())
    assert [(c.name, c.arguments, c.tool_call_id) for c in calls] == [
        ("upper", {"text": "x"}, "call_9")]


def test_tool_results_with_attachments(server):
    pixel = b"\x89PNG\r\n\x1a\nnot-really-a-png"
    pixel_b64 = base64.b64encode(pixel).decode()
    result = llm.ToolResult(name="screenshot", output="taken", tool_call_id="call_s",
                            attachments=[llm.Attachment(content=pixel, type="image/png")])
    llm.get_model("gpt-4o").prompt(tool_results=[result]).text()
    assert server.requests[0].body["messages"] == [
        {"role": "tool", "tool_call_id": "call_s", "content": "taken"},
        {"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{pixel_b64}"}}]},
    ]
