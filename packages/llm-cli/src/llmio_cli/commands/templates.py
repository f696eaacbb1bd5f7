"""``llm templates``: list, show, edit, path and loaders.

The work is done by :mod:`llmio_templates`; it is imported inside each command so
``llm --help`` does not pay for it.
"""

from __future__ import annotations

import inspect
import shutil
import sys
import textwrap

import click

NEW_TEMPLATE = "prompt: \n"


def _click_error(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


def _summary(template) -> str:
    if template.system:
        text = f"system: {template.system}"
        if template.prompt:
            text += f" prompt: {template.prompt}"
    else:
        text = template.prompt or ""
    return " ".join(text.split("\n")).strip()


def _fit(line: str) -> str:
    """Truncate to the terminal width when writing to a terminal; never when piped."""
    if not sys.stdout.isatty():
        return line
    width = shutil.get_terminal_size().columns
    return line if len(line) <= width else line[: max(width - 3, 0)] + "..."


def register(cli: click.Group) -> None:
    from llmio_cli.app import DefaultSubGroup

    @cli.group(name="templates", cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def templates() -> None:
        """Manage stored prompt templates"""

    @templates.command(name="list")
    def list_() -> None:
        """List available prompt templates"""
        from llmio_templates import list_templates

        rows = []
        for name, loaded in list_templates():
            if isinstance(loaded, Exception):
                click.echo(f"Warning: {loaded}", err=True)
                continue
            rows.append((name, _summary(loaded)))
        if not rows:
            return
        width = max(len(name) for name, _ in rows)
        for name, summary in rows:
            click.echo(_fit(f"{name:<{width}} : {summary}"))

    @templates.command(name="show")
    @click.argument("name")
    def show(name: str) -> None:
        """Show the specified prompt template"""
        from llmio_templates import TemplateError, load_template, template_to_yaml

        try:
            template = load_template(name)
        except TemplateError as exc:
            raise _click_error(exc) from None
        click.echo(template_to_yaml(template), nl=False)

    @templates.command(name="edit")
    @click.argument("name")
    def edit(name: str) -> None:
        """Edit the specified prompt template using the default $EDITOR"""
        from llmio_templates import TemplateError, load_template, template_path

        try:
            path = template_path(name)
        except TemplateError as exc:
            raise _click_error(exc) from None
        created = not path.exists()
        if created:
            path.write_text(NEW_TEMPLATE, encoding="utf-8")
        try:
            click.edit(filename=str(path))
        except click.ClickException:
            if created and path.read_text(encoding="utf-8") == NEW_TEMPLATE:
                path.unlink()
            raise
        try:
            load_template(name)
        except TemplateError as exc:
            raise click.ClickException(
                f"{exc} (the file was saved: run 'llm templates edit {name}' to fix it)"
            ) from None

    @templates.command(name="path")
    def path() -> None:
        """Output the path to the templates directory"""
        import llm

        click.echo(str(llm.templates_path()))

    @templates.command(name="loaders")
    def loaders() -> None:
        """Show template loaders registered by plugins"""
        from llmio_templates import get_template_loaders

        found = get_template_loaders()
        if not found:
            click.echo("No template loaders found")
            return
        for prefix, loader in found.items():
            docs = inspect.cleandoc(getattr(loader, "__doc__", None) or "") or "Undocumented"
            click.echo(f"{prefix}:")
            click.echo(textwrap.indent(docs, "  "))
