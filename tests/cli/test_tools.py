"""Tools on the command line: ``llm tools``, ``-T``, ``--functions``, ``--td``, ``--ta``,
``--cl``, ``-c`` with tools, ``--json``, ``-d``."""

from __future__ import annotations

import json

import click
import llm
import pytest
from cli.conftest_tools import Counter, registered_tools_plugin, upper
from llmio_cli.tooling import ToolSpec, load_functions, parse_tool_spec, resolve_tools
from support.cli import invoke, rows


@pytest.fixture
def tools_plugin():
    with registered_tools_plugin() as plugin:
        yield plugin


PLUGIN = "llm-tools-fixtures"


def script(*calls, then=(), say=None):
    data = {
        "tool_calls": [
            {"name": name, "arguments": arguments, "id": call_id}
            for name, arguments, call_id in calls
        ]
    }
    if then:
        data["then"] = [[{"name": n, "arguments": a, "id": i} for n, a, i in turn] for turn in then]
    if say:
        data["say"] = say
    return json.dumps(data)


# ---------------------------------------------------------------- parsing -T


@pytest.mark.parametrize(
    "spec,expected",
    [
        ("upper", ToolSpec("upper")),
        ("Counter()", ToolSpec("Counter", has_arguments=True)),
        ("Counter(5)", ToolSpec("Counter", [5], {}, True)),
        ("Counter(5, step=2)", ToolSpec("Counter", [5], {"step": 2}, True)),
        ('Files("/tmp", True, None)', ToolSpec("Files", ["/tmp", True, None], {}, True)),
        ('Files("/tmp", true, null)', ToolSpec("Files", ["/tmp", True, None], {}, True)),
        (
            'Counter({"start": 3, "step": 4})',
            ToolSpec("Counter", [], {"start": 3, "step": 4}, True),
        ),
        (
            "Datasette('https://example.com/db', {'a': [1, 2]})",
            ToolSpec("Datasette", ["https://example.com/db", {"a": [1, 2]}], {}, True),
        ),
    ],
)
def test_parse_tool_spec(spec, expected):
    assert parse_tool_spec(spec) == expected


@pytest.mark.parametrize(
    "spec,message",
    [
        (
            "Counter(__import__('os').system('echo hi'))",
            "Could not parse tool arguments (__import__('os').system('echo hi')): use JSON or Python literals",
        ),
        ("not a name", "Invalid tool: 'not a name' (use NAME or 'Toolbox(arguments)')"),
        (
            "Counter(**{'a': 1})",
            "Could not parse tool arguments (**{'a': 1}): use JSON or Python literals",
        ),
    ],
)
def test_parse_tool_spec_refuses_code(spec, message):
    with pytest.raises(click.ClickException) as info:
        parse_tool_spec(spec)
    assert info.value.message == message


# ---------------------------------------------------------------- resolving tools


def test_resolve_plugin_tools_and_toolboxes(tools_plugin):
    tools = resolve_tools(["upper", "Counter(5, step=2)", "upper"])
    assert len(tools) == 2
    assert isinstance(tools[0], llm.Tool)
    assert (tools[0].name, tools[0].plugin, tools[0].implementation) == ("upper", PLUGIN, upper)
    assert isinstance(tools[1], Counter)
    assert tools[1].config == {"start": 5, "step": 2}
    assert [t.name for t in tools[1].tools()] == ["Counter_increment", "Counter_read"]


def test_resolve_unknown_tools(tools_plugin):
    with pytest.raises(click.ClickException) as info:
        resolve_tools(["nope", "upper", "other"])
    assert (
        info.value.message
        == "Tools nope, other not found. Available tools: Counter, fail, llm_time, llm_version, upper"
    )
    with pytest.raises(click.ClickException) as info:
        resolve_tools(["upper(1)"])
    assert info.value.message == "Tool upper is a function, it takes no arguments"
    with pytest.raises(click.ClickException) as info:
        resolve_tools(["Counter(1, 2, 3)"])
    assert (
        info.value.message
        == "Could not create toolbox Counter: Counter.__init__() takes from 1 to 3 positional arguments but 4 were given"
    )


