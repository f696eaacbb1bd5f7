"""Toolbox instances in logs.db: which toolbox (plugin, name, constructor
arguments) produced each tool result, so a continued conversation can build
the same toolbox again."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any


def _arguments(box: Any) -> str:
    try:
        return json.dumps(box.config)
    except (TypeError, ValueError):
        return json.dumps(box.config, default=repr)


def log_toolbox_instances(conn: sqlite3.Connection, responses: Sequence[Any], tools: Sequence[Any]) -> None:
    """Record each toolbox in ``tools`` whose methods answered tool calls in the
    (logged) ``responses``, and point those tool results at it."""
    from ..tools import Toolbox

    boxes = [t for t in tools if isinstance(t, Toolbox)]
    if not boxes or not responses:
        return
    ids = [r.id for r in responses]
    marks = ", ".join("?" for _ in ids)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for box in boxes:
            names = [t.name for t in box.tools()]
            if not names:
                continue
            name_marks = ", ".join("?" for _ in names)
            used = conn.execute(
                f"select count(*) from tool_results where response_id in ({marks}) "
                f"and name in ({name_marks}) and instance_id is null",
                [*ids, *names],
            ).fetchone()[0]
            if not used:
                continue
            cursor = conn.execute(
                "insert into tool_instances (plugin, name, arguments) values (?, ?, ?)",
                [getattr(box, "_plugin", None), box.name or box.__class__.__name__, _arguments(box)],
            )
            conn.execute(
                f"update tool_results set instance_id = ? where response_id in ({marks}) "
                f"and name in ({name_marks}) and instance_id is null",
                [cursor.lastrowid, *ids, *names],
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def toolbox_configs(conn: sqlite3.Connection, conversation_id: str) -> dict[str, dict]:
    """Toolbox name -> the constructor arguments it was last logged with in this
    conversation (``Toolbox(**arguments)`` rebuilds it)."""
    configs: dict[str, dict] = {}
    for name, arguments in conn.execute(
        """select tool_instances.name, tool_instances.arguments from tool_instances
        where tool_instances.id in (
            select tool_results.instance_id from tool_results
            join responses on responses.id = tool_results.response_id
            where responses.conversation_id = ?)
        order by tool_instances.id""",
        [conversation_id],
    ):
        try:
            value = json.loads(arguments) if arguments else {}
        except ValueError:
            value = {}
        configs[name] = value if isinstance(value, dict) else {}
    return configs
