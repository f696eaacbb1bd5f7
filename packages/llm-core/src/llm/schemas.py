"""JSON schemas for structured output: the concise DSL, checking a schema, the
ID logs.db stores it under, and what a user's schema reference
(``llm --schema VALUE``) names."""

from __future__ import annotations

import json
import os
import re
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


def to_json_schema(schema: Any) -> Any:
    """A dict schema from a dict, a JSON string or a pydantic model class (None
    stays None), checked by :func:`validate_schema` (so a malformed one is never sent)."""
    if schema is None:
        return None
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError as exc:
            raise SchemaError(f"Invalid JSON schema: {exc}") from None
    elif not isinstance(schema, dict):
        json_schema = getattr(schema, "model_json_schema", None)
        if not callable(json_schema):
            raise TypeError(f"Cannot use {schema!r} as a schema")
        schema = json_schema()
    return validate_schema(schema)


class SchemaError(ValueError):
    """A schema is not a usable JSON Schema object, or a reference names none."""


class SchemaNotFound(SchemaError):
    """A schema ID names no schema stored in logs.db."""


_JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}
_SUBSCHEMA = ("additionalProperties", "additionalItems", "unevaluatedProperties",
              "unevaluatedItems", "not", "contains", "propertyNames", "if", "then", "else")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_STRINGS = ("title", "description", "pattern", "format", "$ref", "$id", "$schema", "$comment")
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
           "minContains", "maxContains")


def validate_schema(schema: Any) -> dict[str, Any]:
    """Return ``schema`` if it is a JSON Schema object whose keywords have the
    types JSON Schema gives them; else raise :class:`SchemaError` saying where
    (``properties.age.type must be ...``)."""
    if not isinstance(schema, dict):
        raise SchemaError(f"Invalid JSON schema: expected a JSON object, got {_kind(schema)}")
    _check(schema, "")
    return schema


