"""Concurrent ``llm`` processes never lose a log row and never say "locked".

Small counts here; ``bench/reliability.py`` runs the big ones.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time

from reliability.helpers import TEST_KEY, LLMRunner, Result, finish, read_until


def _parallel(llm: LLMRunner, prompts: list[str], extra: tuple = (), env=None) -> list[Result]:
    """Start one ``llm`` process per prompt, all at once; wait for all of them."""
    processes = [(p, llm.popen("-m", "srv", *extra, p, env=env)) for p in prompts]
    results = []
    for prompt, process in processes:
        out, err = process.communicate(timeout=120)
        results.append(Result(("-m", "srv", prompt), process.returncode,
                              out.decode(), err.decode(), 0.0))
    return results


def test_parallel_writers_lose_nothing(llm):
    prompts = [f"prompt {i}" for i in range(5)]
    results = _parallel(llm, prompts)
    for result in results:
        assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", ""), result
    rows = llm.rows()
    assert sorted(r["prompt"] for r in rows) == sorted(prompts)
    assert all(r["c_id"] == r["conversation_id"] for r in rows)  # each with its conversation
    assert llm.integrity() == "ok"
    assert not (llm.user_dir / "logs-pending.jsonl").exists()


def test_parallel_first_use_of_an_empty_user_directory(server, tmp_path):
    # Nothing exists yet, not even the directory: every process races to create
    # it, logs.db and its schema. The model comes from the environment.
    user_dir = tmp_path / "brand-new" / "llm-user"
    llm = LLMRunner(user_dir, server, tmp_path)
    env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": TEST_KEY}
    processes = [llm.popen("-m", "gpt-4o-mini", f"first {i}", env=env) for i in range(5)]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert (process.returncode, out, err) == (0, b"ok\n", b""), err
    rows = llm.rows()
    assert sorted(r["prompt"] for r in rows) == sorted(f"first {i}" for i in range(5))
    conn = sqlite3.connect(llm.logs_db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


class Holder:
    """Another connection (a pager, Datasette, a slow writer) holding a read or a
    write transaction open on logs.db until released."""

    def __init__(self, db_path, kind: str) -> None:
        self.db_path, self.kind = db_path, kind
        self.started, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        conn = sqlite3.connect(self.db_path, isolation_level=None, timeout=30)
        try:
            if self.kind == "read":
                conn.execute("BEGIN")
                conn.execute("SELECT count(*) FROM responses").fetchone()
            else:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO conversations (id, name, model) "
                             "VALUES ('held', 'held', 'x')")
            self.started.set()
            self.release.wait(60)
            conn.execute("COMMIT")
        finally:
            conn.close()

    def __enter__(self) -> Holder:  # noqa: PYI034
        self.thread.start()
        assert self.started.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join()


def _started(llm: LLMRunner, prompts: list[str], env: dict) -> list:
    """Processes started at once, each seen printing its answer (so each is past the
    request and about to log) before this returns."""
    processes = [(p, llm.popen("-m", "srv", p, env=env)) for p in prompts]
    return [(p, process, read_until(process, b"ok\n")) for p, process in processes]


def _results(started: list) -> list[Result]:
    results = []
    for prompt, process, seen in started:
        out, err = finish(process, timeout=60)
        results.append(Result(("-m", "srv", prompt), process.returncode,
                              (seen + out).decode(), err.decode(), 0.0))
    return results


def test_a_long_read_transaction_does_not_block_writers(llm):
    assert llm.run("-m", "srv", "create the db").returncode == 0
    with Holder(llm.logs_db, "read"):
        # Finished while the read transaction is still open: WAL readers do not block.
        results = _results(_started(llm, ["a", "b"], {"LLM_BUSY_TIMEOUT": "1"}))
    for result in results:
        assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", ""), result
    assert sorted(r["prompt"] for r in llm.rows()) == ["a", "b", "create the db"]


def test_a_write_transaction_shorter_than_the_timeout_is_waited_for(llm):
    assert llm.run("-m", "srv", "create the db").returncode == 0
    with Holder(llm.logs_db, "write"):
        started = _started(llm, ["a", "b"], {"LLM_BUSY_TIMEOUT": "30"})
        time.sleep(1)  # both are now waiting for the lock
        assert all(process.poll() is None for _, process, _ in started)
    results = _results(started)
    for result in results:
        assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", ""), result
    assert sorted(r["prompt"] for r in llm.rows()) == ["a", "b", "create the db"]


def test_a_write_transaction_longer_than_the_timeout_keeps_the_record(llm):
    """Locked past the timeout: the answer is printed, one warning line naming the
    file and the cause, exit 0, and the record is imported by the next write."""
    assert llm.run("-m", "srv", "create the db").returncode == 0
    llm.server.reply(["the answer"])
    with Holder(llm.logs_db, "write"):
        result = llm.run("-m", "srv", "while locked", env={"LLM_BUSY_TIMEOUT": "1"})
    assert result.returncode == 0, result
    assert result.stdout == "the answer\n"
    assert "Traceback" not in result.stderr
    [warning] = result.stderr_lines
    assert warning.startswith("Warning: ")
    assert str(llm.logs_db) in warning and "locked" in warning
    pending = llm.user_dir / "logs-pending.jsonl"
    assert pending.exists()
    [record] = pending.read_text().splitlines()
    assert "while locked" in record and "the answer" in record
    json.loads(record)
    assert [r["prompt"] for r in llm.rows()] == ["create the db"]

    result = llm.run("-m", "srv", "after")
    assert (result.returncode, result.stdout) == (0, "ok\n"), result
    assert "Traceback" not in result.stderr
    rows = llm.rows()
    assert [r["prompt"] for r in rows] == ["create the db", "while locked", "after"]
    assert rows[1]["response"] == "the answer"
    assert rows[1]["c_id"] == rows[1]["conversation_id"]
    assert not pending.exists() or pending.read_text().strip() == ""


def test_database_option_locked_past_the_timeout_keeps_the_record(llm):
    other = llm.tmp_path / "other.db"
    assert llm.run("-m", "srv", "first", "-d", str(other)).returncode == 0
    with Holder(other, "write"):
        result = llm.run("-m", "srv", "second", "-d", str(other),
                         env={"LLM_BUSY_TIMEOUT": "1"})
    assert (result.returncode, result.stdout) == (0, "ok\n"), result
    [warning] = result.stderr_lines
    assert warning.startswith(f"Warning: could not write to {other}: database is locked")
    assert llm.run("-m", "srv", "third", "-d", str(other)).returncode == 0
    assert [r["prompt"] for r in llm.rows(other)] == ["first", "second", "third"]
    assert not llm.logs_db.exists()


def test_records_kept_by_parallel_processes_are_imported_exactly_once(llm):
    assert llm.run("-m", "srv", "create the db").returncode == 0
    with Holder(llm.logs_db, "write"):
        locked = _results(_started(llm, ["locked 1", "locked 2", "locked 3"],
                                   {"LLM_BUSY_TIMEOUT": "1"}))
    for result in locked:
        assert (result.returncode, result.stdout) == (0, "ok\n"), result
        assert result.stderr.startswith("Warning: ") and "locked" in result.stderr, result
    pending = llm.user_dir / "logs-pending.jsonl"
    assert len(pending.read_text().splitlines()) == 3  # appends did not clobber each other
    # Several processes find the recovery file at once: each record lands once.
    after = _parallel(llm, ["after 1", "after 2"])
    for result in after:
        assert (result.returncode, result.stdout) == (0, "ok\n"), result
        assert "Traceback" not in result.stderr
    prompts = sorted(r["prompt"] for r in llm.rows())
    assert prompts == ["after 1", "after 2", "create the db", "locked 1", "locked 2", "locked 3"]
    assert not pending.exists() or pending.read_text().strip() == ""


def test_embeddings_db_is_wal_with_a_busy_timeout(llm):
    env = {"OPENAI_BASE_URL": llm.server.url, "OPENAI_API_KEY": TEST_KEY}
    result = llm.run("embed", "things", "first", "-m", "3-small", "-c", "hello", env=env)
    assert result.returncode == 0, result
    db = llm.user_dir / "embeddings.db"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    # A write transaction held for longer than a few seconds is waited for
    # (LLM_BUSY_TIMEOUT, default 30 s), not reported as locked.
    started = threading.Event()

    def hold():
        c = sqlite3.connect(db, isolation_level=None)
        c.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(6)
        c.execute("COMMIT")
        c.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(10)
    try:
        processes = [llm.popen("embed", "things", f"item{i}", "-m", "3-small", "-c", f"text {i}",
                               env=env) for i in range(2)]
        for process in processes:
            _, err = process.communicate(timeout=60)
            assert (process.returncode, err) == (0, b""), err
    finally:
        thread.join()
    conn = sqlite3.connect(db)
    try:
        ids = sorted(r[0] for r in conn.execute("select id from embeddings"))
    finally:
        conn.close()
    assert ids == ["first", "item0", "item1"]
