"""Reading conversations back from logs.db so they can be continued."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Optional

from ..attachments import Attachment
from ..errors import UnknownModelError


def latest_conversation_id(conn: sqlite3.Connection) -> Optional[str]:
    row = conn.execute(
        "SELECT conversation_id FROM responses WHERE conversation_id IS NOT NULL "
        "ORDER BY rowid DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def _attachments_for(conn: sqlite3.Connection, response_id: str) -> list[Attachment]:
    rows = conn.execute(
        """SELECT attachments.* FROM attachments
        JOIN prompt_attachments ON attachments.id = prompt_attachments.attachment_id
        WHERE prompt_attachments.response_id = ? ORDER BY prompt_attachments.[order]""",
        [response_id],
    ).fetchall()
    return [Attachment.from_row(dict(row)) for row in rows]


def _loads(value: Optional[str]) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return None


def load_conversation(conn: sqlite3.Connection, conversation_id: Optional[str] = None, *,
                      model: Any = None, async_: bool = False) -> Any:
    """The conversation with its responses (and attachments), or None if there is none.

    Without an id the most recent conversation is loaded. The model is the
    conversation's own unless ``model`` is given.
    """
    from .. import registry
    from ..conversations import AsyncConversation, Conversation
    from ..prompts import Prompt
    from ..responses import AsyncResponse, Response

    conversation_id = conversation_id or latest_conversation_id(conn)
    if conversation_id is None:
        return None
    row = conn.execute("SELECT * FROM conversations WHERE id = ?", [conversation_id]).fetchone()
    if row is None:
        return None
    if model is None:
        model_id = row["model"]
        try:
            model = registry.get_async_model(model_id) if async_ else registry.get_model(model_id)
        except UnknownModelError as exc:
            raise UnknownModelError(
                f"Conversation {conversation_id} used model {model_id}, which is not installed"
            ) from exc
    conversation_cls = AsyncConversation if async_ else Conversation
    response_cls = AsyncResponse if async_ else Response
    conversation = conversation_cls(model=model, id=conversation_id, name=row["name"])
    for r in conn.execute(
        "SELECT * FROM responses WHERE conversation_id = ? ORDER BY rowid", [conversation_id]
    ).fetchall():
        options = _loads(r["options_json"]) or {}
        try:
            options_obj = model.Options(**options)
        except Exception:  # options from another model version: keep the history usable
            options_obj = model.Options()
        keys = r.keys()
        schema = None
        if "schema_id" in keys and r["schema_id"]:
            srow = conn.execute("SELECT content FROM schemas WHERE id = ?", [r["schema_id"]]).fetchone()
            schema = _loads(srow[0]) if srow else None
        prompt = Prompt(r["prompt"], model, system=r["system"], options=options_obj,
                        attachments=_attachments_for(conn, r["id"]),
                        prompt_json=_loads(r["prompt_json"]),
                        fragments=_fragments_for(conn, "prompt_fragments", r["id"]),
                        system_fragments=_fragments_for(conn, "system_fragments", r["id"]),
                        tools=_tools_for(conn, r["id"]),
                        tool_results=_tool_results_for(conn, r["id"]))
        prompt.schema = schema
        response = response_cls(prompt, model, stream=False, conversation=conversation)
        response.id = r["id"]
        if r["response"]:
            response._record(r["response"])
        response._done = True
        response._started = True
        response.response_json = _loads(r["response_json"])
        response.input_tokens = r["input_tokens"]
        response.output_tokens = r["output_tokens"]
        response.token_details = _loads(r["token_details"])
        if "incomplete" in keys:
            response.incomplete = bool(r["incomplete"])
        from ..tools import ToolCall

        for call in conn.execute(
            "SELECT name, arguments, tool_call_id FROM tool_calls WHERE response_id = ? ORDER BY id", [r["id"]]
        ).fetchall():
            response.add_tool_call(ToolCall(call["name"], _loads(call["arguments"]) or {}, call["tool_call_id"]))
        conversation.responses.append(response)
    return conversation


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone() is not None


def _fragments_for(conn: sqlite3.Connection, table: str, response_id: str) -> list[Any]:
    from ..fragments import Fragment

    if not _has_table(conn, table):
        return []
    rows = conn.execute(
        f"SELECT fragments.content, fragments.source FROM [{table}] JOIN fragments "
        f"ON fragments.id = [{table}].fragment_id WHERE response_id = ? ORDER BY [{table}].[order]",
        [response_id],
    ).fetchall()
    return [Fragment(row[0], row[1]) for row in rows]


def _tools_for(conn: sqlite3.Connection, response_id: str) -> list[Any]:
    """Tools a logged prompt offered, without implementations (the CLI re-attaches them)."""
    from ..tools import Tool

    if not _has_table(conn, "tool_responses"):
        return []
    rows = conn.execute(
        "SELECT tools.name, tools.description, tools.input_schema, tools.plugin FROM tools "
        "JOIN tool_responses ON tools.id = tool_responses.tool_id WHERE tool_responses.response_id = ?",
        [response_id],
    ).fetchall()
    return [Tool(name=row[0], description=row[1], input_schema=_loads(row[2]) or {}, plugin=row[3]) for row in rows]


def _tool_results_for(conn: sqlite3.Connection, response_id: str) -> list[Any]:
    from ..tools import ToolResult

    if not _has_table(conn, "tool_results"):
        return []
    rows = conn.execute(
        "SELECT name, output, tool_call_id FROM tool_results WHERE response_id = ? ORDER BY id", [response_id]
    ).fetchall()
    return [ToolResult(row[0], row[1], row[2]) for row in rows]
