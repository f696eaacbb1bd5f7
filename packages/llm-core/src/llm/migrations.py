"""Compatibility path: ``from llm.migrations import migrate`` (logs.db schema).

Accepts a sqlite-utils Database or a sqlite3 connection.
"""

from __future__ import annotations

from typing import Any

from .logs.connection import as_connection
from .logs.migrations import migrate as _migrate


def migrate(db: Any) -> None:
    _migrate(as_connection(db))
