"""The plugin manager: entry points of group ``llm``, loaded once, on first need.

``import llm`` never loads plugins; listing or resolving models, or building
the CLI, calls :func:`load_plugins`.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator, Optional

import pluggy

from . import hookspecs

pm = pluggy.PluginManager("llm")
pm.add_hookspecs(hookspecs)

#: First-party distributions: always loaded, listed by ``llm plugins --all`` only,
#: under their entry-point names (``llm.default_plugins.openai_models``, as documented).
BUILTIN_DISTRIBUTIONS = frozenset(
    {"llmio-openai", "llmio-cli", "llmio-embeddings", "llmio-templates", "llmio-core", "llm"}
)

_loaded = False
_distributions: dict[str, Any] = {}  # registered name -> importlib.metadata Distribution
_entry_point_names: dict[str, str] = {}  # registered name -> entry-point name
_failures: list[tuple[str, str]] = []
_hook_failures: dict[tuple[str, str], str] = {}  # (distribution, hook) -> error, warned once


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _allowed_third_party() -> Optional[set[str]]:
    value = os.environ.get("LLM_LOAD_PLUGINS")
    if value is None:
        return None
    return {_canonical(v.strip()) for v in value.split(",") if v.strip()}


def load_plugins() -> None:
    """Register every ``llm`` entry point once (honouring ``LLM_LOAD_PLUGINS``)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from importlib.metadata import entry_points

    allowed = _allowed_third_party()
    for ep in entry_points(group="llm"):
        dist = _dist_name(ep)
        canonical = _canonical(dist)
        builtin = canonical in BUILTIN_DISTRIBUTIONS
        if not builtin and allowed is not None and canonical not in allowed:
            continue
        # Two distributions may use the same entry-point name (two published plugins
        # both call theirs ``openai``): the registered name includes the distribution.
        name = f"{canonical}:{ep.name}"
        if pm.get_plugin(name) is not None or pm.is_blocked(name) or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
            if pm.is_registered(plugin):
                continue
            pm.register(plugin, name=name)
        except Exception as exc:  # a broken plugin must not break the tool
            if ep.dist is not None:
                dist = ep.dist.metadata["Name"] or dist  # the name the user installed
            _failures.append((dist, f"{exc.__class__.__name__}: {exc}"))
            sys.stderr.write(f"Warning: plugin {dist} failed to load: {exc}\n")
            continue
        _distributions[name] = ep.dist
        _entry_point_names[name] = ep.name


def _dist_name(ep: Any) -> str:
    """The distribution of an entry point; from its folder name when possible,
    since reading METADATA costs start-up time on every command."""
    if ep.dist is None:
        return ep.name
    return getattr(ep.dist, "_normalized_name", None) or ep.dist.metadata["Name"]


def distribution_name(plugin_name: str) -> str:
    """The distribution a registered plugin came from, as users installed it
    (the plugin's own registered name for plugins registered directly on ``pm``)."""
    distribution = _distributions.get(plugin_name)
    if distribution is None:
        return plugin_name
    return distribution.metadata["Name"] or plugin_name


def builtin_name(plugin_name: str) -> Optional[str]:
    """The documented name of a first-party plugin (``llm.default_plugins.openai_models``),
    or None for other plugins."""
    distribution = _distributions.get(plugin_name)
    if distribution is None or _canonical(distribution.metadata["Name"] or "") not in BUILTIN_DISTRIBUTIONS:
        return None
    return _entry_point_names.get(plugin_name)


def plugin_load_failures() -> list[tuple[str, str]]:
    """(distribution, error) for each plugin that failed to import."""
    return list(_failures)


def hook_failures() -> list[tuple[str, str, str]]:
    """(distribution, hook, error) for each plugin hook that raised when called."""
    return [(dist, hook, error) for (dist, hook), error in _hook_failures.items()]


def _raise_errors() -> bool:
    return os.environ.get("LLM_RAISE_ERRORS", "") not in ("", "0")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or exc.__class__.__name__


@contextmanager
def contained(impl: Any, hook_name: str) -> Iterator[None]:
    """Run one plugin's hook implementation; if it raises, warn once and carry on.

    The warning names the distribution and the hook (once per process), so one
    broken plugin cannot take ``llm models`` or every prompt down with it.
    ``LLM_RAISE_ERRORS=1`` lets the exception through instead, and so does
    :class:`llm.ConfigError`: a malformed file in the user directory that a plugin
    reads is the user's to fix, and the error names the file.
    """
    from .errors import ConfigError

    try:
        yield
    except ConfigError:
        raise
    except Exception as exc:
        if _raise_errors():
            raise
        dist = distribution_name(impl.plugin_name)
        key = (dist, hook_name)
        if key not in _hook_failures:
            _hook_failures[key] = f"{exc.__class__.__name__}: {exc}"
            sys.stderr.write(f"Warning: plugin {dist} failed in {hook_name}: {_one_line(exc)}\n")


def call_hook(hook_name: str, **kwargs: Any) -> None:
    """Call every implementation of one hook, in pluggy's order, each one contained."""
    load_plugins()
    caller = getattr(pm.hook, hook_name)
    # pluggy calls the most recently registered implementation first.
    for impl in reversed(caller.get_hookimpls()):
        with contained(impl, hook_name):
            impl.function(**{name: kwargs[name] for name in impl.argnames if name in kwargs})


def _reset() -> None:
    """Unregister entry-point plugins so the next call reloads them (tests only)."""
    global _loaded
    for name in list(_distributions):
        if pm.get_plugin(name) is not None:
            pm.unregister(name=name)
    _distributions.clear()
    _entry_point_names.clear()
    _failures.clear()
    _hook_failures.clear()
    _loaded = False


def get_plugins(all: bool = False) -> list[dict[str, Any]]:
    """Loaded plugins with their hooks and versions, for ``llm plugins``."""
    load_plugins()
    plugins = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin)
        distribution = _distributions.get(name)
        dist = distribution.metadata["Name"] if distribution is not None else name
        version = distribution.version if distribution is not None else None
        if _canonical(dist) in BUILTIN_DISTRIBUTIONS:
            if not all:
                continue
            dist, version = _entry_point_names.get(name, dist), None
        info: dict[str, Any] = {
            "name": dist,
            "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or []),
        }
        if version:
            info["version"] = version
        plugins.append(info)
    return sorted(plugins, key=lambda p: p["name"])
