"""Databases that are not llm's are left alone, a bad recovery record blocks
nothing, impossible values are refused, hosts are shown without credentials
(issue 16)."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from reliability.helpers import assert_clean_error, extra_models_yaml


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _journal_mode(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def unrelated_db(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("create table notes (id integer primary key, body text)")
    conn.execute("insert into notes (body) values ('mine')")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["logs", "-d"], "logs"),
        (["logs", "list", "-p"], "logs"),
        (["logs", "list", "--json", "-d"], "logs"),
        (["schemas", "list", "-d"], "logs"),
        (["fragments", "list", "-d"], "logs"),
        (["-m", "srv", "-c", "hi", "-d"], "logs"),
        (["similar", "notes", "-c", "x", "-d"], "embeddings"),
        (["collections", "list", "-d"], "embeddings"),
    ],
)
def test_read_commands_refuse_a_database_that_is_not_llms(llm, unrelated_db, args, kind):
    before = _digest(unrelated_db)
    result = llm.run(*args, str(unrelated_db))
    assert_clean_error(result, f"Error: {unrelated_db} is not an llm {kind} database "
                               "(its tables: notes); it was left as it is")
    assert _digest(unrelated_db) == before
    assert _journal_mode(unrelated_db) == "delete"
    assert llm.server.requests == []


def test_a_file_that_is_not_sqlite_is_reported(llm, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some text " * 100)
    result = llm.run("logs", "-d", str(path))
    assert_clean_error(result, f"Error: {path}: not a SQLite database (or it is corrupt)")
    assert path.read_text() == "just some text " * 100


# -- the recovery file -----------------------------------------------------------------------


def test_logging_goes_on_after_a_bad_recovery_record(llm):
    llm.server.reply("one")
    assert llm.run("-m", "srv", "first").returncode == 0
    pending = llm.user_dir / "logs-pending.jsonl"
    target = str(llm.logs_db.resolve())
    future = {"op": "insert", "table": "responses", "verb": "INSERT",
              "row": {"id": "01future", "model": "srv", "prompt": "from a newer release",
                      "added_later": "x"}}
    hostile = {"op": "insert", "table": "responses; DROP TABLE responses; --",
               "verb": "INSERT", "row": {"id": "01evil"}}
    good = {"op": "insert", "table": "responses", "verb": "INSERT",
            "row": {"id": "01kept", "model": "srv", "prompt": "kept while locked"}}
    pending.write_text("".join(json.dumps({"db": target, "ops": [op]}) + "\n"
                               for op in (future, hostile, good)))
    llm.server.reply("two")
    result = llm.run("-m", "srv", "second")
    assert result.returncode == 0, result
    rejected = llm.user_dir / "logs-pending-rejected.jsonl"
    assert result.stderr.splitlines() == [
        f"Imported 1 pending log record into {llm.logs_db}",
        (f"Warning: 2 pending log records could not be imported into {llm.logs_db} (table "
         f"responses has no column named added_later); they were moved to {rejected}"),
    ]
    assert not pending.exists()
    assert [json.loads(line)["ops"][0]["row"]["id"] for line in
            rejected.read_text().splitlines()] == ["01future", "01evil"]
    llm.server.reply("three")
    result = llm.run("-m", "srv", "third")
    assert (result.returncode, result.stderr) == (0, "")
    assert [r["prompt"] for r in llm.rows()] == ["first", "kept while locked", "second", "third"]
    assert llm.integrity() == "ok"


# -- impossible values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("[]", "Invalid JSON schema in --schema: expected a JSON object, not an array"),
        ('{"type": "object", "properties": 5}',
         "Invalid JSON schema: properties must be an object, not 5"),
        ('{"type": "objekt"}', "Invalid JSON schema: type must be one of"),
        ('{"properties": {"a": {"type": "string"}}, "required": "a"}',
         'Invalid JSON schema: required must be an array of property names, not "a"'),
    ],
)
def test_invalid_schemas_are_refused_before_anything_is_sent(llm, schema, message):
    models = llm.user_dir / "extra-openai-models.yaml"
    models.write_text(models.read_text() + "  supports_schema: true\n")
    result = llm.run("-m", "srv", "--schema", schema, "hi")
    assert_clean_error(result, f"Error: {message}")
    assert llm.server.requests == []


def test_negative_counts_are_refused(llm):
    for args in (["similar", "c", "-n", "-5"], ["logs", "-n", "-5"]):
        result = llm.run(*args)
        assert result.returncode == 2, result
        assert "-5 is less than 0" in result.stderr
        assert result.stdout == ""


# -- credentials in api_base -------------------------------------------------------------------


def _with_credentials(url: str) -> str:
    return url.replace("http://", "http://admin:s3cret-pass@")


def test_api_base_credentials_are_never_shown(llm):
    outputs = []
    models = llm.user_dir / "extra-openai-models.yaml"

    def run(*args, **kwargs):
        result = llm.run(*args, **kwargs)
        outputs.append(result.stdout + result.stderr)
        return result

    # Nothing listening.
    models.write_text(extra_models_yaml(_with_credentials("http://127.0.0.1:9/v1")))
    assert_clean_error(run("-m", "srv", "hi"), "Error: Could not connect to 127.0.0.1:9")
    # A server that never answers.
    models.write_text(extra_models_yaml(_with_credentials(llm.server.url)))
    llm.server.hang()
    assert_clean_error(run("-m", "srv", "hi", env={"LLM_OPENAI_TIMEOUT": "1"}),
                       f"Error: Request to {llm.server.host} timed out")
    # A working server, with the request and response printed for debugging.
    llm.server.reply("fine")
    result = run("-m", "srv", "hi", env={"LLM_OPENAI_SHOW_RESPONSES": "1"})
    assert result.returncode == 0, result
    assert f"Request: POST {llm.server.url}/chat/completions" in result.stderr
    # An error the server words with the URL it was sent to.
    llm.server.reply_error(500, f"upstream {_with_credentials(llm.server.url)} failed")
    assert_clean_error(run("-m", "srv", "hi"), "Error: 500 upstream http://***@")
    # A fragment URL with credentials.
    assert_clean_error(run("-m", "srv", "hi", "-f", _with_credentials("http://127.0.0.1:9/f")),
                       "Error: Could not fetch fragment http://127.0.0.1:9/f: ")
    for text in outputs:
        assert "s3cret" not in text and "admin" not in text, text
