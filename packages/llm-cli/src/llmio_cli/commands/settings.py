"""``llm settings``: the user settings in settings.json (``llm.settings``)."""

from __future__ import annotations

import json
from typing import Any

import click

from ..app import DefaultSubGroup


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


@click.group(cls=DefaultSubGroup, default="list", default_if_no_args=True)
def settings() -> None:
    "Manage user settings: timeouts, limits and other preferences"


@settings.command(name="list")
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
def settings_list(json_: bool) -> None:
    "List every setting, its value and where the value comes from"
    from llm.settings import list_settings

    rows = list_settings()
    if json_:
        click.echo(json.dumps([
            {"name": s.name, "value": value, "source": source, "default": s.default,
             "environment_variable": s.env, "help": s.help}
            for s, value, source in rows], indent=2))
        return
    for setting, value, source in rows:
        click.echo(f"{setting.name} = {_shown(value)} ({source})")
        click.echo(f"  {setting.help} [{setting.env}]")


@settings.command(name="get")
@click.argument("name")
def settings_get(name: str) -> None:
    "Show the value of one setting"
    from llm.settings import get_setting

    click.echo(_shown(get_setting(name)))


@settings.command(name="set")
@click.argument("name")
@click.argument("value")
def settings_set(name: str, value: str) -> None:
    """
    Store a setting in settings.json

    An LLM_<NAME> environment variable, when set, still wins over it.
    """
    from llm.settings import set_setting, setting_source

    set_setting(name, value)
    if setting_source(name) == "environment":
        click.echo(f"Warning: LLM_{name.upper()} is set and wins over settings.json", err=True)


@settings.command(name="unset")
@click.argument("name")
def settings_unset(name: str) -> None:
    "Remove a setting from settings.json, so its default applies"
    from llm.settings import unset_setting

    unset_setting(name)


@settings.command(name="path")
def settings_path() -> None:
    "Output the path to the settings.json file"
    from llm.settings import settings_path as path

    click.echo(path())


def register(cli: click.Group) -> None:
    cli.add_command(settings)
