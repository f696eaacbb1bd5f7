"""Writing responses to logs.db: one response, one transaction.

A response is first turned into a list of JSON-safe *operations* (rows to
insert, fragments and tools to store once by hash). Applying them is one
``BEGIN IMMEDIATE`` transaction; if that fails, the same operations can be
kept in the recovery file and applied later (see :mod:`llm.logs.recovery`).
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from typing import Any

from ..schemas import schema_id
from ..tools import function_tools
from ..utils import truncate_string
from .connection import as_connection

Operation = dict[str, Any]


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
        # Plugins record the request they sent on the response (llm-mistral) or the prompt.
        "prompt_json": _json_or_none(getattr(response, "_prompt_json", None) or prompt.prompt_json),
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


def _insert_op(table: str, row: dict[str, Any], verb: str = "INSERT") -> Operation:
    encoded = {}
    for key, value in row.items():
        if isinstance(value, (bytes, bytearray)):
            value = {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
        encoded[key] = value
    return {"op": "insert", "table": table, "verb": verb, "row": encoded}


def response_operations(response: Any) -> list[Operation]:
    """Everything to write for one response, as JSON-safe operations."""
    conversation = response.conversation
    if conversation is None:
        # Every logged response belongs to a conversation, as in earlier releases.
        from ..conversations import Conversation

        conversation = Conversation(model=response.model)
        response.conversation = conversation
        conversation.responses.append(response)
    if not conversation.name:
        conversation.name = truncate_string(response.prompt.prompt or "", 32)
    prompt = response.prompt
    row = response_row(response)
    ops = [
        _insert_op("conversations", {"id": conversation.id, "name": conversation.name,
                                     "model": conversation.model.model_id}, "INSERT OR IGNORE"),
        _insert_op("responses", row),
    ]
    for order, attachment in enumerate(prompt.attachments):
        content = None
        if not attachment.path and not attachment.url:
            content = attachment.content_bytes()
        ops.append(_insert_op("attachments", {"id": attachment.id(), "type": attachment.resolve_type(),
                                              "path": attachment.path, "url": attachment.url,
                                              "content": content}, "INSERT OR IGNORE"))
        ops.append(_insert_op("prompt_attachments", {"response_id": response.id, "attachment_id": attachment.id(),
                                                     "order": order}, "INSERT OR IGNORE"))
    if prompt.schema:
        ops.append(_insert_op("schemas", {"id": row["schema_id"], "content": json.dumps(prompt.schema)},
                              "INSERT OR IGNORE"))
    for table, fragments in (("prompt_fragments", prompt.fragments), ("system_fragments", prompt.system_fragments)):
        for order, fragment in enumerate(fragments):
            ops.append({"op": "fragment", "table": table, "response_id": response.id, "order": order,
                        "content": str(fragment), "source": getattr(fragment, "source", None) or None})
    for tool in function_tools(prompt.tools):  # server-side tools run at the provider
        ops.append({"op": "tool", "response_id": response.id, "hash": tool.hash(), "name": tool.name,
                    "description": tool.description, "input_schema": json.dumps(tool.input_schema),
                    "plugin": tool.plugin})
    for call in response._tool_calls:
        ops.append({"op": "tool_call", "response_id": response.id, "name": call.name,
                    "arguments": json.dumps(call.arguments or {}, default=repr),
                    "tool_call_id": call.tool_call_id})
    for result in prompt.tool_results:
        exception = getattr(result, "exception", None)
        ops.append({"op": "tool_result", "response_id": response.id, "name": result.name,
                    "output": result.output, "tool_call_id": result.tool_call_id,
                    "exception": f"{exception.__class__.__name__}: {exception}" if exception else None})
    return ops


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    return {k: base64.b64decode(v["$base64"]) if isinstance(v, dict) and "$base64" in v else v
            for k, v in row.items()}


class InvalidOperation(ValueError):
    """A log operation names a table, verb or column this release does not write."""


#: The only tables an ``insert`` operation may name, and the only verbs: operations
#: can come from the recovery file, so nothing in them reaches SQL text unchecked.
_INSERT_TABLES = frozenset({"conversations", "responses", "attachments", "prompt_attachments", "schemas"})
_FRAGMENT_TABLES = frozenset({"prompt_fragments", "system_fragments"})
_VERBS = {"INSERT": "INSERT", "INSERT OR IGNORE": "INSERT OR IGNORE"}
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _allowed(name: Any, allowed: Any, what: str) -> str:
    if not isinstance(name, str) or name not in allowed:
        raise InvalidOperation(f"unknown {what} {name!r}")
    return name


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, Any], verb: str = "INSERT") -> None:
    sql_verb = _VERBS.get(verb) if isinstance(verb, str) else None
    if sql_verb is None:
        raise InvalidOperation(f"unknown verb {verb!r}")
    if not isinstance(row, dict) or not row:
        raise InvalidOperation(f"no row to insert into {table}")
    for column in row:
        if not isinstance(column, str) or not _COLUMN.match(column):
            raise InvalidOperation(f"invalid column name {column!r}")
    columns = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"{sql_verb} INTO [{table}] ({columns}) VALUES ({marks})", list(row.values()))


def store_fragment(conn: sqlite3.Connection, fragment: Any) -> int:
    """Store a fragment once (by hash) and return its id; for ``llm fragments set``."""
    import hashlib

    content = str(fragment)
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    row = conn.execute("SELECT id FROM fragments WHERE hash = ?", [digest]).fetchone()
    if row:
        return row[0]
    cursor = conn.execute(
        "INSERT INTO fragments (hash, content, datetime_utc, source) VALUES (?, ?, datetime('now'), ?)",
        [digest, content, getattr(fragment, "source", None) or None],
    )
    return cursor.lastrowid  # type: ignore[return-value]


def _tool_id(conn: sqlite3.Connection, op: Operation) -> int:
    row = conn.execute("SELECT id FROM tools WHERE hash = ?", [op["hash"]]).fetchone()
    if row:
        return row[0]
    cursor = conn.execute(
        "INSERT INTO tools (hash, name, description, input_schema, plugin) VALUES (?, ?, ?, ?, ?)",
        [op["hash"], op["name"], op["description"], op["input_schema"], op["plugin"]],
    )
    return cursor.lastrowid  # type: ignore[return-value]


def _apply(conn: sqlite3.Connection, ops: list[Operation]) -> None:
    from ..fragments import Fragment

    if not isinstance(ops, list):
        raise InvalidOperation("operations must be a list")
    tool_ids: dict[str, int] = {}
    for op in ops:
        kind = op["op"]
        if kind == "insert":
            table = _allowed(op["table"], _INSERT_TABLES, "table")
            _insert(conn, table, _decode(op["row"]), op["verb"])
        elif kind == "fragment":
            table = _allowed(op["table"], _FRAGMENT_TABLES, "table")
            fragment_id = store_fragment(conn, Fragment(op["content"], op.get("source")))
            _insert(conn, table, {"response_id": op["response_id"], "fragment_id": fragment_id,
                                  "order": op["order"]}, "INSERT OR IGNORE")
        elif kind == "tool":
            tool_ids[op["name"]] = _tool_id(conn, op)
            _insert(conn, "tool_responses", {"tool_id": tool_ids[op["name"]], "response_id": op["response_id"]},
                    "INSERT OR IGNORE")
        elif kind == "tool_call":
            _insert(conn, "tool_calls", {"response_id": op["response_id"], "tool_id": tool_ids.get(op["name"]),
                                         "name": op["name"], "arguments": op["arguments"],
                                         "tool_call_id": op["tool_call_id"]})
        elif kind == "tool_result":
            _insert(conn, "tool_results", {"response_id": op["response_id"], "tool_id": tool_ids.get(op["name"]),
                                           "name": op["name"], "output": op["output"],
                                           "tool_call_id": op["tool_call_id"], "exception": op["exception"]})
        else:
            raise InvalidOperation(f"unknown log operation {kind!r}")


def apply_operations(conn: sqlite3.Connection, ops: list[Operation]) -> None:
    """Apply one response's operations in a single transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        _apply(conn, ops)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def log_response(db: Any, response: Any) -> None:
    """Write the conversation (if new), the response, attachments, tools and fragments atomically."""
    apply_operations(as_connection(db), response_operations(response))
