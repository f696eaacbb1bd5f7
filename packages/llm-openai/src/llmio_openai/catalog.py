"""Which models exist: the built-in table and ``extra-openai-models.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import llm

__all__ = [
    "ChatSpec",
    "DEFAULT_CHAT_MODELS",
    "DEFAULT_COMPLETION_MODELS",
    "LATER_CHAT_MODELS",
    "EMBEDDING_MODELS",
    "ExtraModelsError",
    "extra_models_path",
    "load_extra_models",
]


@dataclass(frozen=True)
class ChatSpec:
    model_id: str
    aliases: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)


def _spec(model_id: str, *aliases: str, **options: Any) -> ChatSpec:
    return ChatSpec(model_id, tuple(aliases), options)


_MODERN = {"supports_schema": True, "supports_tools": True}

#: In the order ``llm models`` lists them (docs/openai-models.md).
DEFAULT_CHAT_MODELS: tuple[ChatSpec, ...] = (
    _spec("gpt-4o", "4o", vision=True, **_MODERN),
    _spec("chatgpt-4o-latest", "chatgpt-4o", vision=True),
    _spec("gpt-4o-mini", "4o-mini", vision=True, **_MODERN),
    _spec("gpt-4o-audio-preview", audio=True),
    _spec("gpt-4o-audio-preview-2024-12-17", audio=True),
    _spec("gpt-4o-audio-preview-2024-10-01", audio=True),
    _spec("gpt-4o-mini-audio-preview", audio=True),
    _spec("gpt-4o-mini-audio-preview-2024-12-17", audio=True),
    _spec("gpt-3.5-turbo", "3.5", "chatgpt", supports_tools=True),
    _spec("gpt-3.5-turbo-16k", "chatgpt-16k", "3.5-16k"),
    _spec("gpt-4", "4", "gpt4", supports_tools=True),
    _spec("gpt-4-32k", "4-32k"),
    _spec("gpt-4-1106-preview", supports_tools=True),
    _spec("gpt-4-0125-preview", supports_tools=True),
    _spec("gpt-4-turbo-2024-04-09", supports_tools=True),
    _spec("gpt-4-turbo", "gpt-4-turbo-preview", "4-turbo", "4t", supports_tools=True),
    _spec("o1", vision=True, reasoning=True, **_MODERN),
    _spec("o1-2024-12-17", vision=True, reasoning=True, **_MODERN),
    _spec("o1-preview", allows_system_prompt=False),
    _spec("o1-mini", allows_system_prompt=False),
    _spec("o3-mini", reasoning=True, **_MODERN),
)

DEFAULT_COMPLETION_MODELS: tuple[ChatSpec, ...] = (
    _spec("gpt-3.5-turbo-instruct", "3.5-instruct", "chatgpt-instruct", default_max_tokens=256),
)

#: Added after the documented list.
LATER_CHAT_MODELS: tuple[ChatSpec, ...] = (
    _spec("gpt-4.1", "4.1", vision=True, pdf=True, **_MODERN),
    _spec("gpt-4.1-mini", "4.1-mini", vision=True, pdf=True, **_MODERN),
    _spec("gpt-4.1-nano", "4.1-nano", vision=True, pdf=True, **_MODERN),
    _spec("o3", vision=True, pdf=True, reasoning=True, **_MODERN),
    _spec("o4-mini", vision=True, pdf=True, reasoning=True, **_MODERN),
)

#: (model_id, API model name, dimensions, aliases)
EMBEDDING_MODELS: tuple[tuple[str, str, Optional[int], tuple[str, ...]], ...] = (
    ("text-embedding-ada-002", "text-embedding-ada-002", None, ("ada", "ada-002")),
    ("text-embedding-3-small", "text-embedding-3-small", None, ("3-small",)),
    ("text-embedding-3-large", "text-embedding-3-large", None, ("3-large",)),
    ("text-embedding-3-small-512", "text-embedding-3-small", 512, ("3-small-512",)),
    ("text-embedding-3-large-256", "text-embedding-3-large", 256, ("3-large-256",)),
    ("text-embedding-3-large-1024", "text-embedding-3-large", 1024, ("3-large-1024",)),
)


# -- extra-openai-models.yaml ----------------------------------------------------


class ExtraModelsError(llm.ModelError, llm.ConfigError):
    """``extra-openai-models.yaml`` cannot be used; the message names the file.

    A ConfigError: the user must fix the file, so it is reported as an error and
    not contained like a broken plugin."""


_BOOL_KEYS = ("completion", "responses", "can_stream", "vision", "audio", "supports_schema",
              "supports_tools", "reasoning", "allows_system_prompt", "pdf")
_STR_KEYS = ("model_id", "model_name", "api_base", "api_key_name", "api_type", "api_version",
             "api_engine")
_KNOWN = set(_BOOL_KEYS) | set(_STR_KEYS) | {"aliases", "headers"}


def extra_models_path() -> Path:
    return llm.user_dir() / "extra-openai-models.yaml"


def load_extra_models(path: Optional[Path] = None) -> list[dict]:
    """The validated entries of ``extra-openai-models.yaml`` (``[]`` if absent).

    ``yaml`` is only imported when the file exists.
    """
    path = path or extra_models_path()
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExtraModelsError(f"Cannot read {path}: {exc}") from exc
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = (getattr(exc, "problem", None)
                   or (str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise ExtraModelsError(f"Invalid YAML in {path}{where}: {problem}") from exc
    if data is None:
        return []
    if not isinstance(data, list):
        raise ExtraModelsError(f"{path} must contain a list of models, each with a model_id")
    entries = []
    for number, entry in enumerate(data, start=1):
        entries.append(_validate(entry, number, path))
    return entries


def _validate(entry: Any, number: int, path: Path) -> dict:
    where = f"{path}, model {number}"
    if not isinstance(entry, dict):
        raise ExtraModelsError(f"{where}: each entry must be a mapping with a model_id")
    if not entry.get("model_id"):
        raise ExtraModelsError(f"{where}: model_id is required")
    for key in _STR_KEYS:
        if entry.get(key) is not None and not isinstance(entry[key], (str, int, float)):
            raise ExtraModelsError(f"{where} ({entry['model_id']}): {key} must be a string")
    for key in _BOOL_KEYS:
        if key in entry and not isinstance(entry[key], bool):
            raise ExtraModelsError(f"{where} ({entry['model_id']}): {key} must be true or false")
    aliases = entry.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list):
        raise ExtraModelsError(f"{where} ({entry['model_id']}): aliases must be a list")
    headers = entry.get("headers") or {}
    if not isinstance(headers, dict):
        raise ExtraModelsError(f"{where} ({entry['model_id']}): headers must be a mapping")
    # Unknown keys are ignored, so files written for other releases keep working.
    cleaned = {k: (str(v) if k in _STR_KEYS and v is not None else v)
               for k, v in entry.items() if k in _KNOWN}
    cleaned["aliases"] = [str(a) for a in aliases]
    cleaned["headers"] = {str(k): str(v) for k, v in headers.items()} or None
    return cleaned
