"""The tools llm itself provides: ``llm_version`` and ``llm_time``.

A plugin like any other, registered through the ``llm`` entry point of
llmio-core; ``llm plugins --all`` lists it as ``llm.default_plugins.default_tools``.
The tools module is imported only when tools are asked for, not at start-up.
"""

from __future__ import annotations

from typing import Any, Callable

from llm.hookspecs import hookimpl


@hookimpl
def register_tools(register: Callable[..., Any]) -> None:
    from llm.tools import llm_time, llm_version

    register(llm_version)
    register(llm_time)
