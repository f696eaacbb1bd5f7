"""OpenAI models (and any OpenAI-compatible server) for ``llm``.

The model classes are the public API for plugins that talk to OpenAI-compatible
providers (also importable as ``llm.default_plugins.openai_models``). Importing
this package does not import ``openai`` or its HTTP client.
"""

from __future__ import annotations

from typing import Any

_RESPONSES = ("Responses", "AsyncResponses", "ReasoningEffortEnum", "ResponsesOptions",
              "WebSearch", "CodeInterpreter")

__all__ = [
    "Chat", "AsyncChat", "Completion", "AsyncCompletion", "OpenAIEmbeddingModel",
    "SharedOptions", "Options", "ReasoningOptions", "CompletionOptions",
    "combine_chunks", "redact_data", *_RESPONSES,
]


def __getattr__(name: str) -> Any:
    if name in _RESPONSES:
        from . import responses_api

        return getattr(responses_api, name)
    if name in __all__:
        from . import models

        return getattr(models, name)
    raise AttributeError(f"module 'llmio_openai' has no attribute {name!r}")
