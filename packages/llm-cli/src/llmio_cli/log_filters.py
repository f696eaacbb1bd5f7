"""``llm logs`` filters and output for tools, fragments and schemas.

- :func:`filter_clauses` turns ``-T/--tool``, ``--tools``, ``-f/--fragment``,
  ``--schema`` / ``--schema-multi`` into SQL ``where`` clauses on ``responses``.
- :func:`enrich_rows` adds fragments, tools, tool calls and results, and the
  schema to selected rows (only the keys that apply, so rows without any keep
  the documented shape).
- :func:`markdown_prompt_extras` / :func:`markdown_response_extras` render them
  in the Markdown output (``-e/--expand`` shows fragment content).
- :func:`data_items` / :func:`render_data` implement ``--data``,
  ``--data-key``, ``--data-array`` and ``--data-ids``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import click


def _fragment_hash(db: Any, value: str) -> str:
    """The sha256 a ``-f`` value stands for: a stored alias or hash, else the
    content of the file, URL or loader result."""
    import llm

    from .fragments import resolve_fragment, stored_fragment

    stored = stored_fragment(db, value)
    if stored is not None:
        return stored["hash"]
    items = [
        item
        for item in resolve_fragment(value, open_db=lambda: None)
        if isinstance(item, llm.Fragment)
    ]
    if len(items) != 1:
        raise click.ClickException(f"{value} must resolve to exactly one text fragment")
    return hashlib.sha256(str(items[0]).encode("utf-8")).hexdigest()


def filter_clauses(
    db: Any,
    *,
    tools: Sequence[str] = (),
    any_tools: bool = False,
    fragments: Sequence[str] = (),
    schema: str | None = None,
    schema_multi: str | None = None,
) -> tuple[list[str], list[Any]]:
    """``(where clauses, parameters)`` selecting matching ``responses`` rows."""
    where: list[str] = []
    params: list[Any] = []
    for name in tools:
        where.append(
            "(exists (select 1 from tool_responses join tools on tools.id = tool_responses.tool_id "
            "where tool_responses.response_id = responses.id and tools.name = ?) "
            "or exists (select 1 from tool_calls where tool_calls.response_id = responses.id "
            "and tool_calls.name = ?) "
            "or exists (select 1 from tool_results where tool_results.response_id = responses.id "
            "and tool_results.name = ?))"
        )
        params.extend([name, name, name])
    if any_tools:
        where.append(
            "(exists (select 1 from tool_calls where tool_calls.response_id = responses.id) "
            "or exists (select 1 from tool_results where tool_results.response_id = responses.id))"
        )
    for value in fragments:
        digest = _fragment_hash(db, value)
        where.append(
            "(exists (select 1 from prompt_fragments join fragments on fragments.id = "
            "prompt_fragments.fragment_id where prompt_fragments.response_id = responses.id "
            "and fragments.hash = ?) "
            "or exists (select 1 from system_fragments join fragments on fragments.id = "
            "system_fragments.fragment_id where system_fragments.response_id = responses.id "
            "and fragments.hash = ?))"
        )
        params.extend([digest, digest])
    if schema or schema_multi:
        from llm.schemas import schema_id

        from .schemas import resolve_schema

        class _Shared:
            """Lend the caller's connection to schema-ID lookups without closing it."""

            def __init__(self, conn: Any) -> None:
                self.conn = conn

            def execute(self, *args: Any) -> Any:
                return self.conn.execute(*args)

            def close(self) -> None:
                pass

        resolved = resolve_schema(
            schema_multi or schema, multi=bool(schema_multi), open_db=lambda: _Shared(db)
        )
        where.append("responses.schema_id = ?")
        params.append(schema_id(resolved))
    return where, params


# ---------------------------------------------------------------- enriching rows


