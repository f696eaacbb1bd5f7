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
        prompt = Prompt(r["prompt"], model, system=r["system"], options=options_obj,
                        attachments=_attachments_for(conn, r["id"]),
                        prompt_json=_loads(r["prompt_json"]))
        response = response_cls(prompt, model, stream=False, conversation=conversation)
        response.id = r["id"]
        response._chunks = [r["response"] or ""]
        response._done = True
        response._started = True
        response.response_json = _loads(r["response_json"])
        response.input_tokens = r["input_tokens"]
        response.output_tokens = r["output_tokens"]
        response.token_details = _loads(r["token_details"])
        conversation.responses.append(response)
    return conversation
