"""``llm logs``: browse, search and toggle the SQLite log of prompts and responses.

Reads ``logs.db`` through ``llm.logs.open_db`` (which migrates databases written by
earlier llm releases) and renders rows as Markdown, JSON or short YAML.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from ..params import AtLeast

LOG_COLUMNS = """
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


# ---------------------------------------------------------------- text helpers


def truncate_string(text: str | None, max_length: int = 100, normalize: bool = False) -> str:
    from llm.utils import truncate_string as truncate

    return truncate(text or "", max_length, normalize_whitespace=normalize) or ""


def extract_fenced_code_block(text: str | None, last: bool = False) -> str | None:
    from llm.utils import extract_fenced_code_block as extract

    return extract(text or "", last=last)


def _details(row: dict) -> dict | None:
    raw = row.get("token_details")
    if not raw:
        return None
    try:
        details = json.loads(raw)
    except ValueError:
        return None
    from llm.utils import simplify_usage_dict

    return simplify_usage_dict(details) if isinstance(details, dict) else details


def token_usage_string(
    input_tokens: int | None, output_tokens: int | None, details: dict | None
) -> str:
    bits = []
    if input_tokens is not None:
        bits.append(f"{input_tokens:,} input")
    if output_tokens is not None:
        bits.append(f"{output_tokens:,} output")
    if details:
        bits.append(json.dumps(details))
    return ", ".join(bits)


def _short_datetime(value: str | None) -> str:
    return (value or "").split(".")[0].split("+")[0]


def _fts_query(query: str) -> str:
    """Quote each term so punctuation in a search never becomes FTS5 syntax."""
    return " ".join('"{}"'.format(term.replace('"', '""')) for term in query.split())


# ---------------------------------------------------------------- reading


def _open(path: str | None):
    import llm
    import llm.logs

    if path is not None and not Path(path).exists():
        raise click.ClickException(f"No log database found at {path}")
    return llm.logs.open_db(Path(path) if path else llm.logs_db_path(), reading=True)


