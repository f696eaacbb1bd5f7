"""Opening SQLite databases the way every llm process must: WAL, busy timeout."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, Optional, Union

from ..errors import ConfigError
from ..files import create_private_file


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


def create_private_database(path: Union[str, Path]) -> None:
    """Create a database file 0600 before SQLite does (0644 under umask 022); SQLite
    gives its -wal and -shm files the same mode. An existing file is left alone."""
    name = str(path)
    if name == ":memory:" or name.startswith("file:") or not name:
        return
    try:
        create_private_file(name)
    except OSError:
        pass  # a missing directory or no permission: SQLite reports it


def _tables(conn: sqlite3.Connection) -> dict[str, Any]:
    """Table name -> a callable giving its column names (read only when asked)."""

    def columns(name: str) -> Any:
        return lambda: {row[1] for row in conn.execute(f"PRAGMA table_info([{name.replace(']', ']]')}])")}

    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {name: columns(name) for name in names}


def _check_kind(conn: sqlite3.Connection, path: Union[str, Path], kind: str, belongs: Any) -> None:
    tables = _tables(conn)
    if tables and not belongs(tables):
        shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise LogsDatabaseError(f"{path} is not {kind} (its tables: {shown}); it was left as it is")


def check_database_kind(path: Union[str, Path], kind: str, belongs: Any) -> None:
    """Refuse to convert an unrelated SQLite file: raise LogsDatabaseError unless
    ``path`` is missing, empty, has no tables or ``belongs(tables)`` is true.

    ``tables`` maps each table name to a callable returning its column names;
    ``kind`` names what was expected ("an llm logs database") in the message.
    The file is opened read-only: nothing in it changes.
    """
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            return
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LogsDatabaseError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            _check_kind(conn, path, kind, belongs)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise LogsDatabaseError(f"{path}: {_describe(exc)}") from exc


def is_logs_database(tables: dict[str, Any]) -> bool:
    """True for logs.db of any release: ``responses`` or llm's migrations table, or
    the earliest releases' ``logs`` table (with their columns)."""
    if "responses" in tables or "_llm_migrations" in tables:
        return True
    return "logs" in tables and {"model", "prompt", "response"} <= tables["logs"]()


def connect(path: Union[str, Path], *, timeout: Optional[float] = None,
            expect: Optional[tuple[str, Any]] = None) -> sqlite3.Connection:
    """A connection in autocommit mode (we manage transactions), WAL, busy timeout.

    A new database file is created private (0600). With ``expect=(kind, belongs)``
    an existing file that is not of that kind is refused before anything in it
    changes (see :func:`check_database_kind`).
    """
    timeout = _busy_timeout() if timeout is None else timeout
    create_private_database(path)
    try:
        conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if expect is not None:
            try:
                _check_kind(conn, path, *expect)
            except LogsDatabaseError:
                conn.close()
                raise
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


def open_db(path: Union[str, Path, None] = None, *, reading: bool = False) -> sqlite3.Connection:
    """Open a logs database (default: the user's logs.db), creating or migrating it.

    ``reading=True`` is for commands that only read (``llm logs -d FILE``): a file
    that is not an llm logs database is refused rather than given llm's tables.
    Commands that log into a file the user named may add them, as documented.
    """
    from ..config import logs_db_path
    from .migrations import migrate

    path = Path(path) if path is not None else logs_db_path()
    conn = connect(path, expect=("an llm logs database", is_logs_database) if reading else None)
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
