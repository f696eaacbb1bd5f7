"""OpenAI models (and any OpenAI-compatible server) for ``llm``.

The model classes are the public API for plugins that talk to OpenAI-compatible
providers (also importable as ``llm.default_plugins.openai_models``). Importing
this package does not import ``openai`` or its HTTP client.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Chat", "AsyncChat", "Completion", "AsyncCompletion", "OpenAIEmbeddingModel",
    "SharedOptions", "Options", "ReasoningOptions", "CompletionOptions",
    "combine_chunks", "redact_data",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import models

        return getattr(models, name)
    raise AttributeError(f"module 'llmio_openai' has no attribute {name!r}")
