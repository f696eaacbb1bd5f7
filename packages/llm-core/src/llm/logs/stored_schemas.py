"""Schemas stored in logs.db: each schema a prompt asked for, once, by its ID
(:func:`llm.schemas.schema_id`), and how often responses used it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any


def find_schema(conn: sqlite3.Connection, schema_id: str) -> dict[str, Any] | None:
    """The stored schema with this ID, or None."""
    row = conn.execute("select content from schemas where id = ?", [schema_id]).fetchone()
    return None if row is None else json.loads(row[0])


def list_schemas(conn: sqlite3.Connection, queries: Sequence[str] = ()) -> list[dict]:
    """Stored schemas, most recently used first, as ``{"id", "schema",
    "times_used", "most_recent"}``; each query must appear in the schema's JSON."""
    where, params = [], []
    for query in queries:
        where.append("schemas.content like ?")
        params.append(f"%{query}%")
    sql = """
        select schemas.id, schemas.content,
            count(responses.id) as times_used,
            max(responses.datetime_utc) as most_recent
        from schemas left join responses on responses.schema_id = schemas.id
    """
    if where:
        sql += " where " + " and ".join(where)
    sql += " group by schemas.id order by most_recent desc, schemas.rowid desc"
    return [
        {"id": row[0], "schema": json.loads(row[1]), "times_used": row[2], "most_recent": row[3]}
        for row in conn.execute(sql, params).fetchall()
    ]
