"""``prompt.messages``: the whole input of a prompt, built from parts (PLUGINS.md §3).

Newer model plugins (anthropic, gemini, mistral, lmstudio, ollama, openrouter)
build their requests from this list alone, so it must hold the whole
conversation: system prompt, earlier turns with their reasoning (and its
provider metadata), tool calls and results, then the current turn.
"""

from __future__ import annotations

import json
import sqlite3

import llm
import pytest
from llm.cli import load_conversation
from llm.migrations import migrate
from llm.parts import (
    AttachmentPart,
    Message,
    ReasoningPart,
    StreamEvent,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


class Recorder(llm.Model):
    """Answers from a script and keeps the ``prompt.messages`` it was given."""

    model_id = "recorder"
    can_stream = True
    supports_tools = True
    attachment_types = {"image/png"}

    def __init__(self, *answers):
        self.answers = list(answers)
        self.seen = []

    def execute(self, prompt, stream, response, conversation):
        self.seen.append(prompt.messages)
        answer = self.answers.pop(0) if self.answers else ["ok"]
        for item in answer:
            if isinstance(item, llm.ToolCall):
                response.add_tool_call(item)
            else:
                yield item


def roles(messages):
    return [(m.role, [type(p).__name__ for p in m.parts]) for m in messages]


def test_a_single_prompt_is_system_then_user():
    model = Recorder()
    attachment = llm.Attachment(content=PNG)
    prompt = llm.Prompt("describe", model, system="be brief", attachments=[attachment])
    assert prompt.messages == [
        Message("system", [TextPart("be brief")]),
        Message("user", [TextPart("describe"), AttachmentPart(attachment)]),
    ]


def test_explicit_messages_are_used_as_given():
    model = Recorder()
    given = [llm.system("be helpful"), llm.user("hi")]
    assert llm.Prompt(None, model=model, messages=given).messages == given
    prompt = llm.Prompt(None, model=model, system="legacy sys", messages=[llm.user("hi")])
    assert (prompt.system, prompt.messages) == ("legacy sys", [llm.user("hi")])


def test_conversation_turns_become_history_and_are_snapshotted():
    model = Recorder([StreamEvent("reasoning", "hmm", provider_metadata={"p": {"signature": "S"}}), "first answer"],
                     ["second answer"])
    conversation = model.conversation()
    first = conversation.prompt("one", system="sys")
    first.text()
    second = conversation.prompt("two")
    second.text()
    expected = [
        Message("system", [TextPart("sys")]),
        Message("user", [TextPart("one")]),
        Message("assistant", [ReasoningPart("hmm", provider_metadata={"p": {"signature": "S"}}),
                              TextPart("first answer")]),
        Message("user", [TextPart("two")]),
    ]
    assert model.seen[1] == expected
    # Read after the conversation went on: still the input that turn was sent.
    conversation.prompt("three").text()
    assert second.prompt.messages == expected


def test_system_message_only_when_it_changes():
    model = Recorder()
    conversation = model.conversation()
    conversation.prompt("a", system="S1").text()
    conversation.prompt("b", system="S1").text()
    conversation.prompt("c", system="S2").text()
    assert [(m.role, m.text) for m in model.seen[2]] == [
        ("system", "S1"), ("user", "a"), ("assistant", "ok"), ("user", "b"), ("assistant", "ok"),
        ("system", "S2"), ("user", "c")]


def test_chain_sends_the_tool_call_and_its_result():
    model = Recorder([llm.ToolCall(name="version", arguments={}, tool_call_id="c1")], ["It is 1.0"])

    def version() -> str:
        return "1.0"

    chain = model.chain("which version?", tools=[version])
    assert chain.text() == "It is 1.0"
    second = chain._responses[1]
    assert second.prompt.messages == [
        Message("user", [TextPart("which version?")]),
        Message("assistant", [ToolCallPart("version", {}, "c1")]),
        Message("tool", [ToolResultPart("version", "1.0", "c1")]),
    ]


def test_messages_argument_with_reasoning_metadata_survives_a_reply():
    model = Recorder(["next"])
    given = [
        llm.user("q"),
        llm.assistant(ReasoningPart("thinking", provider_metadata={"anthropic": {"signature": "sig"}}),
                      TextPart("answer")),
        llm.user("more"),
    ]
    response = model.prompt(messages=given)
    assert response.prompt.messages == given
    response.text()
    follow = response.reply("again")
    follow.text()
    assert model.seen[1] == [
        *given,
        Message("assistant", [TextPart("next")]),
        Message("user", [TextPart("again")]),
    ]


def test_logged_tool_chain_continues_with_its_whole_history(tmp_path, register_plugin):
    """What ``llm -c`` does after a tool chain: the history comes back from logs.db."""
    model = Recorder([llm.ToolCall(name="tick", arguments={}, tool_call_id="c1")], ["final answer"])

    class Plugin:
        @llm.hookimpl
        def register_models(self, register):
            register(model)

    register_plugin(Plugin(), "recorder-plugin")

    def tick() -> str:
        return "tock"

    chain = model.chain("q1", tools=[tick])
    assert chain.text() == "final answer"
    db_path = tmp_path / "logs.db"
    db = sqlite3.connect(str(db_path))
    migrate(db)
    chain.log_to_db(db)
    db.close()

    loaded = load_conversation(None, database=str(db_path))
    follow_up = loaded.prompt("q2")
    assert follow_up.prompt.messages == [
        Message("user", [TextPart("q1")]),
        Message("assistant", [ToolCallPart("tick", {}, "c1")]),
        Message("tool", [ToolResultPart("tick", "tock", "c1")]),
        Message("assistant", [TextPart("final answer")]),
        Message("user", [TextPart("q2")]),
    ]


def test_hide_reasoning_is_a_prompt_argument_not_an_option():
    model = Recorder()
    response = model.prompt("x", hide_reasoning=True)
    assert response.prompt.hide_reasoning is True
    assert model.prompt("x").prompt.hide_reasoning is False


def test_prompt_json_set_on_the_response_is_logged(tmp_path):
    class Recording(llm.Model):
        model_id = "recording"

        def execute(self, prompt, stream, response, conversation):
            response._prompt_json = {"messages": [{"role": "user", "content": prompt.prompt}]}
            yield "hi"

    response = Recording().prompt("hello")
    response.text()
    db = sqlite3.connect(str(tmp_path / "logs.db"))
    migrate(db)
    response.log_to_db(db)
    [(prompt_json,)] = db.execute("select prompt_json from responses").fetchall()
    assert json.loads(prompt_json) == {"messages": [{"role": "user", "content": "hello"}]}


@pytest.mark.asyncio
async def test_async_conversation_history():
    class AsyncRecorder(llm.AsyncModel):
        model_id = "arecorder"
        seen = []

        async def execute(self, prompt, stream, response, conversation):
            self.seen.append(prompt.messages)
            yield "answer"

    model = AsyncRecorder()
    conversation = model.conversation()
    await (await conversation.prompt("one")).text()
    await (await conversation.prompt("two")).text()
    assert roles(model.seen[1]) == [("user", ["TextPart"]), ("assistant", ["TextPart"]), ("user", ["TextPart"])]
