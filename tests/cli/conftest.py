"""Fixtures for driving the ``llm`` click group with CliRunner."""

from __future__ import annotations

import os
import sqlite3

import pytest

# Test modules import llmio_cli.app, which loads plugins once, at collection time: before
# the per-test LLM_LOAD_PLUGINS='' of tests/conftest.py applies. Honour it there too, so
# third-party plugins installed in the venv (llm-echo, ...) never leak into CLI output.
os.environ.setdefault("LLM_LOAD_PLUGINS", "")


@pytest.fixture
def only_fixtures(fixtures):
    """Only the fixture models are registered: listings are exact, whatever else is installed."""
    from llm.plugins import pm

    others = [
        (name, plugin)
        for name, plugin in pm.list_name_plugin()
        if name != "llm-test-fixtures" and plugin is not None
    ]
    for name, _ in others:
        pm.unregister(name=name)
    try:
        yield fixtures
    finally:
        for name, plugin in others:
            pm.register(plugin, name=name)


@pytest.fixture
def logs_db(user_path):
    """The user's logs.db, created through core's migrations, as a sqlite3 connection."""
    import llm.logs

    conn = llm.logs.open_db(user_path / "logs.db")
    yield conn
    conn.close()


def insert_response(conn: sqlite3.Connection, **fields) -> dict:
    """Insert one response row (and its conversation) following logging.md's schema."""
    row = {
        "id": fields.pop("id"),
        "model": "mock",
        "prompt": "hi",
        "system": None,
        "prompt_json": None,
        "options_json": "{}",
        "response": "hello",
        "response_json": None,
        "conversation_id": "c1",
        "duration_ms": 12,
        "datetime_utc": "2025-02-16T22:34:30.374882+00:00",
        "input_tokens": None,
        "output_tokens": None,
        "token_details": None,
    }
    conversation_name = fields.pop("conversation_name", None)
    row.update(fields)
    conn.execute(
        "insert or ignore into conversations (id, name, model) values (?, ?, ?)",
        [row["conversation_id"], conversation_name or (row["prompt"] or "")[:32], row["model"]],
    )
    columns = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"insert into responses ({columns}) values ({marks})", list(row.values()))
    return row


def insert_attachment(
    conn, response_id, attachment_id, order, type, path=None, url=None, content=None
):
    conn.execute(
        "insert or ignore into attachments (id, type, path, url, content) values (?, ?, ?, ?, ?)",
        [attachment_id, type, path, url, content],
    )
    conn.execute(
        'insert into prompt_attachments (response_id, attachment_id, "order") values (?, ?, ?)',
        [response_id, attachment_id, order],
    )


@pytest.fixture
def add_response(logs_db):
    return lambda **fields: insert_response(logs_db, **fields)


@pytest.fixture
def add_attachment(logs_db):
    return lambda *args, **kwargs: insert_attachment(logs_db, *args, **kwargs)