def test_functions_code_and_file(tmp_path, tools_plugin):
    code = "import os\nfrom os.path import join\n\ndef add(a: int, b: int) -> int:\n    'Add'\n    return a + b\n\ndef _private():\n    pass\n"
    path = tmp_path / "funcs.py"
    path.write_text("def double(x: int) -> int:\n    return x * 2\n")
    functions = load_functions([code, str(path)])
    assert [f.__name__ for f in functions] == ["add", "double"]
    tools = resolve_tools(["upper"], [code])
    assert [
        t.__name__ if callable(t) and not isinstance(t, llm.Tool) else t.name for t in tools
    ] == ["add", "upper"]


def test_functions_toolbox_is_available_to_dash_t():
    code = "import llm\nclass Box(llm.Toolbox):\n    def __init__(self, size: int):\n        self.size = size\n    def get_size(self) -> int:\n        return self.size\n"
    [box] = resolve_tools(["Box(3)"], [code])
    assert box.config == {"size": 3}
    assert [t.name for t in box.tools()] == ["Box_get_size"]


@pytest.mark.parametrize(
    "code,message",
    [
        (
            "def broken(:\n  pass",
            "Error in --functions code: SyntaxError: invalid syntax (<functions>, line 1)",
        ),
        ("raise RuntimeError('boom')", "Error in --functions code: RuntimeError: boom"),
        ("missing.py", "File not found: missing.py"),
    ],
)
def test_functions_errors(code, message):
    with pytest.raises(click.ClickException) as info:
        load_functions([code])
    assert info.value.message == message


# ---------------------------------------------------------------- llm tools


def test_tools_list(tools_plugin):
    result = invoke("tools")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"fail(message: str) -> str (plugin: {PLUGIN})\n\n  Always fails.\n\n"
        + BUILTIN_TOOLS_TEXT +
        f"upper(text: str) -> str (plugin: {PLUGIN})\n\n  Convert text to uppercase.\n\n"
        "Toolboxes:\n\n"
        f"Counter (plugin: {PLUGIN}):\n\n"
        "  Counts up from a start value.\n\n"
        "  Counter_increment() -> int\n    Add the step to the counter and return it\n"
        "  Counter_read() -> int\n    Return the counter\n"
    )
    assert invoke("tools", "list").output == result.output


def test_tools_list_json_and_functions(tools_plugin):
    code = "def add(a: int, b: int = 2) -> int:\n    '''Add two numbers.\n\n    Integers only.'''\n    return a + b\n"
    result = invoke("tools", "--json", "--functions", code)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["tools"] == [
        {
            "name": "add",
            "description": "Add two numbers.\n\nIntegers only.",
            "arguments": {
                "type": "object",
                # The default is part of the schema (it used to be left out).
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer", "default": 2}},
                "required": ["a"],
            },
            "plugin": None,
        },
        {
            "name": "fail",
            "description": "Always fails.",
            "arguments": {
                "type": "object",
                "properties": {"message": {"type": "string"}},
                "required": ["message"],
            },
            "plugin": PLUGIN,
        },
        *BUILTIN_TOOLS_JSON,
        {
            "name": "upper",
            "description": "Convert text to uppercase.",
            "arguments": {
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"],
            },
            "plugin": PLUGIN,
        },
    ]
    assert data["toolboxes"] == [
        {
            "name": "Counter",
            "description": "Counts up from a start value.",
            "plugin": PLUGIN,
            "tools": [
                {
                    "name": "Counter_increment",
                    "description": "Add the step to the counter and return it",
                    "arguments": {"type": "object", "properties": {}},
                },
                {
                    "name": "Counter_read",
                    "description": "Return the counter",
                    "arguments": {"type": "object", "properties": {}},
                },
            ],
        }
    ]
    text = invoke("tools", "--functions", code).output
    assert text.startswith(
        "add(a: int, b: int = 2) -> int\n\n  Add two numbers.\n\n  Integers only.\n\nfail("
    )


BUILTIN_TOOLS_TEXT = (
    "llm_time() -> dict (plugin: llm.default_plugins.default_tools)\n\n"
    "  Return the current date and time, in UTC and in the local time zone\n\n"
    "llm_version() -> str (plugin: llm.default_plugins.default_tools)\n\n"
    "  Return the installed version of llm\n\n"
)
BUILTIN_TOOLS_JSON = [
    {"name": "llm_time", "description": "Return the current date and time, in UTC and in the local time zone",
     "arguments": {"type": "object", "properties": {}}, "plugin": "llm.default_plugins.default_tools"},
    {"name": "llm_version", "description": "Return the installed version of llm",
     "arguments": {"type": "object", "properties": {}}, "plugin": "llm.default_plugins.default_tools"},
]


