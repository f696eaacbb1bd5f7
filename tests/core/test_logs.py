"""The logs store: schema of docs/logging.md, writing responses, FTS, attachments,
loading conversations back, old databases, concurrent processes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import time

import llm
import llm.logs
import pytest

from support.legacy_logs import DOCUMENTED_SCHEMA
from support.cli import rows

# The documented schema (docs/logging.md): (column, type, pk position) in order.
# Later releases may add columns after these and new tables; they may not change these.
DOCUMENTED_COLUMNS = {
    "conversations": [("id", "TEXT", 1), ("name", "TEXT", 0), ("model", "TEXT", 0)],
    "responses": [
        ("id", "TEXT", 1),
        ("model", "TEXT", 0),
        ("prompt", "TEXT", 0),
        ("system", "TEXT", 0),
        ("prompt_json", "TEXT", 0),
        ("options_json", "TEXT", 0),
        ("response", "TEXT", 0),
        ("response_json", "TEXT", 0),
        ("conversation_id", "TEXT", 0),
        ("duration_ms", "INTEGER", 0),
        ("datetime_utc", "TEXT", 0),
        ("input_tokens", "INTEGER", 0),
        ("output_tokens", "INTEGER", 0),
        ("token_details", "TEXT", 0),
    ],
    "attachments": [
        ("id", "TEXT", 1),
        ("type", "TEXT", 0),
        ("path", "TEXT", 0),
        ("url", "TEXT", 0),
        ("content", "BLOB", 0),
    ],
    "prompt_attachments": [
        ("response_id", "TEXT", 1),
        ("attachment_id", "TEXT", 2),
        ("order", "INTEGER", 0),
    ],
}

DOCUMENTED_FOREIGN_KEYS = {
    "responses": {("conversation_id", "conversations", "id")},
    "prompt_attachments": {
        ("response_id", "responses", "id"),
        ("attachment_id", "attachments", "id"),
    },
}

# The schema exactly as docs/logging.md prints it: what an older release left on disk.
OLD_SCHEMA = DOCUMENTED_SCHEMA + """CREATE TRIGGER [responses_ai] AFTER INSERT ON [responses] BEGIN
  INSERT INTO [responses_fts] (rowid, [prompt], [response]) VALUES (new.rowid, new.[prompt], new.[response]);
END;
CREATE TRIGGER [responses_ad] AFTER DELETE ON [responses] BEGIN
  INSERT INTO [responses_fts] ([responses_fts], rowid, [prompt], [response]) VALUES('delete', old.rowid, old.[prompt], old.[response]);
END;
CREATE TRIGGER [responses_au] AFTER UPDATE ON [responses] BEGIN
  INSERT INTO [responses_fts] ([responses_fts], rowid, [prompt], [response]) VALUES('delete', old.rowid, old.[prompt], old.[response]);
  INSERT INTO [responses_fts] (rowid, [prompt], [response]) VALUES (new.rowid, new.[prompt], new.[response]);
