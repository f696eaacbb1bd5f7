"""Compatibility path for the OpenAI model classes (they live in ``llm-openai``).

Plugins for OpenAI-compatible providers import ``Chat``, ``AsyncChat``,
``Completion``, the options classes and helpers from here and subclass them.
"""

from __future__ import annotations

try:
    from llm_openai.models import *  # noqa: F401,F403
    from llm_openai.models import (  # noqa: F401
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
    from llm_openai.messages import attachment_part as _attachment  # noqa: F401
    from llm.utils import remove_dict_none_values, simplify_usage_dict  # noqa: F401
    from llm_openai.plugin import (  # noqa: F401
        register_commands,
        register_embedding_models,
        register_models,
    )
except ImportError as exc:
    if exc.name and exc.name.split(".")[0] == "llm_openai":
        raise ImportError(
            "llm.default_plugins.openai_models requires the llm-openai distribution: "
            "pip install llm-openai"
        ) from exc
    raise
