"""Fragments: reusable pieces of prompt text with a source and a stable hash,
and what a fragment reference (``llm -f VALUE``) stands for.

A reference is, checked in this order:

- ``-``: standard input;
- ``prefix:argument`` where a plugin registered a fragment loader for ``prefix``
  (``register_fragment_loaders``); a loader may return text, fragments and
  attachments, alone or in a list;
- an ``http://`` or ``https://`` URL, fetched within the limits of ``llm.urls``;
- a path to a file (UTF-8 text);
- the alias or sha256 hash of a fragment stored in logs.db.

Fragments keep their source (the resolved path, the URL, ``-``, the loader
argument or the stored source), which logs.db records next to the content.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from typing_extensions import Self

from .errors import FragmentError, FragmentNotFound

_PREFIX = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.-]*):(.*)$", re.DOTALL)


class Fragment(str):
    """A string that remembers where it came from (a path, URL or loader)."""

    source: str

    def __new__(cls, content: str, source: str | None = None) -> Self:
        obj = super().__new__(cls, content)
        obj.source = source or ""
        return obj

    def id(self) -> str:
        """sha256 of the content: the key under which logs.db stores it once."""
        return hashlib.sha256(str(self).encode("utf-8")).hexdigest()


def _fetch(url: str) -> str:
    from .urls import FetchError, fetch_url

    try:
        return fetch_url(url, what="fragment").text()
    except FetchError as exc:
        raise FragmentError(str(exc)) from None


def _read_file(path: str, reference: str) -> str:
    from .files import NotARegularFile, read_regular_file

    try:
        data = read_regular_file(path, "Fragment")
    except NotARegularFile as exc:
        raise FragmentError(str(exc)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FragmentError(f"Fragment {reference} is not a UTF-8 text file") from None


def _from_loader(prefix: str, argument: str, loader: Any, reference: str) -> list[Any]:
    from .attachments import Attachment

    try:
        result = loader(argument)
    except Exception as exc:
        if callable(getattr(exc, "format_message", None)):
            raise  # click's errors, raised by loaders for their users, stay as they are
        raise FragmentError(f"Could not load fragment {reference}: {exc.__class__.__name__}: {exc}") from exc
    items = result if isinstance(result, (list, tuple)) else [result]
    out: list[Any] = []
    for item in items:
        if isinstance(item, (Fragment, Attachment)):
            out.append(item)
        elif isinstance(item, str):
            out.append(Fragment(item, reference))
        else:
            raise FragmentError(
                f"Fragment loader {prefix}: returned {type(item).__name__}, "
                "expected text, a Fragment or an Attachment"
            )
    return out


class _StoredFragments:
    """Look-ups in ``store`` (a LogStore, a database path, or None for logs.db),
    opened only when a reference turns out to name a stored fragment."""

    def __init__(self, store: Any) -> None:
        self.given = store
        self.opened: Any = None

    def find(self, reference: str) -> Fragment | None:
        if hasattr(self.given, "fragment"):
            return self.given.fragment(reference)
        if self.opened is None:
            from . import logs

            self.opened = logs.open(self.given, create=False)
        return self.opened.fragment(reference)

    def close(self) -> None:
        if self.opened is not None:
            self.opened.close()


def _resolve(reference: str, loaders: dict | None, stored: _StoredFragments) -> list[Any]:
    from .urls import is_url

    if reference == "-":
        return [Fragment(sys.stdin.read(), "-")]
    match = _PREFIX.match(reference)
    if match and not is_url(reference):
        if loaders is None:
            from .registry import get_fragment_loaders

            loaders = get_fragment_loaders()
        prefix, argument = match.group(1), match.group(2)
        if prefix in loaders:
            return _from_loader(prefix, argument, loaders[prefix], reference)
    if is_url(reference):
        return [Fragment(_fetch(reference), reference)]
    path = os.path.expanduser(reference)
    if reference.strip() and os.path.exists(path):
        return [Fragment(_read_file(path, reference), os.path.abspath(path))]
    found = stored.find(reference)
    if found is not None:
        return [found]
    if match:
        raise FragmentNotFound(f"Fragment '{reference}' not found: no fragment loader for '{match.group(1)}:'")
    raise FragmentNotFound(f"Fragment '{reference}' not found")


def resolve_fragment(reference: str, *, loaders: dict | None = None, store: Any = None) -> list[Any]:
    """What one fragment reference stands for: ``llm.Fragment`` objects (and, from
    loaders, ``llm.Attachment`` objects).

    ``store`` is where aliases and hashes are looked up: a ``llm.logs.LogStore``,
    the path of a logs database, or None for the user's logs.db (opened only if
    needed; nothing is created). Raises :class:`~llm.errors.FragmentNotFound` or
    :class:`~llm.errors.FragmentError`.
    """
    stored = _StoredFragments(store)
    try:
        return _resolve(reference, loaders, stored)
    finally:
        stored.close()


def resolve_fragments(references: Sequence[str], *, system: bool = False,
                      store: Any = None) -> tuple[list[Fragment], list[Any]]:
    """``(fragments, attachments)`` for a list of fragment references (see
    :func:`resolve_fragment`). With ``system=True`` (system fragments) a
    reference that gives an attachment is an error."""
    from .attachments import Attachment
    from .urls import is_url

    if not references:
        return [], []
    loaders = None
    if any(_PREFIX.match(r) and not is_url(r) for r in references):
        from .registry import get_fragment_loaders

        loaders = get_fragment_loaders()
    fragments: list[Fragment] = []
    attachments: list[Any] = []
    stored = _StoredFragments(store)
    try:
        for reference in references:
            for item in _resolve(reference, loaders, stored):
                if isinstance(item, Attachment):
                    if system:
                        raise FragmentError(f"System fragment {reference} is an attachment: use -f for attachments")
                    attachments.append(item)
                else:
                    fragments.append(item)
    finally:
        stored.close()
    return fragments, attachments
