"""``LogStore``: one logs database as an object, and :func:`open` to get one.

Everything the command line does with logs.db goes through here: logging,
conversations, search with every ``llm logs`` filter, stored fragments and
schemas, toolbox instances, status. Plugins' test suites use it too (with a
path, a sqlite3 connection or a sqlite-utils Database). Conversations read back
as messages carry each turn's prompt, tool calls and results and the response
text; reasoning is not stored in logs.db, so it does not come back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .connection import as_connection, connect, open_db
from .migrations import migrate
from .read import latest_conversation_id, load_conversation
from .search import LogFilters, count, search
from .status import LogStatus, log_status
from .write import log_response, store_fragment


class LogStore:
    """A logs database: a path, a sqlite3 connection or a sqlite-utils Database
    (migrated on first use); the user's logs.db when none is given.

    Used as a context manager it closes the connection it opened (never one
    it was given)."""

    #: The database file, when there is one.
    path: Path | None
    #: False for the empty stand-in :func:`open` gives for a file that does not exist.
    exists: bool

    def __init__(self, db: Any = None) -> None:
        if db is None or isinstance(db, (str, Path)):
            from ..config import logs_db_path

            self.path = Path(db) if db is not None else logs_db_path()
            self.conn = open_db(self.path)
            self._owns = True
        else:
            self.conn = as_connection(db)
            self.path = _file_of(self.conn)
            self._owns = False
            migrate(self.conn)
        self.exists = True

    @classmethod
    def _opened(cls, conn: sqlite3.Connection, path: Path | None, exists: bool = True) -> LogStore:
        store = cls.__new__(cls)
        store.conn, store.path, store.exists, store._owns = conn, path, exists, True
        return store

    # -- writing ----------------------------------------------------------------

    def log(self, response: Any) -> str:
        """Write one finished response (and its conversation); return its ID."""
        log_response(self.conn, response)
        return response.id

    def log_toolbox_instances(self, responses: Sequence[Any], tools: Sequence[Any]) -> None:
        """Record the toolboxes in ``tools`` that answered tool calls in ``responses``
        (already logged), with their constructor arguments: see :meth:`toolbox_configs`."""
        from .tool_instances import log_toolbox_instances

        log_toolbox_instances(self.conn, responses, tools)

    # -- conversations ------------------------------------------------------------

    def latest_conversation_id(self) -> str | None:
        return latest_conversation_id(self.conn)

    def conversation(self, conversation_id: str | None = None, *, model: Any = None,
                     async_: bool = False) -> Any:
        """The conversation, ready to continue (the latest without an ID), or None."""
        return load_conversation(self.conn, conversation_id, model=model, async_=async_)

    def conversation_messages(self, conversation_id: str | None = None, *, model: Any = None) -> list[Any]:
        """Every turn of a logged conversation as ``llm.parts.Message`` objects."""
        from ..history import history_messages

        conversation = self.conversation(conversation_id, model=model)
        if conversation is None:
            raise KeyError(f"No conversation found with id={conversation_id}")
        return history_messages(conversation.responses)

    #: A conversation is what upstream's storage calls a thread.
    thread_messages = conversation_messages

    def toolbox_configs(self, conversation_id: str) -> dict[str, dict]:
        """Toolbox name -> the arguments it was built with, as last logged in this
        conversation: ``Toolbox(**config)`` builds it again to continue."""
        from .tool_instances import toolbox_configs

        return toolbox_configs(self.conn, conversation_id)

    def toolbox_config(self, conversation_id: str, name: str) -> dict:
        """The logged arguments of toolbox ``name`` in this conversation ({} if none)."""
        return self.toolbox_configs(conversation_id).get(name, {})

    # -- searching ----------------------------------------------------------------

    def search(self, filters: LogFilters | None = None, *, expand: bool = False, **fields: Any) -> list[dict]:
        """Logged responses matching ``filters`` (or ``LogFilters(**fields)``), oldest
        first, as dicts: the columns ``llm logs --json`` shows, ``attachments``, and
        ``fragments``, ``system_fragments``, ``tools``, ``tool_calls``,
        ``tool_results``, ``schema_id`` / ``schema`` where a response has them
        (fragment content too with ``expand``)."""
        return search(self, _filters(filters, fields), expand=expand)

    def count(self, filters: LogFilters | None = None, **fields: Any) -> int:
        """How many logged responses match (``limit`` aside)."""
        return count(self, _filters(filters, fields))

    # -- fragments ----------------------------------------------------------------

    def fragment(self, alias_or_hash: str) -> Any:
        """The stored ``llm.Fragment`` with this alias or sha256 hash, or None."""
        from .stored_fragments import find_fragment

        return find_fragment(self.conn, alias_or_hash)

    def fragments(self, queries: Sequence[str] = (), *, aliases_only: bool = False) -> list[dict]:
        """Stored fragments, oldest first: ``{"hash", "aliases", "datetime_utc",
        "source", "content"}``; each query must match content, source, an alias or the hash."""
        from .stored_fragments import list_fragments

        return list_fragments(self.conn, queries, aliases_only=aliases_only)

    def store_fragment(self, fragment: Any) -> int:
        """Store a fragment once (by hash); returns its row ID."""
        return store_fragment(self.conn, fragment)

    def set_fragment_alias(self, alias: str, fragment: Any) -> Any:
        """Point ``alias`` at a fragment, storing it: an ``llm.Fragment`` or a
        reference (file, URL, ``loader:argument``, stored alias or hash) that must
        resolve to exactly one text fragment. Returns the fragment."""
        from ..errors import FragmentError
        from ..fragments import Fragment, resolve_fragment
        from .stored_fragments import ALIAS, set_alias

        if not ALIAS.match(alias):
            raise FragmentError(f"Invalid alias '{alias}': use letters, digits, '_', '-' and '.'")
        if not isinstance(fragment, Fragment):
            items = resolve_fragment(fragment, store=self)
            if len(items) != 1 or not isinstance(items[0], Fragment):
                raise FragmentError(f"{fragment} must resolve to exactly one text fragment")
            fragment = items[0]
        set_alias(self.conn, alias, fragment)
        return fragment

    def remove_fragment_alias(self, alias: str) -> bool:
        """Remove an alias (the fragment stays); False when there was no such alias."""
        from .stored_fragments import remove_alias

        return self.exists and remove_alias(self.conn, alias)

    # -- schemas ------------------------------------------------------------------

    def schema(self, schema_id: str) -> dict | None:
        """The stored schema with this ID, or None."""
        from .stored_schemas import find_schema

        return find_schema(self.conn, schema_id)

    def schemas(self, queries: Sequence[str] = ()) -> list[dict]:
        """Stored schemas, most recently used first: ``{"id", "schema", "times_used",
        "most_recent"}``; each query must appear in the schema."""
        from .stored_schemas import list_schemas

        return list_schemas(self.conn, queries)

    # -- the database -------------------------------------------------------------

    def status(self) -> LogStatus:
        """Counts of conversations and responses, and the file's size."""
        return log_status(self.conn, self.path, self.exists)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> LogStore:  # noqa: PYI034 - Self needs Python 3.11
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._owns:
            self.close()


