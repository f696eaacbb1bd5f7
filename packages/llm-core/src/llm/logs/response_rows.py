"""Logged responses as rows: the columns ``llm logs --json`` shows, then what
each response used (attachments, fragments, tools, tool calls and results, schema).

A row is a plain dict, JSON-ready, so a Python caller and the CLI see the same
thing. Keys beyond the documented columns appear only on rows that have them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

#: The columns of a row, in the order ``llm logs --json`` shows them.
ROW_COLUMNS = """
    responses.id,
    responses.model,
    responses.prompt,
    responses.system,
    responses.prompt_json,
    responses.options_json,
    responses.response,
    responses.response_json,
    responses.conversation_id,
    responses.duration_ms,
    responses.datetime_utc,
    responses.input_tokens,
    responses.output_tokens,
    responses.token_details,
    responses.incomplete,
    conversations.name as conversation_name,
    conversations.model as conversation_model
"""

#: How rows join their conversation.
ROW_JOIN = "left join conversations on conversations.id = responses.conversation_id"


def fetch_dicts(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict]:
    cursor = conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _marks(ids: Sequence[Any]) -> str:
    return ", ".join("?" for _ in ids)


def add_attachments(conn: sqlite3.Connection, rows: list[dict]) -> None:
    """Give every row an ``attachments`` list (``id``, ``type``, ``path``, ``url``,
    ``content_length``), in the order they were attached."""
    ids = [row["id"] for row in rows]
    found: dict[str, list[dict]] = {}
    if ids:
        for item in fetch_dicts(
            conn,
            f"""
            select prompt_attachments.response_id, attachments.id, attachments.type,
                   attachments.path, attachments.url, length(attachments.content) as content_length
            from attachments
            join prompt_attachments on attachments.id = prompt_attachments.attachment_id
            where prompt_attachments.response_id in ({_marks(ids)})
            order by prompt_attachments."order"
            """,
            ids,
        ):
            found.setdefault(item.pop("response_id"), []).append(item)
    for row in rows:
        row["attachments"] = found.get(row["id"], [])


def _loads(text: Any, fallback: Any) -> Any:
    try:
        return json.loads(text) if text else fallback
    except ValueError:
        return text


def add_details(conn: sqlite3.Connection, rows: list[dict], expand: bool = False) -> None:
    """Add ``fragments``, ``system_fragments``, ``tools``, ``tool_calls``,
    ``tool_results``, ``schema_id`` and ``schema`` to the rows that have them.

    Fragments are ``{"hash", "source"}`` (plus ``"content"`` when ``expand``)."""
    ids = [row["id"] for row in rows]
    if not ids:
        return
    marks = _marks(ids)
    by_id = {row["id"]: row for row in rows}
    for table, key in (("prompt_fragments", "fragments"), ("system_fragments", "system_fragments")):
        for item in fetch_dicts(
            conn,
            f"""
            select [{table}].response_id, fragments.hash, fragments.source, fragments.content
            from [{table}] join fragments on fragments.id = [{table}].fragment_id
            where [{table}].response_id in ({marks}) order by [{table}].[order]""",
            ids,
        ):
            entry = {"hash": item["hash"], "source": item["source"]}
            if expand:
                entry["content"] = item["content"]
            by_id[item["response_id"]].setdefault(key, []).append(entry)
    for item in fetch_dicts(
        conn,
        f"""
        select tool_responses.response_id, tools.name, tools.plugin from tool_responses
        join tools on tools.id = tool_responses.tool_id
        where tool_responses.response_id in ({marks}) order by tools.name""",
        ids,
    ):
        by_id[item["response_id"]].setdefault("tools", []).append(
            {"name": item["name"], "plugin": item["plugin"]}
        )
    for item in fetch_dicts(
        conn,
        f"""
        select response_id, name, arguments, tool_call_id from tool_calls
        where response_id in ({marks}) order by id""",
        ids,
    ):
        by_id[item["response_id"]].setdefault("tool_calls", []).append(
            {"name": item["name"], "arguments": _loads(item["arguments"], {}),
             "tool_call_id": item["tool_call_id"]}
        )
    for item in fetch_dicts(
        conn,
        f"""
        select tool_results.response_id, tool_results.name, tool_results.output,
            tool_results.tool_call_id, tool_results.exception, tool_instances.name as instance,
            tool_instances.arguments as instance_arguments
        from tool_results left join tool_instances on tool_instances.id = tool_results.instance_id
        where tool_results.response_id in ({marks}) order by tool_results.id""",
        ids,
    ):
        result = {"name": item["name"], "output": item["output"], "tool_call_id": item["tool_call_id"]}
        if item["exception"]:
            result["exception"] = item["exception"]
        if item["instance"]:
            arguments = _loads(item["instance_arguments"] or "{}", {})
            result["instance"] = {"name": item["instance"], "arguments": arguments}
        by_id[item["response_id"]].setdefault("tool_results", []).append(result)
    for item in fetch_dicts(
        conn,
        f"""
        select responses.id, responses.schema_id, schemas.content from responses
        left join schemas on schemas.id = responses.schema_id
        where responses.id in ({marks}) and responses.schema_id is not null""",
        ids,
    ):
        row = by_id[item["id"]]
        row["schema_id"] = item["schema_id"]
        try:
            row["schema"] = json.loads(item["content"]) if item["content"] else None
        except ValueError:
            row["schema"] = None


def _with_ids(item: Any, row: dict) -> Any:
    if not isinstance(item, dict):
        return item
    item = dict(item)
    for key, value in (("response_id", row["id"]), ("conversation_id", row["conversation_id"])):
        name = key
        while name in item:
            name = "_" + name
        item[name] = value
    return item


def data_items(rows: Sequence[dict], key: str | None = None, ids: bool = False) -> list[Any]:
    """The JSON each response to a prompt with a schema returned (other rows, and
    answers that are not JSON, are skipped); with ``key``, the items of the array
    under that key instead. ``ids`` adds ``response_id`` and ``conversation_id`` to
    each object (prefixed with ``_`` while the object has such a key already)."""
    items: list[Any] = []
    for row in rows:
        if not row.get("schema_id"):
            continue
        try:
            data = json.loads(row["response"] or "")
        except ValueError:
            continue
        if key is not None:
            values = data.get(key) if isinstance(data, dict) else None
            if not isinstance(values, list):
                continue
        else:
            values = [data]
        items.extend(_with_ids(value, row) if ids else value for value in values)
    return items
