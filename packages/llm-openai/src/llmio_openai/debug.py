"""``LLM_OPENAI_SHOW_RESPONSES=1``: each HTTP exchange printed to stderr.

Shared by both request paths. Secrets never appear: credential headers are
shown as ``[redacted]`` and URLs without their ``user:password@``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["echo", "describe_request", "describe_response"]

_SECRET_HEADERS = {"authorization", "api-key", "x-api-key", "proxy-authorization", "cookie"}


def echo(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def _format_headers(headers: Any) -> str:
    lines = []
    for name, value in headers.items():
        if name.lower() in _SECRET_HEADERS:
            value = "[redacted]"
        lines.append(f"  {name}: {value}")
    return "\n".join(lines)


def describe_request(method: str, url: Any, headers: Any, content: bytes) -> str:
    body = content.decode("utf-8", "replace") if content else ""
    try:
        body = json.dumps(json.loads(body), indent=2)
    except ValueError:
        pass
    from llm.urls import redact_url

    return f"Request: {method} {redact_url(url)}\n{_format_headers(headers)}\n{body}\n"


def describe_response(status: int, headers: Any) -> str:
    return f"Response: status_code={status}\n{_format_headers(headers)}\nBody:\n"
