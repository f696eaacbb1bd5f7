"""Run one prompt for the CLI: print it as it streams, log it, report usage.

Shared by ``llm prompt`` (one turn) and ``llm chat`` (one call per turn).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from . import prompting as p


class Interrupted(Exception):
    """Ctrl-C (or SIGTERM) arrived while a response was streaming; what arrived was kept."""

    def __init__(self, response: Any, exit_code: int = 130) -> None:
        super().__init__("interrupted")
        self.response = response
        self.exit_code = exit_code


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so it unwinds like Ctrl-C (exit 143)."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While a prompt runs, SIGTERM stops it like Ctrl-C does."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except (ValueError, OSError, AttributeError):  # not the main thread / no SIGTERM
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _arrived(response: Any) -> bool:
    """Did any part of the answer arrive (text or tool calls)?"""
    if response is None or not getattr(response, "_started", False):
        return False
    return bool(getattr(response, "_chunks", None) or getattr(response, "_tool_calls", None))


def run_prompt(*args: Any, **kwargs: Any) -> Any:
    """Prompt ``target`` and print the reply (see :func:`_run_prompt`); while it
    runs, SIGTERM stops it the way Ctrl-C does (logged as incomplete, exit 143)."""
    with _sigterm_interrupts():
        return _run_prompt(*args, **kwargs)


def _run_prompt(
    target: Any,
    prompt_text: str | None,
    kwargs: dict,
    *,
    stream: bool,
    show_chunks: bool,
    async_: bool = False,
    log: bool = True,
    extract: bool = False,
    extract_last: bool = False,
    usage: bool = False,
) -> Any:
    """Prompt ``target`` (a model or a conversation) and print the reply.

    Streams chunks to stdout (flushed) when ``show_chunks``, else prints the
    whole text at the end, extracting a fenced code block if asked. The response
    is logged when ``log``. Raises :class:`Interrupted` on Ctrl-C after logging
    the partial response, and ClickException for model errors.
    """
    import llm

    response: Any = None
    # Whether the model was started, and the async response (made inside the event loop).
    pending: dict[str, Any] = {}
    try:
        if async_:
            response = _run_async(target, prompt_text, kwargs, stream, show_chunks, pending)
            if not show_chunks:
                _echo_final(response.text(), extract, extract_last)
        else:
            response = target.prompt(prompt_text, stream=stream, **kwargs)
            pending["started"] = True
            if show_chunks:
                _stream(response)
            else:
                _echo_final(response.text(), extract, extract_last)
    except KeyboardInterrupt as interrupt:
        exit_code = 143 if isinstance(interrupt, Terminated) else 130
        response = _stopped(response, pending)
        if response is not None:
            sys.stdout.write("\n")
            sys.stdout.flush()
            if log:
                _log(response)
        raise Interrupted(response, exit_code) from None
    except BrokenPipeError:
        # The reader went away (`llm ... | head -n 1`): keep what arrived, exit quietly.
        response = _stopped(response, pending)
        if response is not None and log:
            _log(response)
        _silence_stdout()
        raise click.exceptions.Exit(0) from None
    except click.ClickException:
        raise
    except (llm.ModelError, ValueError, OSError) as exc:
        # A stream cut short, a timeout mid-answer: what arrived is logged, marked
        # incomplete (never as a complete response), then the one-line error.
        if log and _arrived(response) and getattr(response, "_done", False):
            if show_chunks:
                sys.stdout.write("\n")
                sys.stdout.flush()
            try:
                _log(response)
            except Exception as log_exc:  # noqa: BLE001 - the API error matters more
                click.echo(f"Warning: {p.exc_message(log_exc)}", err=True)
        from .errors import raise_errors

        if raise_errors():
            raise
        raise click.ClickException(p.exc_message(exc)) from exc

    if log:
        _log(response)
    if usage:
        line = p.usage_line(response.usage())
        if line:
            click.echo(line, err=True)
    return response


def _stream(response: Any) -> None:
    chunks = iter(response)
    try:
        for chunk in chunks:
            p.echo_chunk(chunk)
    finally:
        # Stopped early (Ctrl-C, closed pipe): end the response now so it
        # records what arrived.
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    p.echo_chunk("\n")


def _stopped(response: Any, pending: dict[str, Any]) -> Any:
    """The response cut short by Ctrl-C or a closed pipe, as a finished sync
    response holding what arrived; None if the model never started.

    A sync response stopped mid-way is finished by the core (iteration ends in a
    ``finally``); an async one is only used if it finished too, so nothing is
    ever run a second time just to be logged."""
    if not pending.get("started"):
        return None
    if response is None:
        response = pending.get("response")
    if hasattr(response, "to_sync_response"):
        try:
            response.text_or_raise()
        except ValueError:
            return None
        response = asyncio.run(response.to_sync_response())
    return response


def _run_async(
    target: Any,
    prompt_text: str | None,
    kwargs: dict,
    stream: bool,
    show_chunks: bool,
    pending: dict[str, Any],
) -> Any:
    """Run the prompt on an event loop; returns the finished response as a sync
    Response (for logging and usage)."""

    async def main() -> Any:
        response = target.prompt(prompt_text, stream=stream, **kwargs)
        pending["response"] = response
        pending["started"] = True
        if show_chunks:
            async for chunk in response:
                p.echo_chunk(chunk)
            p.echo_chunk("\n")
        else:
            await response.text()
        return await response.to_sync_response()

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


def _echo_final(text: str, extract: bool, extract_last: bool) -> None:
    click.echo(p.extracted(text, extract, extract_last))
    sys.stdout.flush()


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _log(response: Any) -> None:
    p.log_response(response)
