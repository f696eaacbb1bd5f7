"""The request settings every OpenAI model shares, read from the environment.

``LLM_OPENAI_TIMEOUT`` (seconds to wait for data), ``LLM_OPENAI_MAX_RETRIES`` and
``LLM_OPENAI_SHOW_RESPONSES``; both request paths (our client and the SDK) read
them here, at request time.
"""

from __future__ import annotations

import os
from typing import Any

import llm

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "DEFAULT_TIMEOUT", "DEFAULT_MAX_RETRIES",
           "timeout_seconds", "connect_timeout", "max_retries", "show_responses"]

#: Seconds to establish a connection: a wrong host fails fast.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Seconds to wait for data: for the first byte, and between streamed chunks, so a
#: server that accepts and never answers cannot hold the CLI. ``LLM_OPENAI_TIMEOUT``
#: overrides it (raise it for slow non-streamed reasoning models).
DEFAULT_TIMEOUT = 60.0
#: Retries (with exponential backoff, honouring Retry-After) for 408/409/429/5xx
#: and connection failures.
DEFAULT_MAX_RETRIES = 2


def _env_number(name: str, default: float, cast: type = float) -> Any:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return cast(value)
    except ValueError:
        raise llm.ModelError(f"{name} must be a number, got {value!r}") from None


def timeout_seconds() -> float:
    return _env_number("LLM_OPENAI_TIMEOUT", DEFAULT_TIMEOUT)


def connect_timeout(read: float) -> float:
    """Seconds to connect: the default, or less when the read timeout is shorter."""
    return min(DEFAULT_CONNECT_TIMEOUT, read)


def max_retries() -> int:
    return _env_number("LLM_OPENAI_MAX_RETRIES", DEFAULT_MAX_RETRIES, int)


def show_responses() -> bool:
    return os.environ.get("LLM_OPENAI_SHOW_RESPONSES", "") not in ("", "0")
