"""``llm fragments``: the fragments stored in logs.db, their aliases, the loaders."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import click

DATABASE = click.option(
    "-d",
    "--database",
    type=click.Path(dir_okay=False, readable=True),
    help="Path to log database",
)

ALIAS = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def _open(path: str | None, create: bool = False) -> Any:
    from pathlib import Path

    import llm
    import llm.logs

    if not create:
        return llm.logs.open_existing(path)
    return llm.logs.open_db(Path(path) if path else llm.logs_db_path())


def fragment_rows(db: Any, queries: tuple = (), aliases_only: bool = False) -> list[dict]:
    """Stored fragments, oldest first, each with its aliases."""
    if db is None:
        return []
    where, params = [], []
    for query in queries:
        where.append(
            "(fragments.content like ? or fragments.source like ? or fragments.hash = ? or "
            "exists (select 1 from fragment_aliases a where a.fragment_id = fragments.id "
            "and a.alias like ?))"
        )
        params.extend([f"%{query}%", f"%{query}%", query, f"%{query}%"])
    if aliases_only:
        where.append("exists (select 1 from fragment_aliases a where a.fragment_id = fragments.id)")
    sql = "select id, hash, content, datetime_utc, source from fragments"
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by datetime_utc, id"
    rows = []
    for row in db.execute(sql, params).fetchall():
        aliases = [
            a[0]
            for a in db.execute(
                "select alias from fragment_aliases where fragment_id = ? order by alias", [row[0]]
            ).fetchall()
        ]
        rows.append(
            {
                "hash": row[1],
                "aliases": aliases,
                "datetime_utc": row[3],
                "source": row[4],
                "content": row[2],
            }
        )
    return rows


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


def register(cli: click.Group) -> None:
    from ..app import DefaultSubGroup

    @cli.group(name="fragments", cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def fragments_group() -> None:
        """
        Manage fragments that are stored in the database

        Fragments are reusable snippets of text that are shared across multiple prompts.
        """

    @fragments_group.command(name="list")
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
        db = _open(database)
        try:
            rows = fragment_rows(db, queries, aliases_only=aliases)
        finally:
            if db is not None:
                db.close()
        if json_:
            click.echo(json.dumps(rows, indent=2))
        elif rows:
            click.echo(render_list(rows, full))

    @fragments_group.command(name="set")
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
        import llm
        from llm.logs.write import store_fragment

        from ..fragments import resolve_fragment

        if not ALIAS.match(alias):
            raise click.ClickException(
                f"Invalid alias '{alias}': use letters, digits, '_', '-' and '.'"
            )
        items = resolve_fragment(fragment, open_db=lambda: _open(database))
        texts = [item for item in items if isinstance(item, llm.Fragment)]
        if len(texts) != 1 or len(items) != 1:
            raise click.ClickException(f"{fragment} must resolve to exactly one text fragment")
        db = _open(database, create=True)
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                fragment_id = store_fragment(db, texts[0])
                db.execute(
                    "insert or replace into fragment_aliases (alias, fragment_id) values (?, ?)",
                    [alias, fragment_id],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        finally:
            db.close()

    @fragments_group.command(name="show")
    @click.argument("alias_or_hash")
    @DATABASE
    def fragments_show(alias_or_hash: str, database: str | None) -> None:
        "Display the fragment stored under an alias or hash"
        from ..fragments import stored_fragment

        db = _open(database)
        try:
            found = stored_fragment(db, alias_or_hash)
        finally:
            if db is not None:
                db.close()
        if found is None:
            raise click.ClickException(f"Fragment '{alias_or_hash}' not found")
        click.echo(found["content"])

    @fragments_group.command(name="remove")
    @click.argument("alias")
    @DATABASE
    def fragments_remove(alias: str, database: str | None) -> None:
        """
        Remove a fragment alias

        The fragment itself stays: earlier prompts refer to it.
        """
        db = _open(database)
        try:
            removed = 0
            if db is not None:
                removed = db.execute(
                    "delete from fragment_aliases where alias = ?", [alias]
                ).rowcount
        finally:
            if db is not None:
                db.close()
        if not removed:
            raise click.ClickException(f"No fragment alias '{alias}'")

    @fragments_group.command(name="loaders")
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
