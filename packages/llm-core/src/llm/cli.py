"""Compatibility path for plugins: ``from llm.cli import cli`` (and ``get_key`` & co).

Published plugins and their test suites import the click group and a few helpers
from here. The group lives in the separate ``llmio-cli`` distribution; it is imported
only when ``cli`` (or another CLI-only name) is asked for, and a missing
distribution is reported by name. Library helpers are re-exported from ``llm``.
"""

from __future__ import annotations

from typing import Any

from llm import (
    UnknownModelError,
    get_default_model,
    get_key,
    get_model,
    get_models_with_aliases,
    set_default_model,
    user_dir,
)

__all__ = [
    "UnknownModelError",
    "cli",  # noqa: F822 - provided lazily by __getattr__
    "get_default_model",
    "get_key",
    "get_model",
    "get_models_with_aliases",
    "load_conversation",
    "set_default_model",
    "user_dir",
]


def _import_cli_app() -> Any:
    try:
        import llmio_cli.app
    except ImportError as exc:
        if exc.name and exc.name.split(".")[0] == "llmio_cli":
            raise ImportError(
                "llm.cli needs the llmio-cli distribution: pip install llmio-cli"
            ) from exc
        raise
    return llmio_cli.app


def load_conversation(
    conversation_id: str | None = None, async_: bool = False, database: Any = None
) -> Any:
    """The logged conversation (the most recent one without an ID), ready to continue.

    The signature earlier releases gave plugins; returns None when nothing is logged.
    """
    import llm.logs

    with llm.logs.open(database, create=False) as store:
        conversation = store.conversation(conversation_id, async_=async_)
    if conversation is None and conversation_id is not None:
        raise KeyError(f"No conversation found with id={conversation_id}")
    return conversation


def __getattr__(name: str) -> Any:
    if name == "cli":
        return _import_cli_app().cli
    import llm

    try:
        return getattr(llm, name)
    except AttributeError:
        pass
    # Other helpers plugins reach for (``load_template``, ...) live in the CLI package.
    app = _import_cli_app()
    import llmio_cli.prompting

    for module in (app, llmio_cli.prompting):
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module 'llm.cli' has no attribute {name!r}")
