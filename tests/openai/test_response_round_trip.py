"""``to_dict()`` -> JSON -> ``from_dict()`` -> ``reply()``, against the scripted server.

A rebuilt response must carry everything ``reply()`` needs, so the follow-up request
is the one the original response would have sent: system prompt first, then the
first exchange (with its attachments, fragments, tool calls and results), then the
new prompt, with the same options and tools.
"""

from __future__ import annotations

import asyncio
import json

import llm
import pytest
from llm import assistant, system, user

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


#: The second request of the "What's 2+2?" / "Add 3 to that" exchange.
ADD_THREE_MESSAGES = [
    {"role": "system", "content": "Answer with a number"},
    {"role": "user", "content": "What's 2+2?"},
    {"role": "assistant", "content": "4"},
    {"role": "user", "content": "Add 3 to that"},
]


def upper(text: str) -> str:
    """Convert text to uppercase."""
    return text.upper()


def round_trip(response, cls=llm.Response, **kwargs):
    data = response.to_dict()
    payload = json.dumps(data)
    return cls.from_dict(json.loads(payload), **kwargs), data


def test_system_prompt_and_options_survive(server):
    server.reply("4")
    server.reply("7")
    model = llm.get_model("gpt-4o-mini")
    response = model.prompt("What's 2+2?", system="Answer with a number", temperature=0.5, seed=3)
    assert response.text() == "4"
    rebuilt, _ = round_trip(response)
    assert rebuilt.prompt.system == "Answer with a number"
    assert rebuilt.prompt.options.temperature == 0.5
    assert rebuilt.prompt.options.seed == 3
    assert rebuilt.text() == "4"

    followup = rebuilt.reply("Add 3 to that")
    assert followup.text() == "7"
    body = server.requests[1].body
    assert body["messages"] == ADD_THREE_MESSAGES
    assert (body["temperature"], body["seed"]) == (0.5, 3)
    # The same request as a reply to the original, never serialized, response.
    server.reply("7")
    response.reply("Add 3 to that").text()
    assert server.requests[2].body == body


def test_reply_options_can_be_overridden(server):
    server.reply("4")
    server.reply("7")
    response = llm.get_model("gpt-4o-mini").prompt("2+2?", temperature=0.5, seed=3)
    response.text()
    rebuilt, _ = round_trip(response)
    rebuilt.reply("Add 3", temperature=1.0).text()
    body = server.requests[1].body
    assert (body["temperature"], body["seed"]) == (1.0, 3)


def test_fragments_and_system_fragments_survive(server):
    server.reply("Dogs bark.")
    server.reply("Yes.")
    response = llm.get_model("gpt-4o-mini").prompt(
        "What do these say about dogs?",
        fragments=["doc one: dogs bark", "doc two: cats purr"],
        system="Be brief",
        system_fragments=["You answer like Snoopy"],
    )
    response.text()
    first = server.requests[0].body["messages"]
    rebuilt, data = round_trip(response)
    assert data["fragments"] == ["doc one: dogs bark", "doc two: cats purr"]
    assert rebuilt.prompt.fragments == ["doc one: dogs bark", "doc two: cats purr"]
    assert rebuilt.prompt.system_fragments == ["You answer like Snoopy"]
    rebuilt.reply("Sure?").text()
    assert server.requests[1].body["messages"] == first + [
        {"role": "assistant", "content": "Dogs bark."},
        {"role": "user", "content": "Sure?"},
    ]
    assert first[0] == {"role": "system", "content": "You answer like Snoopy\nBe brief"}


def test_schema_survives(server):
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    server.reply('{"name": "Pelly"}')
    server.reply('{"name": "Gully"}')
    response = llm.get_model("gpt-4o-mini").prompt("Invent a pelican", schema=schema)
    response.text()
    rebuilt, data = round_trip(response)
    assert data["schema"] == schema
    assert rebuilt.prompt.schema == schema
    rebuilt.reply("Another one").text()  # a reply asks for the same structure
    assert server.requests[1].body["response_format"] == server.requests[0].body["response_format"]
    assert server.requests[1].body["messages"][-2:] == [
        {"role": "assistant", "content": '{"name": "Pelly"}'},
        {"role": "user", "content": "Another one"},
    ]


