"""Finding logged responses: full-text search and every ``llm logs`` filter.

:class:`LogFilters` says what to find; :func:`search` returns the matching rows
(see :mod:`.response_rows`), :func:`count` how many there are. Filters that name
things the user typed (a model alias, a fragment file or alias, a schema in any
of its spellings) are resolved here, the same way ``llm prompt`` resolves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .response_rows import ROW_COLUMNS, ROW_JOIN, add_attachments, add_details, fetch_dicts

if TYPE_CHECKING:  # pragma: no cover
    from .store import LogStore


class ConversationNotFound(LookupError):
    """There is no such conversation (or, for the current one, none at all)."""


@dataclass
class LogFilters:
    """What to find in the logs; every field left at its default matches everything.

    ``limit`` keeps the newest matches (``None`` or 0: all of them). With
    ``query`` the best matches are kept, best last, unless ``latest``.
    """

    #: A model ID or alias (aliases of models no longer installed match their logged ID).
    model: str | None = None
    #: Words to search prompts and responses for (each matched as a term, not FTS syntax).
    query: str | None = None
    #: With ``query``: the newest matches rather than the best ones.
    latest: bool = False
    conversation_id: str | None = None
    #: Only the most recent conversation (:class:`ConversationNotFound` if there is none).
    current: bool = False
    #: Fragments the prompt (or system prompt) used: alias, hash, file, URL or ``loader:arg``.
    fragments: Sequence[str] = ()
    #: Tools offered, called or answered, by name: a response must have used all of them.
    tools: Sequence[str] = ()
    #: Only responses that called a tool or sent a tool's result.
    any_tools: bool = False
    #: The schema asked for: JSON, a file, the DSL, a schema ID, ``t:template`` or a dict.
    schema: str | dict | None = None
    #: Like ``schema``, for schemas asking for a list of items (``--schema-multi``).
    schema_multi: str | dict | None = None
    limit: int | None = None


def fts_query(query: str) -> str:
    """Quote each term so punctuation in a search never becomes FTS5 syntax."""
    return " ".join('"{}"'.format(term.replace('"', '""')) for term in query.split())


def _fragment_hash(store: LogStore, reference: str) -> str:
    """The sha256 a fragment reference stands for: a stored alias or hash first,
    else the content of the file, URL or loader result it names."""
    from ..errors import FragmentError
    from ..fragments import Fragment, resolve_fragment

    stored = store.fragment(reference)
    if stored is not None:
        return stored.id()
    items = [item for item in resolve_fragment(reference, store=store) if isinstance(item, Fragment)]
    if len(items) != 1:
        raise FragmentError(f"{reference} must resolve to exactly one text fragment")
    return items[0].id()


def _schema_id(store: LogStore, schema: str | dict, multi: bool) -> str:
    from ..schemas import multi_schema, schema_from_reference, schema_id, validate_schema

    if isinstance(schema, dict):
        resolved = multi_schema(validate_schema(schema)) if multi else validate_schema(schema)
    else:
        resolved = schema_from_reference(schema, multi=multi, store=store, label="--schema")
    return schema_id(resolved)


def where_clauses(store: LogStore, filters: LogFilters) -> tuple[list[str], list[Any]]:
    """``(clauses, parameters)`` on ``responses`` for every filter but the search."""
    where: list[str] = []
    params: list[Any] = []
    if filters.model:
        where.append("responses.model = ?")
        from ..registry import resolve_model_id

        params.append(resolve_model_id(filters.model))
    conversation_id = conversation_for(store, filters)
    if conversation_id:
        where.append("responses.conversation_id = ?")
        params.append(conversation_id)
    for name in filters.tools:
        where.append(
            "(exists (select 1 from tool_responses join tools on tools.id = tool_responses.tool_id "
            "where tool_responses.response_id = responses.id and tools.name = ?) "
            "or exists (select 1 from tool_calls where tool_calls.response_id = responses.id "
            "and tool_calls.name = ?) "
            "or exists (select 1 from tool_results where tool_results.response_id = responses.id "
            "and tool_results.name = ?))"
        )
        params.extend([name, name, name])
    if filters.any_tools:
        where.append(
            "(exists (select 1 from tool_calls where tool_calls.response_id = responses.id) "
            "or exists (select 1 from tool_results where tool_results.response_id = responses.id))"
        )
    for reference in filters.fragments:
        digest = _fragment_hash(store, reference)
        where.append(
            "(exists (select 1 from prompt_fragments join fragments on fragments.id = "
            "prompt_fragments.fragment_id where prompt_fragments.response_id = responses.id "
            "and fragments.hash = ?) "
            "or exists (select 1 from system_fragments join fragments on fragments.id = "
            "system_fragments.fragment_id where system_fragments.response_id = responses.id "
            "and fragments.hash = ?))"
        )
        params.extend([digest, digest])
    schema = filters.schema_multi or filters.schema
    if schema:
        where.append("responses.schema_id = ?")
        params.append(_schema_id(store, schema, multi=bool(filters.schema_multi)))
    return where, params


def conversation_for(store: LogStore, filters: LogFilters) -> str | None:
    """The conversation the filters name: ``conversation_id``, or the latest with ``current``."""
    if filters.conversation_id or not filters.current:
        return filters.conversation_id
    from .read import latest_conversation_id

    found = latest_conversation_id(store.conn)
    if found is None:
        raise ConversationNotFound("No conversations found")
    return found


def matching(store: LogStore, filters: LogFilters, columns: str) -> tuple[str, list[Any], bool]:
    """``(sql, params, ranked)``: ``select COLUMNS`` of the responses that match
    (``limit`` aside, no order), and whether a search ranks them. For callers that
    act on the matches (count them, list their IDs, ...)."""
    where, params = where_clauses(store, filters)
    joins = ROW_JOIN
    ranked = False
    if filters.query and filters.query.strip():
        joins += " join responses_fts on responses_fts.rowid = responses.rowid"
        where.insert(0, "responses_fts match ?")
        params.insert(0, fts_query(filters.query))
        ranked = not filters.latest
    sql = f"select {columns} from responses {joins}"
    if where:
        sql += " where " + " and ".join(where)
    return sql, params, ranked


def search(store: LogStore, filters: LogFilters, expand: bool = False) -> list[dict]:
    """The matching rows, oldest first (for a ranked search: best match last),
    with their attachments and details (fragment content too when ``expand``)."""
    sql, params, ranked = matching(store, filters, ROW_COLUMNS)
    sql += " order by " + ("responses_fts.rank, responses.rowid desc" if ranked else "responses.rowid desc")
    if filters.limit:
        sql += " limit ?"
        params.append(filters.limit)
    rows = fetch_dicts(store.conn, sql, params)
    rows.reverse()
    add_attachments(store.conn, rows)
    add_details(store.conn, rows, expand=expand)
    return rows


def count(store: LogStore, filters: LogFilters) -> int:
    """How many responses match (``limit`` aside)."""
    sql, params, _ = matching(store, filters, "count(*)")
    return store.conn.execute(sql, params).fetchone()[0]
