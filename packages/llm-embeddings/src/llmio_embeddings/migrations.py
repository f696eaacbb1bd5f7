"""Bring an embeddings database up to the current schema.

The schema is the one documented for ``embeddings.db``. Rather than keep a
migration log, each step inspects the schema, so databases written by any
earlier release of llm (with or without its migrations table) upgrade in place.
Migrations only ever add tables, columns and triggers: user rows are never rewritten.
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

# A counter per collection, moved by triggers on every change to its vectors,
# whichever program makes the change: the matrix cache beside the database
# (``matrix.py``) records the version it holds and is never used when the two
# differ. A new counter starts at a random value, so a cache left beside a
# replaced database cannot match it by accident.
VERSIONS_SQL = """CREATE TABLE [collection_versions] (
   [collection_id] INTEGER PRIMARY KEY,
   [version] INTEGER NOT NULL
)"""

_BUMP = (
    "INSERT INTO [collection_versions] ([collection_id], [version]) "
    "VALUES ({row}.[collection_id], abs(random() % 1000000000000)) "
    "ON CONFLICT ([collection_id]) DO UPDATE SET [version] = [version] + 1;"
)

TRIGGERS = {
    "embeddings_version_insert": (
        "CREATE TRIGGER [embeddings_version_insert] AFTER INSERT ON [embeddings] BEGIN "
        + _BUMP.format(row="new")
        + " END"
    ),
    "embeddings_version_update": (
        "CREATE TRIGGER [embeddings_version_update] "
        "AFTER UPDATE OF [embedding], [id], [collection_id] ON [embeddings] BEGIN "
        + _BUMP.format(row="new")
        # and the collection the row moved out of, if any
        + " INSERT INTO [collection_versions] ([collection_id], [version]) "
        "SELECT old.[collection_id], abs(random() % 1000000000000) "
        "WHERE old.[collection_id] IS NOT new.[collection_id] "
        "ON CONFLICT ([collection_id]) DO UPDATE SET [version] = [version] + 1; END"
    ),
    "embeddings_version_delete": (
        "CREATE TRIGGER [embeddings_version_delete] AFTER DELETE ON [embeddings] BEGIN "
        + _BUMP.format(row="old")
        + " END"
    ),
}

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
    if not all(name in existing for name, _ in _LATER_COLUMNS):
        return True
    return _missing_triggers(conn) != set()


def _missing_triggers(conn: sqlite3.Connection) -> set[str]:
    present = {
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    return set(TRIGGERS) - present


def collection_version(conn: sqlite3.Connection, collection_id: int) -> int:
    """The change counter of a collection (0 before its first row was written)."""
    row = conn.execute(
        "SELECT version FROM collection_versions WHERE collection_id = ?", [collection_id]
    ).fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection) -> None:
    """Create or upgrade the tables and version triggers, in one transaction.

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
        if "collection_versions" not in tables:
            conn.execute(VERSIONS_SQL)
        missing = _missing_triggers(conn)
        for name in sorted(missing):
            conn.execute(TRIGGERS[name])
        if missing:
            # Changes made while a trigger was missing went uncounted: move every
            # counter on, so no cache built before them can match.
            conn.execute(
                "INSERT INTO [collection_versions] ([collection_id], [version]) "
                "SELECT [id], abs(random() % 1000000000000) FROM [collections] WHERE true "
                "ON CONFLICT ([collection_id]) DO UPDATE SET [version] = [version] + 1"
            )
    except BaseException:
        if began:
            conn.rollback()
        raise
    if began:
        conn.commit()
