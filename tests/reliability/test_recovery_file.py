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


def _log_while_locked(db, text, monkeypatch):
    """log_or_keep() while another connection holds the write lock on ``db``."""
    monkeypatch.setenv("LLM_BUSY_TIMEOUT", "0.2")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        return llm.logs.log_or_keep(_response(text))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_locked_database_keeps_the_record_then_imports_it(user_path, monkeypatch):
    db = user_path / "logs.db"
    assert llm.logs.log_or_keep(_response("first")) is None
    warning = _log_while_locked(db, "while locked", monkeypatch)
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
    assert len(kept) == 2
    assert json.loads(kept[0])["db"] == str(other.resolve())
    assert kept[1] == "this line is not JSON"
    # The record for this database that cannot be applied was set aside, not kept pending.
    [rejected] = (user_path / "logs-pending-rejected.jsonl").read_text().splitlines()
    assert json.loads(rejected) == {
        "error": "InvalidOperation: unknown log operation 'nonsense'",
        "db": str((user_path / "logs.db").resolve()), "ops": [{"op": "nonsense"}]}


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


# -- one bad record never blocks the others (issue 16) -----------------------------------------


def _pending_record(user_path, response, mutate=None) -> str:
    ops = llm.logs.write.response_operations(response)
    if mutate is not None:
        mutate(ops)
    return json.dumps({"db": str((user_path / "logs.db").resolve()), "ops": ops})


def _add_column(ops):
    """What a newer release leaves behind: a column this one does not have."""
    ops[1]["row"]["from_the_future"] = "x"


def test_a_record_the_database_rejects_is_set_aside_and_logging_goes_on(user_path, capsys):
    db = user_path / "logs.db"
    assert llm.logs.log_or_keep(_response("before")) is None
    pending = user_path / "logs-pending.jsonl"
    pending.write_text(
        _pending_record(user_path, _response("newer release"), _add_column) + "\n"
        + _pending_record(user_path, _response("kept while locked")) + "\n")
    capsys.readouterr()
    assert llm.logs.log_or_keep(_response("now")) is None
    assert _prompts(db) == ["before", "kept while locked", "now"]
    err = capsys.readouterr().err.splitlines()
    rejected = user_path / "logs-pending-rejected.jsonl"
    assert err == [
        f"Imported 1 pending log record into {db}",
        f"Warning: 1 pending log record could not be imported into {db} (table responses has "
        f"no column named from_the_future); it was moved to {rejected}",
    ]
    assert not pending.exists()
    [line] = rejected.read_text().splitlines()
    record = json.loads(line)
    assert record["error"] == "table responses has no column named from_the_future"
    assert record["ops"][1]["row"]["prompt"] == "newer release"
    # Later prompts are logged without a word: nothing is stuck.
    assert llm.logs.log_or_keep(_response("later")) is None
    assert capsys.readouterr().err == ""
    assert _prompts(db) == ["before", "kept while locked", "now", "later"]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda ops: ops[1].update(table="responses] (id) VALUES ('x'); DROP TABLE responses; --"),
         "InvalidOperation: unknown table"),
        (lambda ops: ops[1].update(table="sqlite_master"), "InvalidOperation: unknown table"),
        (lambda ops: ops[1].update(verb="INSERT INTO conversations SELECT * FROM responses; --"),
         "InvalidOperation: unknown verb"),
        (lambda ops: ops[1]["row"].update({"id] ) VALUES (1); DROP TABLE responses; --": 1}),
         "InvalidOperation: invalid column name"),
        (lambda ops: ops[2].update(table="responses") if len(ops) > 2 else ops.append(
            {"op": "fragment", "table": "responses", "response_id": "x", "order": 0,
             "content": "c", "source": None}), "InvalidOperation: unknown table"),
    ],
)
def test_tables_verbs_and_columns_come_from_an_allow_list(user_path, mutate, reason):
    db = user_path / "logs.db"
    assert llm.logs.log_or_keep(_response("first")) is None
    (user_path / "logs-pending.jsonl").write_text(
        _pending_record(user_path, _response("hostile"), mutate) + "\n")
    assert llm.logs.log_or_keep(_response("second")) is None
    assert _prompts(db) == ["first", "second"]
    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    conn.close()
    assert {"responses", "conversations"} <= tables
    [line] = (user_path / "logs-pending-rejected.jsonl").read_text().splitlines()
    assert json.loads(line)["error"].startswith(reason)


def test_a_locked_database_keeps_records_pending_not_rejected(user_path, monkeypatch):
    db = user_path / "logs.db"
    assert llm.logs.log_or_keep(_response("first")) is None
    pending = user_path / "logs-pending.jsonl"
    line = _pending_record(user_path, _response("waiting"))
    pending.write_text(line + "\n")
    warning = _log_while_locked(db, "while locked", monkeypatch)
    assert warning.startswith(f"Warning: could not write to {db}: database is locked")
    assert pending.read_text().splitlines()[0] == line
    assert not (user_path / "logs-pending-rejected.jsonl").exists()
    assert llm.logs.log_or_keep(_response("after")) is None
    assert _prompts(db) == ["first", "waiting", "while locked", "after"]


def test_recovery_files_are_private_under_umask_022(user_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        (user_path / "logs.db").write_bytes(b"not a database at all" * 10)
        assert llm.logs.log_or_keep(_response("kept")).startswith("Warning: ")
        assert stat.S_IMODE((user_path / "logs-pending.jsonl").stat().st_mode) == 0o600
        (user_path / "logs.db").unlink()
        with open(user_path / "logs-pending.jsonl", "a") as fp:
            fp.write(json.dumps({"db": str((user_path / "logs.db").resolve()),
                                 "ops": [{"op": "nonsense"}]}) + "\n")
        assert llm.logs.log_or_keep(_response("next")) is None
    finally:
        os.umask(old)
    for name in ("logs-pending-rejected.jsonl", "logs.db", "logs-pending.jsonl.lock"):
        assert stat.S_IMODE((user_path / name).stat().st_mode) == 0o600, name
