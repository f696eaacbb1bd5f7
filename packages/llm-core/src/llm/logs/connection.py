"""Opening SQLite databases the way every llm process must: WAL, busy timeout."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, Optional, Union

from ..errors import ConfigError


def busy_timeout() -> float:
    """Seconds a writer waits for another process's lock: ``LLM_BUSY_TIMEOUT``, default 30.

    Used for logs.db and embeddings.db alike.
    """
    value = os.environ.get("LLM_BUSY_TIMEOUT")
    try:
        seconds = float(value) if value else 30.0
    except ValueError:
        return 30.0
    return seconds if seconds >= 0 else 30.0


_busy_timeout = busy_timeout


#: Seconds a writer waits for another process's lock (``LLM_BUSY_TIMEOUT`` overrides).
BUSY_TIMEOUT_SECONDS = _busy_timeout()


class LogsDatabaseError(ConfigError):
    """The database file is not usable: corrupt, read-only, not SQLite..."""


def connect(path: Union[str, Path], *, timeout: Optional[float] = None) -> sqlite3.Connection:
    """A connection in autocommit mode (we manage transactions), WAL, busy timeout."""
    timeout = _busy_timeout() if timeout is None else timeout
    try:
        conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            conn.execute("PRAGMA journal_mode = wal")
        conn.execute("PRAGMA foreign_keys = off")
    except sqlite3.DatabaseError as exc:
        raise LogsDatabaseError(f"{path}: {_describe(exc)}") from exc
    return conn


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if "file is not a database" in text:
        return "not a SQLite database (or it is corrupt)"
    if "readonly" in text or "read-only" in text:
        return "the database is read-only"
    if "unable to open" in text:
        return "cannot open the database file"
    return text


def open_db(path: Union[str, Path, None] = None) -> sqlite3.Connection:
    """Open a logs database (default: the user's logs.db), creating or migrating it."""
    from ..config import logs_db_path
    from .migrations import migrate

    path = Path(path) if path is not None else logs_db_path()
    conn = connect(path)
    try:
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise LogsDatabaseError(f"{path}: {_describe(exc)}") from exc
    return conn


def as_connection(db: Any) -> sqlite3.Connection:
    """Accept a sqlite3 connection, a sqlite-utils Database or a path."""
    if isinstance(db, sqlite3.Connection):
        return db
    conn = getattr(db, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return conn
    if isinstance(db, (str, Path)):
        return open_db(db)
    raise TypeError(f"Expected a sqlite3 connection or database path, got {type(db).__name__}")
