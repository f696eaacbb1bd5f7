"""Schema creation and migrations for logs.db.

Every step only adds (tables, columns, indexes, triggers) and is idempotent, so a
database written by an earlier llm release keeps all of its rows. All steps run
inside one ``BEGIN IMMEDIATE`` transaction that first re-reads ``user_version``:
any number of processes may start at once on an empty user directory.
"""

from __future__ import annotations

import sqlite3

#: Bump when a step is added below.
SCHEMA_VERSION = 2

_TABLES = {
    "conversations": """CREATE TABLE IF NOT EXISTS [conversations] (
  [id] TEXT PRIMARY KEY,
  [name] TEXT,
  [model] TEXT
)""",
    "responses": """CREATE TABLE IF NOT EXISTS [responses] (
  [id] TEXT PRIMARY KEY,
  [model] TEXT,
  [prompt] TEXT,
  [system] TEXT,
  [prompt_json] TEXT,
  [options_json] TEXT,
  [response] TEXT,
  [response_json] TEXT,
  [conversation_id] TEXT REFERENCES [conversations]([id]),
  [duration_ms] INTEGER,
  [datetime_utc] TEXT,
  [input_tokens] INTEGER,
  [output_tokens] INTEGER,
  [token_details] TEXT
)""",
    "attachments": """CREATE TABLE IF NOT EXISTS [attachments] (
  [id] TEXT PRIMARY KEY,
  [type] TEXT,
  [path] TEXT,
  [url] TEXT,
  [content] BLOB
)""",
    "prompt_attachments": """CREATE TABLE IF NOT EXISTS [prompt_attachments] (
  [response_id] TEXT REFERENCES [responses]([id]),
  [attachment_id] TEXT REFERENCES [attachments]([id]),
  [order] INTEGER,
  PRIMARY KEY ([response_id], [attachment_id])
)""",
}

#: Columns our code writes that older releases' tables may lack: added if missing.
_COLUMNS = {
    "conversations": [("name", "TEXT"), ("model", "TEXT")],
    "responses": [
        ("model", "TEXT"), ("prompt", "TEXT"), ("system", "TEXT"), ("prompt_json", "TEXT"),
        ("options_json", "TEXT"), ("response", "TEXT"), ("response_json", "TEXT"),
        ("conversation_id", "TEXT"), ("duration_ms", "INTEGER"), ("datetime_utc", "TEXT"),
        ("input_tokens", "INTEGER"), ("output_tokens", "INTEGER"), ("token_details", "TEXT"),
        # Additions of this release (new columns only):
        ("schema_id", "TEXT"), ("resolved_model", "TEXT"), ("incomplete", "INTEGER"),
    ],
}

