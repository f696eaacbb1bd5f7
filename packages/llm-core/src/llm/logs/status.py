"""What ``llm logs status`` reports about a logs database."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass
class LogStatus:
    path: Path | None
    #: False when the file does not exist (nothing has been logged there yet).
    exists: bool
    conversations: int
    responses: int
    #: Bytes of the database file (0 when there is none).
    size: int


def log_status(conn: sqlite3.Connection, path: Path | None, exists: bool) -> LogStatus:
    conversations = conn.execute("select count(*) from conversations").fetchone()[0]
    responses = conn.execute("select count(*) from responses").fetchone()[0]
    size = path.stat().st_size if exists and path is not None and path.exists() else 0
    return LogStatus(path, exists, conversations, responses, size)
