"""``llm aliases``: short names for models and embedding models."""

from __future__ import annotations

import json

import click


def _all_aliases() -> list[tuple[str, str, str]]:
    """(alias, model_id, kind) for every alias plugins and the user defined."""
    import llm

    rows: list[tuple[str, str, str]] = []
    for entry in llm.get_models_with_aliases():
        model = entry.model or entry.async_model
        rows.extend((alias, model.model_id, "") for alias in entry.aliases)
    for entry in llm.get_embedding_models_with_aliases():
        rows.extend((alias, entry.model.model_id, "embedding") for alias in entry.aliases)
    return [row for row in rows if row[0] != row[1]]


def _check_aliases_file() -> None:
    """Refuse to rewrite an aliases.json we cannot parse: the user's aliases would be lost."""
    import llm

    try:
        llm.load_aliases()
    except llm.ConfigError as exc:
        raise click.ClickException(f"{exc} (fix or remove the file first)") from exc


def register(cli: click.Group) -> None:
    from ..app import DefaultSubGroup

    @cli.group(cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def aliases() -> None:
        "Manage model aliases"

    @aliases.command(name="list")
    @click.option("json_", "--json", is_flag=True, help="Output as JSON")
    def aliases_list(json_: bool) -> None:
        "List current aliases"
        rows = _all_aliases()
        if json_:
            click.echo(json.dumps({alias: model_id for alias, model_id, _ in rows}, indent=4))
            return
        if not rows:
            return
        width = max(len(alias) for alias, _, _ in rows)
        for alias, model_id, kind in rows:
            suffix = f" ({kind})" if kind else ""
            click.echo(f"{alias:<{width}} : {model_id}{suffix}")

    @aliases.command(name="set")
    @click.argument("alias")
    @click.argument("model_id", required=False)
    @click.option("-q", "--query", multiple=True, help="Set alias for model matching these strings")
    def aliases_set(alias: str, model_id: str | None, query: tuple[str, ...]) -> None:
        """
        Set an alias for a model

        Example usage:

        \b
            llm aliases set mini gpt-4o-mini

        Alternatively you can omit the model ID and specify one or more -q options.
        The first model matching all of those query strings will be used.

        \b
            llm aliases set mini -q 4o -q mini
        """
        import llm

        if model_id and query:
            raise click.ClickException("Pass a model ID or -q options, not both")
        _check_aliases_file()
        if model_id:
            llm.set_alias(alias, model_id)
            return
        if not query:
            raise click.ClickException("You must provide a model_id or at least one -q option")
        for entry in llm.get_models_with_aliases():
            if all(entry.matches(q) for q in query):
                found = (entry.model or entry.async_model).model_id
                break
        else:
            raise click.ClickException("No model found matching query: " + ", ".join(query))
        llm.set_alias(alias, found)
        click.echo(f"Alias '{alias}' set to model '{found}'", err=True)

    @aliases.command(name="remove")
    @click.argument("alias")
    def aliases_remove(alias: str) -> None:
        """
        Remove an alias

        Example usage:

        \b
            $ llm aliases remove turbo
        """
        import llm

        _check_aliases_file()
        try:
            llm.remove_alias(alias)
        except KeyError as exc:
            raise click.ClickException(f"No such alias: {alias}") from exc

    @aliases.command(name="path")
    def aliases_path() -> None:
        "Output the path to the aliases.json file"
        import llm

        click.echo(llm.aliases_path())
