"""``llm prompt``: run one prompt, stream the reply, log it."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..tooling import chain_options


class AttachmentParam(click.ParamType):
    """``-a`` value: a path, a URL or ``-``. Checked when the command runs, so
    an unreadable one is a one-line ``Error:`` (exit 1), not a usage error."""

    name = "attachment"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        return value


ATTACHMENT = AttachmentParam()

HELP = """
Execute a prompt

Documentation: https://llm.datasette.io/en/stable/usage.html

Examples:

\b
    llm 'Capital of France?'
    llm 'Capital of France?' -m gpt-4o
    llm 'Capital of France?' -s 'answer in Spanish'

Multi-modal models can be called with attachments like this:

\b
    llm 'Extract text from this image' -a image.jpg
    llm 'Describe' -a https://static.simonwillison.net/static/2024/pelicans.jpg
    cat image | llm 'describe image' -a -
    # With an explicit mimetype:
    cat image | llm 'describe image' --at - image/jpeg

The -x/--extract option returns just the content of the first ``` fenced code
block, if one is present. If none are present it returns the full response.

\b
    llm 'JavaScript function for reversing a string' -x
"""


@click.command(name="prompt", help=HELP)
@click.argument("prompt", required=False)
@click.option("-s", "--system", help="System prompt to use")
@click.option("model_id", "-m", "--model", help="Model to use", envvar="LLM_MODEL")
@click.option(
    "queries", "-q", "--query", multiple=True, help="Use first model matching these strings"
)
@click.option(
    "attachments",
    "-a",
    "--attachment",
    type=ATTACHMENT,
    multiple=True,
    help="Attachment path or URL or -",
)
@click.option(
    "attachment_types",
    "--at",
    "--attachment-type",
    type=(str, str),
    multiple=True,
    help="Attachment with explicit mimetype",
)
@click.option(
    "options",
    "-o",
    "--option",
    type=(str, str),
    multiple=True,
    help="key/value options for the model",
)
@click.option("-t", "--template", help="Template to use")
@click.option("-p", "--param", multiple=True, type=(str, str), help="Parameters for template")
@click.option("--no-stream", is_flag=True, help="Do not stream output")
@click.option("-n", "--no-log", is_flag=True, help="Don't log to database")
@click.option("--log", is_flag=True, help="Log prompt and response to the database")
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
@click.option("--key", help="API key to use")
@click.option("--save", help="Save prompt with this template name")
@click.option("async_", "--async", is_flag=True, help="Run prompt asynchronously")
@click.option("-u", "--usage", is_flag=True, help="Show token usage")
@click.option("-x", "--extract", is_flag=True, help="Extract first fenced code block")
@click.option(
    "extract_last",
    "--xl",
    "--extract-last",
    is_flag=True,
    help="Extract last fenced code block",
)
@chain_options()
def prompt_command(
    prompt: str | None,
    system: str | None,
    model_id: str | None,
    queries: tuple,
    attachments: tuple,
    attachment_types: tuple,
    options: tuple,
    template: str | None,
    param: tuple,
    no_stream: bool,
    no_log: bool,
    log: bool,
    _continue: bool,
    conversation_id: str | None,
    key: str | None,
    save: str | None,
    async_: bool,
    usage: bool,
    extract: bool,
    extract_last: bool,
    chain: Any = None,
) -> None:
    from .. import prompting as p
    from ..tooling import ChainOptions

    chain = chain or ChainOptions()

    if log and no_log:
        raise click.ClickException("--log and --no-log cannot be used together")
    prompt, system = p.clean_text(prompt), p.clean_text(system)
    params = dict(param)

    if save:
        _save_template(
            save,
            prompt=prompt,
            system=system,
            model_id=model_id,
            queries=queries,
            attachments=attachments,
            attachment_types=attachment_types,
            options=options,
            params=params,
            extract=extract,
            extract_last=extract_last,
            template=template,
            continue_=_continue,
            conversation_id=conversation_id,
            chain=chain,
        )
        return

    template_obj = p.load_template(template) if template else None
    # A template's fragments, tools and functions join the command line's.
    template_obj = chain.absorb_template(template_obj)
    if template_obj is not None:
        extract = extract or bool(template_obj.extract)
        extract_last = extract_last or bool(template_obj.extract_last)

    # Model and options first, so a typo fails before any input is read.
    explicit = p.explicit_model(model_id, queries, async_=async_)
    conversation = chain.load_conversation(
        _continue, conversation_id, async_=async_, model=explicit
    )
    model = p.choose_model(
        explicit,
        conversation,
        template_obj.model if template_obj is not None else None,
        async_=async_,
    )
    template_options = (template_obj.options or {}) if template_obj is not None else {}
    validated_options = p.validate_options(model, [*template_options.items(), *options])

    # Attachments before the prompt text: `-a -` consumes standard input.
    template_attachments, template_attachment_types = _template_attachments(template_obj)
    resolved_attachments = p.resolve_attachments(
        [*template_attachments, *attachments],
        [*template_attachment_types, *attachment_types],
    )
    p.check_attachment_types(model, resolved_attachments)
    stdin_used = "-" in attachments or any(value == "-" for value, _ in attachment_types)
    # Fragments next: `-f -` reads standard input too; loaders may add attachments.
    fragments, system_fragments, fragment_attachments = chain.resolve_fragments()
    p.check_attachment_types(model, fragment_attachments)
    resolved_attachments.extend(fragment_attachments)
    stdin_used = stdin_used or chain.reads_stdin

    needs_input = template_obj is None or p.template_reads_input(template_obj)
    stdin_text = p.read_stdin_text() if needs_input and not stdin_used else ""
    prompt_text = p.combine_prompt(stdin_text, prompt)
    if (
        prompt_text is None
        and needs_input
        and not stdin_used
        and not resolved_attachments
        and not fragments
        and p.stdin_is_tty()
    ):
        # `llm` with nothing at all on a terminal: type the prompt, end with Ctrl-D.
        prompt_text = sys.stdin.read()

    if template_obj is not None:
        prompt_text, template_system = p.evaluate_template(template_obj, prompt_text, params)
        if system is None:
            system = template_system

    spec = p.PromptSpec(
        system=system,
        attachments=resolved_attachments,
        options=validated_options,
        key=key,
        extra={
            **(p.template_extras(template_obj) if template_obj is not None else {}),
            **chain.prompt_extras(fragments, system_fragments),
        },
    )
    tools = chain.resolve_tools(conversation, model=model)
    kwargs = p.prompt_kwargs(spec, model)
    target: Any = conversation if conversation is not None else model

    stream = bool(getattr(model, "can_stream", True)) and not no_stream
    show_chunks = stream and not (extract or extract_last)
    log_it = p.should_log(no_log=no_log, log=log)

    from ..running import Interrupted, run_prompt

    if chain.uses_chain(tools):
        # Tools (or --json, -d): run as a chain, each response logged as it completes.
        from ..tooling import run_chain

        before_call, after_call = chain.callbacks()
        try:
            run_chain(
                target,
                prompt_text,
                kwargs,
                tools=tools,
                before_call=before_call,
                after_call=after_call,
                chain_limit=chain.chain_limit,
                stream=stream,
                show_chunks=show_chunks,
                async_=async_,
                log=log_it,
                database=chain.database,
                extract=extract,
                extract_last=extract_last,
                usage=usage,
                json_output=chain.json_output,
            )
        except Interrupted as exc:
            raise click.exceptions.Exit(exc.exit_code) from None
        return

    try:
        run_prompt(
            target,
            prompt_text,
            kwargs,
            stream=stream,
            show_chunks=show_chunks,
            async_=async_,
            log=log_it,
            extract=extract,
            extract_last=extract_last,
            usage=usage,
        )
    except Interrupted as exc:
        # Ctrl-C / SIGTERM: what arrived was printed and logged (marked incomplete);
        # exit like an interrupted shell command (130, or 143 for SIGTERM).
        raise click.exceptions.Exit(exc.exit_code) from None


def register(cli: click.Group) -> None:
    cli.add_command(prompt_command, name="prompt")


def _template_attachments(template_obj: Any) -> tuple[list, list]:
    """A template's ``attachments`` and ``attachment_types`` as ``-a`` / ``--at`` values."""
    if template_obj is None:
        return [], []
    plain = list(template_obj.attachments or [])
    typed = [(at.value, at.type) for at in (template_obj.attachment_types or [])]
    return plain, typed


def _save_template(
    name: str,
    *,
    prompt: str | None,
    system: str | None,
    model_id: str | None,
    queries: tuple,
    attachments: tuple,
    attachment_types: tuple,
    options: tuple,
    params: dict,
    extract: bool,
    extract_last: bool,
    template: str | None,
    continue_: bool,
    conversation_id: str | None,
    chain: Any = None,
) -> None:
    """``--save NAME``: store the prompt as a template instead of running it."""
    import os

    import llmio_templates

    from .. import prompting as p

    disallowed = [
        flag
        for flag, value in (
            ("--template", template),
            ("--continue", continue_),
            ("--cid", conversation_id),
        )
        if value
    ]
    if disallowed:
        raise click.ClickException("--save cannot be used with {}".format(", ".join(disallowed)))
    if "-" in attachments or any(value == "-" for value, _ in attachment_types):
        raise click.ClickException("--save cannot store an attachment read from standard input")

    if queries and not model_id:
        model_id = p.first_model_matching(queries, async_=False)
    saved_options: dict = {}
    if options:
        model = p.get_model(model_id or _default_model_id())
        saved_options = p.validate_options(model, options)

    def stored(value: str) -> str:
        return value if p.is_url(value) else os.path.abspath(os.path.expanduser(value))

    fields: dict[str, Any] = {
        "name": name,
        "prompt": prompt,
        "system": system,
        "model": model_id,
        "defaults": params or None,
        "options": saved_options or None,
        "extract": True if extract else None,
        "extract_last": True if extract_last else None,
        "attachments": [stored(value) for value in attachments] or None,
        "attachment_types": [
            llmio_templates.AttachmentType(type=mimetype, value=stored(value))
            for value, mimetype in attachment_types
        ]
        or None,
    }
    if chain is not None:
        # Fragments, tools, functions and schema (-f, --sf, -T, --functions, --schema).
        fields.update(chain.template_fields())
    try:
        template_obj = llmio_templates.Template(**fields)
        llmio_templates.save_template(name, template_obj)
    except llmio_templates.TemplateError as exc:
        raise click.ClickException(p.exc_message(exc)) from exc


def _default_model_id() -> str:
    import llm

    return llm.get_default_model()