def test_attachments_survive(server, tmp_path):
    path = tmp_path / "dot.png"
    path.write_bytes(PNG)
    server.reply("A dot")
    server.reply("Red")
    response = llm.get_model("gpt-4o-mini").prompt(
        "What is this?",
        attachments=[llm.Attachment(path=str(path)), llm.Attachment(content=PNG)],
    )
    response.text()
    first_user = server.requests[0].body["messages"][0]
    rebuilt, data = round_trip(response)
    assert [a.get("path") for a in data["attachments"]] == [str(path), None]
    assert [a.resolve_type() for a in rebuilt.prompt.attachments] == ["image/png", "image/png"]
    assert rebuilt.prompt.attachments[1].content == PNG
    path.unlink()  # the inline copy must not depend on the file; the path one is re-read
    path.write_bytes(PNG)
    rebuilt.reply("What colour?").text()
    assert server.requests[1].body["messages"] == [
        first_user,
        {"role": "assistant", "content": "A dot"},
        {"role": "user", "content": "What colour?"},
    ]
    image = f"data:image/png;base64,{llm.Attachment(content=PNG).base64_content()}"
    assert first_user["content"][1:] == [
        {"type": "image_url", "image_url": {"url": image}},
        {"type": "image_url", "image_url": {"url": image}},
    ]


