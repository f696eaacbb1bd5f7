"""Every example on the newest Python API page, run as written.

The OpenAI models are pointed at the scripted local server (``server``
fixture), which plays the model's part: each test queues what the model
answers, then runs the page's code and checks the result the page shows
and the requests the code sent.
"""

from __future__ import annotations

import asyncio
import json
from typing import Optional

import pytest

import llm
from llm import assistant, system, user


def upper(text: str) -> str:
    """Convert text to uppercase."""
    return text.upper()


def test_get_model_prompt_and_repr(server):
    server.reply("Pelly, Gulliver, Captain Pouch")
    model = llm.get_model("gpt-4o-mini")
    response = model.prompt("Five surprising names for a pet pelican")
    assert repr(response) == "<Response prompt='Five surprising names for a pet pelican' text='... not yet done ...'>"
    assert server.requests == []  # lazy: nothing sent yet
    assert response.text() == "Pelly, Gulliver, Captain Pouch"
    assert server.requests[0].body["model"] == "gpt-4o-mini"
    assert server.requests[0].body["messages"] == [
        {"role": "user", "content": "Five surprising names for a pet pelican"}]


def test_default_model_and_str(server, capsys):
    server.reply("Sir Flapsalot")
    print(llm.get_model().prompt("Five surprising names for a pet pelican"))
    assert capsys.readouterr().out == "Sir Flapsalot\n"
    assert server.requests[0].body["model"] == "gpt-4o-mini"


def test_attachment_types():
    model = llm.get_model("gpt-4o-mini")
    assert model.attachment_types == {"image/gif", "image/png", "image/jpeg", "image/webp"}
    assert "image/jpeg" in model.attachment_types


def test_tool_calls_execute_and_reply(server):
    server.reply(tool_calls=[{"id": "call_1", "name": "upper", "arguments": '{"text": "panda"}'}])
    server.reply('The word "panda" converted to uppercase is "PANDA".')
    model = llm.get_model("gpt-4.1-mini")
    response = model.prompt("Convert panda to upper", tools=[upper])
    tool_calls = response.tool_calls()
    assert tool_calls == [llm.ToolCall(name="upper", arguments={"text": "panda"}, tool_call_id="call_1")]
    tool_results = response.execute_tool_calls()
    assert tool_results == [llm.ToolResult(name="upper", output="PANDA", tool_call_id="call_1")]
    follow_up = response.reply()
    assert follow_up.text() == 'The word "panda" converted to uppercase is "PANDA".'
    sent = server.requests[1].body["messages"]
    assert sent[-1] == {"role": "tool", "tool_call_id": "call_1", "content": "PANDA"}
    assert sent[-2]["role"] == "assistant" and sent[-2]["tool_calls"][0]["id"] == "call_1"


def test_chain_text_stream_and_responses(server, capsys):
    for _ in range(3):
        server.reply(tool_calls=[{"id": "call_1", "name": "upper", "arguments": '{"text": "panda"}'}])
        server.reply(['The word "panda" ', 'converted to uppercase is "PANDA".'])
    model = llm.get_model("gpt-4.1-mini")
    chain_response = model.chain("Convert panda to upper", tools=[upper])
    assert chain_response.text() == 'The word "panda" converted to uppercase is "PANDA".'

    for chunk in model.chain("Convert panda to upper", tools=[upper]):
        print(chunk, end="", flush=True)
    assert capsys.readouterr().out == 'The word "panda" converted to uppercase is "PANDA".'

    chain = model.chain("Convert panda to upper", tools=[upper])
    seen = []
    for response in chain.responses():
        seen.append((response.prompt.prompt, "".join(chunk for chunk in response)))
    assert seen == [("Convert panda to upper", ""),
                    ("", 'The word "panda" converted to uppercase is "PANDA".')]


