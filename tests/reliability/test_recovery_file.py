"""``llm.logs.log_or_keep`` and the recovery file, in process (fast corner cases)."""

from __future__ import annotations

import json
import sqlite3

import llm
import llm.logs
import pytest


class Echo(llm.Model):
    model_id = "echo-recovery"

    def execute(self, prompt, stream, response, conversation=None):
        yield f"echo: {prompt.prompt}"


def _response(text: str):
    response = Echo().prompt(text)
    response.text()
    return response


def _prompts(db) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("select prompt from responses order by rowid")]
    finally:
        conn.close()


def test_locked_database_keeps_the_record_then_imports_it(user_path, monkeypatch):
    db = user_path / "logs.db"
    assert llm.logs.log_or_keep(_response("first")) is None
    monkeypatch.setenv("LLM_BUSY_TIMEOUT", "0.2")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        warning = llm.logs.log_or_keep(_response("while locked"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert warning == (f"Warning: could not write to {db}: database is locked; the response "
                       f"was kept in {user_path / 'logs-pending.jsonl'} and will be logged "
                       "next time")
    [line] = (user_path / "logs-pending.jsonl").read_text().splitlines()
    assert json.loads(line)["db"] == str(db.resolve())
    assert _prompts(db) == ["first"]
    assert llm.logs.log_or_keep(_response("next")) is None
    assert _prompts(db) == ["first", "while locked", "next"]
    assert not (user_path / "logs-pending.jsonl").exists()


def test_lines_for_other_databases_and_garbage_are_left_alone(user_path, tmp_path):
    pending = user_path / "logs-pending.jsonl"
    other = tmp_path / "other.db"
    # A record for another database (kept while that one was unwritable).
    conn = llm.logs.open_db(other)
    conn.close()
    other.unlink()
    other.write_bytes(b"not a database")
    assert llm.logs.log_or_keep(_response("for other"), db_path=other).startswith("Warning: ")
    with open(pending, "a") as fp:
        fp.write("this line is not JSON\n")
        fp.write(json.dumps({"db": str((user_path / "logs.db").resolve()),
                             "ops": [{"op": "nonsense"}]}) + "\n")
    assert llm.logs.log_or_keep(_response("mine")) is None
    assert _prompts(user_path / "logs.db") == ["mine"]
    kept = pending.read_text().splitlines()
    assert len(kept) == 3
    assert json.loads(kept[0])["db"] == str(other.resolve())
    assert kept[1] == "this line is not JSON"


def test_import_is_idempotent(user_path):
    db = user_path / "logs.db"
    response = _response("once")
    ops = llm.logs.write.response_operations(response)
    conn = llm.logs.open_db(db)
    llm.logs.write.apply_operations(conn, ops)
    conn.close()
    # The same record also sits in the recovery file (a crash between import and cleanup).
    (user_path / "logs-pending.jsonl").write_text(
        json.dumps({"db": str(db.resolve()), "ops": ops}) + "\n")
    assert llm.logs.log_or_keep(_response("twice")) is None
    assert _prompts(db) == ["once", "twice"]


def test_when_even_the_recovery_file_cannot_be_written(user_path, monkeypatch):
    (user_path / "logs.db").write_bytes(b"garbage" * 100)
    (user_path / "logs-pending.jsonl").mkdir()  # cannot be appended to
    with pytest.raises(llm.logs.LogsDatabaseError) as excinfo:
        llm.logs.log_or_keep(_response("lost"))
    message = str(excinfo.value)
    assert message.startswith(f"could not write to {user_path / 'logs.db'}: not a SQLite")
    assert f"nor keep the response in {user_path / 'logs-pending.jsonl'}" in message
