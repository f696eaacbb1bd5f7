"""Drive the ``llm`` click group in-process, and read what it logged."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Union

from click.testing import CliRunner, Result


def invoke(*args: Any, input: Any = None, catch_exceptions: bool = True, **kwargs: Any) -> Result:
    """``invoke("models", "-q", "mock")`` (or ``invoke(["models", ...])``) runs
    ``llm models -q mock`` with click's CliRunner."""
    from llmio_cli.app import cli

    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=catch_exceptions,
                              prog_name="llm", **kwargs)


def rows(database: Union[str, Path, sqlite3.Connection], sql: str, params: Any = ()) -> list[dict]:
    """Rows of ``sql`` as dicts. ``database`` is a connection, a database file, or a
    user directory (its logs.db)."""
    if isinstance(database, sqlite3.Connection):
        database.row_factory = sqlite3.Row
        return [dict(row) for row in database.execute(sql, params)]
    path = Path(database)
    if path.is_dir():
        path = path / "logs.db"
    conn = sqlite3.connect(path)
    try:
        return rows(conn, sql, params)
    finally:
        conn.close()


def logged(user_path: Union[str, Path]) -> list[dict]:
    """Every row of the responses table in the user directory's logs.db, oldest first."""
    return rows(user_path, "select * from responses order by rowid")
