"""Bring an embeddings database up to the current schema.

The schema is the one documented for ``embeddings.db``. Rather than keep a
migration log, each step inspects the schema, so databases written by any
earlier release of llm (with or without its migrations table) upgrade in place.
Migrations only ever add tables and columns: user rows are never rewritten.
"""

from __future__ import annotations

import sqlite3

COLLECTIONS_SQL = """CREATE TABLE [collections] (
   [id] INTEGER PRIMARY KEY,
   [name] TEXT,
   [model] TEXT
)"""

EMBEDDINGS_SQL = """CREATE TABLE "embeddings" (
   [collection_id] INTEGER REFERENCES [collections]([id]),
   [id] TEXT,
   [embedding] BLOB,
   [content] TEXT,
   [content_blob] BLOB,
   [content_hash] BLOB,
   [metadata] TEXT,
   [updated] INTEGER,
   PRIMARY KEY ([collection_id], [id])
)"""

# Columns added after the first release, in the order they appear in the schema.
_LATER_COLUMNS = (
    ("content", "TEXT"),
    ("content_blob", "BLOB"),
    ("content_hash", "BLOB"),
    ("metadata", "TEXT"),
    ("updated", "INTEGER"),
)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]


def _needs_migration(conn: sqlite3.Connection) -> bool:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "collections" not in tables or "embeddings" not in tables:
        return True
    existing = set(_columns(conn, "embeddings"))
    return not all(name in existing for name, _ in _LATER_COLUMNS)


def migrate(conn: sqlite3.Connection) -> None:
    """Create or upgrade the ``collections`` and ``embeddings`` tables, in one transaction.

    Safe when several processes open a new database at once: the write lock is
    taken first and the schema checked again under it.
    """
    if not _needs_migration(conn):
        return
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN IMMEDIATE")
    try:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "collections" not in tables:
            conn.execute(COLLECTIONS_SQL)
        if "embeddings" not in tables:
            conn.execute(EMBEDDINGS_SQL)
        else:
            existing = set(_columns(conn, "embeddings"))
            for name, sql_type in _LATER_COLUMNS:
                if name not in existing:
                    conn.execute(f"ALTER TABLE [embeddings] ADD COLUMN [{name}] {sql_type}")
    except BaseException:
        if began:
            conn.rollback()
        raise
    if began:
        conn.commit()