#: Tables for tools, fragments and schemas (added, never changing the documented ones).
_EXTRA_TABLES = [
    """CREATE TABLE IF NOT EXISTS [schemas] (
  [id] TEXT PRIMARY KEY,
  [content] TEXT
)""",
    """CREATE TABLE IF NOT EXISTS [fragments] (
  [id] INTEGER PRIMARY KEY,
  [hash] TEXT,
  [content] TEXT,
  [datetime_utc] TEXT,
  [source] TEXT
)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS [idx_fragments_hash] ON [fragments] ([hash])",
    """CREATE TABLE IF NOT EXISTS [fragment_aliases] (
  [alias] TEXT PRIMARY KEY,
  [fragment_id] INTEGER REFERENCES [fragments]([id])
)""",
    """CREATE TABLE IF NOT EXISTS [prompt_fragments] (
  [response_id] TEXT REFERENCES [responses]([id]),
  [fragment_id] INTEGER REFERENCES [fragments]([id]),
  [order] INTEGER,
  PRIMARY KEY ([response_id], [fragment_id], [order])
)""",
    """CREATE TABLE IF NOT EXISTS [system_fragments] (
  [response_id] TEXT REFERENCES [responses]([id]),
  [fragment_id] INTEGER REFERENCES [fragments]([id]),
  [order] INTEGER,
  PRIMARY KEY ([response_id], [fragment_id], [order])
)""",
    """CREATE TABLE IF NOT EXISTS [tools] (
  [id] INTEGER PRIMARY KEY,
  [hash] TEXT,
  [name] TEXT,
  [description] TEXT,
  [input_schema] TEXT,
  [plugin] TEXT
)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS [idx_tools_hash] ON [tools] ([hash])",
    """CREATE TABLE IF NOT EXISTS [tool_responses] (
  [tool_id] INTEGER REFERENCES [tools]([id]),
  [response_id] TEXT REFERENCES [responses]([id]),
  PRIMARY KEY ([tool_id], [response_id])
)""",
    """CREATE TABLE IF NOT EXISTS [tool_calls] (
  [id] INTEGER PRIMARY KEY,
  [response_id] TEXT REFERENCES [responses]([id]),
  [tool_id] INTEGER REFERENCES [tools]([id]),
  [name] TEXT,
  [arguments] TEXT,
  [tool_call_id] TEXT
)""",
    """CREATE TABLE IF NOT EXISTS [tool_results] (
  [id] INTEGER PRIMARY KEY,
  [response_id] TEXT REFERENCES [responses]([id]),
  [tool_id] INTEGER REFERENCES [tools]([id]),
  [name] TEXT,
  [output] TEXT,
  [tool_call_id] TEXT,
  [instance_id] INTEGER,
  [exception] TEXT
)""",
    """CREATE TABLE IF NOT EXISTS [tool_instances] (
  [id] INTEGER PRIMARY KEY,
  [plugin] TEXT,
  [name] TEXT,
  [arguments] TEXT
)""",
    "CREATE INDEX IF NOT EXISTS [idx_tool_calls_response_id] ON [tool_calls] ([response_id])",
    "CREATE INDEX IF NOT EXISTS [idx_tool_results_response_id] ON [tool_results] ([response_id])",
]

_FTS = """CREATE VIRTUAL TABLE IF NOT EXISTS [responses_fts] USING FTS5 (
  [prompt],
  [response],
  content=[responses]
)"""

_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS [responses_ai] AFTER INSERT ON [responses] BEGIN
  INSERT INTO [responses_fts] (rowid, [prompt], [response]) VALUES (new.rowid, new.[prompt], new.[response]);
END""",
    """CREATE TRIGGER IF NOT EXISTS [responses_ad] AFTER DELETE ON [responses] BEGIN
  INSERT INTO [responses_fts] ([responses_fts], rowid, [prompt], [response]) VALUES('delete', old.rowid, old.[prompt], old.[response]);
END""",
    """CREATE TRIGGER IF NOT EXISTS [responses_au] AFTER UPDATE ON [responses] BEGIN
  INSERT INTO [responses_fts] ([responses_fts], rowid, [prompt], [response]) VALUES('delete', old.rowid, old.[prompt], old.[response]);
  INSERT INTO [responses_fts] (rowid, [prompt], [response]) VALUES (new.rowid, new.[prompt], new.[response]);
END""",
]

_INDEXES = [
    "CREATE INDEX IF NOT EXISTS [idx_responses_conversation_id] ON [responses] ([conversation_id])",
    "CREATE INDEX IF NOT EXISTS [idx_responses_datetime_utc] ON [responses] ([datetime_utc])",
]

#: Hooks for later schema additions (tools, fragments, schemas): callables taking the connection.
EXTRA_STEPS: list = []


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def _apply(conn: sqlite3.Connection) -> None:
    existing = _tables(conn)
    fts_is_new = "responses_fts" not in existing
    if "responses" not in existing and "logs" in existing:
        # The earliest releases called the table "logs": keep its rows under the new name.
        conn.execute("ALTER TABLE [logs] RENAME TO [responses]")
    for sql in _TABLES.values():
        conn.execute(sql)
    for table, columns in _COLUMNS.items():
        have = _columns(conn, table)
        for name, kind in columns:
            if name not in have:
                conn.execute(f"ALTER TABLE [{table}] ADD COLUMN [{name}] {kind}")
    conn.execute(_FTS)
    for sql in _TRIGGERS:
        conn.execute(sql)
    if fts_is_new:
        conn.execute("INSERT INTO [responses_fts] ([responses_fts]) VALUES ('rebuild')")
    for sql in _INDEXES + _EXTRA_TABLES:
        conn.execute(sql)
    for step in EXTRA_STEPS:
        step(conn)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database up to :data:`SCHEMA_VERSION`; safe to call from many processes."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            _apply(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
