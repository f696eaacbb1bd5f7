"""What ``llm prompt`` and ``llm chat`` share: picking the model, validating
options, reading attachments and stdin, loading conversations, logging and
printing responses.

Everything here raises :class:`click.ClickException` for problems the user can
fix, so the commands stay a short read from top to bottom.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click
from llm.urls import is_url

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    import llm


# --------------------------------------------------------------------------
# Models


def explicit_model(model_id: str | None, queries: Sequence[str] = (), async_: bool = False) -> Any:
    """The model named by ``-m`` (ID or alias) or found by ``-q``, or None."""
    if model_id:
        return get_model(model_id, async_=async_)
    if queries:
        return get_model(first_model_matching(queries, async_=async_), async_=async_)
    return None


def choose_model(
    explicit: Any, conversation: Any, template_model: str | None, async_: bool = False
) -> Any:
    """``-m``/``-q`` first, then the continued conversation's model, then the
    template's, then the default model."""
    import llm

    if explicit is not None:
        return explicit
    if conversation is not None:
        return conversation.model
    if template_model:
        return get_model(template_model, async_=async_)
    default = llm.get_default_model()
    try:
        return get_model(default, async_=async_)
    except click.ClickException as exc:
        path = llm.user_dir() / "default_model.txt"
        if path.exists():  # a default the user set: say where it came from
            raise click.ClickException(f"{path}: {exc.format_message()}") from exc
        raise


def first_model_matching(queries: Sequence[str], async_: bool) -> str:
    import llm

    for model_with_aliases in llm.get_models_with_aliases():
        if async_ and model_with_aliases.async_model is None:
            continue
        if all(model_with_aliases.matches(q) for q in queries):
            return (model_with_aliases.model or model_with_aliases.async_model).model_id
    raise click.ClickException(
        "No model found matching: {}".format(", ".join(repr(q) for q in queries))
    )


def get_model(model_id: str, async_: bool = False) -> Any:
    """Resolve an ID or alias to a model, as a one-line error when unknown."""
    import llm

    try:
        if async_:
            return llm.get_async_model(model_id)
        return llm.get_model(model_id)
    except llm.UnknownModelError as exc:
        message = exc_message(exc)
        if async_ and _sync_model_exists(model_id):
            message = f"Model '{model_id}' does not support async prompts"
        raise click.ClickException(message) from exc


def _sync_model_exists(model_id: str) -> bool:
    import llm

    try:
        llm.get_model(model_id)
    except llm.UnknownModelError:
        return False
    return True


def exc_message(exc: BaseException) -> str:
    """An exception as one line of text (without KeyError's quotes)."""
    if isinstance(exc, KeyError) and exc.args and len(exc.args) == 1:
        message = str(exc.args[0])
    else:
        message = str(exc)
    message = message.strip() or exc.__class__.__name__
    return " ".join(message.split())


