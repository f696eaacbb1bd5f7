"""Turn exceptions into one-line ``Error: ...`` messages (DESIGN §7)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click


def raise_errors() -> bool:
    return os.environ.get("LLM_RAISE_ERRORS", "") not in ("", "0")


def one_line(exc: BaseException) -> str:
    message = str(exc).strip() or exc.__class__.__name__
    return " ".join(message.split("\n")) if "\n" in message and len(message) < 500 else message


class FriendlyGroupMixin:
    """Catch library exceptions raised by any sub-command and print one line."""

    def invoke(self, ctx: click.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except (KeyboardInterrupt, BrokenPipeError):
            # click exits quietly when the reader of a pipe goes away (`llm logs | head`).
            raise
        except Exception as exc:
            if raise_errors():
                raise
            raise click.ClickException(one_line(exc)) from exc


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator form, for commands registered outside our group classes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except Exception as exc:
            if raise_errors():
                raise
            raise click.ClickException(one_line(exc)) from exc

    return wrapper


def warn(message: str) -> None:
    click.echo(message, err=True)
    sys.stderr.flush()
