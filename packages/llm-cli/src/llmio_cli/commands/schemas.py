"""``llm schemas``: list and show the schemas logged in logs.db, try the DSL."""

from __future__ import annotations

import json
from typing import Any

import click

DATABASE = click.option(
    "-d",
    "--database",
    type=click.Path(dir_okay=False, readable=True),
    help="Path to log database",
)


def _open(path: str | None) -> Any:
    from ..schemas import default_db

    return default_db(path)


def schema_rows(db: Any, queries: tuple = ()) -> list[dict]:
    """Logged schemas, most recently used first, with how often they were used."""
    if db is None:
        return []
    where, params = [], []
    for query in queries:
        where.append("schemas.content like ?")
        params.append(f"%{query}%")
    sql = """
        select schemas.id, schemas.content,
            count(responses.id) as times_used,
            max(responses.datetime_utc) as most_recent
        from schemas left join responses on responses.schema_id = schemas.id
    """
    if where:
        sql += " where " + " and ".join(where)
    sql += " group by schemas.id order by most_recent desc, schemas.rowid desc"
    return [
        {"id": row[0], "schema": json.loads(row[1]), "times_used": row[2], "most_recent": row[3]}
        for row in db.execute(sql, params).fetchall()
    ]


def _block(key: str, text: str) -> list[str]:
    return [f"  {key}: |"] + ["    " + line for line in text.split("\n")]


def render_list(rows: list[dict], full: bool) -> str:
    from ..schemas import schema_summary

    lines: list[str] = []
    for row in rows:
        lines.append(f"- id: {row['id']}")
        if full:
            lines.extend(_block("schema", json.dumps(row["schema"], indent=2)))
        else:
            lines.extend(_block("summary", schema_summary(row["schema"])))
        times = row["times_used"]
        usage = "{} time{}".format(times, "" if times == 1 else "s")
        if row["most_recent"]:
            usage += f", most recently {row['most_recent']}"
        lines.extend(_block("usage", usage))
    return "\n".join(lines)


def register(cli: click.Group) -> None:
    from ..app import DefaultSubGroup

    @cli.group(name="schemas", cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def schemas_group() -> None:
        "Manage stored schemas"

    @schemas_group.command(name="list")
    @DATABASE
    @click.option(
        "queries", "-q", "--query", multiple=True, help="Search for schemas matching this string"
    )
    @click.option("--full", is_flag=True, help="Output full schema contents")
    @click.option("json_", "--json", is_flag=True, help="Output as JSON")
    def schemas_list(database: str | None, queries: tuple, full: bool, json_: bool) -> None:
        "List stored schemas"
        db = _open(database)
        try:
            rows = schema_rows(db, queries)
        finally:
            if db is not None:
                db.close()
        if json_:
            click.echo(json.dumps(rows, indent=2))
            return
        if rows:
            click.echo(render_list(rows, full))

    @schemas_group.command(name="show")
    @click.argument("schema_id")
    @DATABASE
    def schemas_show(schema_id: str, database: str | None) -> None:
        "Show a stored schema"
        from ..schemas import logged_schema

        db = _open(database)
        try:
            schema = logged_schema(db, schema_id) if db is not None else None
        finally:
            if db is not None:
                db.close()
        if schema is None:
            raise click.ClickException(f"Schema {schema_id} not found")
        click.echo(json.dumps(schema, indent=2))

    @schemas_group.command(name="dsl")
    @click.argument("input")
    @click.option("--multi", is_flag=True, help="Wrap in an array")
    def schemas_dsl(input: str, multi: bool) -> None:
        """
        Convert LLM's schema DSL to a JSON schema

        \b
            llm schemas dsl 'name, age int, bio: their bio'
        """
        import llm

        try:
            schema = llm.schema_dsl(input, multi=multi)
        except ValueError as exc:
            raise click.ClickException(f"Invalid schema: {exc}") from exc
        click.echo(json.dumps(schema, indent=2))
