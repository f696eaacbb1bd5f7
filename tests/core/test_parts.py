"""Parts, messages and how streamed events become parts (PLUGINS.md §3)."""

from __future__ import annotations

import llm
import pytest
from llm.parts import (
    AttachmentPart,
    Message,
    ReasoningPart,
    StreamEvent,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    events_to_messages,
    events_to_parts,
    tool_message,
)


class Scripted(llm.Model):
    """Yields what a test scripts: strings, StreamEvents, or calls on the response."""

    model_id = "scripted"
    can_stream = True

    def __init__(self, script):
        self.script = script

    def execute(self, prompt, stream, response, conversation):
        for item in self.script:
            if callable(item):
                item(response)
            else:
                yield item


def parts_of(script):
    response = Scripted(script).prompt("go")
    response.text()
    return [p for m in response.messages() for p in m.parts]


def test_part_fields_and_keyword_construction():
    reasoning = ReasoningPart(text="t", provider_metadata={"anthropic": {"signature": "s"}})
    assert (reasoning.type, reasoning.text, reasoning.redacted) == ("reasoning", "t", False)
    call = ToolCallPart(name="clock", arguments={}, tool_call_id="c1", server_executed=True)
    assert call.server_executed and call.provider_metadata is None
    result = ToolResultPart(name="search", output="sunny", tool_call_id="call_1")
    assert (result.type, result.attachments, result.server_executed) == ("tool_result", [], False)
    assert TextPart("hi").type == "text"


def test_part_to_dict_leaves_out_unset_fields():
    assert ReasoningPart(text="", provider_metadata={"a": {"data": "x"}}).to_dict() == {
        "type": "reasoning", "text": "", "provider_metadata": {"a": {"data": "x"}}}
    assert ToolCallPart("clock", {}, "c1").to_dict() == {
        "type": "tool_call", "name": "clock", "arguments": {}, "tool_call_id": "c1"}
    assert ReasoningPart("r", redacted=True).to_dict() == {"type": "reasoning", "text": "r", "redacted": True}


def test_message_round_trip_keeps_metadata_and_server_flags():
    item = {"id": "ws_1", "type": "openrouter:web_search", "status": "completed"}
    message = Message(
        role="assistant",
        parts=[
            TextPart("searching"),
            ToolCallPart("web_search", {"q": "x"}, "ws_1", server_executed=True,
                         provider_metadata={"openrouter": {"response_item": item}}),
            ToolResultPart("web_search", "completed", "ws_1", server_executed=True),
            ReasoningPart("", provider_metadata={"anthropic": {"type": "redacted_thinking", "data": "X"}}),
            AttachmentPart(llm.Attachment(content=b"\x89PNG\r\n\x1a\n", type="image/png")),
        ],
        provider_metadata={"p": 1},
    )
    again = Message.from_dict(message.to_dict())
    assert again.to_dict() == message.to_dict()
    assert again.parts[1].server_executed is True
    assert again.parts[1].provider_metadata == {"openrouter": {"response_item": item}}
    assert again.parts[4].attachment.content == b"\x89PNG\r\n\x1a\n"
    assert again.provider_metadata == {"p": 1}


def test_tool_message_and_top_level_helpers():
    message = tool_message(ToolResultPart(name="search", output="sunny", tool_call_id="call_1"))
    assert message.role == "tool"
    from_result = llm.tool_message(llm.ToolResult(name="t", output="o", tool_call_id="i"))
    assert from_result.parts == [ToolResultPart("t", "o", "i")]
    assert llm.user("hi").parts == [TextPart("hi")]
    assert llm.parts.StreamEvent is StreamEvent


def test_stream_event_defaults_and_to_dict():
    event = StreamEvent(type="text", chunk="hi")
    assert event.part_index is None and event.server_executed is False and event.redacted is False
    assert event.to_dict() == {"type": "text", "chunk": "hi"}
    full = StreamEvent("tool_result", "r", 3, tool_call_id="x", server_executed=True, tool_name="web",
                       provider_metadata={"k": 1}, message_index=1)
    assert full.to_dict() == {"type": "tool_result", "chunk": "r", "part_index": 3, "tool_call_id": "x",
                              "server_executed": True, "tool_name": "web", "provider_metadata": {"k": 1},
                              "message_index": 1}


def test_events_without_part_index_join_the_previous_part_of_their_kind():
    events = [
        StreamEvent("reasoning", "thinking "),
        StreamEvent("reasoning", "more"),
        StreamEvent("text", "Hello "),
        StreamEvent("text", "", provider_metadata={"gemini": {"groundingMetadata": {"a": 1}}}),
        StreamEvent("tool_call_name", "clock", tool_call_id="c1"),
        StreamEvent("tool_call_args", '{"tz": ', tool_call_id="c1"),
        StreamEvent("tool_call_args", '"UTC"}', tool_call_id="c1"),
        StreamEvent("text", "after"),
    ]
    assert events_to_parts(events) == [
        ReasoningPart("thinking more"),
        TextPart("Hello ", provider_metadata={"gemini": {"groundingMetadata": {"a": 1}}}),
        ToolCallPart("clock", {"tz": "UTC"}, "c1"),
        TextPart("after"),
    ]


