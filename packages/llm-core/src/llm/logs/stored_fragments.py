"""Fragments stored in logs.db: look-ups by alias or hash, listing, aliases.

Each fragment is stored once, keyed by the sha256 of its content (see
:func:`.write.store_fragment`); an alias (``llm fragments set``) names one.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from typing import Any

from .write import store_fragment

#: What an alias may be: it must not look like a loader prefix, a path or a URL.
ALIAS = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def find_fragment(conn: sqlite3.Connection, alias_or_hash: str) -> Any | None:
    """The stored fragment with this alias (first) or hash, as an ``llm.Fragment``
    keeping its source, or None."""
    from ..fragments import Fragment

    row = conn.execute(
        """select fragments.content, fragments.source
        from fragment_aliases join fragments on fragments.id = fragment_aliases.fragment_id
        where fragment_aliases.alias = ?""",
        [alias_or_hash],
    ).fetchone()
    if row is None:
        row = conn.execute("select content, source from fragments where hash = ?", [alias_or_hash]).fetchone()
    return None if row is None else Fragment(row[0], row[1])


def list_fragments(conn: sqlite3.Connection, queries: Sequence[str] = (), aliases_only: bool = False) -> list[dict]:
    """Stored fragments, oldest first, as ``{"hash", "aliases", "datetime_utc",
    "source", "content"}``. Each query must match the content, source or an alias
    (as a substring) or the hash."""
    where, params = [], []
    for query in queries:
        where.append(
            "(fragments.content like ? or fragments.source like ? or fragments.hash = ? or "
            "exists (select 1 from fragment_aliases a where a.fragment_id = fragments.id "
            "and a.alias like ?))"
        )
        params.extend([f"%{query}%", f"%{query}%", query, f"%{query}%"])
    if aliases_only:
        where.append("exists (select 1 from fragment_aliases a where a.fragment_id = fragments.id)")
    sql = "select id, hash, content, datetime_utc, source from fragments"
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by datetime_utc, id"
    aliases: dict[int, list[str]] = {}
    for fragment_id, alias in conn.execute("select fragment_id, alias from fragment_aliases order by alias"):
        aliases.setdefault(fragment_id, []).append(alias)
    return [
        {"hash": row[1], "aliases": aliases.get(row[0], []), "datetime_utc": row[3], "source": row[4],
         "content": row[2]}
        for row in conn.execute(sql, params).fetchall()
    ]


def set_alias(conn: sqlite3.Connection, alias: str, fragment: Any) -> None:
    """Store ``fragment`` (once) and point ``alias`` at it, replacing an earlier target."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        fragment_id = store_fragment(conn, fragment)
        conn.execute(
            "insert or replace into fragment_aliases (alias, fragment_id) values (?, ?)",
            [alias, fragment_id],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def remove_alias(conn: sqlite3.Connection, alias: str) -> bool:
    """Remove an alias (the fragment stays: earlier prompts refer to it); False if there was none."""
    return conn.execute("delete from fragment_aliases where alias = ?", [alias]).rowcount > 0
