"""The ``openai`` SDK path: building SDK clients, and turning their failures into
the errors of :mod:`.errors`.

The default models send their requests with our own client (:mod:`.api`); the SDK
serves what that client does not: the Responses API, Azure, subclasses that
override ``get_client()`` and proxies other than ``http://``. Nothing here imports
``openai`` (or its HTTP library) at module import time: they load on the first
request that needs them.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator, Mapping, Optional

import llm

from . import debug
from . import errors
from .errors import APIError, StreamEndedEarly, clean, error_code, mask_key, safe_message
from .errors import status_message as _body_message
from .settings import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    connect_timeout,
    max_retries,
    show_responses,
    timeout_seconds,
)
from .sse import SSEState, aiter_sse, iter_sse

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "make_client",
    "omit_auth_header",
    "translate_errors",
    "mask_key",
    "api_error",
    "clean",
    "iter_sse",
    "aiter_sse",
    "SSEState",
    "StreamEndedEarly",
    "APIError",
    "timeout_seconds",
    "max_retries",
    "show_responses",
]

# Placeholder key for servers that need none (an ``api_base`` with no
# ``api_key_name``): the client insists on a key; the header is then dropped.
_NO_KEY = "llm-no-key"


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
        "timeout": openai.Timeout(read, connect=connect_timeout(read)),
        "max_retries": max_retries(),
        "http_client": _http_client(openai, async_),
    }
    if headers:
        kwargs["default_headers"] = dict(headers)
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


# -- the SDK's HTTP client ----------------------------------------------------------


def _http_client(openai: Any, async_: bool) -> Any:
    """The SDK's default HTTP client, on the process's TLS context (every new
    context loads the certificate store again), printing each exchange to stderr
    under ``LLM_OPENAI_SHOW_RESPONSES``. The SDK cannot fall back from the CA
    directory alone, so it gets the complete context."""
    from .transport import tls_context

    kwargs: dict[str, Any] = {"verify": tls_context(complete=True)}
    if show_responses():
        kwargs["event_hooks"] = _logging_hooks(async_)
    return (openai.DefaultAsyncHttpxClient if async_ else openai.DefaultHttpxClient)(**kwargs)


def _logging_hooks(async_: bool) -> dict[str, list]:
    """httpx event hooks that print requests and responses (bodies as they arrive)."""

    def stream_wrapper(response: Any) -> Any:
        http = sys.modules[type(response).__module__.split(".")[0]]
        base = http.AsyncByteStream if async_ else http.SyncByteStream
        original = response.stream

        class Echo(base):  # type: ignore[misc, valid-type]
            def __iter__(self):
                for chunk in original:
                    debug.echo(chunk.decode("utf-8", "replace"))
                    yield chunk
                debug.echo("\n")

            def close(self):
                original.close()

            async def __aiter__(self):
                async for chunk in original:
                    debug.echo(chunk.decode("utf-8", "replace"))
                    yield chunk
                debug.echo("\n")

            async def aclose(self):
                await original.aclose()

        return Echo()

    def log_request(request: Any) -> None:
        debug.echo(debug.describe_request(request.method, request.url, request.headers,
                                          request.content))

    def log_response(response: Any) -> None:
        debug.echo(debug.describe_response(response.status_code, response.headers))
        response.stream = stream_wrapper(response)

    async def alog_request(request: Any) -> None:
        log_request(request)

    async def alog_response(response: Any) -> None:
        log_response(response)

    if async_:
        return {"request": [alog_request], "response": [alog_response]}
    return {"request": [log_request], "response": [log_response]}


# -- errors --------------------------------------------------------------------


def _host(url: Any) -> str:
    """``host[:port]`` of the API, never with the ``user:password@`` it may carry."""
    from llm.urls import url_host

    return url_host(url) or "the API"


def _status_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    response = getattr(exc, "response", None)
    try:
        text = response.text if response is not None else ""
    except Exception:  # a streamed body that was never read
        text = ""
    return _body_message(body, text, getattr(response, "reason_phrase", "") or "")


def api_error(exc: BaseException, *, url: Any = None) -> llm.ModelError:
    """A ``ModelError`` (an :class:`APIError` with status and retryability where
    they are known) for any failure raised by the SDK or its transport."""
    import openai

    if isinstance(exc, llm.ModelError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        from .api import should_retry

        status = exc.status_code
        return APIError(f"{status} {_status_message(exc)}", status=status,
                        code=error_code(getattr(exc, "body", None)),
                        retryable=should_retry(status, exc.response.headers))
    request = getattr(exc, "request", None)
    host = _host(getattr(request, "url", None) or url)
    if isinstance(exc, openai.APITimeoutError) or _is_timeout(exc):
        return errors.timed_out(host)
    if isinstance(exc, openai.APIConnectionError):
        cause = _root_cause(exc)
        if _is_protocol_error(cause):
            return errors.closed_early(host)
        return errors.could_not_connect(host, errors.reason(cause) if cause is not exc else "")
    if _is_protocol_error(exc):
        return errors.closed_early(host)
    if _is_transport_error(exc):
        return errors.transport_failed(host, errors.reason(exc))
    if isinstance(exc, openai.APIResponseValidationError):
        return errors.invalid_response(host, clean(str(exc)))
    if isinstance(exc, openai.APIError):
        message = getattr(exc, "message", None) or str(exc)
        return APIError(clean(message))
    return llm.ModelError(clean(str(exc)) or type(exc).__name__)


def _root_cause(exc: BaseException) -> BaseException:
    seen = set()
    while exc.__cause__ is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc = exc.__cause__
    return exc


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
    """Re-raise SDK and transport failures as ``llm.ModelError``.

    ``secret`` (the API key) is masked should a server echo it in its message,
    and so is any ``user:password`` in the API's URL.
    """
    try:
        yield
    except llm.ModelError:
        raise
    except _translatable() as exc:
        error = api_error(exc, url=url)
        message = safe_message(str(error), url, secret)
        if message != str(error):
            error = error.with_message(message) if isinstance(error, APIError) \
                else type(error)(message)
        raise error from exc
