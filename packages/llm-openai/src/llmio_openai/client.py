"""Building ``openai`` clients and turning their failures into ``llm.ModelError``.

Nothing here imports ``openai`` (or its HTTP library) at module import time:
they load on the first request.
"""

from __future__ import annotations

import json
import os
import re
import sys
from contextlib import contextmanager
from typing import Any, Iterator, Mapping, Optional

import llm

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "make_client",
    "omit_auth_header",
    "translate_errors",
    "mask_key",
    "api_error",
    "iter_sse",
    "aiter_sse",
    "StreamEndedEarly",
]

#: Seconds to establish a connection: a wrong host fails fast.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Seconds to wait for data: for the first byte, and between streamed chunks, so a
#: server that accepts and never answers cannot hold the CLI. ``LLM_OPENAI_TIMEOUT``
#: overrides it (raise it for slow non-streamed reasoning models).
DEFAULT_TIMEOUT = 60.0
#: Retries (with exponential backoff, honouring Retry-After) for 408/409/429/5xx
#: and connection failures, done by the ``openai`` client itself.
DEFAULT_MAX_RETRIES = 2

# Placeholder key for servers that need none (an ``api_base`` with no
# ``api_key_name``): the client insists on a key; the header is then dropped.
_NO_KEY = "llm-no-key"


class StreamEndedEarly(llm.ModelError):
    """The server closed a stream before its end marker."""


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


def max_retries() -> int:
    return _env_number("LLM_OPENAI_MAX_RETRIES", DEFAULT_MAX_RETRIES, int)


def show_responses() -> bool:
    return os.environ.get("LLM_OPENAI_SHOW_RESPONSES", "") not in ("", "0")


def make_client(
    *,
    key: Optional[str],
    api_base: Optional[str] = None,
    headers: Optional[Mapping[str, str]] = None,
    api_type: Optional[str] = None,
    api_version: Optional[str] = None,
    api_engine: Optional[str] = None,
    async_: bool = False,
) -> Any:
    """An ``openai.OpenAI`` / ``AsyncOpenAI`` (or Azure) client for one request.

    ``key=None`` means "send no key": the client gets a placeholder rather than
    falling back to ``OPENAI_API_KEY``, and requests made through it should pass
    ``extra_headers=omit_auth_header()`` so no Authorization header is sent.
    """
    import openai

    read = timeout_seconds()
    kwargs: dict[str, Any] = {
        "api_key": key or _NO_KEY,
        "timeout": openai.Timeout(read, connect=min(DEFAULT_CONNECT_TIMEOUT, read)),
        "max_retries": max_retries(),
    }
    if headers:
        kwargs["default_headers"] = dict(headers)
    if show_responses():
        kwargs["http_client"] = _logging_http_client(openai, async_)
    if api_type == "azure":
        cls = openai.AsyncAzureOpenAI if async_ else openai.AzureOpenAI
        kwargs["api_version"] = api_version
        kwargs["azure_endpoint"] = api_base
        if api_engine:
            kwargs["azure_deployment"] = api_engine
        return cls(**kwargs)
    if api_base:
        kwargs["base_url"] = api_base
    cls = openai.AsyncOpenAI if async_ else openai.OpenAI
    return cls(**kwargs)


def omit_auth_header() -> dict[str, Any]:
    """Per-request headers that drop the Authorization header."""
    import openai

    return {"Authorization": openai.Omit()}


# -- LLM_OPENAI_SHOW_RESPONSES -------------------------------------------------

_SECRET_HEADERS = {"authorization", "api-key", "x-api-key", "proxy-authorization", "cookie"}


