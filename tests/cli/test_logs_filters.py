"""``llm logs`` filters and output for tools, fragments and schemas:
``-T/--tool``, ``--tools``, ``-f``, ``--schema``, ``--schema-multi``, ``--data``,
``--data-key``, ``--data-array``, ``--data-ids``, ``-e/--expand``."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import llm
import pytest
from cli.conftest_tools import registered_tools_plugin
from support.cli import invoke


@pytest.fixture
def tools_plugin():
    with registered_tools_plugin() as plugin:
        yield plugin


DOG_DSL = "name, age int"
DOG = llm.schema_dsl(DOG_DSL)
UPPER_PANDA = json.dumps(
    {"tool_calls": [{"name": "upper", "arguments": {"text": "panda"}, "id": "c1"}]}
)


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def say(value):
    return json.dumps({"say": json.dumps(value)})


@pytest.fixture
def logged(tools_plugin, user_path):
    """Six responses: a tool chain (2), one with fragments, one with a schema,
    one with a multi schema, one plain. Returns their rows in order."""
    for args in (
        ["-T", "upper", UPPER_PANDA],
        ["-f", "shout:ctx", "--sf", "shout:sys", "with fragments"],
        ["--schema", DOG_DSL, say({"name": "Cleo", "age": 3})],
        [
            "--schema-multi",
            DOG_DSL,
            say({"items": [{"name": "A", "age": 1}, {"name": "B", "age": 2}]}),
        ],
        ["plain"],
    ):
        result = invoke("-m", "scripted", *args)
        assert result.exit_code == 0, result.output
    conn = sqlite3.connect(user_path / "logs.db")
    conn.row_factory = sqlite3.Row
    try:
        return [
            dict(r)
            for r in conn.execute(
                "select id, conversation_id, datetime_utc from responses order by rowid"
            )
        ]
    finally:
        conn.close()


def ids(result):
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.output)]


def test_tool_filters(logged):
    chain = [logged[0]["id"], logged[1]["id"]]
    assert ids(invoke("logs", "-T", "upper", "--json")) == chain
    assert ids(invoke("logs", "--tools", "--json", "-n", "0")) == chain
    assert ids(invoke("logs", "-T", "fail", "--json")) == []
    assert ids(invoke("logs", "-T", "upper", "-T", "fail", "--json")) == []
    assert ids(invoke("logs", "--tools", "-m", "scripted", "-n", "1", "--json")) == chain[1:]


def test_fragment_filters(logged, tools_plugin):
    with_fragments = [logged[2]["id"]]
    assert ids(invoke("logs", "-f", "shout:ctx", "--json")) == with_fragments
    assert ids(invoke("logs", "-f", sha("CTX"), "--json")) == with_fragments
    # System fragments count too.
    assert ids(invoke("logs", "-f", "shout:sys", "--json")) == with_fragments
    assert invoke("fragments", "set", "ctx", sha("CTX")).exit_code == 0
    assert ids(invoke("logs", "-f", "ctx", "--json")) == with_fragments
    assert ids(invoke("logs", "-f", "shout:other", "--json")) == []
    missing = invoke("logs", "-f", "no-such-alias")
    assert (missing.exit_code, missing.output) == (1, "Error: Fragment 'no-such-alias' not found\n")


def test_schema_filters_and_data(logged):
    assert ids(invoke("logs", "--schema", DOG_DSL, "--json")) == [logged[3]["id"]]
    assert ids(invoke("logs", "--schema", json.dumps(DOG), "--json")) == [logged[3]["id"]]
    assert ids(invoke("logs", "--schema-multi", DOG_DSL, "--json")) == [logged[4]["id"]]
    from llm.schemas import multi_schema, schema_id

    assert ids(invoke("logs", "--schema", schema_id(multi_schema(DOG)), "--json")) == [logged[4]["id"]]

    assert invoke("logs", "--schema", DOG_DSL, "--data").output == '{"name": "Cleo", "age": 3}\n'
    # --schema-multi data is the items of the "items" array.
    assert invoke("logs", "--schema-multi", DOG_DSL, "--data").output == (
        '{"name": "A", "age": 1}\n{"name": "B", "age": 2}\n'
    )
    # Without a schema filter: every response to a prompt with a schema (not the others).
    assert invoke("logs", "--data").output == (
        '{"name": "Cleo", "age": 3}\n{"items": [{"name": "A", "age": 1}, {"name": "B", "age": 2}]}\n'
    )
    assert (
        invoke("logs", "--data-key", "items").output
        == '{"name": "A", "age": 1}\n{"name": "B", "age": 2}\n'
    )
    array = invoke("logs", "--schema", DOG_DSL, "--data-array")
    assert array.output == '[\n  {\n    "name": "Cleo",\n    "age": 3\n  }\n]\n'
    dog, dogs = logged[3], logged[4]
    with_ids = invoke("logs", "--schema-multi", DOG_DSL, "--data-ids")
    assert [json.loads(line) for line in with_ids.output.splitlines()] == [
        {
            "name": "A",
            "age": 1,
            "response_id": dogs["id"],
            "conversation_id": dogs["conversation_id"],
        },
        {
            "name": "B",
            "age": 2,
            "response_id": dogs["id"],
            "conversation_id": dogs["conversation_id"],
        },
    ]
    assert json.loads(invoke("logs", "--schema", DOG_DSL, "--data-array", "--data-ids").output) == [
        {
            "name": "Cleo",
            "age": 3,
            "response_id": dog["id"],
            "conversation_id": dog["conversation_id"],
        }
    ]
    assert invoke("logs", "--schema", "title", "--data-array").output == "[]\n"
    assert invoke("logs", "--schema", "title", "--data").output == ""


def test_data_ids_do_not_overwrite_keys():
    from llm.logs import data_items

    rows = [
        {
            "id": "r1",
            "conversation_id": "c1",
            "schema_id": "s",
            "response": json.dumps({"response_id": "mine", "x": 1}),
        }
    ]
    assert data_items(rows, ids=True) == [
        {"response_id": "mine", "x": 1, "_response_id": "r1", "conversation_id": "c1"}
    ]


def test_markdown_shows_tool_calls_and_results(logged):
    first, second = logged[0], logged[1]
    result = invoke("logs", "--cid", first["conversation_id"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"# {first['datetime_utc'].split('.')[0]}    conversation: {first['conversation_id']} id: {first['id']}\n\n"
        "Model: **scripted**\n\n"
        f"## Prompt\n\n{UPPER_PANDA}\n\n"
        "## Response\n\n\n\n"
        "### Tool calls\n\n"
        '- **upper**: `c1`<br>\n    Arguments: {"text": "panda"}\n\n'
        f"# {second['datetime_utc'].split('.')[0]}\n\n"
        "## Prompt\n\n-- none --\n\n"
        "### Tool results\n\n"
        "- **upper**: `c1`<br>\n    PANDA\n\n"
        "## Response\n\nupper(c1): PANDA\n\n"
    )


def test_markdown_fragments_and_expand(logged):
    row = logged[2]
    head = (
        f"# {row['datetime_utc'].split('.')[0]}    conversation: {row['conversation_id']} id: {row['id']}\n\n"
        "Model: **scripted**\n\n"
        "## Prompt\n\nwith fragments\n\n"
    )
    response = (
        '\n## Response\n\n{"prompt": "CTX\\nwith fragments", "system": "SYS", "schema": null, '
        '"tools": [], "attachments": []}\n\n'
    )
    assert (
        invoke("logs", "-f", "shout:ctx").output
        == head
        + (
            "### Fragments\n\n"
            f"1. `{sha('CTX')}` from shout:ctx\n\n"
            "### System fragments\n\n"
            f"1. `{sha('SYS')}` from shout:sys\n"
        )
        + response
    )
    assert (
        invoke("logs", "-f", "shout:ctx", "-e").output
        == head
        + (
            "### Fragments\n\n"
            f"1. `{sha('CTX')}` from shout:ctx\n\nCTX\n\n"
            "### System fragments\n\n"
            f"1. `{sha('SYS')}` from shout:sys\n\nSYS\n"
        )
        + response
    )


def test_markdown_shows_schema(logged):
    output = invoke("logs", "--schema", DOG_DSL).output
    assert (
        "\n### Schema\n\n```json\n" + json.dumps(DOG, indent=2) + "\n```\n\n## Response\n\n"
        in output
    )


def test_json_fragments_expand_and_schema(logged):
    [row] = json.loads(invoke("logs", "-f", "shout:ctx", "--json").output)
    assert row["fragments"] == [{"hash": sha("CTX"), "source": "shout:ctx"}]
    assert row["system_fragments"] == [{"hash": sha("SYS"), "source": "shout:sys"}]
    [row] = json.loads(invoke("logs", "-f", "shout:ctx", "--json", "-e").output)
    assert row["fragments"] == [{"hash": sha("CTX"), "source": "shout:ctx", "content": "CTX"}]
    [row] = json.loads(invoke("logs", "--schema", DOG_DSL, "--json").output)
    from llm.schemas import schema_id

    assert (row["schema_id"], row["schema"]) == (schema_id(DOG), DOG)
    [plain] = json.loads(invoke("logs", "-n", "1", "--json").output)
    # Rows without tools, fragments or schemas keep the documented keys only.
    assert "fragments" not in plain and "tool_calls" not in plain and "schema_id" not in plain


def test_json_tool_rows(logged):
    first, second = json.loads(invoke("logs", "-T", "upper", "--json").output)
    assert first["tools"] == [{"name": "upper", "plugin": "llm-tools-fixtures"}]
    assert first["tool_calls"] == [
        {"name": "upper", "arguments": {"text": "panda"}, "tool_call_id": "c1"}
    ]
    assert second["tool_results"] == [{"name": "upper", "output": "PANDA", "tool_call_id": "c1"}]


def test_json_toolbox_instance(tools_plugin):
    script = json.dumps(
        {"tool_calls": [{"name": "Counter_increment", "arguments": {}, "id": "k1"}]}
    )
    assert invoke("-m", "scripted", "-T", "Counter(start=10)", script).exit_code == 0
    _, second = json.loads(invoke("logs", "--tools", "--json").output)
    assert second["tool_results"] == [
        {
            "name": "Counter_increment",
            "output": "11",
            "tool_call_id": "k1",
            "instance": {"name": "Counter", "arguments": {"start": 10, "step": 1}},
        }
    ]
