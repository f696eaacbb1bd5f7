"""``-f/--fragment`` and ``--sf/--system-fragment`` values → ``llm.Fragment`` objects.

A value is, checked in this order:

- ``-``: standard input;
- ``prefix:argument`` where a plugin registered a fragment loader for ``prefix``
  (``register_fragment_loaders``); a loader may return text, fragments and
  attachments, alone or in a list;
- an ``http://`` or ``https://`` URL, fetched within the limits of ``llm.urls``;
- a path to a file;
- the alias (``llm fragments set``) or sha256 hash of a fragment stored in logs.db.

Fragments keep their source (the resolved path, the URL, ``-``, the loader
argument or the stored source), which logs.db records next to the content.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

_PREFIX = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.-]*):(.*)$", re.DOTALL)


class FragmentNotFound(click.ClickException):
    pass


def _is_url(value: str) -> bool:
    from llm.urls import is_url

    return is_url(value)


def fetch_url(url: str) -> str:
    """The text at ``url``, within the fetch deadline and size cap (llm.urls)."""
    from llm.urls import FetchError
    from llm.urls import fetch_url as fetch

    try:
        return fetch(url, what="fragment").text()
    except FetchError as exc:
        raise click.ClickException(str(exc)) from None


def read_file(path: str, value: str) -> str:
    from llm.files import NotARegularFile, read_regular_file

    try:
        data = read_regular_file(path, "Fragment")
    except NotARegularFile as exc:
        raise click.ClickException(str(exc)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"Fragment {value} is not a UTF-8 text file") from None


def stored_fragment(db: Any, value: str) -> dict | None:
    """The fragment with this alias or hash in logs.db, as a dict, or None."""
    if db is None:
        return None
    row = db.execute(
        """select fragments.id, fragments.hash, fragments.content, fragments.source
        from fragment_aliases join fragments on fragments.id = fragment_aliases.fragment_id
        where fragment_aliases.alias = ?""",
        [value],
    ).fetchone()
    if row is None:
        row = db.execute(
            "select id, hash, content, source from fragments where hash = ?", [value]
        ).fetchone()
    if row is None:
        return None
    return {"id": row[0], "hash": row[1], "content": row[2], "source": row[3]}


def _from_loader(prefix: str, argument: str, loader: Callable[[str], Any], value: str) -> list[Any]:
    import llm

    try:
        result = loader(argument)
    except click.ClickException:
        raise
    except Exception as exc:
        raise click.ClickException(
            f"Could not load fragment {value}: {exc.__class__.__name__}: {exc}"
        ) from exc
    items = result if isinstance(result, (list, tuple)) else [result]
    out: list[Any] = []
    for item in items:
        if isinstance(item, (llm.Fragment, llm.Attachment)):
            out.append(item)
        elif isinstance(item, str):
            out.append(llm.Fragment(item, value))
        else:
            raise click.ClickException(
                f"Fragment loader {prefix}: returned {type(item).__name__}, "
                "expected text, a Fragment or an Attachment"
            )
    return out


def resolve_fragment(
    value: str, *, loaders: dict | None = None, open_db: Callable[[], Any] | None = None
) -> list[Any]:
    """One ``-f`` value → a list of ``llm.Fragment`` (and, from loaders, ``llm.Attachment``)."""
    import llm

    if value == "-":
        return [llm.Fragment(sys.stdin.read(), "-")]
    match = _PREFIX.match(value)
    if match and not _is_url(value):
        if loaders is None:
            loaders = llm.get_fragment_loaders()
        prefix, argument = match.group(1), match.group(2)
        if prefix in loaders:
            return _from_loader(prefix, argument, loaders[prefix], value)
    if _is_url(value):
        return [llm.Fragment(fetch_url(value), value)]
    path = os.path.expanduser(value)
    if value.strip() and os.path.exists(path):
        return [llm.Fragment(read_file(path, value), os.path.abspath(path))]
    db = open_db() if open_db is not None else _default_db()
    try:
        stored = stored_fragment(db, value)
    finally:
        if db is not None:
            db.close()
    if stored is not None:
        return [llm.Fragment(stored["content"], stored["source"])]
    if match:
        raise FragmentNotFound(
            f"Fragment '{value}' not found: no fragment loader for '{match.group(1)}:'"
        )
    raise FragmentNotFound(f"Fragment '{value}' not found")


def resolve_fragments(
    values: Sequence[str], *, system: bool = False, open_db: Callable[[], Any] | None = None
) -> tuple[list[Any], list[Any]]:
    """``(fragments, attachments)`` for a list of ``-f`` (or ``--sf``) values.

    System fragments cannot be attachments."""
    import llm

    if not values:
        return [], []
    loaders = None
    if any(_PREFIX.match(v) and not _is_url(v) for v in values):
        loaders = llm.get_fragment_loaders()
    fragments: list[Any] = []
    attachments: list[Any] = []
    for value in values:
        for item in resolve_fragment(value, loaders=loaders, open_db=open_db):
            if isinstance(item, llm.Attachment):
                if system:
                    raise click.ClickException(
                        f"System fragment {value} is an attachment: use -f for attachments"
                    )
                attachments.append(item)
            else:
                fragments.append(item)
    return fragments, attachments


def reads_stdin(values: Sequence[str]) -> bool:
    return "-" in values


def _default_db(path: str | None = None) -> Any:
    import llm.logs

    return llm.logs.open_existing(path)