def _fetch(db: Any, sql: str, params: Sequence[Any]) -> list[dict]:
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def enrich_rows(db: Any, rows: list[dict], expand: bool = False) -> None:
    """Add ``fragments``, ``system_fragments``, ``tools``, ``tool_calls``,
    ``tool_results``, ``schema_id`` and ``schema`` to rows that have them.

    Fragments are ``{"hash", "source"}`` (plus ``"content"`` when ``expand``)."""
    ids = [row["id"] for row in rows]
    if not ids:
        return
    marks = ", ".join("?" for _ in ids)
    by_id = {row["id"]: row for row in rows}
    for table, key in (("prompt_fragments", "fragments"), ("system_fragments", "system_fragments")):
        for item in _fetch(
            db,
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
    for item in _fetch(
        db,
        f"""
        select tool_responses.response_id, tools.name, tools.plugin from tool_responses
        join tools on tools.id = tool_responses.tool_id
        where tool_responses.response_id in ({marks}) order by tools.name""",
        ids,
    ):
        by_id[item["response_id"]].setdefault("tools", []).append(
            {"name": item["name"], "plugin": item["plugin"]}
        )
    for item in _fetch(
        db,
        f"""
        select response_id, name, arguments, tool_call_id from tool_calls
        where response_id in ({marks}) order by id""",
        ids,
    ):
        try:
            arguments = json.loads(item["arguments"]) if item["arguments"] else {}
        except ValueError:
            arguments = item["arguments"]
        by_id[item["response_id"]].setdefault("tool_calls", []).append(
            {"name": item["name"], "arguments": arguments, "tool_call_id": item["tool_call_id"]}
        )
    for item in _fetch(
        db,
        f"""
        select tool_results.response_id, tool_results.name, tool_results.output,
            tool_results.tool_call_id, tool_results.exception, tool_instances.name as instance,
            tool_instances.arguments as instance_arguments
        from tool_results left join tool_instances on tool_instances.id = tool_results.instance_id
        where tool_results.response_id in ({marks}) order by tool_results.id""",
        ids,
    ):
        result = {
            "name": item["name"],
            "output": item["output"],
            "tool_call_id": item["tool_call_id"],
        }
        if item["exception"]:
            result["exception"] = item["exception"]
        if item["instance"]:
            try:
                arguments = json.loads(item["instance_arguments"] or "{}")
            except ValueError:
                arguments = item["instance_arguments"]
            result["instance"] = {"name": item["instance"], "arguments": arguments}
        by_id[item["response_id"]].setdefault("tool_results", []).append(result)
    for item in _fetch(
        db,
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


# ---------------------------------------------------------------- Markdown


def _fragment_lines(title: str, fragments: list[dict]) -> Iterator[str]:
    yield f"\n### {title}\n"
    for number, fragment in enumerate(fragments, 1):
        where = f" from {fragment['source']}" if fragment.get("source") else ""
        yield f"{number}. `{fragment['hash']}`{where}"
        if "content" in fragment:
            yield "\n{}".format(fragment["content"])


def markdown_prompt_extras(row: dict) -> Iterator[str]:
    """Chunks after ``## Prompt``: fragments, tool results sent, schema."""
    if row.get("fragments"):
        yield from _fragment_lines("Fragments", row["fragments"])
    if row.get("system_fragments"):
        yield from _fragment_lines("System fragments", row["system_fragments"])
    if row.get("tool_results"):
        yield "\n### Tool results\n"
        for result in row["tool_results"]:
            yield "- **{}**: `{}`<br>\n{}".format(
                result["name"],
                result["tool_call_id"],
                "\n".join("    " + line for line in str(result["output"]).split("\n")),
            )
    if row.get("schema") is not None:
        yield "\n### Schema\n\n```json\n{}\n```".format(json.dumps(row["schema"], indent=2))


def markdown_response_extras(row: dict) -> Iterator[str]:
    """Chunks after ``## Response``: the tool calls the model made."""
    if row.get("tool_calls"):
        yield "### Tool calls\n"
        for call in row["tool_calls"]:
            yield "- **{}**: `{}`<br>\n    Arguments: {}".format(
                call["name"], call["tool_call_id"], json.dumps(call["arguments"])
            )
        yield ""


# ---------------------------------------------------------------- --data


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
    """The JSON each response to a prompt with a schema returned (others, and
    responses that are not JSON, are skipped); with ``key``, the items of that
    key's array instead."""
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


def render_data(items: Sequence[Any], array: bool = False) -> str:
    if array:
        return json.dumps(list(items), indent=2)
    return "\n".join(json.dumps(item) for item in items)
