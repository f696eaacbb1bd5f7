"""Server-side tools: subclassed by model plugins, run by the provider (PLUGINS.md §2)."""

from __future__ import annotations

import json
import sqlite3

import llm
import pytest
from llm.migrations import migrate
from llm.models import _partition_tools


class WebSearch(llm.ServerSideTool):
    name = "web_search"

    def __init__(self, max_uses=None):
        super().__init__()
        self.max_uses = max_uses

    def tool_spec(self, model):
        spec = {"type": "web_search", "model": model.model_id}
        if self.max_uses:
            spec["max_uses"] = self.max_uses
        return spec

    def prepare_request(self, model, kwargs):
        kwargs.setdefault("betas", []).append("search-beta")


class CodeRunner(llm.ServerSideTool):
    name = "code"

    def tool_spec(self, model):
        return {"type": "code"}


class Provider(llm.Model):
    """Builds its request the way llm-anthropic and llm-gemini do, and records it."""

    model_id = "provider"
    supports_tools = True

    def __init__(self):
        self.requests = []

    @property
    def supported_server_side_tools(self):
        return (WebSearch,)

    def execute(self, prompt, stream, response, conversation):
        function_tools, server_tools = _partition_tools(self, prompt.tools)
        request = {"tools": [t.tool_spec(self) for t in server_tools] + [{"name": t.name} for t in function_tools]}
        for tool in server_tools:
            tool.prepare_request(self, request)
        self.requests.append(request)
        if not prompt.tool_results:
            yield llm.parts.StreamEvent("tool_call_name", "web_search", tool_call_id="srv1", server_executed=True)
            yield llm.parts.StreamEvent("tool_result", "[results]", tool_call_id="srv1", server_executed=True,
                                        tool_name="web_search")
            response.add_tool_call(llm.ToolCall(name="local", arguments={}, tool_call_id="c1"))
        yield "done"


def local() -> str:
    return "local result"


def test_partition_splits_function_and_server_side_tools():
    model = Provider()
    search = WebSearch(max_uses=2)
    tool = llm.Tool.function(local)
    assert _partition_tools(model, [search, tool]) == ([tool], [search])


def test_unsupported_server_side_tool_is_a_value_error():
    with pytest.raises(ValueError, match="Model provider does not support server-side tool code"):
        _partition_tools(Provider(), [CodeRunner()])
    # A model that lists none supports none.
    with pytest.raises(ValueError, match="does not support server-side tool web_search"):
        _partition_tools(llm.get_model("gpt-4o-mini"), [WebSearch()])


def test_server_side_tool_base_class():
    tool = llm.ServerSideTool()
    assert (tool.name, tool.plugin) == ("", None)
    with pytest.raises(NotImplementedError):
        tool.tool_spec(Provider())
    kwargs = {"a": 1}
    assert tool.prepare_request(Provider(), kwargs) is None and kwargs == {"a": 1}


def test_prompt_carries_server_side_tools_to_the_model():
    model = Provider()
    response = model.prompt("search", tools=[WebSearch(max_uses=1), local])
    assert response.text() == "done"
    assert model.requests == [{
        "tools": [{"type": "web_search", "model": "provider", "max_uses": 1}, {"name": "local"}],
        "betas": ["search-beta"],
    }]
    assert [type(t).__name__ for t in response.prompt.tools] == ["WebSearch", "Tool"]


def test_chain_runs_only_the_local_tool():
    model = Provider()
    chain = model.chain("search", tools=[WebSearch(), local])
    assert chain.text() == "donedone"
    first, second = chain._responses
    assert [c.name for c in first.tool_calls()] == ["local"]
    assert [(r.name, r.output) for r in second.prompt.tool_results] == [("local", "local result")]
    parts = [type(p).__name__ for m in first.messages() for p in m.parts]
    assert parts == ["ToolCallPart", "ToolResultPart", "ToolCallPart", "TextPart"]
    server_call = first.messages()[0].parts[0]
    assert (server_call.name, server_call.server_executed) == ("web_search", True)


def test_logging_a_response_with_server_side_tools(tmp_path):
    model = Provider()
    response = model.prompt("search", tools=[WebSearch(), local])
    response.text()
    db = sqlite3.connect(str(tmp_path / "logs.db"))
    migrate(db)
    response.log_to_db(db)
    rows = db.execute("select tools.name from tool_responses join tools on tools.id = tool_responses.tool_id").fetchall()
    assert rows == [("local",)]
    [(arguments,)] = db.execute("select arguments from tool_calls").fetchall()
    assert json.loads(arguments) == {}


def test_tool_function_takes_a_description():
    def fixed_version() -> str:
        "The docstring"
        return "0.1"

    tool = llm.Tool.function(fixed_version, name="fixed", description="Return a fixed version")
    assert (tool.name, tool.description) == ("fixed", "Return a fixed version")
    assert llm.Tool.function(fixed_version).description == "The docstring"
