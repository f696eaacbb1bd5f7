"""``--schema`` / ``--schema-multi`` values → a JSON schema dict.

A value may be, in this order:

- a JSON object (``'{"type": "object", ...}'``);
- ``t:NAME``: the schema of a saved template;
- a path to a file holding a JSON schema (or the concise DSL);
- the ID of a schema logged in logs.db (32 hex digits, as ``llm schemas list`` shows);
- the concise DSL: ``'name, age int, bio: their biography'``.

``--schema-multi`` wraps the schema as ``{"items": [<schema>, ...]}``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

import click

SCHEMA_ID = re.compile(r"^[0-9a-f]{32}$")


def _parse_json_schema(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise click.ClickException(f"Invalid JSON schema in {where}: {exc}") from exc
    if not isinstance(value, dict):
        raise click.ClickException(
            f"Invalid JSON schema in {where}: expected a JSON object, not an array"
            if isinstance(value, list) else f"Invalid JSON schema in {where}: not a JSON object")
    return value


def _dsl(text: str) -> dict[str, Any]:
    import llm

    try:
        return llm.schema_dsl(text)
    except ValueError as exc:
        raise click.ClickException(f"Invalid schema: {exc}") from exc


def logged_schema(db: Any, value: str) -> dict[str, Any] | None:
    row = db.execute("select content from schemas where id = ?", [value]).fetchone()
    if row is None:
        return None
    return json.loads(row[0])


def resolve_schema(
    value: str | None, multi: bool = False, open_db: Callable[[], Any] | None = None
) -> dict[str, Any] | None:
    """The JSON schema a ``--schema`` (or ``--schema-multi``) value names.

    ``open_db`` returns a logs.db connection (the caller's ``-d``), used only
    for schema IDs."""
    if value is None:
        return None
    text = value.strip()
    if text.startswith(("{", "[")):
        schema = _parse_json_schema(text, "--schema")
    elif text.startswith("t:") and len(text) > 2 and not text[2].isspace():
        schema = _template_schema(text[2:])
    elif "\n" not in text and os.path.isfile(os.path.expanduser(text)):
        with open(os.path.expanduser(text), encoding="utf-8") as fp:
            content = fp.read()
        schema = (
            _parse_json_schema(content, text) if content.lstrip().startswith("{") else _dsl(content)
        )
    elif text.endswith(".json") and "," not in text and " " not in text:
        raise click.ClickException(f"Schema file not found: {text}")
    elif SCHEMA_ID.match(text):
        schema = _schema_by_id(text, open_db)
    else:
        schema = _dsl(text)
    from llm.schemas import SchemaError, multi_schema, validate_schema

    try:
        validate_schema(schema)  # before anything is read or sent
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from None
    if multi:
        schema = multi_schema(schema)
    return schema


def _schema_by_id(schema_id: str, open_db: Callable[[], Any] | None) -> dict[str, Any]:
    if open_db is None:
        open_db = default_db
    db = open_db()
    try:
        schema = logged_schema(db, schema_id) if db is not None else None
    finally:
        if db is not None:
            db.close()
    if schema is None:
        raise click.ClickException(f"Schema {schema_id} not found")
    return schema


def default_db(path: str | None = None) -> Any:
    """logs.db (or ``path``) as a connection, or None when it does not exist yet."""
    import llm.logs

    return llm.logs.open_existing(path)


def _template_schema(name: str) -> dict[str, Any]:
    import llmio_templates

    try:
        template = llmio_templates.load_template(name)
    except llmio_templates.TemplateError as exc:
        raise click.ClickException(str(exc)) from exc
    if not template.schema_object:
        raise click.ClickException(f"Template '{name}' has no schema")
    return dict(template.schema_object)


def schema_summary(schema: Any) -> str:
    """A one-line picture of a schema: ``{name, age}``, ``{items: [{name, age}]}``."""
    if not isinstance(schema, dict):
        return ""
    kind = schema.get("type")
    if kind == "array" or "items" in schema and "properties" not in schema:
        inner = schema_summary(schema.get("items") or {})
        return f"[{inner}]" if inner else "[]"
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return ""
    bits = []
    for name, sub in properties.items():
        inner = schema_summary(sub) if isinstance(sub, dict) else ""
        bits.append(f"{name}: {inner}" if inner else name)
    return "{" + ", ".join(bits) + "}"
