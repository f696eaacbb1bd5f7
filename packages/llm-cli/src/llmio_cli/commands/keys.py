"""``llm keys``: the stored API keys in ``keys.json``."""

from __future__ import annotations

import json
from pathlib import Path

import click

# keys.json carries this note for humans who open it; it is not a key.
NOTE_KEY = "// Note"


def _read_keys(path: Path) -> dict:
    """Parse keys.json, refusing (rather than overwriting) a file that is not a JSON object."""
    if not path.exists():
        return {}
    try:
        keys = json.loads(path.read_text() or "{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(keys, dict):
        raise click.ClickException(f"{path} does not contain a JSON object")
    return keys


def register(cli: click.Group) -> None:
    from ..app import DefaultSubGroup

    @cli.group(cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def keys() -> None:
        "Manage stored API keys for different models"

    @keys.command(name="list")
    def keys_list() -> None:
        "List names of all stored keys"
        import llm

        path = llm.keys_path()
        if not path.exists():
            click.echo("No keys found")
            return
        for name in sorted(_read_keys(path)):
            if name != NOTE_KEY:
                click.echo(name)

    @keys.command(name="path")
    def keys_path() -> None:
        "Output the path to the keys.json file"
        import llm

        click.echo(llm.keys_path())

    @keys.command(name="get")
    @click.argument("name")
    def keys_get(name: str) -> None:
        """
        Return the value of a stored key

        Example usage:

        \b
            export OPENAI_API_KEY=$(llm keys get openai)
        """
        import llm

        path = llm.keys_path()
        stored = _read_keys(path)
        if name == NOTE_KEY or name not in stored:
            raise click.ClickException(f"No key found with name '{name}'")
        if not isinstance(stored[name], str):
            raise click.ClickException(f"{path}: the value of '{name}' is not a string")
        click.echo(stored[name])

    @keys.command(name="set")
    @click.argument("name")
    @click.option("--value", prompt="Enter key", hide_input=True, help="Value to set")
    def keys_set(name: str, value: str) -> None:
        """
        Save a key in the keys.json file

        Example usage:

        \b
            $ llm keys set openai
            Enter key: ...
        """
        import llm

        _read_keys(llm.keys_path())  # fail cleanly before touching an unreadable file
        llm.set_key(name, value)
