"""Schemas on the command line: ``--schema`` / ``--schema-multi`` and ``llm schemas``."""

from __future__ import annotations

import json

import click
import llm
import llm.logs
import pytest
from cli.conftest_tools import registered_tools_plugin
from llm.schemas import schema_id, schema_summary
from llmio_cli.references import schema_for
from support.cli import invoke, rows


@pytest.fixture
def tools_plugin():
    with registered_tools_plugin() as plugin:
        yield plugin


DOG = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
DOG_DSL = "name, age int"


def log_with_schema(model, schema, text, prompt="p"):
    response = model.prompt(
        json.dumps({"say": text}) if text is not None else prompt, schema=schema
    )
    response.text()
    conn = llm.logs.open_db()
    try:
        response.log_to_db(conn)
    finally:
        conn.close()
    return response


# ---------------------------------------------------------------- resolving --schema values


def test_resolve_json_dsl_file_and_multi(tmp_path):
    assert schema_for(json.dumps(DOG)) == DOG
    assert schema_for(DOG_DSL) == DOG
    path = tmp_path / "dog.json"
    path.write_text(json.dumps(DOG))
    assert schema_for(str(path)) == DOG
    dsl_file = tmp_path / "dog.schema"
    dsl_file.write_text("name\nage int: years old\n")
    assert schema_for(str(dsl_file)) == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer", "description": "years old"},
        },
        "required": ["name", "age"],
    }
    assert schema_for(DOG_DSL, multi=True) == {
        "type": "object",
        "properties": {"items": {"type": "array", "items": DOG}},
        "required": ["items"],
    }
    assert schema_for(None) is None


def test_resolve_logged_schema_id(tools_plugin, user_path):
    log_with_schema(tools_plugin.scripted, DOG, '{"name": "Cleo", "age": 3}')
    assert schema_for(schema_id(DOG)) == DOG
    with pytest.raises(click.ClickException) as info:
        schema_for("0" * 32)
    assert info.value.message == f"Schema {'0' * 32} not found"


@pytest.mark.parametrize(
    "value,message",
    [
        ('{"type": ', "Invalid JSON schema in --schema: Expecting value: line 1 column 9 (char 8)"),
        (
            "name, age integr",
            "Invalid schema: Unknown type 'integr' for field 'age' (use str, int, float or bool)",
        ),
        ("missing.json", "Schema file not found: missing.json"),
    ],
)
def test_resolve_errors(value, message):
    with pytest.raises(click.ClickException) as info:
        schema_for(value)
    assert info.value.message == message


def test_schema_summary():
    assert schema_summary(DOG) == "{name, age}"
    assert schema_summary(llm.schema_dsl(DOG_DSL, multi=True)) == "{items: [{name, age}]}"
    nested = {
        "type": "object",
        "properties": {"owner": {"type": "object", "properties": {"name": {}}}},
    }
    assert schema_summary(nested) == "{owner: {name}}"


# ---------------------------------------------------------------- llm schemas


def test_schemas_dsl_command():
    result = invoke("schemas", "dsl", "name, age int, bio: their bio")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "bio": {"type": "string", "description": "their bio"},
        },
        "required": ["name", "age", "bio"],
    }
    assert result.output.startswith('{\n  "type": "object",\n')
    multi = invoke("schemas", "dsl", DOG_DSL, "--multi")
    assert json.loads(multi.output) == llm.schema_dsl(DOG_DSL, multi=True)
    bad = invoke("schemas", "dsl", "name blob")
    assert bad.exit_code == 1
    assert (
        bad.output
        == "Error: Invalid schema: Unknown type 'blob' for field 'name' (use str, int, float or bool)\n"
    )


