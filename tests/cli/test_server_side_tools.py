"""Server-side tools on the command line: ``-T WebSearch``, ``llm tools list -m MODEL``.

Provider plugins document ``llm -m claude-... -T 'WebSearch(max_uses=2)'`` and
``llm tools list -m gemini-...``: a server-side tool is named with ``-T`` like a
toolbox, among the classes the chosen model supports.
"""

from __future__ import annotations

import json
from typing import Optional

import llm
import pytest
from click.testing import CliRunner
from llmio_cli.app import cli


class WebSearch(llm.ServerSideTool):
    """Search the web on the provider's side."""

    name = "web_search"
    plugin = "llm-searcher"

    def __init__(self, max_uses: Optional[int] = None):
        super().__init__()
        if max_uses is not None and max_uses < 1:
            raise ValueError("max_uses must be a positive integer")
        self.max_uses = max_uses

    def tool_spec(self, model):
        return {"type": "web_search", "max_uses": self.max_uses}


class Searcher(llm.Model):
    model_id = "searcher"
    supports_tools = True
    supported_server_side_tools = (WebSearch, llm.ServerSideTool)

    def execute(self, prompt, stream, response, conversation):
        from llm.models import _partition_tools

        functions, server = _partition_tools(self, prompt.tools)
        yield json.dumps({"server": [t.tool_spec(self) for t in server], "functions": [t.name for t in functions]})


class Plain(llm.Model):
    model_id = "plain"

    def execute(self, prompt, stream, response, conversation):
        yield "plain"


class Plugin:
    __name__ = "llm-searcher"

    @llm.hookimpl
    def register_models(self, register):
        register(Searcher())
        register(Plain())


@pytest.fixture(autouse=True)
def searcher():
    from llm.plugins import pm

    pm.register(Plugin(), name="llm-searcher")
    yield
    pm.unregister(name="llm-searcher")


def run(*args):
    return CliRunner().invoke(cli, list(args), prog_name="llm")


def test_dash_t_names_a_server_side_tool_of_the_model():
    result = run("-m", "searcher", "-T", "WebSearch(max_uses=2)", "-T", "llm_version", "find it", "--no-log")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"server": [{"type": "web_search", "max_uses": 2}],
                                         "functions": ["llm_version"]}
    plain = run("-m", "searcher", "-T", "WebSearch", "hi", "--no-log")
    assert json.loads(plain.output)["server"] == [{"type": "web_search", "max_uses": None}]


def test_bad_arguments_and_unsupported_models_are_one_line_errors():
    bad = run("-m", "searcher", "-T", "WebSearch(max_uses=0)", "hi", "--no-log")
    assert (bad.exit_code, bad.output) == (
        1, "Error: Could not create server-side tool WebSearch: max_uses must be a positive integer\n")
    unknown = run("-m", "plain", "-T", "WebSearch", "hi", "--no-log")
    assert unknown.exit_code == 1
    assert unknown.output.startswith("Error: Tool WebSearch not found. Available tools: llm_time, llm_version")


def test_tools_list_with_a_model_shows_its_server_side_tools():
    result = run("tools", "list", "-m", "searcher")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "Server-side tools for searcher (run by the provider):\n\n"
        "WebSearch(max_uses: Optional[int] = None) (plugin: llm-searcher)\n\n"
        "  Search the web on the provider's side.\n"
    )
    data = json.loads(run("tools", "list", "-m", "searcher", "--json").output)
    assert data["server_side_tools"] == [{"name": "WebSearch", "tool_name": "web_search",
                                          "description": "Search the web on the provider's side.",
                                          "plugin": "llm-searcher"}]
    assert "server_side_tools" not in json.loads(run("tools", "list", "--json").output)
    assert "Server-side" not in run("tools", "list", "-m", "plain").output


def test_tools_list_with_an_unknown_model():
    result = run("tools", "list", "-m", "nope")
    assert (result.exit_code, result.output) == (1, "Error: Unknown model: nope\n")
