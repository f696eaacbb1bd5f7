"""llm: run prompts against large language models, from Python.

The public names live in small modules and are loaded on first use, so that
``import llm`` stays cheap: nothing heavy (pydantic, plugins) is imported until
a name that needs it is touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import (
    aliases_path,
    get_default_embedding_model,
    get_default_model,
    get_key,
    keys_path,
    load_aliases,
    load_keys,
    logs_db_path,
    logs_on,
    remove_alias,
    set_alias,
    set_default_embedding_model,
    set_default_model,
    set_key,
    templates_path,
    user_dir,
)
from .errors import AttachmentError, ConfigError, ModelError, NeedsKeyError, UnknownModelError
from .hookspecs import hookimpl

_LAZY = {
    # models and the things they make
    "Model": "models", "KeyModel": "models", "AsyncModel": "models", "AsyncKeyModel": "models",
    "Options": "options", "Prompt": "prompts", "Response": "responses",
    "AsyncResponse": "responses", "Conversation": "conversations",
    "AsyncConversation": "conversations", "Attachment": "attachments", "Usage": "usage",
    # embeddings
    "EmbeddingModel": "embeddings", "encode": "embeddings", "decode": "embeddings",
    # registry
    "get_model": "registry", "get_async_model": "registry", "get_models": "registry",
    "get_async_models": "registry", "get_models_with_aliases": "registry",
    "get_embedding_model": "registry", "get_embedding_models": "registry",
    "get_embedding_models_with_aliases": "registry", "ModelWithAliases": "registry",
    "EmbeddingModelWithAliases": "registry", "get_tools": "registry",
    "get_fragment_loaders": "registry",
    # tools, chains, messages, fragments, schemas
    "Tool": "tools", "Toolbox": "tools", "ToolCall": "tools", "ToolResult": "tools",
    "ServerSideTool": "tools",
    "ToolOutput": "tools", "CancelToolCall": "tools", "PauseChain": "tools",
    "ChainResponse": "chains", "AsyncChainResponse": "chains",
    "Message": "parts", "StreamEvent": "parts", "user": "parts", "assistant": "parts",
    "system": "parts", "tool_message": "parts", "Fragment": "fragments", "schema_dsl": "schemas",
    # user settings
    "get_setting": "settings", "set_setting": "settings", "define_setting": "settings",
    # plugins
    "get_plugins": "plugins", "pm": "plugins", "load_plugins": "plugins",
}

#: Names that live in other distributions: (module, attribute, distribution).
_ELSEWHERE = {
    "Collection": ("llmio_embeddings", "Collection", "llmio-embeddings"),
    "Template": ("llmio_templates", "Template", "llmio-templates"),
}

__all__ = [
    "aliases_path", "get_default_embedding_model", "get_default_model", "get_key", "keys_path",
    "load_aliases", "load_keys", "logs_db_path", "logs_on", "remove_alias", "set_alias",
    "set_default_embedding_model", "set_default_model", "set_key", "templates_path", "user_dir",
    "AttachmentError", "ConfigError", "ModelError", "NeedsKeyError", "UnknownModelError", "hookimpl",
    *_LAZY, *_ELSEWHERE,
]


#: Submodules plugins reach as attributes (``llm.parts.StreamEvent``) without importing them.
_SUBMODULES = frozenset({"parts", "models", "tools", "utils", "plugins", "logs", "migrations",
                         "errors", "embeddings", "attachments", "prompts", "responses"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    elsewhere = _ELSEWHERE.get(name)
    if elsewhere is not None:
        module_name, attribute, distribution = elsewhere
        try:
            value = getattr(importlib.import_module(module_name), attribute)
        except ImportError as exc:
            raise ImportError(
                f"llm.{name} needs the {distribution} distribution: pip install {distribution}"
            ) from exc
        globals()[name] = value
        return value
    raise AttributeError(f"module 'llm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .attachments import Attachment
    from .conversations import AsyncConversation, Conversation
    from .embeddings import EmbeddingModel, decode, encode
    from .models import AsyncKeyModel, AsyncModel, KeyModel, Model
    from .options import Options
    from .plugins import get_plugins, load_plugins, pm
    from .prompts import Prompt
    from .registry import (
        get_async_model, get_async_models, get_embedding_model, get_embedding_models,
        get_embedding_models_with_aliases, get_model, get_models, get_models_with_aliases,
    )
    from .responses import AsyncResponse, Response
    from .usage import Usage
