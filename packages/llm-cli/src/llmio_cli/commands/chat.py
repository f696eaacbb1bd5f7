"""``llm chat``: an interactive conversation, one logged response per turn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..tooling import chain_options

INTRO = (
    "Type 'exit' or 'quit' to exit",
    "Type '!multi' to enter multiple lines, then '!end' to finish",
    "Type '!edit' to open your default editor and modify the prompt",
)


@click.command(name="chat")
@click.option("-s", "--system", help="System prompt to use")
@click.option("model_id", "-m", "--model", help="Model to use", envvar="LLM_MODEL")
@click.option(
    "_continue",
    "-c",
    "--continue",
    is_flag=True,
    help="Continue the most recent conversation.",
)
@click.option(
    "conversation_id",
    "--cid",
    "--conversation",
    help="Continue the conversation with the given ID.",
)
@click.option("-t", "--template", help="Template to use")
@click.option("-p", "--param", multiple=True, type=(str, str), help="Parameters for template")
@click.option(
    "options",
    "-o",
    "--option",
    type=(str, str),
    multiple=True,
    help="key/value options for the model",
)
@click.option("--no-stream", is_flag=True, help="Do not stream output")
@click.option("--key", help="API key to use")
@chain_options(json_option=False)
def chat_command(
    system: str | None,
    model_id: str | None,
    _continue: bool,
    conversation_id: str | None,
    template: str | None,
    param: tuple,
    options: tuple,
    no_stream: bool,
    key: str | None,
    chain: Any = None,
) -> None:
    """Hold an ongoing chat with a model."""
    from .. import prompting as p
    from ..tooling import ChainOptions, run_chain

    chain = chain or ChainOptions()
    from ..errors import one_line, raise_errors
    from ..running import Interrupted, run_prompt

    params = dict(param)
    template_obj = p.load_template(template) if template else None
    # A template's fragments, tools and functions join the command line's.
    template_obj = chain.absorb_template(template_obj)
    extras: dict = {}
    if template_obj is not None:
        extras = p.template_extras(template_obj)
        p.evaluate_template(template_obj, "", params)  # missing -p values fail now, not mid-chat

    explicit = p.explicit_model(model_id)
    conversation = chain.load_conversation(_continue, conversation_id, model=explicit)
    model = p.choose_model(
        explicit, conversation, template_obj.model if template_obj is not None else None
    )
    template_options = dict(template_obj.options or {}) if template_obj is not None else {}
    validated_options = p.validate_options(model, [*template_options.items(), *options])

    if getattr(model, "needs_key", None):
        # Say how to set the key now, not after the first message is typed.
        import llm

        try:
            model.get_key(key)
        except llm.NeedsKeyError as exc:
            raise click.ClickException(p.exc_message(exc)) from exc
    # Fragments, schema and tools are resolved once, before the first message.
    fragments, system_fragments, fragment_attachments = chain.resolve_fragments()
    p.check_attachment_types(model, fragment_attachments)
    first_extras = chain.prompt_extras(fragments, system_fragments)
    # Fragments go with the first message only (the history carries them); the schema stays.
    later_extras = {k: v for k, v in first_extras.items() if k == "schema"}
    if fragment_attachments:
        first_extras["attachments"] = fragment_attachments
    tools = chain.resolve_tools(conversation, model=model)
    before_call, after_call = chain.callbacks()
    if conversation is None:
        conversation = model.conversation()

    stream = bool(getattr(model, "can_stream", True)) and not no_stream
    log_it = p.should_log()

    click.echo(f"Chatting with {model.model_id}")
    for line in INTRO:
        click.echo(line)

    read_line = _line_reader()
    first = True
    for text in _turns(read_line):
        turn_system = system
        if template_obj is not None:
            text, template_system = p.evaluate_template(template_obj, text, params)
            if turn_system is None:
                turn_system = template_system
        # The system prompt goes with the first message only: later turns carry
        # it in the conversation history.
        spec = p.PromptSpec(
            system=turn_system if first else None,
            options=validated_options,
            key=key,
            extra={**extras, **(first_extras if first else later_extras)},
        )
        history_length = len(conversation.responses)
        try:
            if chain.uses_chain(tools):
                run_chain(
                    conversation,
                    text,
                    p.prompt_kwargs(spec, model),
                    tools=tools,
                    before_call=before_call,
                    after_call=after_call,
                    chain_limit=chain.chain_limit,
                    stream=stream,
                    show_chunks=stream,
                    log=log_it,
                    database=chain.database,
                )
            else:
                run_prompt(
                    conversation,
                    text,
                    p.prompt_kwargs(spec, model),
                    stream=stream,
                    show_chunks=stream,
                    log=log_it,
                )
        except Interrupted as exc:
            if exc.exit_code == 143:  # SIGTERM: what arrived is logged; stop the chat
                raise click.exceptions.Exit(143) from None
            click.echo("(response interrupted)", err=True)
        except Exception as exc:
            # One failed turn does not end the chat, nor become part of its history.
            del conversation.responses[history_length:]
            if raise_errors():
                raise
            message = exc.format_message() if isinstance(exc, click.ClickException) else None
            click.echo(f"Error: {message or one_line(exc)}", err=True)
            continue
        first = False


def _line_reader() -> Callable[[str], str]:
    """``input()``-style reading: readline editing and history on a terminal,
    plain lines (echoed like click.prompt does) when input is piped."""
    from .. import prompting as p

    if p.stdin_is_tty():
        try:
            import readline  # noqa: F401 - enables line editing and history for input()
        except ImportError:  # pragma: no cover - Windows without pyreadline
            pass

        def read_tty_line(prompt_suffix: str) -> str:
            return input(prompt_suffix)

        return read_tty_line

    def read_line(prompt_suffix: str) -> str:
        return click.prompt("", prompt_suffix=prompt_suffix, default="", show_default=False)

    return read_line


def _turns(read_line: Callable[[str], str]):
    """Yield each prompt the user enters, handling the ``!`` commands.

    Ends on ``exit``/``quit``, end of input or Ctrl-C at the prompt."""
    in_multi = False
    end_marker = "!end"
    lines: list[str] = []
    while True:
        try:
            line = read_line("" if in_multi else "> ")
        except (click.exceptions.Abort, EOFError, KeyboardInterrupt):
            click.echo("")  # leave the terminal on a fresh line
            if in_multi and lines:
                yield "\n".join(lines)
            return
        if in_multi:
            if line.strip() == end_marker:
                in_multi = False
                text = "\n".join(lines)
                lines = []
                if text.strip():
                    yield text
            else:
                lines.append(line)
            continue
        stripped = line.strip()
        if stripped in ("exit", "quit"):
            return
        if stripped.startswith("!multi") and stripped.split()[0] == "!multi":
            bits = stripped.split(None, 1)
            end_marker = "!end" if len(bits) == 1 else "!end " + bits[1].strip()
            in_multi = True
            lines = []
            continue
        if stripped.startswith("!edit") and stripped.split()[0] == "!edit":
            edited = _edit(stripped[len("!edit") :].strip())
            if edited is None:
                click.echo("Editor closed without saving.", err=True)
                continue
            edited = edited.strip()
            if not edited:
                continue
            click.echo(edited)
            yield edited
            continue
        if not stripped:
            continue
        yield line


def _edit(initial: str) -> str | None:
    return click.edit(initial + "\n" if initial else "")


def register(cli: Any) -> None:
    cli.add_command(chat_command, name="chat")
