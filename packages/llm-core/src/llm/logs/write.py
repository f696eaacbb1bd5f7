"""Writing responses to logs.db: one response, one transaction."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..schemas import schema_id
from ..utils import truncate_string
from .connection import as_connection


def _json_or_none(value: Any) -> Any:
    if value is None:
        return None
    return json.dumps(value, default=repr)


def response_row(response: Any) -> dict[str, Any]:
    prompt = response.prompt
    options = {}
    if prompt.options is not None:
        options = {k: v for k, v in prompt.options.model_dump().items() if v is not None}
    return {
        "id": response.id,
        "model": response.model.model_id,
        # Fragments are stored once each, in their own table: log the text typed.
        "prompt": prompt._prompt,
        "system": prompt._system,
        "prompt_json": _json_or_none(prompt.prompt_json),
        "options_json": json.dumps(options, default=repr),
        "response": "".join(response._chunks),
        "response_json": _json_or_none(response.response_json),
        "conversation_id": response.conversation.id if response.conversation else None,
        "duration_ms": response.duration_ms(),
        "datetime_utc": response.datetime_utc(),
        "input_tokens": response.input_tokens,
        "output_tokens": response.output_tokens,
        "token_details": _json_or_none(response.token_details),
        "schema_id": schema_id(prompt.schema) if prompt.schema else None,
        "resolved_model": response.resolved_model,
        "incomplete": 1 if response.incomplete else None,
    }


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, Any], verb: str = "INSERT") -> None:
    columns = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"{verb} INTO [{table}] ({columns}) VALUES ({marks})", list(row.values()))


def log_response(db: Any, response: Any) -> None:
    """Write the conversation (if new), the response and its attachments atomically."""
    conn = as_connection(db)
    conversation = response.conversation
    if conversation is None:
        # Every logged response belongs to a conversation, as in earlier releases.
        from ..conversations import Conversation

        conversation = Conversation(model=response.model)
        response.conversation = conversation
        conversation.responses.append(response)
    row = response_row(response)
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not conversation.name:
            conversation.name = truncate_string(response.prompt.prompt or "", 32)
        _insert(conn, "conversations", {
            "id": conversation.id,
            "name": conversation.name,
            "model": conversation.model.model_id,
        }, verb="INSERT OR IGNORE")
        _insert(conn, "responses", row)
        for order, attachment in enumerate(response.prompt.attachments):
            attachment_id = attachment.id()
            content = None
            if not attachment.path and not attachment.url:
                content = attachment.content_bytes()
            _insert(conn, "attachments", {
                "id": attachment_id,
                "type": attachment.resolve_type(),
                "path": attachment.path,
                "url": attachment.url,
                "content": content,
            }, verb="INSERT OR IGNORE")
            _insert(conn, "prompt_attachments", {
                "response_id": response.id,
                "attachment_id": attachment_id,
                "order": order,
            }, verb="INSERT OR IGNORE")
        if prompt_schema := response.prompt.schema:
            _insert(conn, "schemas", {"id": row["schema_id"], "content": json.dumps(prompt_schema)},
                    verb="INSERT OR IGNORE")
        _log_fragments(conn, response)
        _log_tools(conn, response)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _fragment_id(conn: sqlite3.Connection, fragment: Any) -> int:
    from ..fragments import Fragment

    if not isinstance(fragment, Fragment):
        fragment = Fragment(str(fragment))
    digest = fragment.id()
    row = conn.execute("SELECT id FROM fragments WHERE hash = ?", [digest]).fetchone()
    if row:
        return row[0]
    cursor = conn.execute(
        "INSERT INTO fragments (hash, content, datetime_utc, source) VALUES (?, ?, datetime('now'), ?)",
        [digest, str(fragment), fragment.source or None],
    )
    return cursor.lastrowid  # type: ignore[return-value]


def store_fragment(conn: sqlite3.Connection, fragment: Any) -> int:
    """Store a fragment once (by hash) and return its id; for ``llm fragments set``."""
    return _fragment_id(conn, fragment)


def _log_fragments(conn: sqlite3.Connection, response: Any) -> None:
    for table, fragments in (("prompt_fragments", response.prompt.fragments),
                             ("system_fragments", response.prompt.system_fragments)):
        for order, fragment in enumerate(fragments):
            _insert(conn, table, {"response_id": response.id, "fragment_id": _fragment_id(conn, fragment),
                                  "order": order}, verb="INSERT OR IGNORE")


def _tool_id(conn: sqlite3.Connection, tool: Any) -> int:
    digest = tool.hash()
    row = conn.execute("SELECT id FROM tools WHERE hash = ?", [digest]).fetchone()
    if row:
        return row[0]
    cursor = conn.execute(
        "INSERT INTO tools (hash, name, description, input_schema, plugin) VALUES (?, ?, ?, ?, ?)",
        [digest, tool.name, tool.description, json.dumps(tool.input_schema), tool.plugin],
    )
    return cursor.lastrowid  # type: ignore[return-value]


def _log_tools(conn: sqlite3.Connection, response: Any) -> None:
    tool_ids = {}
    for tool in response.prompt.tools:
        tool_ids[tool.name] = _tool_id(conn, tool)
        _insert(conn, "tool_responses", {"tool_id": tool_ids[tool.name], "response_id": response.id},
                verb="INSERT OR IGNORE")
    for call in response._tool_calls:
        _insert(conn, "tool_calls", {
            "response_id": response.id, "tool_id": tool_ids.get(call.name), "name": call.name,
            "arguments": json.dumps(call.arguments or {}, default=repr), "tool_call_id": call.tool_call_id,
        })
    for result in response.prompt.tool_results:
        exception = getattr(result, "exception", None)
        _insert(conn, "tool_results", {
            "response_id": response.id, "tool_id": tool_ids.get(result.name), "name": result.name,
            "output": result.output, "tool_call_id": result.tool_call_id,
            "exception": f"{exception.__class__.__name__}: {exception}" if exception else None,
        })
