"""Compatibility path for the OpenAI model classes (they live in ``llmio-openai``).

Plugins for OpenAI-compatible providers import ``Chat``, ``AsyncChat``,
``Completion``, ``Responses``, ``AsyncResponses``, the options classes
(``ReasoningEffortEnum`` among them) and helpers from here and subclass them.
"""

from __future__ import annotations

from typing import Any

#: The Responses API classes load on first use: chat-only plugins do not pay for them.
_RESPONSES = frozenset({"Responses", "AsyncResponses", "ReasoningEffortEnum", "ResponsesOptions",
                        "WebSearch", "CodeInterpreter"})


def __getattr__(name: str) -> Any:
    if name in _RESPONSES:
        from llmio_openai import responses_api

        return getattr(responses_api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


try:
    from llmio_openai.models import *  # noqa: F401,F403
    from llmio_openai.models import (  # noqa: F401
        AsyncChat,
        AsyncCompletion,
        Chat,
        Completion,
        CompletionOptions,
        OpenAIEmbeddingModel,
        Options,
        ReasoningOptions,
        SharedOptions,
        _Shared,
        combine_chunks,
        not_nulls,
        redact_data,
    )
    from llmio_openai.messages import attachment_part as _attachment  # noqa: F401
    from llm.utils import remove_dict_none_values, simplify_usage_dict  # noqa: F401
    from llmio_openai.plugin import (  # noqa: F401
        register_commands,
        register_embedding_models,
        register_models,
    )
except ImportError as exc:
    if exc.name and exc.name.split(".")[0] == "llmio_openai":
        raise ImportError(
            "llm.default_plugins.openai_models requires the llmio-openai distribution: "
            "pip install llmio-openai"
        ) from exc
    raise
