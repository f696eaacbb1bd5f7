"""Finding models: every lookup asks the plugins, through the plugin manager."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

from .config import get_default_embedding_model, get_default_model, load_aliases
from .errors import ConfigError, UnknownModelError
from .plugins import builtin_name, call_hook, contained, load_plugins, pm


@dataclass
class ModelWithAliases:
    model: Any
    async_model: Any
    aliases: list[str] = field(default_factory=list)

    @property
    def model_id(self) -> str:
        return (self.model or self.async_model).model_id

    def matches(self, query: str) -> bool:
        query = query.lower()
        haystack = [str(self.model or self.async_model), self.model_id, *self.aliases]
        return any(query in value.lower() for value in haystack)


@dataclass
class EmbeddingModelWithAliases:
    model: Any
    aliases: list[str] = field(default_factory=list)

    def matches(self, query: str) -> bool:
        query = query.lower()
        haystack = [str(self.model), self.model.model_id, *self.aliases]
        return any(query in value.lower() for value in haystack)


_warned: set[str] = set()


def _user_aliases() -> dict[str, str]:
    """User aliases; a malformed aliases.json is reported once and ignored here,
    so that commands which do not need it keep working."""
    try:
        return load_aliases()
    except ConfigError as exc:
        if str(exc) not in _warned:
            _warned.add(str(exc))
            sys.stderr.write(f"Warning: {exc} (aliases from it are ignored)\n")
        return {}


def _user_aliases_for(user_aliases: dict[str, str], model_id: str) -> list[str]:
    return [alias for alias, target in user_aliases.items() if target == model_id]


def get_models_with_aliases() -> list[ModelWithAliases]:
    load_plugins()
    user_aliases = _user_aliases()
    found: dict[str, ModelWithAliases] = {}

    def register(model: Any, async_model: Any = None, aliases: Any = None) -> None:
        model_id = (model or async_model).model_id
        if model_id in found:
            return
        names = list(aliases or [])
        names += [a for a in _user_aliases_for(user_aliases, model_id) if a not in names]
        found[model_id] = ModelWithAliases(model, async_model, names)

    call_hook("register_models", register=register)
    return list(found.values())


def get_embedding_models_with_aliases() -> list[EmbeddingModelWithAliases]:
    load_plugins()
    user_aliases = _user_aliases()
    found: dict[str, EmbeddingModelWithAliases] = {}

    def register(model: Any, aliases: Any = None) -> None:
        if model.model_id in found:
            return
        names = list(aliases or [])
        names += [a for a in _user_aliases_for(user_aliases, model.model_id) if a not in names]
        found[model.model_id] = EmbeddingModelWithAliases(model, names)

    call_hook("register_embedding_models", register=register)
    return list(found.values())


def get_models() -> list[Any]:
    return [m.model for m in get_models_with_aliases() if m.model is not None]


def get_async_models() -> list[Any]:
    return [m.async_model for m in get_models_with_aliases() if m.async_model is not None]


def get_embedding_models() -> list[Any]:
    return [m.model for m in get_embedding_models_with_aliases()]


def _find(name: str) -> Optional[ModelWithAliases]:
    models = get_models_with_aliases()
    for entry in models:
        if entry.model_id == name:
            return entry
    for entry in models:
        if name in entry.aliases:
            return entry
    return None


def _default_name() -> str:
    return os.environ.get("LLM_MODEL") or get_default_model() or "gpt-4o-mini"


def get_model(name: Optional[str] = None, _skip_async: bool = False) -> Any:
    """A sync model by ID or alias; no name means the default model."""
    name = name or _default_name()
    entry = _find(name)
    if entry is None:
        raise UnknownModelError(f"Unknown model: {name}")
    if entry.model is None:
        raise UnknownModelError(f"Unknown model (async model exists): {name}")
    return entry.model


def get_async_model(name: Optional[str] = None) -> Any:
    name = name or _default_name()
    entry = _find(name)
    if entry is None:
        raise UnknownModelError(f"Unknown model: {name}")
    if entry.async_model is None:
        raise UnknownModelError(f"Unknown async model (sync model exists): {name}")
    return entry.async_model


def get_embedding_model(name: Optional[str] = None) -> Any:
    name = name or os.environ.get("LLM_EMBEDDING_MODEL") or get_default_embedding_model()
    if not name:
        raise UnknownModelError("No embedding model specified and no default is set - use -m or 'llm embed-models default'")
    models = get_embedding_models_with_aliases()
    for entry in models:
        if entry.model.model_id == name:
            return entry.model
    for entry in models:
        if name in entry.aliases:
            return entry.model
    raise UnknownModelError(f"Unknown model: {name}")


def resolve_model_id(name: str) -> str:
    """The model ID behind an alias (chat or embedding); unknown names are kept as given."""
    for entry in get_models_with_aliases():
        if name == entry.model_id or name in entry.aliases:
            return entry.model_id
    for entry in get_embedding_models_with_aliases():
        if name == entry.model.model_id or name in entry.aliases:
            return entry.model.model_id
    return name


def get_tools() -> dict[str, Any]:
    """Tools registered by plugins: name → ``llm.Tool``, or a Toolbox subclass by class name."""
    from .tools import Tool, Toolbox

    load_plugins()
    tools: dict[str, Any] = {}

    def make_register(plugin_name: str) -> Any:
        def register(tool_or_toolbox: Any, name: Optional[str] = None) -> None:
            if isinstance(tool_or_toolbox, type) and issubclass(tool_or_toolbox, Toolbox):
                tool_or_toolbox._plugin = plugin_name  # type: ignore[attr-defined]
                tools[name or tool_or_toolbox.name or tool_or_toolbox.__name__] = tool_or_toolbox
                return
            tool = tool_or_toolbox if isinstance(tool_or_toolbox, Tool) else Tool.function(tool_or_toolbox, name=name)
            tool.plugin = tool.plugin or plugin_name
            tools[name or tool.name] = tool
        return register

    for impl in pm.hook.register_tools.get_hookimpls():
        # Each tool records the plugin that registered it, so one call per plugin.
        with contained(impl, "register_tools"):
            impl.function(register=make_register(builtin_name(impl.plugin_name) or impl.plugin_name))
    return tools


def get_fragment_loaders() -> dict[str, Any]:
    """Fragment loaders registered by plugins: prefix → ``loader(argument)``."""
    load_plugins()
    loaders: dict[str, Any] = {}

    def register(prefix: str, loader: Any) -> None:
        loaders.setdefault(prefix, loader)

    call_hook("register_fragment_loaders", register=register)
    return loaders
