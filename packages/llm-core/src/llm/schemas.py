"""JSON schemas for structured output, and the concise schema DSL."""

from __future__ import annotations

import json
from typing import Any

_TYPES = {"str": "string", "string": "string", "int": "integer", "integer": "integer",
          "float": "number", "number": "number", "bool": "boolean", "boolean": "boolean"}


def schema_dsl(schema_dsl: str, multi: bool = False) -> dict[str, Any]:
    """Build a JSON schema from ``"name, age int, bio: their biography"``.

    Fields are separated by commas (or newlines, when there are any); each is a
    name, an optional type (str, int, float, bool) and an optional ``: description``.
    With ``multi=True`` the schema describes ``{"items": [<object>, ...]}``.
    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    separator = "\n" if "\n" in schema_dsl.strip() else ","
    for raw in schema_dsl.split(separator):
        field = raw.strip()
        if not field:
            continue
        description = None
        if ":" in field:
            field, description = (s.strip() for s in field.split(":", 1))
        bits = field.split()
        name = bits[0]
        kind = bits[1].lower() if len(bits) > 1 else "str"
        if kind not in _TYPES:
            raise ValueError(f"Unknown type '{bits[1]}' for field '{name}' (use str, int, float or bool)")
        prop: dict[str, Any] = {"type": _TYPES[kind]}
        if description:
            prop["description"] = description
        properties[name] = prop
        required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
    if multi:
        return multi_schema(schema)
    return schema


def multi_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"items": {"type": "array", "items": schema}},
            "required": ["items"]}


def resolve_schema(schema: Any) -> Any:
    """A dict schema from a dict, a JSON string or a pydantic model class."""
    if schema is None or isinstance(schema, dict):
        return schema
    if isinstance(schema, str):
        return json.loads(schema)
    json_schema = getattr(schema, "model_json_schema", None)
    if callable(json_schema):
        return json_schema()
    raise TypeError(f"Cannot use {schema!r} as a schema")


def schema_id(schema: dict[str, Any]) -> str:
    import hashlib

    return hashlib.blake2b(json.dumps(schema, sort_keys=True).encode("utf-8"), digest_size=16).hexdigest()
