"""``llm plugins``: what the plugin manager loaded, as JSON."""

from __future__ import annotations

import json

import click


def register(cli: click.Group) -> None:
    @cli.command(name="plugins")
    @click.option("all_", "--all", is_flag=True, help="Include built-in default plugins")
    def plugins_list(all_: bool) -> None:
        "List installed plugins"
        import llm

        click.echo(json.dumps(llm.get_plugins(all=all_), indent=2))