def _fetch(conn, sql: str, params: Iterable[Any] = ()) -> list[dict]:
    cursor = conn.execute(sql, tuple(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _resolve_model_id(name: str) -> str:
    """Accept aliases; models that are no longer installed still match their logged ID."""
    import llm

    try:
        return llm.get_model(name).model_id
    except KeyError:
        try:
            return llm.get_async_model(name).model_id
        except KeyError:
            return name


def select_rows(
    conn,
    *,
    count: int,
    model_id: str | None = None,
    query: str | None = None,
    conversation_id: str | None = None,
    latest: bool = False,
    extra_where: tuple[list[str], list[Any]] = ([], []),
) -> list[dict]:
    """Matching rows, oldest first (for a search: best match last, unless ``latest``)."""
    where, params = list(extra_where[0]), list(extra_where[1])
    joins = "left join conversations on conversations.id = responses.conversation_id"
    order = "responses.rowid desc"
    if query and query.strip():
        joins += " join responses_fts on responses_fts.rowid = responses.rowid"
        where.insert(0, "responses_fts match ?")
        params.insert(0, _fts_query(query))
        if not latest:
            order = "responses_fts.rank, responses.rowid desc"
    if model_id:
        where.append("responses.model = ?")
        params.append(model_id)
    if conversation_id:
        where.append("responses.conversation_id = ?")
        params.append(conversation_id)
    sql = f"select {LOG_COLUMNS} from responses {joins}"
    if where:
        sql += " where " + " and ".join(where)
    sql += f" order by {order}"
    if count > 0:
        sql += " limit ?"
        params.append(count)
    rows = _fetch(conn, sql, params)
    rows.reverse()
    attachments = _attachments(conn, [row["id"] for row in rows])
    for row in rows:
        row["attachments"] = attachments.get(row["id"], [])
    return rows


def _attachments(conn, response_ids: list[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    if not response_ids:
        return found
    marks = ", ".join("?" for _ in response_ids)
    sql = f"""
        select prompt_attachments.response_id, attachments.id, attachments.type,
               attachments.path, attachments.url, length(attachments.content) as content_length
        from attachments
        join prompt_attachments on attachments.id = prompt_attachments.attachment_id
        where prompt_attachments.response_id in ({marks})
        order by prompt_attachments."order"
    """
    for item in _fetch(conn, sql, response_ids):
        found.setdefault(item.pop("response_id"), []).append(item)
    return found


# ---------------------------------------------------------------- rendering


def render_json(rows: list[dict], truncate: bool) -> str:
    output = []
    for row in rows:
        row = dict(row)
        # Only incomplete entries carry the key: complete ones keep the documented shape.
        if row.pop("incomplete", None):
            row["incomplete"] = True
        if truncate:
            row["prompt"] = truncate_string(row["prompt"])
            row["response"] = truncate_string(row["response"])
        for key in [k for k in row if k.endswith("_json") and row[k] is not None]:
            # Truncated output drops the bulky JSON columns; full output decodes them.
            if truncate:
                del row[key]
            else:
                try:
                    row[key] = json.loads(row[key])
                except ValueError:
                    pass
        output.append(row)
    return json.dumps(output, indent=2)


def render_short(rows: list[dict], usage: bool) -> str:
    import yaml  # only this output format needs it

    output = []
    for row in rows:
        item: dict[str, Any] = {
            "model": row["model"],
            "datetime": _short_datetime(row["datetime_utc"]),
            "conversation": row["conversation_id"],
        }
        if row["system"]:
            item["system"] = truncate_string(row["system"], 120, normalize=True)
        item["prompt"] = truncate_string(row["prompt"], 120, normalize=True)
        if row["attachments"]:
            item["attachments"] = [
                {"type": a["type"], **({"url": a["url"]} if a["url"] else {"path": a["path"]})}
                if (a["url"] or a["path"])
                else {"type": a["type"]}
                for a in row["attachments"]
            ]
        if usage:
            counts = {
                key: value
                for key, value in (("input", row["input_tokens"]), ("output", row["output_tokens"]))
                if value is not None
            }
            details = _details(row)
            if details:
                counts["details"] = details
            if counts:
                item["usage"] = counts
        output.append(item)
    return yaml.safe_dump(output, sort_keys=False, allow_unicode=True).rstrip("\n")


def render_markdown(rows: list[dict], *, truncate: bool, usage: bool, conversation_mode: bool):
    """Yield Markdown chunks; in conversation mode the header details appear once.

    Fragments, tools and schemas (added to rows by ``log_filters.enrich_rows``) are
    shown before and after the response.
    """
    from ..log_filters import markdown_prompt_extras, markdown_response_extras

    show_details = True
    previous: tuple | None = None
    for row in rows:
        prompt, system, response = row["prompt"], row["system"], row["response"]
        if truncate:
            prompt, response = truncate_string(prompt), truncate_string(response)
            system = truncate_string(system) if system else None
        header = "# " + _short_datetime(row["datetime_utc"])
        if show_details:
            header += "    conversation: {} id: {}\n\nModel: **{}**\n".format(
                row["conversation_id"], row["id"], row["model"]
            )
        else:
            header += "\n"
        yield header
        if conversation_mode:
            show_details = False
        yield "## Prompt\n\n{}".format(prompt or "-- none --")
        # A system prompt repeated on every turn of a conversation is shown once.
        if system and previous != (row["conversation_id"], row["system"]):
            yield f"\n## System\n\n{system}"
        previous = (row["conversation_id"], row["system"])
        if row["attachments"]:
            yield "\n### Attachments\n"
            for number, attachment in enumerate(row["attachments"], 1):
                if attachment["path"]:
                    where = "`{}`".format(attachment["path"])
                elif attachment["url"]:
                    where = attachment["url"]
                else:
                    where = "`<{:,} bytes>`".format(attachment["content_length"] or 0)
                yield "{}. **{}**: {}".format(number, attachment["type"], where)
        yield from markdown_prompt_extras(row)
        if row.get("incomplete"):
            # Interrupted, cut off or timed out: only what arrived was logged.
            yield "\n## Response (incomplete)\n\n{}\n".format(
                response if response is not None else "")
        else:
            yield "\n## Response\n\n{}\n".format(response if response is not None else "")
        yield from markdown_response_extras(row)
        if usage:
            line = token_usage_string(row["input_tokens"], row["output_tokens"], _details(row))
            if line:
                yield f"## Token usage:\n\n{line}\n"


def _human_size(size: float) -> str:
    units = ("B", "KB", "MB", "GB", "TB")
    index = 0
    while size >= 1024 and index < len(units) - 1:
        size /= 1024.0
        index += 1
    return f"{size:.2f}{units[index]}" if index else f"{int(size)}B"


# ---------------------------------------------------------------- commands


def register(cli: click.Group) -> None:
    from ..app import DefaultSubGroup

    @cli.group(cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def logs() -> None:
        "Tools for exploring logged prompts and responses"

    @logs.command(name="path")
    def logs_path() -> None:
        "Output the path to the logs.db file"
        import llm

        click.echo(llm.logs_db_path())

    @logs.command(name="status")
    def logs_status() -> None:
        "Show current status of database logging"
        import llm
        import llm.logs

        path = llm.logs_db_path()
        click.echo("Logging is ON for all prompts" if llm.logs_on() else "Logging is OFF")
        if not path.exists():
            click.echo(f"No log database found at {path}")
            return
        conn = llm.logs.open_db(path, reading=True)
        try:
            conversations = conn.execute("select count(*) from conversations").fetchone()[0]
            responses = conn.execute("select count(*) from responses").fetchone()[0]
        finally:
            conn.close()
        click.echo(f"Found log database at {path}")
        click.echo("{:<32}{}".format("Number of conversations logged:", conversations))
        click.echo("{:<32}{}".format("Number of responses logged:", responses))
        click.echo("{:<32}{}".format("Database file size:", _human_size(path.stat().st_size)))

    @logs.command(name="on")
    def logs_turn_on() -> None:
        "Turn on logging for all prompts"
        import llm

        (llm.user_dir() / "logs-off").unlink(missing_ok=True)

    @logs.command(name="off")
    def logs_turn_off() -> None:
        "Turn off logging for all prompts"
        import llm

        (llm.user_dir() / "logs-off").touch()

    @logs.command(name="list")
    @click.option(
        "-n",
        "--count",
        type=AtLeast(0),
        default=None,
        help="Number of entries to show - defaults to 3, use 0 for all",
    )
    @click.option(
        "-p",
        "--path",
        type=click.Path(readable=True, exists=True, dir_okay=False),
        help="Path to log database",
    )
    @click.option(
        "-d",
        "--database",
        type=click.Path(readable=True, exists=True, dir_okay=False),
        hidden=True,
        help="Path to log database (same as -p)",
    )
    @click.option("-m", "--model", help="Filter by model or model alias")
    @click.option("-q", "--query", help="Search for logs matching this string")
    @click.option(
        "fragments",
        "-f",
        "--fragment",
        multiple=True,
        help="Filter for prompts using these fragments",
    )
    @click.option(
        "tools",
        "-T",
        "--tool",
        multiple=True,
        help="Filter for prompts with results from these tools",
    )
    @click.option(
        "any_tools", "--tools", is_flag=True, help="Filter for prompts with results from any tools"
    )
    @click.option("--schema", help="JSON schema, filepath or ID")
    @click.option("--schema-multi", help="JSON schema used for multiple results")
    @click.option(
        "-l", "--latest", is_flag=True, help="Return latest results matching search query"
    )
    @click.option("--data", is_flag=True, help="Output newline-delimited JSON data for schema")
    @click.option("--data-array", is_flag=True, help="Output JSON array of data for schema")
    @click.option("--data-key", help="Return JSON objects from array in this key")
    @click.option("--data-ids", is_flag=True, help="Attach corresponding IDs to JSON objects")
    @click.option("-t", "--truncate", is_flag=True, help="Truncate long strings in output")
    @click.option("-s", "--short", is_flag=True, help="Shorter YAML output with truncated prompts")
    @click.option("-u", "--usage", is_flag=True, help="Include token usage")
    @click.option("-r", "--response", is_flag=True, help="Just output the last response")
    @click.option("-x", "--extract", is_flag=True, help="Extract first fenced code block")
    @click.option(
        "extract_last",
        "--xl",
        "--extract-last",
        is_flag=True,
        help="Extract last fenced code block",
    )
    @click.option(
        "current_conversation",
        "-c",
        "--current",
        is_flag=True,
        help="Show logs from the current conversation",
    )
    @click.option(
        "conversation_id",
        "--cid",
        "--conversation",
        help="Show logs for this conversation ID",
    )
    @click.option("json_", "--json", is_flag=True, help="Output logs as JSON")
    @click.option("-e", "--expand", is_flag=True, help="Expand fragments to show their content")
    def logs_list(
        count: int | None,
        path: str | None,
        database: str | None,
        model: str | None,
        query: str | None,
        fragments: tuple[str, ...],
        tools: tuple[str, ...],
        any_tools: bool,
        schema: str | None,
        schema_multi: str | None,
        latest: bool,
        data: bool,
        data_array: bool,
        data_key: str | None,
        data_ids: bool,
        truncate: bool,
        short: bool,
        usage: bool,
        response: bool,
        extract: bool,
        extract_last: bool,
        current_conversation: bool,
        conversation_id: str | None,
        json_: bool,
        expand: bool,
    ) -> None:
        "Show recent logged prompts and their responses"
        from ..log_filters import data_items, enrich_rows, filter_clauses, render_data

        conn = _open(path or database)
        try:
            if current_conversation and not conversation_id:
                from llm.logs import latest_conversation_id

                conversation_id = latest_conversation_id(conn)
                if conversation_id is None:
                    raise click.ClickException("No conversations found")
            if count is None:
                count = 0 if conversation_id else 3
            extra_where = filter_clauses(
                conn,
                tools=tools,
                any_tools=any_tools,
                fragments=fragments,
                schema=schema,
                schema_multi=schema_multi,
            )
            rows = select_rows(
                conn,
                count=count,
                model_id=_resolve_model_id(model) if model else None,
                query=query,
                conversation_id=conversation_id,
                latest=latest,
                extra_where=extra_where,
            )
            enrich_rows(conn, rows, expand=expand)
        finally:
            conn.close()

        if data or data_array or data_key or data_ids:
            # --schema-multi results are wrapped in {"items": [...]}: unwrap them.
            key = data_key or ("items" if schema_multi else None)
            items = data_items(rows, key=key, ids=data_ids)
            if items or data_array:
                click.echo(render_data(items, array=data_array))
            return

        if response:
            if rows:
                text = rows[-1]["response"] or ""
                if extract or extract_last:
                    text = extract_fenced_code_block(text, last=extract_last) or text
                click.echo(text)
            return
        if extract or extract_last:
            for row in rows:
                block = extract_fenced_code_block(row["response"], last=extract_last)
                if block is not None:
                    click.echo(block)
            return
        if json_:
            click.echo(render_json(rows, truncate))
            return
        if short:
            if rows:
                click.echo(render_short(rows, usage))
            return
        for chunk in render_markdown(
            rows, truncate=truncate, usage=usage, conversation_mode=bool(conversation_id)
        ):
            click.echo(chunk)