def _filters(filters: LogFilters | None, fields: dict[str, Any]) -> LogFilters:
    if filters is not None and fields:
        raise TypeError("Pass LogFilters or keyword filters, not both")
    return filters if filters is not None else LogFilters(**fields)


def _file_of(conn: sqlite3.Connection) -> Path | None:
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return Path(row[2]) if row[2] else None
    return None


def open(path: str | Path | None = None, *, create: bool = True) -> LogStore:
    """The logs database at ``path`` (default: the user's logs.db) as a :class:`LogStore`.

    ``create=True`` creates the file if needed; either way the schema is brought
    up to date (additions only). ``create=False`` is for reading: nothing is
    created, a missing file reads as an empty store (``store.exists`` is False,
    writing to it fails), and a SQLite file that is not an llm logs database is
    refused (:class:`~llm.logs.LogsDatabaseError`) before anything in it changes.
    """
    from ..config import logs_db_path

    path = Path(path) if path is not None else logs_db_path()
    if create:
        return LogStore._opened(open_db(path), path)
    if not path.exists():
        conn = connect(":memory:")
        migrate(conn)
        conn.execute("PRAGMA query_only = 1")
        return LogStore._opened(conn, path, exists=False)
    return LogStore._opened(open_db(path, reading=True), path)


def as_store(db: Any) -> LogStore:
    """``db`` if it is a :class:`LogStore`, else a store over it (path, connection, Database)."""
    return db if isinstance(db, LogStore) else LogStore(db)

