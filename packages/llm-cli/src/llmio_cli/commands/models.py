"""``llm models``: list the models plugins provide and pick the default one."""

from __future__ import annotations

from typing import Any

import click

# JSON schema type names as the listing shows them.
_TYPE_NAMES = {"number": "float", "integer": "int", "string": "str", "object": "dict"}


def _option_types(field: dict) -> str:
    variants = field.get("anyOf") or [{"type": field.get("type", "str")}]
    names = [
        _TYPE_NAMES.get(item.get("type"), item.get("type", "str"))
        for item in variants
        if item.get("type") != "null"
    ]
    return ", ".join(names)


def describe_model(model: Any, aliases: list[str], options: bool, described: set) -> str:
    """One listing entry; option descriptions are shown once per model class."""
    import shutil
    import textwrap

    output = str(model)
    if aliases:
        output += " (aliases: {})".format(", ".join(aliases))
    if not options:
        return output
    properties = model.Options.model_json_schema().get("properties") or {}
    if properties:
        output += "\n  Options:"
        for name, field in properties.items():
            output += f"\n    {name}: {_option_types(field)}"
            description = field.get("description", "")
            if description and model.__class__ not in described:
                output += "\n      " + "\n      ".join(textwrap.wrap(description, 70))
        described.add(model.__class__)
    if model.attachment_types:
        width = min(max(shutil.get_terminal_size().columns, 30), 70)
        wrapper = textwrap.TextWrapper(width=width, initial_indent="    ", subsequent_indent="    ")
        output += "\n  Attachment types:\n" + wrapper.fill(
            ", ".join(sorted(model.attachment_types))
        )
    return output


def register(cli: click.Group) -> None:
    from ..app import DefaultSubGroup

    @cli.group(cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def models() -> None:
        "Manage available models"

    @models.command(name="list")
    @click.option("--options", is_flag=True, help="Show options for each model, if available")
    @click.option("async_", "--async", is_flag=True, help="List async models")
    @click.option("-q", "--query", multiple=True, help="Search for models matching these strings")
    def models_list(options: bool, async_: bool, query: tuple[str, ...]) -> None:
        "List available models"
        import llm

        described: set = set()
        for entry in llm.get_models_with_aliases():
            model = entry.async_model if async_ else entry.model
            if model is None:
                continue
            if query and not all(entry.matches(q) for q in query):
                continue
            click.echo(describe_model(model, list(entry.aliases), options, described))
        if not query:
            click.echo(f"Default: {llm.get_default_model()}")

    @models.command(name="default")
    @click.argument("model", required=False)
    def models_default(model: str | None) -> None:
        "Show or set the default model"
        import llm

        if not model:
            click.echo(llm.get_default_model())
            return
        try:
            resolved = llm.get_model(model)
        except llm.UnknownModelError as exc:
            raise click.ClickException(_unknown(exc, model)) from exc
        llm.set_default_model(resolved.model_id)


def _unknown(exc: KeyError, name: str) -> str:
    message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
    return message or f"Unknown model: {name}"