def test_before_and_after_call_with_cancel(server, capsys):
    server.reply(tool_calls=[
        {"id": "call_1", "name": "upper", "arguments": '{"text": "panda"}'},
        {"id": "call_2", "name": "upper", "arguments": '{"text": "bad badger"}'},
    ])
    server.reply("PANDA, and I was not allowed to convert the badger.")

    def before_call(tool: Optional[llm.Tool], tool_call: llm.ToolCall):
        print(f"About to call {tool.name} with {tool_call.arguments}")
        if tool.name == "upper" and "bad" in repr(tool_call.arguments):
            raise llm.CancelToolCall("Not allowed on text containing 'bad'")

    def after_call(tool: llm.Tool, tool_call: llm.ToolCall, tool_result: llm.ToolResult):
        print(f"{tool.name} returned {tool_result.output}")

    model = llm.get_model("gpt-4.1-mini")
    response = model.chain("Convert panda to upper and badger to upper", tools=[upper],
                           before_call=before_call, after_call=after_call)
    print(response.text())
    assert capsys.readouterr().out.splitlines() == [
        "About to call upper with {'text': 'panda'}",
        "upper returned PANDA",
        "About to call upper with {'text': 'bad badger'}",
        "PANDA, and I was not allowed to convert the badger.",
    ]
    tool_messages = [m for m in server.requests[1].body["messages"] if m["role"] == "tool"]
    assert tool_messages[0] == {"role": "tool", "tool_call_id": "call_1", "content": "PANDA"}
    assert tool_messages[1]["tool_call_id"] == "call_2"
    assert "Not allowed on text containing 'bad'" in tool_messages[1]["content"]


def test_pause_chain(server):
    approvals: list[str] = []

    def delete_files(path: str) -> str:
        "Delete files at a path."
        if path not in approvals:
            approvals.append(path)
            raise llm.PauseChain("waiting for approval to delete " + path)
        return "deleted"

    server.reply(tool_calls=[
        {"id": "call_a", "name": "upper", "arguments": '{"text": "x"}'},
        {"id": "call_b", "name": "delete_files", "arguments": '{"path": "/tmp/old"}'},
    ])
    chain_response = llm.get_model("gpt-4.1-mini").chain("Tidy up", tools=[upper, delete_files])
    with pytest.raises(llm.PauseChain) as info:
        chain_response.text()
    pause = info.value
    assert (pause.tool_call.name, pause.tool_call.tool_call_id) == ("delete_files", "call_b")
    assert pause.tool_results == [llm.ToolResult(name="upper", output="X", tool_call_id="call_a")]
    assert len(server.requests) == 1  # no placeholder result was sent to the model


def test_toolbox_memory(server):
    class Memory(llm.Toolbox):
        _memory = None

        def _get_memory(self):
            if self._memory is None:
                self._memory = {}
            return self._memory

        def set(self, key: str, value: str):
            "Set something as a key"
            self._get_memory()[key] = value

        def get(self, key: str):
            "Get something from a key"
            return self._get_memory().get(key) or ""

        def keys(self):
            "Return a list of keys"
            return list(self._get_memory().keys())

    server.reply(tool_calls=[{"id": "c1", "name": "Memory_set",
                              "arguments": '{"key": "name", "value": "Simon"}'}])
    server.reply("I've set name to Simon.")
    model = llm.get_model("gpt-4.1-mini")
    memory = Memory()
    conversation = model.conversation(tools=[memory])
    assert conversation.chain("Set name to Simon").text() == "I've set name to Simon."
    assert memory._memory == {"name": "Simon"}
    names = [t["function"]["name"] for t in server.requests[0].body["tools"]]
    assert sorted(names) == ["Memory_get", "Memory_keys", "Memory_set"]


def test_fragments_and_system_fragments(server):
    server.reply("Dogs are loyal.")
    model = llm.get_model("gpt-4o-mini")
    response = model.prompt(
        "What do these documents say about dogs?",
        fragments=["dogs1 text", "dogs2 text"],
        system_fragments=["You answer questions like Snoopy"],
    )
    assert response.text() == "Dogs are loyal."
    messages = server.requests[0].body["messages"]
    assert messages[0] == {"role": "system", "content": "You answer questions like Snoopy"}
    assert messages[1]["role"] == "user"
    assert messages[1]["content"] == "dogs1 text\ndogs2 text\nWhat do these documents say about dogs?"


