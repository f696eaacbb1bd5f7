"""``llm fragments``: the fragments stored in logs.db, their aliases, the loaders."""

from __future__ import annotations

import inspect
import json
from typing import Any

import click

DATABASE = click.option(
    "-d",
    "--database",
    type=click.Path(dir_okay=False, readable=True),
    help="Path to log database",
)


def _truncate(text: str, length: int = 200) -> str:
    return text if len(text) <= length else text[: length - 3] + "..."


def render_list(rows: list[dict], full: bool) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    items = []
    for row in rows:
        item = dict(row)
        if not full:
            item["content"] = _truncate(item["content"] or "")
        items.append(item)
    return yaml.dump(
        items, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=float("inf")
    ).rstrip("\n")


@click.command(name="list")
@click.option(
    "queries",
    "-q",
    "--query",
    multiple=True,
    help="Search for fragments matching these strings",
)
@click.option("--aliases", is_flag=True, help="Show only fragments with aliases")
@click.option("--full", is_flag=True, help="Show the full content of each fragment")
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
@DATABASE
def fragments_list(
    queries: tuple, aliases: bool, full: bool, json_: bool, database: str | None
) -> None:
    "List current fragments"
    import llm.logs

    with llm.logs.open(database, create=False) as store:
        rows = store.fragments(queries, aliases_only=aliases)
    if json_:
        click.echo(json.dumps(rows, indent=2))
    elif rows:
        click.echo(render_list(rows, full))


@click.command(name="set")
@click.argument("alias")
@click.argument("fragment")
@DATABASE
def fragments_set(alias: str, fragment: str, database: str | None) -> None:
    """
    Set an alias for a fragment

    Accepts an alias and a file path, URL, hash, existing alias or
    prefix:argument for a fragment loader

    \b
    Example usage:

    \b
        llm fragments set mydocs ./docs.md
    """
    import llm.logs

    from ..references import input_errors

    with input_errors(), llm.logs.open(database) as store:
        store.set_fragment_alias(alias, fragment)


@click.command(name="show")
@click.argument("alias_or_hash")
@DATABASE
def fragments_show(alias_or_hash: str, database: str | None) -> None:
    "Display the fragment stored under an alias or hash"
    import llm.logs

    with llm.logs.open(database, create=False) as store:
        found = store.fragment(alias_or_hash)
    if found is None:
        raise click.ClickException(f"Fragment '{alias_or_hash}' not found")
    click.echo(found)


@click.command(name="remove")
@click.argument("alias")
@DATABASE
def fragments_remove(alias: str, database: str | None) -> None:
    """
    Remove a fragment alias

    The fragment itself stays: earlier prompts refer to it.
    """
    import llm.logs

    with llm.logs.open(database, create=False) as store:
        removed = store.remove_fragment_alias(alias)
    if not removed:
        raise click.ClickException(f"No fragment alias '{alias}'")


@click.command(name="loaders")
def fragments_loaders() -> None:
    "Show fragment loaders registered by plugins"
    import llm

    blocks = []
    for prefix, loader in llm.get_fragment_loaders().items():
        doc = inspect.getdoc(loader) or ""
        lines = [f"{prefix}:"] + [
            "  " + line if line.strip() else "" for line in doc.split("\n") if doc
        ]
        blocks.append("\n".join(lines))
    if blocks:
        click.echo("\n\n".join(blocks))


def register(cli: click.Group) -> None:
    from ..app import DefaultSubGroup

    @cli.group(name="fragments", cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def fragments_group() -> None:
        """
        Manage fragments that are stored in the database

        Fragments are reusable snippets of text that are shared across multiple prompts.
        """

    for command in (
        fragments_list,
        fragments_set,
        fragments_show,
        fragments_remove,
        fragments_loaders,
    ):
        fragments_group.add_command(command)
