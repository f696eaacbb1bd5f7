"""``llm.logs.LogStore`` and ``llm.migrations.migrate``, used the way plugins' tests use them."""

from __future__ import annotations

import datetime

import llm
import pytest
from llm.logs import LogStore
from llm.migrations import migrate
from llm.parts import Message, StreamEvent, TextPart, ToolCallPart, ToolResultPart


class Tick(llm.Model):
    model_id = "tick-model"
    supports_tools = True

    def execute(self, prompt, stream, response, conversation):
        if not prompt.tool_results:
            response.add_tool_call(llm.ToolCall(name="tick", arguments={}, tool_call_id="c1"))
            return
        yield "final answer"


@pytest.fixture
def tick_model(register_plugin):
    model = Tick()

    class Plugin:
        @llm.hookimpl
        def register_models(self, register):
            register(model)

    register_plugin(Plugin(), "tick-plugin")
    return model


def tick() -> str:
    return "tock"


EXPECTED = [
    Message("user", [TextPart("q1")]),
    Message("assistant", [ToolCallPart("tick", {}, "c1")]),
    Message("tool", [ToolResultPart("tick", "tock", "c1")]),
    Message("assistant", [TextPart("final answer")]),
]


def test_log_store_logs_and_reads_a_conversation_back(tick_model, tmp_path):
    chain = tick_model.chain("q1", tools=[tick])
    assert chain.text() == "final answer"
    store = LogStore(str(tmp_path / "logs.db"))
    first_id = store.log(chain._responses[0])
    assert first_id == chain._responses[0].id
    store.log(chain._responses[1])
    conversation_id = chain._responses[0].conversation.id
    assert store.thread_messages(conversation_id) == EXPECTED
    assert store.conversation_messages() == EXPECTED  # the latest conversation
    assert [r.id for r in store.conversation(conversation_id).responses] == [r.id for r in chain._responses]
    with pytest.raises(KeyError):
        store.conversation_messages("no-such-conversation")
    store.close()


def test_hand_built_responses_logged_with_sqlite_utils_continue(tick_model, tmp_path):
    """llm-anthropic's regression test for ``llm -c`` after a logged tool chain."""
    sqlite_utils = pytest.importorskip("sqlite_utils")
    from llm.cli import load_conversation

    tool = llm.Tool.function(tick, name="tick")
    conversation = tick_model.conversation()

    def mark_done(response):
        response._done = True
        response._start = 0.0
        response._end = 0.0
        response._start_utcnow = datetime.datetime.now(datetime.timezone.utc)

    first = llm.Response(llm.Prompt("q1", model=tick_model, tools=[tool], options=tick_model.Options()),
                         tick_model, stream=False, conversation=conversation)
    first.add_tool_call(llm.ToolCall(name="tick", arguments={}, tool_call_id="c1"))
    mark_done(first)
    second_chain = [
        llm.user("q1"),
        llm.Message(role="assistant", parts=[ToolCallPart(name="tick", arguments={}, tool_call_id="c1")]),
        llm.Message(role="tool", parts=[ToolResultPart(name="tick", output="tock", tool_call_id="c1")]),
    ]
    second = llm.Response(
        llm.Prompt("", model=tick_model, tools=[tool],
                   tool_results=[llm.ToolResult(name="tick", output="tock", tool_call_id="c1")],
                   messages=second_chain, options=tick_model.Options()),
        tick_model, stream=False, conversation=conversation)
    second._chunks = ["final answer"]
    second._stream_events = [llm.parts.StreamEvent(type="text", chunk="final answer")]
    mark_done(second)
    assert second.prompt.messages == second_chain

    db = sqlite_utils.Database(str(tmp_path / "logs.db"))
    migrate(db)
    first.log_to_db(db)
    conversation.responses.append(first)
    second.log_to_db(db)
    conversation.responses.append(second)

    loaded = load_conversation(None, database=str(tmp_path / "logs.db"))
    follow_up = loaded.prompt("q2")
    assert follow_up.prompt.messages == [*EXPECTED, Message("user", [TextPart("q2")])]


def test_migrate_accepts_a_sqlite_utils_database_in_memory():
    sqlite_utils = pytest.importorskip("sqlite_utils")
    db = sqlite_utils.Database(memory=True)
    migrate(db)
    assert {"conversations", "responses", "tool_calls", "tool_results"} <= set(db.table_names())
    assert isinstance(StreamEvent("text").to_dict(), dict)
