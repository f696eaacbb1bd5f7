"""The root ``llm`` click group.

Built-in command groups are added from :mod:`llmio_cli.commands`; plugins then
add theirs through the ``register_commands`` hook, exactly like third-party
plugins do.
"""

from __future__ import annotations

import importlib
import sys

import click
from click_default_group import DefaultGroup

from .commands import COMMAND_MODULES
from .errors import FriendlyGroupMixin, one_line, raise_errors, warn


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("llm", "llmio-cli"):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return "unknown"


class LLMGroup(FriendlyGroupMixin, DefaultGroup):
    """Default-command group whose sub-commands report errors in one line."""


class Group(FriendlyGroupMixin, click.Group):
    """A plain sub-command group with the same error handling."""


class DefaultSubGroup(FriendlyGroupMixin, DefaultGroup):
    """A sub-command group with a default sub-command (``llm keys`` = ``llm keys list``)."""


HELP = """
Access Large Language Models from the command-line

Documentation: https://llm.datasette.io/

LLM can run models from many different providers. Consult the plugin directory
for a list of available models:

https://llm.datasette.io/en/stable/plugins/directory.html

To get started with OpenAI, obtain an API key from them and:

\b
    $ llm keys set openai
    Enter key: ...

Then execute a prompt like this:

    llm 'Five outrageous names for a pet pelican'
"""


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # Looked up only when asked for: reading distribution metadata costs start-up time.
    if value and not ctx.resilient_parsing:
        click.echo(f"llm, version {_version()}")
        ctx.exit()


@click.group(cls=LLMGroup, default="prompt", default_if_no_args=True, help=HELP)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
def cli() -> None:
    pass


def _add_builtin_commands() -> None:
    """Add each command group; one that fails costs a warning, not the whole tool."""
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"llmio_cli.commands.{name}")
            module.register(cli)
        except Exception as exc:
            if raise_errors():
                raise
            warn(f"Warning: the '{name}' commands failed to load: {one_line(exc)}")


def _add_plugin_commands() -> None:
    """Apply every plugin's ``register_commands``; one broken plugin only costs a warning."""
    from llm.plugins import call_hook

    try:
        call_hook("register_commands", cli=cli)
    except Exception as exc:
        if raise_errors():
            raise
        warn(f"Warning: failed to load plugins: {one_line(exc)}")


_add_builtin_commands()
_add_plugin_commands()


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt as exc:
        sys.stderr.write("\n")
        from .running import Terminated

        sys.exit(143 if isinstance(exc, Terminated) else 130)
