"""``-f``/``--sf`` and ``--schema`` values: resolved by the library
(:mod:`llm.fragments`, :mod:`llm.schemas`) against the ``-d`` database, with
the library's input errors turned into click errors (one ``Error:`` line, also
with ``LLM_RAISE_ERRORS``: the user typed something wrong, nothing crashed)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import click


@contextlib.contextmanager
def input_errors() -> Iterator[None]:
    """Report the library's errors about what the user named as click errors."""
    from llm.errors import FragmentError
    from llm.logs import ConversationNotFound
    from llm.schemas import SchemaError

    try:
        yield
    except (FragmentError, SchemaError, ConversationNotFound) as exc:
        raise click.ClickException(str(exc)) from exc


def fragments_for(
    values: Sequence[str], *, system: bool = False, database: Any = None
) -> tuple[list[Any], list[Any]]:
    """``(fragments, attachments)`` for ``-f`` (or ``--sf``) values; stored
    aliases and hashes are looked up in ``database`` (a path, a LogStore, or
    None for logs.db)."""
    import llm.fragments

    with input_errors():
        return llm.fragments.resolve_fragments(values, system=system, store=database)


def schema_for(value: str | None, *, multi: bool = False, database: Any = None) -> dict | None:
    """The schema a ``--schema`` (or ``--schema-multi``) value names."""
    import llm.schemas

    with input_errors():
        return llm.schemas.schema_from_reference(value, multi=multi, store=database, label="--schema")