def validate_options(model: Any, options: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Check ``-o name value`` pairs against the model's Options class.

    Returns only the options that were set (values coerced by pydantic)."""
    import pydantic

    raw = dict(options)
    if not raw:
        return {}
    try:
        validated = model.Options(**raw)
    except pydantic.ValidationError as exc:
        raise click.ClickException(render_validation_errors(exc)) from exc
    return {
        key: value
        for key, value in validated.model_dump().items()
        if key in raw and value is not None
    }


def render_validation_errors(exc: Any) -> str:
    bits = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ())) or "options"
        message = error.get("msg", "invalid value")
        if message == "Extra inputs are not permitted":
            message = "not a valid option for this model"
        bits.append(f"{location}: {message}")
    return "; ".join(bits)


# --------------------------------------------------------------------------
# Input: stdin and attachments


def stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def read_stdin_text() -> str:
    """Piped standard input, or '' when stdin is a terminal."""
    if stdin_is_tty():
        return ""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        # Bytes that are not UTF-8 become U+FFFD rather than an error (or
        # surrogates that could not be sent or logged).
        return buffer.read().decode("utf-8", errors="replace")
    return clean_text(sys.stdin.read() or "")


def clean_text(text: str | None) -> str | None:
    """Text from argv/stdin that may hold undecodable bytes (as lone surrogates)
    turned into valid Unicode: each bad byte becomes U+FFFD."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="replace").decode("utf-8")
    return raw.decode("utf-8", errors="replace")


def combine_prompt(stdin_text: str, argument: str | None) -> str | None:
    """Piped content, then a space, then the argument (usage.md)."""
    if stdin_text:
        return stdin_text + " " + argument if argument else stdin_text
    return argument


def _read_stdin_bytes() -> bytes:
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return buffer.read()
    data = sys.stdin.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def resolve_attachment(value: str, mimetype: str | None = None) -> llm.Attachment:
    """Build an Attachment from ``-a`` / ``--at`` input, checking it can be read
    and that its type is known."""
    import llm

    if value == "-":
        content = _read_stdin_bytes()
        attachment = llm.Attachment(type=mimetype, content=content)
    elif is_url(value):
        if mimetype is None:
            mimetype = _head_content_type(value)
        attachment = llm.Attachment(type=mimetype, url=value)
    else:
        from llm.files import NotARegularFile, check_regular_file

        try:
            path = check_regular_file(value, "File")
        except NotARegularFile as exc:
            raise click.ClickException(str(exc)) from None
        attachment = llm.Attachment(type=mimetype, path=path)
    if attachment.type is None:
        from llm.urls import FetchError

        try:
            attachment.type = attachment.resolve_type()
        except Exception as exc:
            if isinstance(exc.__cause__, FetchError):  # could not fetch: the type is no help
                raise click.ClickException(exc_message(exc)) from None
            raise click.ClickException(
                f"{exc_message(exc)} - give the type with --at {value} TYPE"
            ) from exc
    return attachment


def _head_content_type(url: str) -> str | None:
    """Check the URL answers (a HEAD request), returning its Content-Type."""
    from llm.urls import FetchError, fetch_url

    try:
        fetched = fetch_url(url, what="attachment", method="HEAD")
    except FetchError as exc:
        if exc.status in (405, 501):
            return None  # HEAD not allowed: the type is found from the content instead
        raise click.ClickException(str(exc)) from None
    content_type = fetched.content_type or ""
    if content_type in ("", "application/octet-stream", "binary/octet-stream"):
        return None  # not informative: the type is found from the content instead
    return content_type


def resolve_attachments(
    attachments: Sequence[str] = (), attachment_types: Sequence[tuple[str, str]] = ()
) -> list:
    resolved = [resolve_attachment(value) for value in attachments]
    resolved.extend(resolve_attachment(value, mimetype) for value, mimetype in attachment_types)
    return resolved


def check_attachment_types(model: Any, attachments: Sequence[Any]) -> None:
    if not attachments:
        return
    supported = set(getattr(model, "attachment_types", None) or ())
    for attachment in attachments:
        if attachment.type not in supported:
            if supported:
                allowed = ", ".join(sorted(supported))
                raise click.ClickException(
                    f"This model does not support attachments of type '{attachment.type}', "
                    f"only {allowed}"
                )
            raise click.ClickException(
                f"This model does not support attachments, but one of type "
                f"'{attachment.type}' was given"
            )


# --------------------------------------------------------------------------
# Templates


def load_template(name: str) -> Any:
    try:
        import llmio_templates
    except ImportError as exc:  # pragma: no cover - templates are a dependency
        raise click.ClickException("Templates need the llmio-templates package") from exc
    try:
        return llmio_templates.load_template(name)
    except llmio_templates.TemplateError as exc:
        raise click.ClickException(exc_message(exc)) from exc


def template_reads_input(template: Any) -> bool:
    """A template takes the user's input if its prompt uses ``$input`` or it has
    no prompt at all (the input then is the whole prompt)."""
    if not getattr(template, "prompt", None):
        return True
    return "input" in template.vars()


def template_extras(template: Any) -> dict[str, Any]:
    """Prompt keyword arguments a template adds beyond prompt, system and options.

    Fragments and tools in templates arrive with the fragments and tools
    features; until then such a template is refused rather than half-run."""
    unsupported = [
        key
        for key in ("fragments", "system_fragments", "tools", "functions")
        if getattr(template, key, None)
    ]
    if unsupported:
        name = getattr(template, "name", None) or "template"
        raise click.ClickException(
            f"Template '{name}' uses {', '.join(unsupported)}, which this command "
            "does not support yet"
        )
    extras: dict[str, Any] = {}
    if getattr(template, "schema_object", None):
        extras["schema"] = template.schema_object
    return extras


def evaluate_template(template: Any, input_text: str, params: dict) -> tuple[Any, Any]:
    import llmio_templates

    try:
        return template.evaluate(input_text, params)
    except llmio_templates.TemplateError as exc:
        raise click.ClickException(exc_message(exc)) from exc


# --------------------------------------------------------------------------
# Building the prompt call


@dataclass
class PromptSpec:
    """Everything one prompt call needs besides the text, collected from the
    command line and the template. Later issues add fragments, tools and schemas
    here and in :func:`prompt_kwargs`."""

    system: str | None = None
    attachments: list = field(default_factory=list)
    options: dict = field(default_factory=dict)
    key: str | None = None
    extra: dict = field(default_factory=dict)


def prompt_kwargs(spec: PromptSpec, model: Any) -> dict[str, Any]:
    """Keyword arguments for ``model.prompt`` / ``conversation.prompt``.

    The hook point for fragments (-f), tools (-T) and schemas (--schema): they
    arrive through ``spec.extra`` and are passed on unchanged."""
    kwargs: dict[str, Any] = {}
    if spec.system is not None:
        kwargs["system"] = spec.system
    if spec.attachments:
        kwargs["attachments"] = spec.attachments
    if spec.key:
        kwargs["key"] = spec.key
    kwargs.update(spec.extra)
    kwargs.update(spec.options)
    return kwargs


# --------------------------------------------------------------------------
# Conversations and logging


def should_log(no_log: bool = False, log: bool = False) -> bool:
    import llm

    if no_log:
        return False
    return log or llm.logs_on()


def open_db() -> sqlite3.Connection:
    import llm.logs

    return llm.logs.open_db()


def load_conversation(
    continue_: bool,
    conversation_id: str | None,
    async_: bool = False,
    model: Any = None,
    database: Any = None,
) -> Any:
    """The conversation ``-c`` / ``--cid`` asks for, or None.

    ``-c`` with nothing logged yet starts a new conversation; an unknown
    ``--cid`` is an error. ``model`` (from ``-m``) replaces the conversation's own."""
    if not (continue_ or conversation_id):
        return None
    import llm
    import llm.logs

    try:
        with llm.logs.open(database, create=False) as store:
            conversation = store.conversation(conversation_id, model=model, async_=async_)
    except llm.UnknownModelError as exc:
        raise click.ClickException(exc_message(exc)) from exc
    if conversation is None and conversation_id:
        raise click.ClickException(f"No conversation found with id={conversation_id}")
    return conversation


def log_response(response: Any) -> None:
    """Log ``response``. If logs.db cannot be written the record is kept in the
    recovery file (imported on the next successful write) and one warning line
    is printed; only if even that fails does this raise."""
    import llm.logs

    warning = llm.logs.log_or_keep(response)
    if warning:
        click.echo(warning, err=True)


# --------------------------------------------------------------------------
# Output


def echo_chunk(chunk: str) -> None:
    sys.stdout.write(chunk)
    sys.stdout.flush()


def usage_line(usage: Any) -> str | None:
    if usage is None:
        return None
    input_tokens = getattr(usage, "input", None)
    output_tokens = getattr(usage, "output", None)
    details = getattr(usage, "details", None)
    if input_tokens is None and output_tokens is None and not details:
        return None
    bits = [f"{input_tokens or 0} input", f"{output_tokens or 0} output"]
    line = "Token usage: " + ", ".join(bits)
    from llm.utils import simplify_usage_dict

    details = simplify_usage_dict(details) if details else None
    if details:
        line += ", " + json.dumps(details)
    return line


def extracted(text: str, extract: bool, extract_last: bool) -> str:
    if not (extract or extract_last):
        return text
    from llm.utils import extract_fenced_code_block

    block = extract_fenced_code_block(text, last=extract_last)
    return text if block is None else block


def model_error_message(exc: BaseException) -> str:
    """Kept for callers written against the earlier name; see :func:`exc_message`."""
    return exc_message(exc)
