"""Base class for a model's options (pydantic 2)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError


class Options(BaseModel):
    """Subclass as ``class Options(llm.Options)`` inside a model; fields default to None."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, each naming the option: ``temperature: Input should be ...``."""
    parts = []
    for item in error.errors():
        name = ".".join(str(p) for p in item.get("loc", ())) or "options"
        message = item.get("msg", "invalid value")
        if item.get("type") == "extra_forbidden":
            message = "Extra inputs are not permitted (unknown option)"
        parts.append(f"{name}: {message}")
    return "; ".join(parts)