def test_schemas_list_show_and_usage(tools_plugin, user_path):
    assert invoke("schemas").output == ""  # no logs.db yet
    first = log_with_schema(tools_plugin.scripted, DOG, '{"name": "a", "age": 1}')
    log_with_schema(tools_plugin.scripted, DOG, '{"name": "b", "age": 2}')
    multi = llm.schema_dsl("title", multi=True)
    last = log_with_schema(tools_plugin.scripted, multi, '{"items": []}')
    # Stored once per distinct schema, referenced from each response.
    assert rows(user_path, "select id, content from schemas order by rowid") == [
        {"id": schema_id(DOG), "content": json.dumps(DOG)},
        {"id": schema_id(multi), "content": json.dumps(multi)},
    ]
    assert [
        r["schema_id"] for r in rows(user_path, "select schema_id from responses order by rowid")
    ] == [schema_id(DOG), schema_id(DOG), schema_id(multi)]

    result = invoke("schemas", "list")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"- id: {schema_id(multi)}\n"
        "  summary: |\n"
        "    {items: [{title}]}\n"
        "  usage: |\n"
        f"    1 time, most recently {last.datetime_utc()}\n"
        f"- id: {schema_id(DOG)}\n"
        "  summary: |\n"
        "    {name, age}\n"
        "  usage: |\n"
        f"    2 times, most recently {rows(user_path, 'select max(datetime_utc) d from responses where schema_id = ?', [schema_id(DOG)])[0]['d']}\n"
    )
    assert first.datetime_utc() <= last.datetime_utc()

    full = invoke("schemas", "list", "--full", "-q", "title")
    assert full.output == (
        f"- id: {schema_id(multi)}\n"
        "  schema: |\n"
        + "".join("    " + line + "\n" for line in json.dumps(multi, indent=2).split("\n"))
        + "  usage: |\n"
        f"    1 time, most recently {last.datetime_utc()}\n"
    )
    as_json = json.loads(invoke("schemas", "list", "--json").output)
    assert [(s["id"], s["schema"], s["times_used"]) for s in as_json] == [
        (schema_id(multi), multi, 1),
        (schema_id(DOG), DOG, 2),
    ]

    show = invoke("schemas", "show", schema_id(DOG))
    assert (show.exit_code, show.output) == (0, json.dumps(DOG, indent=2) + "\n")
    missing = invoke("schemas", "show", "nope")
    assert (missing.exit_code, missing.output) == (1, "Error: Schema nope not found\n")


def test_schemas_database_option(tools_plugin, tmp_path, user_path):
    other = tmp_path / "other.db"
    conn = llm.logs.open_db(other)
    response = tools_plugin.scripted.prompt('{"say": "{}"}', schema=DOG)
    response.text()
    response.log_to_db(conn)
    conn.close()
    assert invoke("schemas", "list").output == ""
    result = invoke("schemas", "list", "-d", str(other))
    assert result.output.startswith(f"- id: {schema_id(DOG)}\n  summary: |\n    {{name, age}}\n")
    assert (
        invoke("schemas", "show", schema_id(DOG), "-d", str(other)).output
        == json.dumps(DOG, indent=2) + "\n"
    )


# ---------------------------------------------------------------- llm prompt --schema


def described(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_prompt_schema_forms(tools_plugin, tmp_path, user_path):
    assert described(invoke("-m", "scripted", "--schema", DOG_DSL, "a dog"))["schema"] == DOG
    assert described(invoke("-m", "scripted", "--schema", json.dumps(DOG), "a dog"))["schema"] == DOG
    path = tmp_path / "dog.json"
    path.write_text(json.dumps(DOG))
    assert described(invoke("-m", "scripted", "--schema", str(path), "a dog"))["schema"] == DOG
    assert described(invoke("-m", "scripted", "--schema", schema_id(DOG), "a dog"))["schema"] == DOG
    multi = described(invoke("-m", "scripted", "--schema-multi", DOG_DSL, "dogs"))["schema"]
    assert multi == llm.schema_dsl(DOG_DSL, multi=True)
    stored = rows(user_path, "select id, content from schemas order by rowid")
    assert stored == [
        {"id": schema_id(DOG), "content": json.dumps(DOG)},
        {"id": schema_id(multi), "content": json.dumps(multi)},
    ]
    assert [
        r["schema_id"] for r in rows(user_path, "select schema_id from responses order by rowid")
    ] == [schema_id(DOG)] * 4 + [schema_id(multi)]


def test_prompt_schema_errors(tools_plugin, fixtures, user_path):
    unsupported = invoke("-m", "mock", "--schema", DOG_DSL, "a dog")
    assert (unsupported.exit_code, unsupported.output) == (
        1,
        "Error: Model mock does not support schemas\n",
    )
    missing = invoke("-m", "scripted", "--schema", "f" * 32, "x")
    assert missing.output == f"Error: Schema {'f' * 32} not found\n"
    both = invoke("-m", "scripted", "--schema", "a", "--schema-multi", "b", "x")
    assert both.output == "Error: Use either --schema or --schema-multi, not both\n"


def test_prompt_schema_from_template(tools_plugin, user_path):
    templates = user_path / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "dog.yaml").write_text(
        "model: scripted\nschema_object:\n  type: object\n  properties:\n    name:\n      type: string\n"
    )
    assert described(invoke("-m", "scripted", "--schema", "t:dog", "x"))["schema"] == {
        "type": "object",
        "properties": {"name": {"type": "string"}},
    }
    assert described(invoke("-t", "dog", "x"))["schema"] == {
        "type": "object",
        "properties": {"name": {"type": "string"}},
    }
    # --schema on the command line wins over the template's.
    assert described(invoke("-t", "dog", "--schema", DOG_DSL, "x"))["schema"] == DOG