END;
CREATE TABLE [_llm_migrations] (
  [name] TEXT PRIMARY KEY,
  [migrated_at] TEXT
);
"""

OLD_MIGRATIONS = [
    ("m001_initial", "2023-06-20 10:00:00.000000"),
    ("m002_id_primary_key", "2023-06-20 10:00:00.000001"),
    ("m010_create_new_log_tables", "2023-07-11 10:00:00.000000"),
    ("m014_attachments", "2024-10-28 10:00:00.000000"),
    ("m015_usage", "2024-11-19 10:00:00.000000"),
]


@pytest.fixture
def db(tmp_path):
    conn = llm.logs.open_db(tmp_path / "logs.db")
    yield conn
    conn.close()


def table_columns(conn, table):
    return [(r[1], r[2].upper(), r[5]) for r in conn.execute(f"PRAGMA table_info([{table}])")]


def search(conn, query):
    return [
        r[0]
        for r in conn.execute(
            "SELECT responses.id FROM responses_fts "
            "JOIN responses ON responses.rowid = responses_fts.rowid "
            "WHERE responses_fts MATCH ? ORDER BY responses.rowid",
            [query],
        )
    ]


# -- schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(DOCUMENTED_COLUMNS))
def test_open_db_creates_documented_columns(db, table):
    expected = DOCUMENTED_COLUMNS[table]
    assert table_columns(db, table)[: len(expected)] == expected


@pytest.mark.parametrize("table", sorted(DOCUMENTED_FOREIGN_KEYS))
def test_open_db_creates_documented_foreign_keys(db, table):
    keys = {(r[3], r[2], r[4]) for r in db.execute(f"PRAGMA foreign_key_list([{table}])")}
    assert DOCUMENTED_FOREIGN_KEYS[table] <= keys


def test_open_db_creates_the_fts_table(db):
    (sql,) = db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'responses_fts'"
    ).fetchone()
    flat = " ".join(sql.split())
    assert re.search(r"USING FTS5", flat, re.IGNORECASE)
    assert re.search(r"content\s*=\s*(\[responses\]|'responses'|\"responses\"|responses)", flat)
    assert [r[1] for r in db.execute("PRAGMA table_info([responses_fts])")] == [
        "prompt", "response"
    ]


def test_open_db_uses_wal_and_a_busy_timeout(tmp_path):
    path = tmp_path / "logs.db"
    conn = llm.logs.open_db(path)
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    conn.close()
    other = sqlite3.connect(path)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()


def test_open_db_default_path_is_logs_db_in_user_dir(user_path):
    conn = llm.logs.open_db()
    conn.close()
    assert (user_path / "logs.db").exists()
    assert llm.logs_db_path() == user_path / "logs.db"


def test_open_db_twice_is_harmless(tmp_path):
    path = tmp_path / "logs.db"
    llm.logs.open_db(path).close()
    schema = sqlite3.connect(path).execute(
        "SELECT type, name, sql FROM sqlite_master ORDER BY name"
    ).fetchall()
    llm.logs.open_db(path).close()
    assert sqlite3.connect(path).execute(
        "SELECT type, name, sql FROM sqlite_master ORDER BY name"
    ).fetchall() == schema


# -- writing --------------------------------------------------------------------------------


def test_log_to_db_writes_one_row_per_table(db, fixtures):
    fixtures.mock.enqueue(["Hello", " world"])
    response = fixtures.mock.prompt("two words", system="be nice", temperature=0.5)
    response.text()
    response.log_to_db(db)

    [conversation] = rows(db, "SELECT * FROM conversations")
    assert conversation == {
        "id": response.conversation.id,
        "name": "two words",
        "model": "mock",
    }
    [row] = rows(db, "SELECT * FROM responses")
    assert re.fullmatch(r"[0-9a-z]{26}", row["id"])
    assert row["id"] == response.id
    assert row["model"] == "mock"
    assert row["prompt"] == "two words"
    assert row["system"] == "be nice"
    assert row["prompt_json"] is None
    assert json.loads(row["options_json"]) == {"temperature": 0.5}
    assert row["response"] == "Hello world"
    assert row["response_json"] is None
    assert row["conversation_id"] == conversation["id"]
    assert row["duration_ms"] == response.duration_ms()
    assert isinstance(row["duration_ms"], int)
    assert row["datetime_utc"] == response.datetime_utc()
    assert row["input_tokens"] == 2
    assert row["output_tokens"] == 2
    assert row["token_details"] is None
    assert rows(db, "SELECT * FROM attachments") == []
    assert rows(db, "SELECT * FROM prompt_attachments") == []


def test_log_to_db_without_system_stores_null(db, fixtures):
    response = fixtures.mock.prompt("hi")
    response.text()
    response.log_to_db(db)
    [row] = rows(db, "SELECT system, options_json FROM responses")
    assert row["system"] is None
    assert json.loads(row["options_json"]) == {}


def test_log_to_db_response_json_and_token_details(db):
    class Detailed(llm.Model):
        model_id = "detailed"

        def execute(self, prompt, stream, response, conversation):
            yield "ok"
            response.response_json = {"id": "resp-1", "finish_reason": "stop"}
            response.set_usage(input=15, output=340, details={"cached": 37})

    response = Detailed().prompt("x")
    response.text()
    response.log_to_db(db)
    [row] = rows(db, "SELECT * FROM responses")
    assert json.loads(row["response_json"]) == {"id": "resp-1", "finish_reason": "stop"}
    assert (row["input_tokens"], row["output_tokens"]) == (15, 340)
    assert json.loads(row["token_details"]) == {"cached": 37}


def test_conversation_responses_share_one_conversation_row(db, fixtures):
    conversation = fixtures.mock.conversation()
    first = conversation.prompt("first question")
    first.text()
    first.log_to_db(db)
    second = conversation.prompt("second question")
    second.text()
    second.log_to_db(db)
    assert rows(db, "SELECT id, name, model FROM conversations") == [
        {"id": conversation.id, "name": "first question", "model": "mock"}
    ]
    assert rows(db, "SELECT id, conversation_id FROM responses ORDER BY rowid") == [
        {"id": first.id, "conversation_id": conversation.id},
        {"id": second.id, "conversation_id": conversation.id},
    ]


def test_response_ids_sort_in_logging_order(db, fixtures):
    ids = []
    for i in range(20):
        response = fixtures.mock.prompt(f"p{i}")
        response.text()
        response.log_to_db(db)
        ids.append(response.id)
    assert ids == sorted(ids)
    assert len(set(ids)) == 20


def test_log_to_db_is_all_or_nothing(db, fixtures, media):
    """A failure while writing leaves no half-logged response behind."""
    db.execute(
        "CREATE TRIGGER [fail_late] BEFORE INSERT ON [prompt_attachments] "
        "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    response = fixtures.mock.prompt("look", attachments=[llm.Attachment(content=media.png)])
    response.text()
    with pytest.raises(Exception, match="disk on fire"):
        response.log_to_db(db)
    for table in ("conversations", "responses", "attachments", "prompt_attachments"):
        assert db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0] == 0, table
    assert search(db, "look") == []
    db.execute("DROP TRIGGER [fail_late]")
    other = fixtures.mock.prompt("next")
    other.text()
    other.log_to_db(db)
    assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 1


# -- full-text search -----------------------------------------------------------------------


def test_fts_finds_logged_prompts_and_responses(db, fixtures):
    fixtures.mock.enqueue(["a recipe for cheesecake"])
    first = fixtures.mock.prompt("pelican facts")
    first.text()
    first.log_to_db(db)
    second = fixtures.mock.prompt("walrus facts")
    second.text()
    second.log_to_db(db)
    assert search(db, "pelican") == [first.id]
    assert search(db, "cheesecake") == [first.id]
    assert search(db, "walrus") == [second.id]
    assert search(db, "facts") == [first.id, second.id]
    assert search(db, "zebra") == []


def test_fts_stays_in_sync_on_update_and_delete(db, fixtures):
    fixtures.mock.enqueue(["some birds"])
    response = fixtures.mock.prompt("pelican facts")
    response.text()
    response.log_to_db(db)
    db.execute("UPDATE responses SET prompt = 'otter facts' WHERE id = ?", [response.id])
    assert search(db, "pelican") == []
    assert search(db, "otter") == [response.id]
    db.execute("DELETE FROM responses WHERE id = ?", [response.id])
    assert search(db, "otter") == []
    db.execute("INSERT INTO responses_fts(responses_fts) VALUES('integrity-check')")


# -- attachments ------------------------------------------------------------------------------


def test_attachments_are_logged(db, fixtures, media, tmp_path, http_server):
    path = tmp_path / "photo.jpg"
    path.write_bytes(media.jpeg)
    url = http_server.add("/remote.png", media.png, content_type="image/png")
    response = fixtures.mock.prompt(
        "describe",
        attachments=[
            llm.Attachment(content=media.png),
            llm.Attachment(path=str(path)),
            llm.Attachment(url=url),
            llm.Attachment(type="audio/wav", content=media.wav),
        ],
    )
    response.text()
    response.log_to_db(db)
    png_id = hashlib.sha256(media.png).hexdigest()
    jpeg_id = hashlib.sha256(media.jpeg).hexdigest()
    url_id = hashlib.sha256(json.dumps({"url": url}).encode()).hexdigest()
    wav_id = hashlib.sha256(media.wav).hexdigest()
    by_id = {r["id"]: r for r in rows(db, "SELECT * FROM attachments")}
    assert by_id == {
        png_id: {"id": png_id, "type": "image/png", "path": None, "url": None,
                 "content": media.png},
        jpeg_id: {"id": jpeg_id, "type": "image/jpeg", "path": str(path), "url": None,
                  "content": None},
        url_id: {"id": url_id, "type": "image/png", "path": None, "url": url, "content": None},
        wav_id: {"id": wav_id, "type": "audio/wav", "path": None, "url": None,
                 "content": media.wav},
    }
    assert rows(db, "SELECT * FROM prompt_attachments ORDER BY [order]") == [
        {"response_id": response.id, "attachment_id": png_id, "order": 0},
        {"response_id": response.id, "attachment_id": jpeg_id, "order": 1},
        {"response_id": response.id, "attachment_id": url_id, "order": 2},
        {"response_id": response.id, "attachment_id": wav_id, "order": 3},
    ]


def test_same_attachment_in_two_responses_is_stored_once(db, fixtures, media):
    for prompt in ("one", "two"):
        response = fixtures.mock.prompt(prompt, attachments=[llm.Attachment(content=media.png)])
        response.text()
        response.log_to_db(db)
    assert db.execute("SELECT count(*) FROM attachments").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM prompt_attachments").fetchone()[0] == 2


# -- loading conversations back ---------------------------------------------------------------


def test_load_conversation_rebuilds_responses_and_attachments(tmp_path, fixtures, media):
    path = tmp_path / "logs.db"
    db = llm.logs.open_db(path)
    conversation = fixtures.echo.conversation()
    first = conversation.prompt(
        "first", system="be brief", attachments=[llm.Attachment(content=media.png)]
    )
    first_text = first.text()
    first.log_to_db(db)
    second = conversation.prompt("second", max_tokens=5)
    second_text = second.text()
    second.log_to_db(db)
    db.close()

    # A new connection, as a later process would have.
    db = llm.logs.open_db(path)
    loaded = llm.logs.load_conversation(db, conversation.id)
    assert isinstance(loaded, llm.Conversation)
    assert loaded.id == conversation.id
    assert loaded.model is fixtures.echo
    assert [r.id for r in loaded.responses] == [first.id, second.id]
    assert [r.prompt.prompt for r in loaded.responses] == ["first", "second"]
    assert loaded.responses[0].prompt.system == "be brief"
    assert [r.text() for r in loaded.responses] == [first_text, second_text]
    assert [r.text_or_raise() for r in loaded.responses] == [first_text, second_text]
    assert loaded.responses[1].prompt.options.max_tokens == 5
    [attachment] = loaded.responses[0].attachments
    assert attachment.id() == hashlib.sha256(media.png).hexdigest()
    assert attachment.resolve_type() == "image/png"
    assert attachment.content_bytes() == media.png
    assert loaded.responses[1].attachments == []

    # Continuing the conversation sends the history to the model.
    third = loaded.prompt("third")
    data = json.loads(third.text())
    assert data["prompt"] == "third"
    assert data["history"] == [
        {"prompt": "first", "system": "be brief", "response": first_text},
        {"prompt": "second", "system": data["history"][1]["system"], "response": second_text},
    ]
    assert not data["history"][1]["system"]
    third.log_to_db(db)
    assert db.execute(
        "SELECT count(*) FROM responses WHERE conversation_id = ?", [conversation.id]
    ).fetchone()[0] == 3
    assert db.execute("SELECT count(*) FROM conversations").fetchone()[0] == 1
    db.close()


def test_load_conversation_continues_with_a_path_attachment(tmp_path, fixtures, media):
    image = tmp_path / "pic.jpg"
    image.write_bytes(media.jpeg)
    db = llm.logs.open_db(tmp_path / "logs.db")
    conversation = fixtures.echo.conversation()
    first = conversation.prompt("look", attachments=[llm.Attachment(path=str(image))])
    first.text()
    first.log_to_db(db)
    loaded = llm.logs.load_conversation(db, conversation.id)
    [attachment] = loaded.responses[0].attachments
    assert attachment.path == str(image)
    assert attachment.content_bytes() == media.jpeg
    assert attachment.resolve_type() == "image/jpeg"
    db.close()


def test_load_unknown_conversation_is_none(db):
    assert llm.logs.load_conversation(db, "no-such-conversation") is None


# -- a logs.db written by an earlier release -----------------------------------------------


def make_old_db(path, fixtures_model_id="echo-json"):
    conn = sqlite3.connect(path)
    conn.executescript(OLD_SCHEMA)
    conn.executemany("INSERT INTO _llm_migrations VALUES (?, ?)", OLD_MIGRATIONS)
    conn.execute(
        "INSERT INTO conversations VALUES (?, ?, ?)",
        ["01h52s4yey7zc5rjmczy3ft75g", "old chat", fixtures_model_id],
    )
    old_responses = [
        ("01h52s4yez2bd1qk37ekd3ax9a", "old question about badgers", "old answer one"),
        ("01h52s4yez2bd1qk37ekd3ax9b", "second old question", "old answer two"),
    ]
    for rid, prompt, answer in old_responses:
        conn.execute(
            "INSERT INTO responses (id, model, prompt, system, prompt_json, options_json, "
            "response, response_json, conversation_id, duration_ms, datetime_utc, input_tokens, "
            "output_tokens, token_details) VALUES (?, ?, ?, NULL, NULL, '{}', ?, NULL, ?, 12, "
            "'2023-07-14T12:00:00.000000', 3, 4, NULL)",
            [rid, fixtures_model_id, prompt, answer, "01h52s4yey7zc5rjmczy3ft75g"],
        )
    conn.commit()
    conn.close()
    return old_responses


def test_old_database_opens_keeps_rows_and_continues(tmp_path, fixtures):
    path = tmp_path / "logs.db"
    old = make_old_db(path)
    before = {
        table: sqlite3.connect(path).execute(f"SELECT * FROM [{table}]").fetchall()
        for table in ("conversations", "responses", "_llm_migrations")
    }

    db = llm.logs.open_db(path)
    for table, old_rows in before.items():
        width = len(old_rows[0])
        assert [tuple(r)[:width] for r in db.execute(f"SELECT * FROM [{table}]")] == old_rows
    for table, expected in DOCUMENTED_COLUMNS.items():
        assert table_columns(db, table)[: len(expected)] == expected
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert search(db, "badgers") == [old[0][0]]

    conversation = llm.logs.load_conversation(db, "01h52s4yey7zc5rjmczy3ft75g")
    assert conversation.name == "old chat"
    assert [r.text() for r in conversation.responses] == ["old answer one", "old answer two"]
    follow_up = conversation.prompt("a new question")
    data = json.loads(follow_up.text())
    assert [(h["prompt"], h["response"]) for h in data["history"]] == [
        ("old question about badgers", "old answer one"),
        ("second old question", "old answer two"),
    ]
    follow_up.log_to_db(db)
    assert [
        r[0] for r in db.execute(
            "SELECT prompt FROM responses WHERE conversation_id = ? ORDER BY rowid",
            ["01h52s4yey7zc5rjmczy3ft75g"],
        )
    ] == ["old question about badgers", "second old question", "a new question"]
    assert search(db, "new") == [follow_up.id]
    db.close()

    # Opening again changes nothing.
    db = llm.logs.open_db(path)
    assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 3
    assert [tuple(r) for r in db.execute("SELECT * FROM _llm_migrations")] == (
        before["_llm_migrations"]
    )
    db.close()


PRE_USAGE_SCHEMA = """
CREATE TABLE [conversations] ([id] TEXT PRIMARY KEY, [name] TEXT, [model] TEXT);
CREATE TABLE [responses] (
  [id] TEXT PRIMARY KEY, [model] TEXT, [prompt] TEXT, [system] TEXT,
  [prompt_json] TEXT, [options_json] TEXT, [response] TEXT, [response_json] TEXT,
  [conversation_id] TEXT REFERENCES [conversations]([id]), [duration_ms] INTEGER,
  [datetime_utc] TEXT
);
CREATE TABLE [_llm_migrations] ([name] TEXT PRIMARY KEY, [migrated_at] TEXT);
INSERT INTO _llm_migrations VALUES ('m001_initial', '2023-06-20 10:00:00');
INSERT INTO conversations VALUES ('c1', 'old', 'echo-json');
INSERT INTO responses VALUES ('r1', 'echo-json', 'very old prompt about gannets', NULL,
  NULL, '{}', 'very old answer', NULL, 'c1', 5, '2023-06-20T10:00:00');