def test_pending_tool_calls_run_after_a_round_trip(server):
    server.reply("", tool_calls=[{"id": "call_1", "name": "upper", "arguments": '{"text": "hi"}'}])
    server.reply("It says HI")
    response = llm.get_model("gpt-4o-mini").prompt("Shout hi", tools=[upper])
    assert response.text() == ""
    rebuilt, data = round_trip(response, tools=[upper])
    assert data["tools"] == [{
        "name": "upper", "description": "Convert text to uppercase.",
        "input_schema": {"type": "object", "properties": {"text": {"type": "string"}},
                         "required": ["text"]},
    }]
    assert [t.name for t in rebuilt.prompt.tools] == ["upper"]
    assert rebuilt.tool_calls() == [llm.ToolCall("upper", {"text": "hi"}, "call_1")]
    followup = rebuilt.reply()
    assert followup.text() == "It says HI"
    body = server.requests[1].body
    assert body["messages"] == [
        {"role": "user", "content": "Shout hi"},
        {"role": "assistant", "content": None, "tool_calls": [{
            "type": "function", "id": "call_1",
            "function": {"name": "upper", "arguments": '{"text": "hi"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "HI"},
    ]
    assert body["tools"] == server.requests[0].body["tools"]


def test_tools_by_name_from_the_registry(server, register_plugin):
    class Tools:
        @llm.hookimpl
        def register_tools(self, register):
            register(upper)

    register_plugin(Tools(), "round-trip-tools")
    server.reply("", tool_calls=[{"id": "call_9", "name": "upper", "arguments": '{"text": "ok"}'}])
    server.reply("OK then")
    response = llm.get_model("gpt-4o-mini").prompt("Shout ok", tools=[upper])
    response.text()
    rebuilt, _ = round_trip(response)  # no tools= given: found by name among registered tools
    assert rebuilt.reply().text() == "OK then"
    assert server.requests[1].body["messages"][-1] == {
        "role": "tool", "tool_call_id": "call_9", "content": "OK"}


def test_an_unavailable_tool_is_reported_to_the_model(server):
    server.reply("", tool_calls=[{"id": "call_2", "name": "upper", "arguments": '{"text": "x"}'}])
    server.reply("I could not")
    response = llm.get_model("gpt-4o-mini").prompt("Shout x", tools=[upper])
    response.text()
    rebuilt, _ = round_trip(response)
    # The definition is still sent, so the model knows the tool; the call says why it failed.
    assert rebuilt.reply().text() == "I could not"
    body = server.requests[1].body
    assert body["tools"] == server.requests[0].body["tools"]
    assert body["messages"][-1] == {
        "role": "tool", "tool_call_id": "call_2",
        "content": "Error: tool 'upper' is not available (pass it to from_dict(tools=...))"}


def test_tool_results_of_a_chain_survive(server):
    server.reply("", tool_calls=[{"id": "call_1", "name": "upper", "arguments": '{"text": "a"}'}])
    server.reply("Done: A")
    server.reply("Sure")
    chain = llm.get_model("gpt-4o-mini").chain("Upper a", tools=[upper])
    last = list(chain.responses())[-1]
    assert last.text() == "Done: A"
    rebuilt, data = round_trip(last, tools=[upper])
    assert data["tool_results"] == [{"name": "upper", "output": "A", "tool_call_id": "call_1"}]
    assert len(data["conversation"]["responses"]) == 1
    rebuilt.reply("Thanks").text()
    assert server.requests[2].body["messages"] == [
        {"role": "user", "content": "Upper a"},
        {"role": "assistant", "content": None, "tool_calls": [{
            "type": "function", "id": "call_1",
            "function": {"name": "upper", "arguments": '{"text": "a"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "A"},
        {"role": "assistant", "content": "Done: A"},
        {"role": "user", "content": "Thanks"},
    ]


def test_messages_prompt_survives(server):
    server.reply("Berlin, matey.")
    server.reply("Madrid, matey.")
    response = llm.get_model("gpt-4o-mini").prompt(messages=[
        system("You are a helpful pirate."),
        user("What is the capital of France?"),
        assistant("Paris, matey."),
        user("And Germany?"),
    ])
    response.text()
    first = server.requests[0].body["messages"]
    assert first[0] == {"role": "system", "content": "You are a helpful pirate."}
    rebuilt, data = round_trip(response)
    assert [m["role"] for m in data["prompt_messages"]] == ["system", "user", "assistant", "user"]
    assert [m.role for m in rebuilt.prompt.messages] == ["system", "user", "assistant", "user"]
    rebuilt.reply("And Spain?").text()
    assert server.requests[1].body["messages"] == first + [
        {"role": "assistant", "content": "Berlin, matey."},
        {"role": "user", "content": "And Spain?"},
    ]


def test_the_key_never_appears_in_the_dict(server):
    server.reply("hi")
    response = llm.get_model("gpt-4o-mini").prompt("hello", key="sk-round-trip-secret-key")
    response.text()
    assert server.requests[0].header("Authorization") == "Bearer sk-round-trip-secret-key"
    payload = json.dumps(response.to_dict())
    assert "sk-round-trip-secret-key" not in payload
    assert "sk-test-key" not in payload


# -- async ----------------------------------------------------------------------------


def test_async_to_dict_is_a_plain_method_once_awaited(server):
    server.reply("4")
    server.reply("7")

    async def run():
        model = llm.get_async_model("gpt-4o-mini")
        response = model.prompt("What's 2+2?", system="Answer with a number", temperature=0.5)
        with pytest.raises(ValueError, match="await the response"):
            response.to_dict()
        await response
        data = response.to_dict()
        rebuilt = llm.AsyncResponse.from_dict(json.loads(json.dumps(data)))
        assert isinstance(rebuilt, llm.AsyncResponse)
        assert rebuilt.prompt.options.temperature == 0.5
        assert await rebuilt.text() == "4"
        followup = await rebuilt.reply("Add 3 to that")
        return data, await followup.text()

    data, text = asyncio.run(run())
    assert data["text"] == "4" and data["system"] == "Answer with a number"
    assert text == "7"
    body = server.requests[1].body
    assert body["messages"] == ADD_THREE_MESSAGES
    assert body["temperature"] == 0.5


def test_async_round_trip_with_a_tool_call(server):
    server.reply("", tool_calls=[{"id": "call_1", "name": "upper", "arguments": '{"text": "hi"}'}])
    server.reply("It says HI")

    async def run():
        response = llm.get_async_model("gpt-4o-mini").prompt("Shout hi", tools=[upper])
        await response
        rebuilt = llm.AsyncResponse.from_dict(json.loads(json.dumps(response.to_dict())),
                                              tools=[upper])
        followup = await rebuilt.reply()
        return await followup.text()

    assert asyncio.run(run()) == "It says HI"
    assert server.requests[1].body["messages"][-1] == {
        "role": "tool", "tool_call_id": "call_1", "content": "HI"}
