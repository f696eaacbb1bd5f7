"""Server-sent events: the decoded JSON payloads of a streamed response.

A stream ends at ``data: [DONE]``; :attr:`SSEState.done` tells whether that marker
came, so a stream cut short is not taken for a complete answer.
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Optional

import llm

from .errors import clean

__all__ = ["SSEState", "iter_sse", "aiter_sse"]


class SSEState:
    """Incremental parser: feed lines, get decoded ``data:`` payloads."""

    def __init__(self) -> None:
        self.data: list[str] = []
        self.done = False

    def feed(self, line: str) -> Optional[Any]:
        line = line.rstrip("\r")
        if line == "":
            return self.flush()
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            self.data.append(value)
        return None

    def flush(self) -> Optional[Any]:
        if not self.data:
            return None
        data = "\n".join(self.data)
        self.data = []
        if data.strip() == "[DONE]":
            self.done = True
            return None
        try:
            event = json.loads(data)
        except ValueError:
            raise llm.ModelError(f"Invalid JSON in stream: {clean(data, 200)}") from None
        if isinstance(event, dict) and event.get("error"):
            error = event["error"]
            message = error.get("message") if isinstance(error, dict) else str(error)
            raise llm.ModelError(clean(str(message or error)))
        return event


def iter_sse(lines: Iterator[str], state: Optional[SSEState] = None) -> Iterator[dict]:
    """Decoded JSON events from SSE lines; stops at ``data: [DONE]``."""
    parser = state or SSEState()
    for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event
        if parser.done:
            return
    event = parser.flush()
    if event is not None:
        yield event


async def aiter_sse(lines: Any, state: Optional[SSEState] = None):
    parser = state or SSEState()
    async for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event
        if parser.done:
            return
    event = parser.flush()
    if event is not None:
        yield event