def test_json(server):
    server.reply("Otto", model="gpt-4o-mini-2024-07-18")
    response = llm.get_model("gpt-4o-mini").prompt("3 names for an otter")
    data = response.json()
    assert data["content"] == "Otto"
    assert data["model"] == "gpt-4o-mini-2024-07-18"
    assert data["finish_reason"] == "stop"
    assert data["id"].startswith("chatcmpl-")


def test_messages_helpers(server):
    server.reply("Berlin, matey.")
    model = llm.get_model("gpt-4o-mini")
    response = model.prompt(messages=[
        system("You are a helpful pirate."),
        user("What is the capital of France?"),
        assistant("Paris, matey."),
        user("And Germany?"),
    ])
    assert response.text() == "Berlin, matey."
    assert server.requests[0].body["messages"] == [
        {"role": "system", "content": "You are a helpful pirate."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris, matey."},
        {"role": "user", "content": "And Germany?"},
    ]


def test_stream_events(server):
    server.reply(["Hel", "lo"], tool_calls=[{"id": "c1", "name": "upper", "arguments": '{"text": "a"}'}])
    response = llm.get_model("gpt-4.1-mini").prompt("hi", tools=[upper])
    events = list(response.stream_events())
    assert [(e.type, e.chunk) for e in events if e.type == "text"] == [("text", "Hel"), ("text", "lo")]
    names = [e for e in events if e.type == "tool_call_name"]
    assert [(e.chunk, e.tool_call_id) for e in names] == [("upper", "c1")]
    args = "".join(e.chunk for e in events if e.type == "tool_call_args")
    assert json.loads(args) == {"text": "a"}
    assert len({e.part_index for e in events if e.type == "text"}) == 1


def test_to_dict_from_dict_reply(server):
    server.reply("4")
    server.reply("7")
    model = llm.get_model("gpt-4o-mini")
    response = model.prompt("What's 2+2?")
    assert response.text() == "4"
    payload = json.dumps(response.to_dict())
    rebuilt = llm.Response.from_dict(json.loads(payload))
    followup = rebuilt.reply("Add 3 to that")
    assert followup.text() == "7"
    assert server.requests[1].body["messages"] == [
        {"role": "user", "content": "What's 2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "Add 3 to that"},
    ]


def test_on_done(server, capsys):
    server.reply("A hippo poem", usage={"prompt_tokens": 20, "completion_tokens": 494,
                                        "total_tokens": 514})
    model = llm.get_model("gpt-4o-mini")
    response = model.prompt("a poem about a hippo")
    response.on_done(lambda r: print(r.usage()))
    print(response.text())
    assert capsys.readouterr().out == "Usage(input=20, output=494, details=None)\nA hippo poem\n"


def test_async_on_done(server):
    server.reply("A brick poem", usage={"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10})
    seen = []

    async def run():
        model = llm.get_async_model("gpt-4o-mini")
        response = model.prompt("a short poem about a brick")

        async def done(response):
            seen.append(await response.usage())
            seen.append(await response.text())

        await response.on_done(done)
        seen.append(await response.text())

    asyncio.run(run())
    assert seen == [llm.Usage(input=7, output=3, details=None), "A brick poem", "A brick poem"]


def test_listing_models_and_aliases():
    ids = [model.model_id for model in llm.get_models()]
    assert ids[:3] == ["gpt-4o", "chatgpt-4o-latest", "gpt-4o-mini"]
    assert "gpt-4o-mini" in [model.model_id for model in llm.get_async_models()]
    pairs = {m.model.model_id: m.aliases for m in llm.get_models_with_aliases()}
    assert pairs["gpt-4o-mini"] == ["4o-mini"]

    llm.set_alias("mini", "gpt-4o-mini")
    assert llm.get_model("mini").model_id == "gpt-4o-mini"
    llm.remove_alias("mini")
    with pytest.raises(KeyError):
        llm.remove_alias("turbo")


def test_default_model_settings():
    assert llm.get_default_model() == "gpt-4o-mini"
    assert llm.get_default_model(default=None) is None
    llm.set_default_model("claude-3.5-sonnet")
    assert llm.get_default_model() == "claude-3.5-sonnet"