"""


def make_pre_usage_db(path):
    """A logs.db from before attachments and token usage existed (no FTS either)."""
    conn = sqlite3.connect(path)
    conn.executescript(PRE_USAGE_SCHEMA)
    conn.commit()
    conn.close()


def test_old_database_without_token_columns_or_attachments_is_migrated(tmp_path, fixtures):
    """A logs.db from before attachments and token usage existed."""
    path = tmp_path / "logs.db"
    make_pre_usage_db(path)

    db = llm.logs.open_db(path)
    for table, expected in DOCUMENTED_COLUMNS.items():
        assert table_columns(db, table)[: len(expected)] == expected
    assert rows(db, "SELECT id, prompt, response, input_tokens FROM responses") == [
        {"id": "r1", "prompt": "very old prompt about gannets", "response": "very old answer",
         "input_tokens": None}
    ]
    assert [tuple(r) for r in db.execute("SELECT * FROM _llm_migrations")] == [
        ("m001_initial", "2023-06-20 10:00:00")
    ]
    # Existing rows are indexed for search.
    assert search(db, "gannets") == ["r1"]
    conversation = llm.logs.load_conversation(db, "c1")
    follow_up = conversation.prompt("next")
    assert json.loads(follow_up.text())["history"][0]["response"] == "very old answer"
    follow_up.log_to_db(db)
    assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 2
    db.close()


# -- many processes at once -------------------------------------------------------------------


CHILD = textwrap.dedent(
    """
    import os, sys, time
    import llm, llm.logs

    class Child(llm.Model):
        model_id = "child"

        def execute(self, prompt, stream, response, conversation):
            yield "reply to " + prompt.prompt

    db_path, start_flag, number = sys.argv[1], sys.argv[2], sys.argv[3]
    deadline = time.time() + 30
    while not os.path.exists(start_flag) and time.time() < deadline:
        time.sleep(0.001)
    db = llm.logs.open_db(db_path)
    response = Child().prompt("process number " + number)
    response.text()
    response.log_to_db(db)
    db.close()
    print("ok", number)
    """
)


@pytest.mark.parametrize("start", ["fresh", "old"])
def test_many_processes_open_a_database_at_once(tmp_path, start):
    """8 processes start at once on a fresh logs.db (or one an old release needs migrated):
    all succeed, the schema is created (or migrated) once, no row is lost."""
    path = tmp_path / "db" / "logs.db"
    path.parent.mkdir()
    old_rows = 0
    if start == "old":
        make_pre_usage_db(path)
        old_rows = 1
    flag = tmp_path / "go"
    env = dict(os.environ, LLM_USER_PATH=str(tmp_path / "user"), LLM_LOAD_PLUGINS="")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(flag), str(i)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for i in range(8)
    ]
    time.sleep(0.5)  # let every child import llm and wait for the flag
    flag.write_text("go")
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        assert out.startswith("ok")

    conn = sqlite3.connect(path)
    assert sorted(
        r[0] for r in conn.execute("SELECT prompt FROM responses WHERE model = 'child'")
    ) == sorted(f"process number {i}" for i in range(8))
    assert conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 8 + old_rows
    assert conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 8 + old_rows
    # The schema was created once: one of each object, and the FTS index is whole.
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")]
    assert len(names) == len(set(names))
    for table, expected in DOCUMENTED_COLUMNS.items():
        assert table_columns(conn, table)[: len(expected)] == expected
    conn.execute("INSERT INTO responses_fts(responses_fts) VALUES('integrity-check')")
    assert len(search(conn, "process")) == 8
    conn.close()
