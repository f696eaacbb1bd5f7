"""The ``llm`` plugin: registers the OpenAI models and the ``llm openai`` commands.

Loaded through the ``llm`` entry point like any third-party plugin. Importing it
does not import ``openai``, ``httpx`` or ``yaml``.
"""

from __future__ import annotations

from typing import Any, Callable

import llm

from .catalog import (
    DEFAULT_CHAT_MODELS,
    DEFAULT_COMPLETION_MODELS,
    EMBEDDING_MODELS,
    LATER_CHAT_MODELS,
    load_extra_models,
)

# The model classes (pydantic option models) are imported inside the hooks:
# commands that list no models, such as `llm --help`, never pay for them.

__all__ = ["register_models", "register_embedding_models", "register_commands",
           "extra_model_pair"]

_CTOR_KEYS = ("model_name", "api_base", "api_type", "api_version", "api_engine", "headers",
              "can_stream", "vision", "audio", "reasoning", "supports_schema", "supports_tools",
              "allows_system_prompt", "pdf")


def extra_model_pair(entry: dict) -> tuple[Any, Any]:
    """(sync, async) models for one ``extra-openai-models.yaml`` entry
    (``responses: true`` for a server that speaks the Responses API)."""
    from .models import AsyncChat, AsyncCompletion, Chat, Completion

    kwargs = {key: entry[key] for key in _CTOR_KEYS if entry.get(key) is not None}
    if entry.get("responses"):
        from .responses_api import AsyncResponses, Responses

        pair = (Responses(entry["model_id"], **kwargs), AsyncResponses(entry["model_id"], **kwargs))
    elif entry.get("completion"):
        pair = (Completion(entry["model_id"], **kwargs),
                AsyncCompletion(entry["model_id"], **kwargs))
    else:
        pair = (Chat(entry["model_id"], **kwargs), AsyncChat(entry["model_id"], **kwargs))
    key_name = entry.get("api_key_name")
    for model in pair:
        if key_name:
            model.needs_key = key_name
            model.key_env_var = None
        elif entry.get("api_base"):
            # A custom endpoint does not get the OpenAI key unless asked to.
            model.needs_key = None
            model.key_env_var = None
    return pair


@llm.hookimpl
def register_models(register: Callable[..., None]) -> None:
    from .models import AsyncChat, AsyncCompletion, Chat, Completion

    for spec in DEFAULT_CHAT_MODELS:
        register(Chat(spec.model_id, **spec.options), AsyncChat(spec.model_id, **spec.options),
                 aliases=spec.aliases)
    for spec in DEFAULT_COMPLETION_MODELS:
        register(Completion(spec.model_id, **spec.options),
                 AsyncCompletion(spec.model_id, **spec.options), aliases=spec.aliases)
    for spec in LATER_CHAT_MODELS:
        register(Chat(spec.model_id, **spec.options), AsyncChat(spec.model_id, **spec.options),
                 aliases=spec.aliases)
    for entry in load_extra_models():
        sync_model, async_model = extra_model_pair(entry)
        register(sync_model, async_model, aliases=tuple(entry.get("aliases") or ()))


@llm.hookimpl
def register_embedding_models(register: Callable[..., None]) -> None:
    from .models import OpenAIEmbeddingModel

    for model_id, api_name, dimensions, aliases in EMBEDDING_MODELS:
        register(OpenAIEmbeddingModel(model_id, api_name, dimensions), aliases=aliases)


@llm.hookimpl
def register_commands(cli: Any) -> None:
    from .commands import add_commands

    add_commands(cli)
