"""``llm logs``: browse, search and toggle the SQLite log of prompts and responses.

The library finds the rows (``llm.logs.open(...).search(LogFilters(...))``, which
also reads databases written by earlier llm releases); this module renders them
as Markdown, JSON, short YAML or ``--data``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import click

from ..params import AtLeast

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

    Fragments, tools and schemas (which the library adds to rows that have them)
    are shown before and after the response.
    """
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


def render_data(items: Sequence[Any], array: bool = False) -> str:
    if array:
        return json.dumps(list(items), indent=2)
    return "\n".join(json.dumps(item) for item in items)


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

        click.echo("Logging is ON for all prompts" if llm.logs_on() else "Logging is OFF")
        with llm.logs.open(create=False) as store:
            status = store.status()
        if not status.exists:
            click.echo(f"No log database found at {status.path}")
            return
        click.echo(f"Found log database at {status.path}")
        click.echo("{:<32}{}".format("Number of conversations logged:", status.conversations))
        click.echo("{:<32}{}".format("Number of responses logged:", status.responses))
        click.echo("{:<32}{}".format("Database file size:", _human_size(status.size)))

    @logs.command(name="on")
    def logs_turn_on() -> None:
        "Turn on logging for all prompts"
        import llm.config

        llm.config.set_logs_on(True)

    @logs.command(name="off")
    def logs_turn_off() -> None:
        "Turn off logging for all prompts"
        import llm.config

        llm.config.set_logs_on(False)

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
        import llm.logs

        from ..references import input_errors

        if count is None:
            count = 0 if (conversation_id or current_conversation) else 3
        filters = llm.logs.LogFilters(
            model=model,
            query=query,
            latest=latest,
            conversation_id=conversation_id,
            current=current_conversation,
            fragments=fragments,
            tools=tools,
            any_tools=any_tools,
            schema=schema,
            schema_multi=schema_multi,
            limit=count,
        )
        with input_errors(), llm.logs.open(path or database, create=False) as store:
            rows = store.search(filters, expand=expand)

        if data or data_array or data_key or data_ids:
            # --schema-multi results are wrapped in {"items": [...]}: unwrap them.
            key = data_key or ("items" if schema_multi else None)
            items = llm.logs.data_items(rows, key=key, ids=data_ids)
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
            rows,
            truncate=truncate,
            usage=usage,
            conversation_mode=bool(conversation_id or current_conversation),
        ):
            click.echo(chunk)