def test_tools_list_without_plugin_tools_has_the_built_in_ones():
    result = invoke("tools")
    assert (result.exit_code, result.stdout, result.stderr) == (0, BUILTIN_TOOLS_TEXT.rstrip("\n") + "\n", "")
    assert json.loads(invoke("tools", "--json").output) == {"tools": BUILTIN_TOOLS_JSON, "toolboxes": []}


def test_tools_list_without_tools(monkeypatch):
    monkeypatch.setattr(llm, "get_tools", lambda: {})
    result = invoke("tools")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "No tools found\n")
    assert json.loads(invoke("tools", "--json").output) == {"tools": [], "toolboxes": []}


def test_built_in_tools_in_a_chain(tools_plugin):
    """``-T llm_version`` runs the real tool (the scripted model asks for it)."""
    result = invoke("-m", "scripted", "-T", "llm_version", script(("llm_version", {}, "v1")))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"llm_version(v1): {llm.tools.llm_version()}\n"


# ---------------------------------------------------------------- llm prompt -T


UPPER_PANDA = script(("upper", {"text": "panda"}, "c1"))


def test_prompt_with_plugin_tool_runs_the_chain_and_logs_it(tools_plugin, user_path):
    result = invoke("-m", "scripted", "-T", "upper", UPPER_PANDA)
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("upper(c1): PANDA\n", "")
    prompts = tools_plugin.scripted.prompts
    assert [[t.name for t in p.tools] for p in prompts] == [["upper"], ["upper"]]
    assert [(r.name, r.output, r.tool_call_id) for r in prompts[1].tool_results] == [
        ("upper", "PANDA", "c1")
    ]

    db = user_path / "logs.db"
    responses = rows(
        db, "select id, prompt, response, conversation_id from responses order by rowid"
    )
    assert [(r["prompt"], r["response"]) for r in responses] == [
        (UPPER_PANDA, ""),
        (None, "upper(c1): PANDA"),
    ]
    assert len({r["conversation_id"] for r in responses}) == 1
    first, second = responses[0]["id"], responses[1]["id"]
    assert rows(db, "select id, name, description, input_schema, plugin from tools") == [
        {
            "id": 1,
            "name": "upper",
            "description": "Convert text to uppercase.",
            "input_schema": json.dumps(
                {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
            ),
            "plugin": PLUGIN,
        }
    ]
    assert rows(db, "select tool_id, response_id from tool_responses order by rowid") == [
        {"tool_id": 1, "response_id": first},
        {"tool_id": 1, "response_id": second},
    ]
    assert rows(
        db, "select response_id, tool_id, name, arguments, tool_call_id from tool_calls"
    ) == [
        {
            "response_id": first,
            "tool_id": 1,
            "name": "upper",
            "arguments": '{"text": "panda"}',
            "tool_call_id": "c1",
        }
    ]
    assert rows(
        db, "select response_id, tool_id, name, output, tool_call_id, exception from tool_results"
    ) == [
        {
            "response_id": second,
            "tool_id": 1,
            "name": "upper",
            "output": "PANDA",
            "tool_call_id": "c1",
            "exception": None,
        }
    ]


def test_tools_debug(tools_plugin):
    result = invoke(
        "-m",
        "scripted",
        "-T",
        "upper",
        "-T",
        "fail",
        "--td",
        script(("upper", {"text": "two\nlines"}, "c1"), ("fail", {"message": "boom"}, "c2")),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "upper(c1): TWO\nLINES\nfail(c2): Error: boom\n"
    assert result.stderr == (
        'Tool call: upper({"text": "two\\nlines"})\n  TWO\n  LINES\n'
        'Tool call: fail({"message": "boom"})\n  Error: boom\n'
    )


def test_tool_exception_is_logged(tools_plugin, user_path):
    invoke("-m", "scripted", "-T", "fail", script(("fail", {"message": "boom"}, "c1")))
    assert rows(user_path / "logs.db", "select output, exception from tool_results") == [
        {"output": "Error: boom", "exception": "ValueError: boom"}
    ]


@pytest.fixture
def tty_stdin(monkeypatch):
    """Standard input is a terminal: the prompt is not read from it, answers are."""
    monkeypatch.setattr("llmio_cli.prompting.stdin_is_tty", lambda: True)


def test_tools_approve(tools_plugin, tty_stdin, user_path):
    calls = script(("upper", {"text": "yes"}, "c1"), ("upper", {"text": "no"}, "c2"))
    result = invoke("-m", "scripted", "-T", "upper", "--ta", calls, input="y\nn\n")
    assert result.exit_code == 0, result.output
    assert (
        result.stdout
        == "upper(c1): YES\nupper(c2): Cancelled: The user did not approve this tool call\n"
    )
    # (CliRunner echoes the typed answers.)
    assert result.stderr == (
        'Tool call: upper({"text": "yes"})\nApprove tool call? [y/N]: y\n'
        'Tool call: upper({"text": "no"})\nApprove tool call? [y/N]: n\n'
    )
    assert rows(
        user_path / "logs.db", "select output, exception from tool_results order by id"
    ) == [
        {"output": "YES", "exception": None},
        {
            "output": "Cancelled: The user did not approve this tool call",
            "exception": "CancelToolCall: The user did not approve this tool call",
        },
    ]


def test_tools_approve_and_debug(tools_plugin, tty_stdin):
    result = invoke("-m", "scripted", "-T", "upper", "--ta", "--td", UPPER_PANDA, input="y\n")
    assert (
        result.stderr
        == 'Tool call: upper({"text": "panda"})\nApprove tool call? [y/N]: y\n  PANDA\n'
    )


def _forever(n):
    call = ("upper", {"text": "x"}, None)
    return script(call, then=[[call]] * n)


@pytest.mark.parametrize(
    "args,responses", [([], 5), (["--cl", "2"], 2), (["--chain-limit", "0"], 8)]
)
def test_chain_limit(tools_plugin, user_path, args, responses):
    result = invoke("-m", "scripted", "-T", "upper", *args, _forever(6))
    assert result.exit_code == 0, result.output
    assert len(rows(user_path / "logs.db", "select id from responses")) == responses
    assert len(tools_plugin.scripted.prompts) == responses


def test_functions_option(tools_plugin, tmp_path, user_path):
    code = "def add(a: int, b: int) -> int:\n    'Add two numbers'\n    return a + b\n"
    result = invoke("-m", "scripted", "--functions", code, script(("add", {"a": 1, "b": 2}, "c1")))
    assert result.exit_code == 0, result.output
    assert result.stdout == "add(c1): 3\n"
    assert rows(user_path / "logs.db", "select name, description, plugin from tools") == [
        {"name": "add", "description": "Add two numbers", "plugin": None}
    ]
    path = tmp_path / "tools.py"
    path.write_text(code)
    again = invoke("-m", "scripted", "--functions", str(path), script(("add", {"a": 2, "b": 2}, "c2")))
    assert again.stdout == "add(c2): 4\n"
    # Same function, same hash: stored once.
    assert len(rows(user_path / "logs.db", "select id from tools")) == 1


def test_toolbox_with_arguments_and_continuation(tools_plugin, user_path):
    first = invoke(
        "-m",
        "scripted",
        "-T",
        "Counter(5, step=2)",
        script(("Counter_increment", {}, "c1"), ("Counter_increment", {}, "c2")),
    )
    assert first.exit_code == 0, first.output
    assert first.stdout == "Counter_increment(c1): 7\nCounter_increment(c2): 9\n"
    db = user_path / "logs.db"
    assert rows(db, "select id, plugin, name, arguments from tool_instances") == [
        {"id": 1, "plugin": PLUGIN, "name": "Counter", "arguments": '{"start": 5, "step": 2}'}
    ]
    assert [r["instance_id"] for r in rows(db, "select instance_id from tool_results")] == [1, 1]
    # -c rebuilds the toolbox from its logged arguments: a new instance, same configuration.
    second = invoke("-c", script(("Counter_read", {}, "c3"), ("Counter_increment", {}, "c4")))
    assert second.exit_code == 0, second.output
    assert second.stdout == "Counter_read(c3): 5\nCounter_increment(c4): 7\n"


def test_continue_conversation_reattaches_tools(tools_plugin, user_path):
    assert invoke("-m", "scripted", "-T", "upper", UPPER_PANDA).exit_code == 0
    result = invoke("-c", script(("upper", {"text": "again"}, "c2")))
    assert result.exit_code == 0, result.output
    assert result.stdout == "upper(c2): AGAIN\n"
    responses = rows(user_path / "logs.db", "select conversation_id from responses")
    assert len(responses) == 4 and len({r["conversation_id"] for r in responses}) == 1
    last_prompt = tools_plugin.scripted.prompts[-1]
    assert [t.name for t in last_prompt.tools] == ["upper"]
    # The model saw the whole history, tool calls and results included.
    assert [(r.name, r.output) for r in last_prompt.tool_results] == [("upper", "AGAIN")]


def test_continue_with_cid_and_functions(tools_plugin, user_path):
    code = "def add(a: int, b: int) -> int:\n    return a + b\n"
    invoke("-m", "scripted", "--functions", code, script(("add", {"a": 1, "b": 1}, "c1")))
    invoke("-m", "scripted", "other conversation")
    cid = rows(user_path / "logs.db", "select conversation_id from responses order by rowid")[0][
        "conversation_id"
    ]
    # Without --functions the implementation cannot be found: a warning, no tools.
    missing = invoke("--cid", cid, "no tools")
    assert (
        missing.stderr == "Warning: tool add, used earlier in this conversation, is not available\n"
    )
    assert json.loads(missing.stdout)["tools"] == []
    found = invoke("--cid", cid, "--functions", code, script(("add", {"a": 3, "b": 3}, "c3")))
    assert found.stdout == "add(c3): 6\n"


def test_unknown_tool_is_an_error(tools_plugin, user_path):
    result = invoke("-m", "scripted", "-T", "nope", "hi")
    assert (result.exit_code, result.output) == (
        1,
        "Error: Tool nope not found. Available tools: Counter, fail, llm_time, llm_version, upper\n",
    )
    assert not (user_path / "logs.db").exists()


def test_prompt_json_output(tools_plugin):
    result = invoke("-m", "scripted", "-T", "upper", "--json", UPPER_PANDA)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "scripted"
    assert data["prompt"] is None
    assert data["text"] == "upper(c1): PANDA"
    assert data["tool_results"] == [{"name": "upper", "output": "PANDA", "tool_call_id": "c1"}]
    [earlier] = data["conversation"]["responses"]
    assert earlier["prompt"] == UPPER_PANDA
    assert earlier["tool_calls"] == [
        {"name": "upper", "arguments": {"text": "panda"}, "tool_call_id": "c1"}
    ]
    rebuilt = llm.Response.from_dict(data)
    assert rebuilt.text() == "upper(c1): PANDA"


def test_prompt_json_without_tools(tools_plugin):
    result = invoke("-m", "scripted", "--json", "plain")
    data = json.loads(result.stdout)
    assert json.loads(data["text"])["prompt"] == "plain"
    assert data["conversation"]["responses"] == []


def test_database_option(tools_plugin, tmp_path, user_path):
    other = tmp_path / "other.db"
    result = invoke("-m", "scripted", "-T", "upper", "-d", str(other), UPPER_PANDA)
    assert result.exit_code == 0, result.output
    assert not (user_path / "logs.db").exists()
    assert len(rows(other, "select id from responses")) == 2
    plain = invoke("-m", "scripted", "-d", str(other), "no tools")
    assert plain.exit_code == 0, plain.output
    assert len(rows(other, "select id from responses")) == 3
    # -c reads the conversation from the same database.
    again = invoke("-c", "-d", str(other), script(("upper", {"text": "x"}, "c9")))
    assert again.exit_code == 0, again.output
    assert not (user_path / "logs.db").exists()


def test_no_log_with_tools(tools_plugin, user_path):
    result = invoke("-m", "scripted", "-T", "upper", "-n", UPPER_PANDA)
    assert result.stdout == "upper(c1): PANDA\n"
    assert not (user_path / "logs.db").exists()


def test_tools_usage_is_summed(tools_plugin):
    result = invoke("-m", "scripted", "-T", "upper", "-u", UPPER_PANDA)
    # Turn one: 8 words of prompt; turn two: one tool result. One output token each.
    assert result.stderr == "Token usage: 9 input, 2 output\n"


def test_tools_with_extract(tools_plugin):
    result = invoke(
        "-m", "scripted", "-T", "upper", "-x", script(("upper", {"text": "\n```\ncode\n```"}, "c1"))
    )
    assert result.stdout == "CODE\n"


def test_template_with_tools_and_functions(tools_plugin, user_path):
    templates = user_path / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "t.yaml").write_text(
        "model: scripted\ntools:\n- upper\nfunctions: |\n  def add(a: int, b: int) -> int:\n      return a + b\n"
    )
    result = invoke("-t", "t", script(("upper", {"text": "a"}, "c1"), ("add", {"a": 1, "b": 2}, "c2")))
    assert result.exit_code == 0, result.output
    assert result.stdout == "upper(c1): A\nadd(c2): 3\n"


# ---------------------------------------------------------------- llm chat -T


def test_chat_with_tools(tools_plugin, user_path):
    result = invoke(
        "chat",
        "-m",
        "scripted",
        "-T",
        "upper",
        "--td",
        input=UPPER_PANDA + "\n" + script(("upper", {"text": "b"}, "c2")) + "\nquit\n",
    )
    assert result.exit_code == 0, result.output
    assert "upper(c1): PANDA\n" in result.stdout
    assert "upper(c2): B\n" in result.stdout
    assert (
        result.stderr
        == 'Tool call: upper({"text": "panda"})\n  PANDA\nTool call: upper({"text": "b"})\n  B\n'
    )
    responses = rows(user_path / "logs.db", "select conversation_id from responses")
    assert len(responses) == 4 and len({r["conversation_id"] for r in responses}) == 1


def test_chat_continue_reattaches_tools(tools_plugin, user_path):
    invoke("-m", "scripted", "-T", "upper", UPPER_PANDA)
    result = invoke("chat", "-c", input=script(("upper", {"text": "c"}, "c3")) + "\nquit\n")
    assert result.exit_code == 0, result.output
    assert "upper(c3): C\n" in result.stdout


def test_model_without_tool_support(tools_plugin, fixtures, user_path):
    result = invoke("-m", "mock", "-T", "upper", "hi")
    assert (result.exit_code, result.output) == (1, "Error: Model mock does not support tools\n")
    assert fixtures.mock.history == []


def test_async_chain(tools_plugin, user_path):
    result = invoke("-m", "scripted", "--async", "-T", "upper", "--td", UPPER_PANDA)
    assert result.exit_code == 0, result.output
    assert result.stdout == "upper(c1): PANDA\n"
    assert result.stderr == 'Tool call: upper({"text": "panda"})\n  PANDA\n'
    assert tools_plugin.scripted.prompts == []
    assert len(tools_plugin.async_scripted.prompts) == 2
    db = user_path / "logs.db"
    assert rows(db, "select name, arguments, tool_call_id from tool_calls") == [
        {"name": "upper", "arguments": '{"text": "panda"}', "tool_call_id": "c1"}
    ]
    assert rows(db, "select name, output, tool_call_id from tool_results") == [
        {"name": "upper", "output": "PANDA", "tool_call_id": "c1"}
    ]


def test_ctrl_c_in_a_tool_keeps_what_completed(tools_plugin, user_path):
    code = "def stop() -> str:\n    raise KeyboardInterrupt\n"
    result = invoke(
        "-m", "scripted", "--functions", code, script(("stop", {}, "c1"), say="Working on it")
    )
    assert result.exit_code == 130
    assert result.stdout == "Working on it\n"
    # The response that asked for the tool is logged; no result was produced.
    assert [
        r["response"] for r in rows(user_path / "logs.db", "select response from responses")
    ] == ["Working on it"]
    assert rows(user_path / "logs.db", "select * from tool_results") == []


def test_pause_chain_in_a_tool(tools_plugin, user_path):
    code = "import llm\ndef wait() -> str:\n    raise llm.PauseChain('needs approval')\n"
    result = invoke("-m", "scripted", "--functions", code, script(("wait", {}, "c1")))
    assert (result.exit_code, result.stderr) == (1, "Error: Chain paused: needs approval\n")
    assert len(rows(user_path / "logs.db", "select id from responses")) == 1


def test_save_template_with_tools_fragments_functions_and_schema(tools_plugin, tmp_path, user_path):
    import yaml

    doc = tmp_path / "doc.txt"
    doc.write_text("Doc.")
    code = "def add(a: int, b: int) -> int:\n    return a + b\n"
    result = invoke(
        "-m",
        "scripted",
        "-T",
        "upper",
        "--functions",
        code,
        "-f",
        str(doc),
        "-f",
        "shout:x",
        "--sf",
        "shout:s",
        "--schema",
        "name",
        "--save",
        "kit",
    )
    assert (result.exit_code, result.output) == (0, "")
    saved = yaml.safe_load((user_path / "templates" / "kit.yaml").read_text())
    assert saved == {
        "model": "scripted",
        "fragments": [str(doc), "shout:x"],
        "system_fragments": ["shout:s"],
        "tools": ["upper"],
        "functions": code,
        "schema_object": llm.schema_dsl("name"),
    }
    used = invoke("-t", "kit", script(("upper", {"text": "a"}, "c1"), ("add", {"a": 1, "b": 1}, "c2")))
    assert used.exit_code == 0, used.output
    assert used.stdout == "upper(c1): A\nadd(c2): 2\n"
    prompt = tools_plugin.scripted.prompts[0]
    assert [str(f) for f in prompt.fragments] == ["Doc.", "X"]
    assert prompt.schema == llm.schema_dsl("name")
    stdin = invoke("-m", "scripted", "-f", "-", "--save", "nope", input="x")
    assert stdin.output == "Error: --save cannot store a fragment read from standard input\n"


def test_chat_tools_approve(tools_plugin, monkeypatch, user_path):
    # No terminal to ask on: the answers come from standard input, between the messages.
    monkeypatch.setattr("llmio_cli.tooling._ask_terminal", lambda question: None)
    calls = script(("upper", {"text": "ok"}, "c1"), ("upper", {"text": "no"}, "c2"))
    result = invoke("chat", "-m", "scripted", "-T", "upper", "--ta", input=calls + "\ny\nn\nquit\n")
    assert result.exit_code == 0, result.output
    assert (
        "upper(c1): OK\nupper(c2): Cancelled: The user did not approve this tool call\n"
        in result.stdout
    )
    assert result.stderr == (
        'Tool call: upper({"text": "ok"})\nApprove tool call? [y/N]: y\n'
        'Tool call: upper({"text": "no"})\nApprove tool call? [y/N]: n\n'
    )


def test_approve_asks_on_the_terminal_when_stdin_is_piped(tools_plugin, monkeypatch):
    asked = []
    monkeypatch.setattr(
        "llmio_cli.tooling._ask_terminal", lambda question: asked.append(question) or "yes\n"
    )
    result = invoke("-m", "scripted", "-T", "upper", "--ta", input=UPPER_PANDA)
    assert result.exit_code == 0, result.output
    assert result.stdout == "upper(c1): PANDA\n"
    assert asked == ["Approve tool call? [y/N]: "]


def test_chain_limit_must_not_be_negative(tools_plugin):
    result = invoke("-m", "scripted", "--cl", "-1", "hi")
    assert result.exit_code == 2
    assert (
        "Invalid value for '--cl' / '--chain-limit': -1 is not in the range x>=0." in result.output
    )


def test_continue_rebuilds_toolbox_with_underscore_in_its_name(tools_plugin, user_path):
    code = (
        "import llm\n"
        "class My_Box(llm.Toolbox):\n"
        "    def __init__(self, label: str = 'default'):\n"
        "        self.label = label\n"
        "    def show_label(self) -> str:\n"
        "        return self.label\n"
    )
    first = invoke(
        "-m",
        "scripted",
        "--functions",
        code,
        "-T",
        "My_Box('mine')",
        script(("My_Box_show_label", {}, "c1")),
    )
    assert first.stdout == "My_Box_show_label(c1): mine\n"
    again = invoke("-c", "--functions", code, script(("My_Box_show_label", {}, "c2")))
    assert again.stdout == "My_Box_show_label(c2): mine\n"


def test_parse_tool_spec_refuses_expressions():
    with pytest.raises(click.ClickException) as info:
        parse_tool_spec("Counter(1) or (2)")
    assert (
        info.value.message
        == "Could not parse tool arguments (1) or (2): use JSON or Python literals"
    )


def test_async_json_output(tools_plugin):
    result = invoke("-m", "scripted", "--async", "-T", "upper", "--json", UPPER_PANDA)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["text"] == "upper(c1): PANDA"
    assert [r["prompt"] for r in data["conversation"]["responses"]] == [UPPER_PANDA]
