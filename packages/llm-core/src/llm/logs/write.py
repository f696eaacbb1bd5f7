"""Writing responses to logs.db: one response, one transaction."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

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
        "prompt": prompt.prompt,
        "system": prompt.system,
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
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