def _echo(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def _format_headers(headers: Any) -> str:
    lines = []
    for name, value in headers.items():
        if name.lower() in _SECRET_HEADERS:
            value = "[redacted]"
        lines.append(f"  {name}: {value}")
    return "\n".join(lines)


def _describe_request(request: Any) -> str:
    body = request.content.decode("utf-8", "replace") if request.content else ""
    try:
        body = json.dumps(json.loads(body), indent=2)
    except ValueError:
        pass
    from llm.urls import redact_url

    return (f"Request: {request.method} {redact_url(request.url)}\n"
            f"{_format_headers(request.headers)}\n{body}\n")


def _logging_http_client(openai: Any, async_: bool) -> Any:
    """An HTTP client whose event hooks print requests and responses to stderr."""

    def stream_wrapper(response: Any) -> Any:
        http = sys.modules[type(response).__module__.split(".")[0]]
        base = http.AsyncByteStream if async_ else http.SyncByteStream
        original = response.stream

        class Echo(base):  # type: ignore[misc, valid-type]
            def __iter__(self):
                for chunk in original:
                    _echo(chunk.decode("utf-8", "replace"))
                    yield chunk
                _echo("\n")

            def close(self):
                original.close()

            async def __aiter__(self):
                async for chunk in original:
                    _echo(chunk.decode("utf-8", "replace"))
                    yield chunk
                _echo("\n")

            async def aclose(self):
                await original.aclose()

        return Echo()

    def log_request(request: Any) -> None:
        _echo(_describe_request(request))

    def log_response(response: Any) -> None:
        _echo(f"Response: status_code={response.status_code}\n"
              f"{_format_headers(response.headers)}\nBody:\n")
        response.stream = stream_wrapper(response)

    async def alog_request(request: Any) -> None:
        log_request(request)

    async def alog_response(response: Any) -> None:
        log_response(response)

    if async_:
        return openai.DefaultAsyncHttpxClient(
            event_hooks={"request": [alog_request], "response": [alog_response]})
    return openai.DefaultHttpxClient(
        event_hooks={"request": [log_request], "response": [log_response]})


# -- errors --------------------------------------------------------------------


def _host(url: Any) -> str:
    """``host[:port]`` of the API, never with the ``user:password@`` it may carry."""
    from llm.urls import url_host

    return url_host(url) or "the API"


def clean(text: str, limit: int = 300) -> str:
    """One line; an HTML error page reduced to its text."""
    if "<" in text and re.search(r"<(html|body|head|title|h1|!doctype)", text, re.I):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
        text = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _status_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    message = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            message = inner.get("message") or inner.get("detail")
        elif isinstance(inner, str):
            message = inner
        detail = body.get("detail")
        if message is None and isinstance(detail, (str, list)):
            message = detail if isinstance(detail, str) else json.dumps(detail)
    elif isinstance(body, str) and body.strip():
        message = body
    if message is None:
        response = getattr(exc, "response", None)
        try:
            text = response.text if response is not None else ""
        except Exception:  # a streamed body that was never read
            text = ""
        message = text or getattr(response, "reason_phrase", "") or "error"
    return clean(str(message))


def api_error(exc: BaseException, *, url: Any = None) -> llm.ModelError:
    """A ``ModelError`` for any failure raised by the client or its transport."""
    import openai

    if isinstance(exc, llm.ModelError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        return llm.ModelError(f"{exc.status_code} {_status_message(exc)}")
    request = getattr(exc, "request", None)
    host = _host(getattr(request, "url", None) or url)
    if isinstance(exc, openai.APITimeoutError) or _is_timeout(exc):
        return llm.ModelError(f"Request to {host} timed out")
    if isinstance(exc, openai.APIConnectionError):
        cause = _root_cause(exc)
        reason = _reason(cause) if cause is not exc else ""
        if _is_protocol_error(cause):
            return StreamEndedEarly(f"Connection to {host} closed before the response was complete")
        return llm.ModelError(f"Could not connect to {host}" + (f": {reason}" if reason else ""))
    if _is_protocol_error(exc):
        return StreamEndedEarly(f"Connection to {host} closed before the response was complete")
    if _is_transport_error(exc):
        return llm.ModelError(f"Error talking to {host}: {_reason(exc)}")
    if isinstance(exc, openai.APIResponseValidationError):
        return llm.ModelError(f"Invalid response from {host}: {clean(str(exc))}")
    if isinstance(exc, openai.APIError):
        message = getattr(exc, "message", None) or str(exc)
        return llm.ModelError(clean(message))
    return llm.ModelError(clean(str(exc)) or type(exc).__name__)


def _root_cause(exc: BaseException) -> BaseException:
    seen = set()
    while exc.__cause__ is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc = exc.__cause__
    return exc


def _reason(exc: BaseException) -> str:
    text = str(exc)
    errno_match = re.search(r"\[Errno -?\d+\] (.+?)('|\"|\)|$)", text)
    if errno_match:
        return errno_match.group(1)
    return clean(text) or type(exc).__name__


def _http_error_classes(name: str) -> tuple[type, ...]:
    classes = []
    for module_name in ("httpx2", "httpx", "httpcore2", "httpcore"):
        module = sys.modules.get(module_name)
        cls = getattr(module, name, None) if module is not None else None
        if isinstance(cls, type):
            classes.append(cls)
    return tuple(classes)


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, _http_error_classes("TimeoutException") + (TimeoutError,))


def _is_protocol_error(exc: BaseException) -> bool:
    return isinstance(exc, _http_error_classes("RemoteProtocolError")
                      + _http_error_classes("ReadError"))


def _is_transport_error(exc: BaseException) -> bool:
    return isinstance(exc, _http_error_classes("TransportError")
                      + _http_error_classes("StreamError") + (OSError,))


def _translatable() -> tuple[type, ...]:
    import openai

    return (openai.OpenAIError,) + _http_error_classes("HTTPError") + \
        _http_error_classes("StreamError") + (OSError,)


@contextmanager
def translate_errors(url: Any = None, secret: Optional[str] = None) -> Iterator[None]:
    """Re-raise client and transport failures as ``llm.ModelError``.

    ``secret`` (the API key) is masked should a server echo it in its message,
    and so is any ``user:password`` in the API's URL.
    """
    from llm.urls import scrub_credentials

    try:
        yield
    except llm.ModelError:
        raise
    except _translatable() as exc:
        error = api_error(exc, url=url)
        message = scrub_credentials(str(error), url) if url is not None else str(error)
        if secret and len(secret) > 3 and secret in message:
            message = message.replace(secret, mask_key(secret))
        if message != str(error):
            error = type(error)(message)
        raise error from exc


def mask_key(key: str) -> str:
    """``sk-...wxyz``: enough to recognise a key, not enough to use it."""
    return f"{key[:3]}...{key[-4:]}" if len(key) > 12 else "..."


# -- server-sent events --------------------------------------------------------


class _SSE:
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


def iter_sse(lines: Iterator[str], state: Optional[_SSE] = None) -> Iterator[dict]:
    """Decoded JSON events from SSE lines; stops at ``data: [DONE]``."""
    parser = state or _SSE()
    for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event
        if parser.done:
            return
    event = parser.flush()
    if event is not None:
        yield event


async def aiter_sse(lines: Any, state: Optional[_SSE] = None):
    parser = state or _SSE()
    async for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event
        if parser.done:
            return
    event = parser.flush()
    if event is not None:
        yield event


SSEState = _SSE
