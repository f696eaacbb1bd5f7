"""``llm logs``: browse, search and toggle the SQLite log of prompts and responses.

Each command parses its options, makes one call into ``llm.logs`` (which also
reads databases written by earlier llm releases) and prints the result with
:mod:`llmio_cli.log_output`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from ..params import AtLeast

# ---------------------------------------------------------------- the filters, declared once
# Each option is named after the llm.logs.LogFilters field it sets; with_filters
# hands the command one LogFilters argument, ``filters``.

model_option = click.option("model", "-m", "--model", help="Filter by model or model alias")
query_option = click.option("query", "-q", "--query", help="Search for logs matching this string")
fragment_option = click.option(
    "fragments", "-f", "--fragment", multiple=True, help="Filter for prompts using these fragments"
)
tool_option = click.option(
    "tools", "-T", "--tool", multiple=True, help="Filter for prompts with results from these tools"
)
any_tools_option = click.option(
    "any_tools", "--tools", is_flag=True, help="Filter for prompts with results from any tools"
)
schema_option = click.option("schema", "--schema", help="JSON schema, filepath or ID")
schema_multi_option = click.option(
    "schema_multi", "--schema-multi", help="JSON schema used for multiple results"
)
latest_option = click.option(
    "latest", "-l", "--latest", is_flag=True, help="Return latest results matching search query"
)
current_option = click.option(
    "current", "-c", "--current", is_flag=True, help="Show logs from the current conversation"
)
conversation_option = click.option(
    "conversation_id", "--cid", "--conversation", help="Show logs for this conversation ID"
)

_FILTER_FIELDS = (
    "model",
    "query",
    "fragments",
    "tools",
    "any_tools",
    "schema",
    "schema_multi",
    "latest",
    "current",
    "conversation_id",
)


def with_filters(command: Callable[..., Any]) -> Callable[..., Any]:
    """Gather the filter options a command declares into ``filters=LogFilters(...)``
    (put it right above the function, below the options)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from llm.logs import LogFilters

        values = {name: kwargs.pop(name) for name in _FILTER_FIELDS if name in kwargs}
        return command(*args, filters=LogFilters(**values), **kwargs)

    return wrapper


# ---------------------------------------------------------------- commands


@click.command(name="path")
def logs_path() -> None:
    "Output the path to the logs.db file"
    import llm

    click.echo(llm.logs_db_path())


@click.command(name="status")
def logs_status() -> None:
    "Show current status of database logging"
    import llm
    import llm.logs

    from ..log_output import human_size

    click.echo("Logging is ON for all prompts" if llm.logs_on() else "Logging is OFF")
    with llm.logs.open(create=False) as store:
        status = store.status()
    if not status.exists:
        click.echo(f"No log database found at {status.path}")
        return
    click.echo(f"Found log database at {status.path}")
    click.echo("{:<32}{}".format("Number of conversations logged:", status.conversations))
    click.echo("{:<32}{}".format("Number of responses logged:", status.responses))
    click.echo("{:<32}{}".format("Database file size:", human_size(status.size)))


@click.command(name="on")
def logs_turn_on() -> None:
    "Turn on logging for all prompts"
    import llm.config

    llm.config.set_logs_on(True)


@click.command(name="off")
def logs_turn_off() -> None:
    "Turn off logging for all prompts"
    import llm.config

    llm.config.set_logs_on(False)


@click.command(name="list")
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
@model_option
@query_option
@fragment_option
@tool_option
@any_tools_option
@schema_option
@schema_multi_option
@latest_option
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
    "extract_last", "--xl", "--extract-last", is_flag=True, help="Extract last fenced code block"
)
@current_option
@conversation_option
@click.option("json_", "--json", is_flag=True, help="Output logs as JSON")
@click.option("-e", "--expand", is_flag=True, help="Expand fragments to show their content")
@with_filters
def logs_list(
    filters: Any,
    count: int | None,
    path: str | None,
    database: str | None,
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
    json_: bool,
    expand: bool,
) -> None:
    "Show recent logged prompts and their responses"
    import llm.logs

    from .. import log_output as out
    from ..references import input_errors

    in_conversation = bool(filters.conversation_id or filters.current)
    filters.limit = count if count is not None else (0 if in_conversation else 3)
    with input_errors(), llm.logs.open(path or database, create=False) as store:
        rows = store.search(filters, expand=expand)

    if data or data_array or data_key or data_ids:
        # --schema-multi results are wrapped in {"items": [...]}: unwrap them.
        key = data_key or ("items" if filters.schema_multi else None)
        items = llm.logs.data_items(rows, key=key, ids=data_ids)
        if items or data_array:
            click.echo(out.render_data(items, array=data_array))
    elif response:
        if rows:
            text = rows[-1]["response"] or ""
            if extract or extract_last:
                text = out.extract_fenced_code_block(text, last=extract_last) or text
            click.echo(text)
    elif extract or extract_last:
        for row in rows:
            block = out.extract_fenced_code_block(row["response"], last=extract_last)
            if block is not None:
                click.echo(block)
    elif json_:
        click.echo(out.render_json(rows, truncate))
    elif short:
        if rows:
            click.echo(out.render_short(rows, usage))
    else:
        for chunk in out.render_markdown(
            rows, truncate=truncate, usage=usage, conversation_mode=in_conversation
        ):
            click.echo(chunk)


def register(cli: click.Group) -> None:
    from ..app import DefaultSubGroup

    @cli.group(cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def logs() -> None:
        "Tools for exploring logged prompts and responses"

    for command in (logs_path, logs_status, logs_turn_on, logs_turn_off, logs_list):
        logs.add_command(command)