def test_explicit_part_indexes_keep_adjacent_parts_of_one_kind_apart():
    events = [
        StreamEvent("reasoning", "first", part_index=1),
        StreamEvent("reasoning", "", part_index=1, provider_metadata={"anthropic": {"signature": "S0"}}),
        StreamEvent("reasoning", "", part_index=2,
                    provider_metadata={"anthropic": {"type": "redacted_thinking", "data": "X"}}),
        StreamEvent("reasoning", "second", part_index=3),
        StreamEvent("tool_result", '{"r": 1}', part_index=4, tool_call_id="s1", server_executed=True,
                    tool_name="web_search"),
    ]
    assert [p.to_dict() for p in events_to_parts(events)] == [
        {"type": "reasoning", "text": "first", "provider_metadata": {"anthropic": {"signature": "S0"}}},
        {"type": "reasoning", "text": "", "provider_metadata": {"anthropic": {"type": "redacted_thinking",
                                                                              "data": "X"}}},
        {"type": "reasoning", "text": "second"},
        {"type": "tool_result", "name": "web_search", "output": '{"r": 1}', "tool_call_id": "s1",
         "server_executed": True},
    ]


def test_message_index_splits_the_output_into_messages():
    events = [StreamEvent("text", "one"), StreamEvent("text", "two", message_index=1)]
    assert events_to_messages(events) == {0: [TextPart("one")], 1: [TextPart("two")]}


def test_stream_events_get_a_part_index_as_they_arrive():
    response = Scripted([StreamEvent("reasoning", "r"), "a", "b", StreamEvent("text", "c")]).prompt("x")
    events = list(response.stream_events())
    assert [(e.type, e.chunk, e.part_index) for e in events] == [
        ("reasoning", "r", 0), ("text", "a", 1), ("text", "b", 1), ("text", "c", 1)]
    assert response.text() == "abc"


def test_tool_call_streamed_and_added_is_one_part_and_one_call():
    """Gemini adds the call first, then streams it; Anthropic streams first, then adds."""
    gemini = [
        lambda r: r.add_tool_call(llm.ToolCall(name="clock", arguments={}, tool_call_id="g1")),
        StreamEvent("tool_call_name", "clock", tool_call_id="g1", provider_metadata={"gemini": {"sig": "s"}}),
        StreamEvent("tool_call_args", "{}", tool_call_id="g1"),
    ]
    assert parts_of(gemini) == [ToolCallPart("clock", {}, "g1", provider_metadata={"gemini": {"sig": "s"}})]
    anthropic = [
        StreamEvent("tool_call_name", "clock", part_index=1, tool_call_id="a1"),
        StreamEvent("tool_call_args", "{}", part_index=1, tool_call_id="a1"),
        lambda r: r.add_tool_call(llm.ToolCall(name="clock", arguments={}, tool_call_id="a1")),
        StreamEvent("text", " "),
    ]
    response = Scripted(anthropic).prompt("go")
    assert response.text() == " "
    assert [c.tool_call_id for c in response.tool_calls()] == ["a1"]
    assert [p for m in response.messages() for p in m.parts] == [ToolCallPart("clock", {}, "a1"), TextPart(" ")]


def test_server_executed_tool_calls_are_parts_but_not_tool_calls():
    response = Scripted([
        StreamEvent("tool_call_name", "web_search", tool_call_id="s1", server_executed=True),
        StreamEvent("tool_call_args", '{"query": "q"}', tool_call_id="s1", server_executed=True),
        StreamEvent("tool_result", "[]", tool_call_id="s1", server_executed=True, tool_name="web_search"),
        "answer",
    ]).prompt("go")
    assert response.text() == "answer"
    assert response.tool_calls() == []
    assert [type(p).__name__ for m in response.messages() for p in m.parts] == [
        "ToolCallPart", "ToolResultPart", "TextPart"]


def test_stream_events_alias_can_be_assigned():
    model = Scripted([])
    response = llm.Response(llm.Prompt("q", model), model, stream=False)
    response._stream_events = [StreamEvent(type="text", chunk="final answer")]
    response._chunks = ["final answer"]
    response._done = True
    assert response.messages()[0].parts == [TextPart("final answer")]


def test_response_without_events_has_its_text_and_calls_as_parts():
    model = Scripted([])
    response = llm.Response(llm.Prompt("q", model), model, stream=False)
    response._chunks = ["hi"]
    response._tool_calls = [llm.ToolCall("t", {"a": 1}, "c")]
    response._done = True
    assert response.messages()[0].parts == [TextPart("hi"), ToolCallPart("t", {"a": 1}, "c")]


@pytest.mark.asyncio
async def test_async_responses_assemble_the_same_parts():
    class AsyncScripted(llm.AsyncModel):
        model_id = "ascripted"
        can_stream = True

        async def execute(self, prompt, stream, response, conversation):
            yield StreamEvent("reasoning", "r", provider_metadata={"x": {"sig": "1"}})
            yield "done"

    response = AsyncScripted().prompt("go")
    assert await response.text() == "done"
    assert [p for m in await response.messages() for p in m.parts] == [
        ReasoningPart("r", provider_metadata={"x": {"sig": "1"}}), TextPart("done")]


@pytest.mark.asyncio
async def test_tool_calls_or_raise():
    call = llm.ToolCall(name="t", arguments={}, tool_call_id="c")
    response = Scripted([lambda r: r.add_tool_call(call), "x"]).prompt("go")
    assert response.tool_calls_or_raise() == [call]  # a sync response is evaluated

    class AsyncTool(llm.AsyncModel):
        model_id = "async-tool"

        async def execute(self, prompt, stream, response, conversation):
            response.add_tool_call(llm.ToolCall(name="t", arguments={}, tool_call_id="c"))
            yield "x"

    pending = AsyncTool().prompt("go")
    with pytest.raises(ValueError, match="not been evaluated"):
        pending.tool_calls_or_raise()
    await pending.text()
    assert [c.tool_call_id for c in pending.tool_calls_or_raise()] == ["c"]