def _kind(value: Any) -> str:
    """How a wrong value is shown: containers by kind, scalars as JSON."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _fail(where: str, key: str, expected: str, value: Any) -> SchemaError:
    location = f"{where}.{key}" if where else key
    return SchemaError(f"Invalid JSON schema: {location} must be {expected}, not {_kind(value)}")


def _check(schema: Any, where: str) -> None:
    if isinstance(schema, bool):  # true / false are schemas too
        return
    if not isinstance(schema, dict):
        raise SchemaError(f"Invalid JSON schema: {where or 'the schema'} must be an object, "
                          f"not {_kind(schema)}")

    def at(*parts: Any) -> str:
        return ".".join(str(p) for p in ((where,) if where else ()) + parts)

    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not kinds or any(not isinstance(k, str) or k not in _JSON_TYPES for k in kinds):
            raise _fail(where, "type", "one of " + ", ".join(sorted(_JSON_TYPES)), kind)
    for key in _SCHEMA_MAPS:
        if key in schema:
            value = schema[key]
            if not isinstance(value, dict):
                raise _fail(where, key, "an object", value)
            for name, sub in value.items():
                _check(sub, at(key, name))
    for key in _SCHEMA_LISTS:
        if key in schema:
            value = schema[key]
            if not isinstance(value, list) or not value:
                raise _fail(where, key, "a non-empty array", value)
            for index, sub in enumerate(value):
                _check(sub, at(key, index))
    for key in _SUBSCHEMA:
        if key in schema:
            _check(schema[key], at(key))
    if "items" in schema:
        items = schema["items"]
        for index, sub in enumerate(items if isinstance(items, list) else [items]):
            _check(sub, at("items", index) if isinstance(items, list) else at("items"))
    if "required" in schema:
        required = schema["required"]
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise _fail(where, "required", "an array of property names", required)
    if "enum" in schema and not isinstance(schema["enum"], list):
        raise _fail(where, "enum", "an array", schema["enum"])
    for key in _STRINGS:
        if key in schema and not isinstance(schema[key], str):
            raise _fail(where, key, "a string", schema[key])
    for key in _NUMBERS:
        value = schema.get(key)
        if key in schema and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise _fail(where, key, "a number", value)
    for key in _COUNTS:
        value = schema.get(key)
        if key in schema and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise _fail(where, key, "a whole number of at least 0", value)


def schema_id(schema: dict[str, Any]) -> str:
    """The ID logs.db stores a schema under (32 hex digits, as ``llm schemas list`` shows)."""
    import hashlib

    return hashlib.blake2b(json.dumps(schema, sort_keys=True).encode("utf-8"), digest_size=16).hexdigest()


# ---------------------------------------------------------------- what a reference names

_SCHEMA_ID = re.compile(r"^[0-9a-f]{32}$")


def _parse_json(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise SchemaError(f"Invalid JSON schema in {where}: {exc}") from exc
    if not isinstance(value, dict):
        raise SchemaError(
            f"Invalid JSON schema in {where}: expected a JSON object, not an array"
            if isinstance(value, list) else f"Invalid JSON schema in {where}: not a JSON object")
    return value


def _from_dsl(text: str) -> dict[str, Any]:
    try:
        return schema_dsl(text)
    except ValueError as exc:
        raise SchemaError(f"Invalid schema: {exc}") from exc


def _from_template(name: str) -> dict[str, Any]:
    """The schema of a template (``t:NAME``): templates are llmio-templates', found
    only when one is asked for (as ``llm.Template`` is)."""
    import importlib

    try:
        templates = importlib.import_module("llmio_templates")
    except ImportError:
        raise SchemaError(f"t:{name} needs the llmio-templates distribution: pip install llmio-templates") from None
    try:
        template = templates.load_template(name)
    except templates.TemplateError as exc:
        raise SchemaError(str(exc)) from exc
    if not template.schema_object:
        raise SchemaError(f"Template '{name}' has no schema")
    return dict(template.schema_object)


def _stored(schema_id: str, store: Any) -> dict[str, Any]:
    if hasattr(store, "schema"):
        schema = store.schema(schema_id)
    else:
        from . import logs

        with logs.open(store, create=False) as opened:
            schema = opened.schema(schema_id)
    if schema is None:
        raise SchemaNotFound(f"Schema {schema_id} not found")
    return schema


def schema_from_reference(reference: str | None, *, multi: bool = False, store: Any = None,
                          label: str = "reference") -> dict[str, Any] | None:
    """The JSON schema a user's reference names (``llm --schema VALUE``), checked.

    A reference is, in this order: a JSON object; ``t:NAME``, a template's
    schema; a path to a file holding JSON or the DSL; the ID of a schema stored in
    logs.db (looked up in ``store``: a ``llm.logs.LogStore``, a database path, or
    None for the user's logs.db); else the DSL (``"name, age int"``). ``multi``
    wraps it as ``{"items": [<schema>, ...]}``. ``label`` names the reference in
    JSON errors. Raises :class:`SchemaError` (:class:`SchemaNotFound` for an
    unknown ID).
    """
    if reference is None:
        return None
    text = reference.strip()
    if text.startswith(("{", "[")):
        schema = _parse_json(text, label)
    elif text.startswith("t:") and len(text) > 2 and not text[2].isspace():
        schema = _from_template(text[2:])
    elif "\n" not in text and os.path.isfile(os.path.expanduser(text)):
        with open(os.path.expanduser(text), encoding="utf-8") as fp:
            content = fp.read()
        schema = _parse_json(content, text) if content.lstrip().startswith("{") else _from_dsl(content)
    elif text.endswith(".json") and "," not in text and " " not in text:
        raise SchemaError(f"Schema file not found: {text}")
    elif _SCHEMA_ID.match(text):
        schema = _stored(text, store)
    else:
        schema = _from_dsl(text)
    validate_schema(schema)  # before anything is read or sent
    return multi_schema(schema) if multi else schema


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
