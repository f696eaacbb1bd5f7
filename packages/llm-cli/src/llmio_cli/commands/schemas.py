"""``llm schemas``: list and show the schemas logged in logs.db, try the DSL."""

from __future__ import annotations

import json

import click

DATABASE = click.option(
    "-d",
    "--database",
    type=click.Path(dir_okay=False, readable=True),
    help="Path to log database",
)


def _block(key: str, text: str) -> list[str]:
    return [f"  {key}: |"] + ["    " + line for line in text.split("\n")]


def render_list(rows: list[dict], full: bool) -> str:
    from llm.schemas import schema_summary

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


@click.command(name="list")
@DATABASE
@click.option(
    "queries", "-q", "--query", multiple=True, help="Search for schemas matching this string"
)
@click.option("--full", is_flag=True, help="Output full schema contents")
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
def schemas_list(database: str | None, queries: tuple, full: bool, json_: bool) -> None:
    "List stored schemas"
    import llm.logs

    with llm.logs.open(database, create=False) as store:
        rows = store.schemas(queries)
    if json_:
        click.echo(json.dumps(rows, indent=2))
        return
    if rows:
        click.echo(render_list(rows, full))


@click.command(name="show")
@click.argument("schema_id")
@DATABASE
def schemas_show(schema_id: str, database: str | None) -> None:
    "Show a stored schema"
    import llm.logs

    with llm.logs.open(database, create=False) as store:
        schema = store.schema(schema_id)
    if schema is None:
        raise click.ClickException(f"Schema {schema_id} not found")
    click.echo(json.dumps(schema, indent=2))


@click.command(name="dsl")
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


def register(cli: click.Group) -> None:
    from ..app import DefaultSubGroup

    @cli.group(name="schemas", cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def schemas_group() -> None:
        "Manage stored schemas"

    for command in (schemas_list, schemas_show, schemas_dsl):
        schemas_group.add_command(command)
