"""Our own client for the OpenAI REST API: what the default models send requests with.

Importing the ``openai`` SDK costs about half a second, more than everything else
a prompt does; this client does what the SDK did for chat completions,
completions, embeddings and the model list, on :mod:`.transport`
(``http.client``), loaded when the first request is made:

- the same requests: ``Authorization: Bearer`` (none when there is no key,
  ``Basic`` when the API URL carries ``user:password@``), the model's extra
  headers, ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``/``OPENAI_PROJECT_ID`` for
  OpenAI's own endpoint, and the SDK's per-request ``extra_headers``,
  ``extra_query``, ``extra_body`` and ``timeout`` that subclasses put in
  ``build_kwargs()``;
- the same retries: 408, 409, 429, 5xx and failures to connect or to get an
  answer, up to ``LLM_OPENAI_MAX_RETRIES`` times, after ``Retry-After``
  (``retry-after-ms`` first) when the server names a wait of at most two
  minutes, else 0.5 s, 1 s, 2 s ... (at most 8 s) less up to 25 % jitter; a
  ``Retry-After`` over two minutes, or ``x-should-retry: false``, means no
  retry. A stream is retried only until its first byte;
- the same timeouts (:mod:`.settings`) and the same one-line errors (:mod:`.errors`);
- ``LLM_OPENAI_SHOW_RESPONSES`` output (:mod:`.debug`).

:class:`AsyncAPIClient` runs the same client on a thread per request: one HTTP
implementation, and cancelling the awaiting task shuts the connection.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable, Iterator, Mapping, Optional
from urllib.parse import urlencode, urljoin, urlsplit

import llm
from llm.urls import url_host

from . import debug, settings, transport
from . import errors
from .errors import APIError, error_code, is_retryable_status, safe_message, status_message
from .sse import SSEState, iter_sse

__all__ = ["APIClient", "AsyncAPIClient", "open_client", "split_request", "retry_delay",
           "should_retry", "DEFAULT_BASE_URL"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: Longest ``Retry-After`` waited for; a server asking for more is not retried.
MAX_RETRY_AFTER = 120.0
#: How much of an error body is read for its message.
_ERROR_BODY_LIMIT = 1024 * 1024
#: Redirects followed per attempt, as httpx (the SDK's HTTP library) follows them.
MAX_REDIRECTS = 20
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: The SDK's per-request keyword arguments, as plugins' ``build_kwargs()`` return them.
_REQUEST_OPTIONS = ("extra_headers", "extra_query", "extra_body", "timeout")


class Cancelled(Exception):
    """The request was cancelled from another thread."""


def open_client(*, key: Optional[str], api_base: Optional[str] = None,
                headers: Optional[Mapping[str, str]] = None, async_: bool = False,
                timeout: Optional[float] = None,
                max_retries: Optional[int] = None) -> "Optional[APIClient | AsyncAPIClient]":
    """A client for this endpoint, or None when the request needs the SDK (a proxy
    other than ``http://``). Without ``api_base`` it is OpenAI's endpoint
    (``OPENAI_BASE_URL`` or the default), which also gets the organization headers.
    ``timeout`` and ``max_retries`` default to the settings (:mod:`.settings`)."""
    cls = AsyncAPIClient if async_ else APIClient
    try:
        return cls(key=key, base_url=api_base, headers=headers, openai_endpoint=api_base is None,
                   timeout=timeout, max_retries=max_retries)
    except transport.Unsupported:
        return None


def _omitted(value: Any) -> bool:
    """The SDK's markers for "leave this parameter out" (``NOT_GIVEN``, ``omit``)."""
    return type(value).__name__ in ("NotGiven", "Omit")


def split_request(kwargs: Mapping[str, Any]) -> tuple[dict, dict]:
    """(JSON body, per-request options) from SDK-style ``create()`` keyword arguments:
    ``extra_body`` is merged into the body, as the SDK does."""
    body: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for name, value in kwargs.items():
        if name in _REQUEST_OPTIONS:
            options[name] = value
        elif not _omitted(value):
            body[name] = value
    extra = options.pop("extra_body", None)
    if isinstance(extra, Mapping):
        body.update({name: value for name, value in extra.items() if not _omitted(value)})
    return body, options


def _json_default(value: Any) -> Any:
    """What the SDK's encoder does for values JSON lacks."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_unset=True)
    if hasattr(value, "value"):  # an Enum
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"),
                      default=_json_default).encode("utf-8")


def _decode(content: bytes) -> Any:
    """The JSON document, or the text when it is not JSON (an HTML page, say)."""
    text = content.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


# -- retries -----------------------------------------------------------------------


def _retry_after(headers: Any) -> Optional[float]:
    """Seconds the server asked to wait (``retry-after-ms``, then ``retry-after``
    as seconds or an HTTP date), or None."""
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / divisor
        except ValueError:
            continue
    value = headers.get("retry-after")
    if not value:
        return None
    import email.utils

    try:
        when = email.utils.parsedate_tz(value)
        return None if when is None else float(email.utils.mktime_tz(when) - time.time())
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def should_retry(status: int, headers: Any) -> bool:
    """Whether an error status is worth another attempt."""
    wait = _retry_after(headers)
    if wait is not None and wait == wait and wait > MAX_RETRY_AFTER:  # (NaN is not)
        return False
    hint = headers.get("x-should-retry") if headers is not None else None
    if hint == "true":
        return True
    if hint == "false":
        return False
    return is_retryable_status(status)


def retry_delay(retries_taken: int, headers: Any = None,
                random: Optional[Callable[[], float]] = None) -> float:
    """Seconds to wait before retry number ``retries_taken + 1``."""
    wait = _retry_after(headers)
    if wait is not None and wait == wait and 0 < wait <= MAX_RETRY_AFTER:
        return wait
    if random is None:
        from random import random
    delay = min(INITIAL_RETRY_DELAY * 2.0 ** min(retries_taken, 1000), MAX_RETRY_DELAY)
    return max(delay * (1 - 0.25 * random()), 0.0)


# -- the client --------------------------------------------------------------------


class APIClient:
    """Requests to one API endpoint with one key (None: no ``Authorization``)."""

    def __init__(self, *, key: Optional[str], base_url: Optional[str] = None,
                 headers: Optional[Mapping[str, str]] = None, openai_endpoint: bool = False,
                 timeout: Optional[float] = None, max_retries: Optional[int] = None,
                 async_: bool = False) -> None:
        base = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        parts = urlsplit(base)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise APIError(f"Invalid API URL {safe_message(base, base)!r}: "
                           "it must start with http:// or https://")
        self.base_url = base
        self.key = key
        self.timeout = settings.timeout_seconds() if timeout is None else float(timeout)
        self.max_retries = max(0, settings.max_retries() if max_retries is None else max_retries)
        self._route = transport.route_for(base)
        self._origin = f"{parts.scheme.lower()}://{parts.netloc.rsplit('@', 1)[-1]}"
        self._prefix = parts.path.rstrip("/")
        self._query = parts.query
        self._headers = self._default_headers(parts, headers, openai_endpoint, async_)

    def _default_headers(self, parts: Any, headers: Optional[Mapping[str, str]],
                         openai_endpoint: bool, async_: bool) -> dict[str, str]:
        merged: dict[str, str] = {}
        if parts.username is not None or parts.password is not None:
            # httpx sends a URL's credentials as Basic auth, in place of the key.
            merged["Authorization"] = transport.basic_authorization(
                parts.username or "", parts.password or "")
        elif self.key:
            merged["Authorization"] = f"Bearer {self.key}"
        if openai_endpoint:
            for name, variable in (("OpenAI-Organization", "OPENAI_ORG_ID"),
                                   ("OpenAI-Project", "OPENAI_PROJECT_ID")):
                if os.environ.get(variable):
                    merged[name] = os.environ[variable]
        merged.update({
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            "User-Agent": "llm",
            "x-stainless-async": "async:asyncio" if async_ else "false",
        })
        _merge_headers(merged, headers or {})
        return merged

    @property
    def host(self) -> str:
        """``host[:port]`` of the API, never with credentials."""
        return url_host(self.base_url) or "the API"

    # -- public calls ----------------------------------------------------------------

    def post(self, path: str, body: Any, *, cancel: Optional[transport.Cancel] = None,
             **options: Any) -> Any:
        """POST JSON; the decoded JSON answer (or its text when it is not JSON)."""
        response = self._send("POST", path, body, options, stream=False, cancel=cancel)
        return _decode(response.content)

    def get(self, path: str, *, cancel: Optional[transport.Cancel] = None, **options: Any) -> Any:
        response = self._send("GET", path, None, options, stream=False, cancel=cancel)
        return _decode(response.content)

    def stream(self, path: str, body: Any, *, cancel: Optional[transport.Cancel] = None,
               **options: Any) -> "EventStream":
        """POST JSON; the server-sent events of the answer, as they arrive."""
        response = self._send("POST", path, body, options, stream=True, cancel=cancel)
        return EventStream(self, response)

    # -- one request, retried ----------------------------------------------------------

    def _url(self, path: str, extra_query: Any) -> str:
        target = f"{self._prefix}/{path.lstrip('/')}"
        query = self._query
        if extra_query:
            query = "&".join(part for part in (query, urlencode(extra_query, doseq=True)) if part)
        return self._origin + target + (f"?{query}" if query else "")

    def _route_to(self, url: str) -> tuple[transport.Route, str]:
        """(route, request target) for a URL: this API's, or where a redirect points."""
        parts = urlsplit(url)
        if f"{parts.scheme.lower()}://{parts.netloc}" == self._origin:
            route = self._route
        else:
            try:
                route = transport.route_for(url)
            except transport.Unsupported as exc:
                raise errors.could_not_connect(url_host(url), f"a {exc} is needed") from None
        if route.forwarded:
            return route, url
        return route, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def _request_headers(self, retries_taken: int, read: float, has_body: bool,
                         extra: Any) -> dict[str, str]:
        headers = dict(self._headers)
        if has_body:
            headers["Content-Type"] = "application/json"
        _merge_headers(headers, extra or {})
        lowered = {name.lower() for name in (extra or {})}
        if "x-stainless-retry-count" not in lowered:
            headers["x-stainless-retry-count"] = str(retries_taken)
        if "x-stainless-read-timeout" not in lowered:
            headers["x-stainless-read-timeout"] = str(read)
        return headers

    def _timeouts(self, override: Any) -> tuple[float, float]:
        """(read, connect) seconds; a per-request ``timeout`` (seconds, or an httpx
        ``Timeout``) wins over the client's."""
        read = self.timeout
        if isinstance(override, (int, float)) and not isinstance(override, bool):
            read = float(override)
        elif getattr(override, "read", None) is not None:
            read = float(override.read)
            connect = getattr(override, "connect", None)
            if connect is not None:
                return read, float(connect)
        return read, settings.connect_timeout(read)

    def _send(self, method: str, path: str, body: Any, options: Mapping[str, Any], *,
              stream: bool, cancel: Optional[transport.Cancel]) -> "_Answer":
        unknown = set(options) - set(_REQUEST_OPTIONS)
        if unknown:
            raise TypeError(f"unexpected request options: {', '.join(sorted(unknown))}")
        url = self._url(path, options.get("extra_query"))
        content = _encode(body) if body is not None else b""
        read, connect = self._timeouts(options.get("timeout"))
        show = settings.show_responses()
        retries_taken = 0
        while True:
            headers = self._request_headers(retries_taken, read, body is not None,
                                            options.get("extra_headers"))
            answer: Optional[_Answer] = None
            try:
                answer = self._exchange(method, url, headers, content, (connect, read),
                                        show, cancel)
                response = answer.response
                if response.status < 400 and not stream:
                    answer.read()
            except Exception as exc:
                if answer is not None:
                    answer.close()
                if cancel is not None and cancel.cancelled:
                    raise Cancelled() from exc
                if not _is_transport_failure(exc):
                    raise
                if retries_taken < self.max_retries:
                    self._pause(retry_delay(retries_taken), cancel)
                    retries_taken += 1
                    continue
                raise self.transport_error(exc) from _cause(exc)
            if response.status >= 400:
                if retries_taken < self.max_retries and should_retry(response.status,
                                                                     response.headers):
                    answer.close()
                    self._pause(retry_delay(retries_taken, response.headers), cancel)
                    retries_taken += 1
                    continue
                raise self._status_error(answer)
            return answer

    def _exchange(self, method: str, url: str, headers: dict[str, str], content: bytes,
                  timeouts: tuple[float, float], show: bool,
                  cancel: Optional[transport.Cancel]) -> "_Answer":
        """One attempt: the request, and the redirects it meets followed as httpx
        follows them (the SDK's client did): at most 20; 303, and 301/302 after a
        POST, become a GET without body; ``Authorization`` is not sent to another
        origin (unless http upgraded to https on the same host)."""
        for _ in range(MAX_REDIRECTS + 1):
            route, target = self._route_to(url)
            sent = headers
            if route.forwarded and route.proxy_authorization:  # for the proxy, in the clear
                sent = {**headers, "Proxy-Authorization": route.proxy_authorization}
            if show:
                debug.echo(debug.describe_request(method, url, sent, content))
            answer = _Answer(transport.send(route, method, target, sent, content,
                                            connect_timeout=timeouts[0],
                                            read_timeout=timeouts[1], cancel=cancel), show)
            status = answer.response.status
            location = answer.response.headers.get("Location")
            if status not in _REDIRECTS or not location:
                return answer
            answer.close()
            redirected = urljoin(url, location.strip())
            if (status == 303 and method != "HEAD") or (status == 302 and method != "HEAD") \
                    or (status == 301 and method == "POST"):
                method, content = "GET", b""
            if _origin(redirected) != _origin(url) and not _https_upgrade(url, redirected):
                headers = {name: value for name, value in headers.items()
                           if name.lower() != "authorization"}
            url = redirected
        raise self._safe(errors.could_not_connect(self.host, "Exceeded maximum allowed redirects."))

    def _pause(self, seconds: float, cancel: Optional[transport.Cancel]) -> None:
        if cancel is None:
            time.sleep(seconds)
        elif cancel.wait(seconds):
            raise Cancelled()

    # -- errors --------------------------------------------------------------------------

    def _safe(self, error: APIError) -> APIError:
        """The error without the key or the URL's credentials in its text."""
        message = safe_message(str(error), self.base_url, self.key)
        return error if message == str(error) else error.with_message(message)

    def _status_error(self, answer: "_Answer") -> APIError:
        status = answer.response.status
        try:
            content = answer.read(limit=_ERROR_BODY_LIMIT)
        except Exception:  # the body could not be read: the status says enough
            content = b""
        finally:
            answer.close()
        text = content.decode("utf-8", "replace")
        body = _decode(content) if content else ""
        message = status_message(body, text, answer.response.reason)
        return self._safe(APIError(f"{status} {message}", status=status, code=error_code(body),
                                   retryable=should_retry(status, answer.response.headers)))

    def transport_error(self, exc: BaseException) -> APIError:
        """The error for a failure to connect, to send, or to read the answer."""
        import http.client

        cause = _cause(exc)
        if isinstance(cause, TimeoutError):
            error = errors.timed_out(self.host)
        elif isinstance(exc, transport.ConnectFailed):
            error = errors.could_not_connect(self.host, errors.reason(cause))
        elif isinstance(cause, (ConnectionError, http.client.IncompleteRead)):
            error = errors.closed_early(self.host)
        elif isinstance(cause, http.client.HTTPException):
            error = errors.invalid_response(self.host, errors.reason(cause), retryable=True)
        else:
            error = errors.transport_failed(self.host, errors.reason(cause))
        return self._safe(error)


def _origin(url: str) -> tuple[str, str, Optional[int]]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or ""), parts.port or {"http": 80, "https": 443}.get(scheme)


def _https_upgrade(url: str, location: str) -> bool:
    """``http://host`` to ``https://host`` on the default ports: the key may follow."""
    before, after = _origin(url), _origin(location)
    return before == ("http", after[1], 80) and after == ("https", before[1], 443)


def _merge_headers(headers: dict[str, str], extra: Mapping[str, Any]) -> None:
    """Case-insensitive update; a value of None (or the SDK's ``Omit``) removes."""
    for name, value in extra.items():
        for existing in [key for key in headers if key.lower() == name.lower()]:
            del headers[existing]
        if value is not None and not _omitted(value):
            headers[name] = str(value)


def _cause(exc: BaseException) -> BaseException:
    return exc.__cause__ if isinstance(exc, transport.ConnectFailed) and exc.__cause__ else exc


def _is_transport_failure(exc: BaseException) -> bool:
    import http.client

    return isinstance(exc, (OSError, http.client.HTTPException, transport.ConnectFailed))


class _Answer:
    """A response with its body read whole (``content``) or in pieces, echoed to
    stderr under ``LLM_OPENAI_SHOW_RESPONSES``."""

    def __init__(self, response: transport.Response, show: bool) -> None:
        self.response = response
        self.content = b""
        self._show = show
        if show:
            debug.echo(debug.describe_response(response.status, response.headers))

    def iter_bytes(self) -> Iterator[bytes]:
        for data in self.response.iter_bytes():
            if self._show:
                debug.echo(data.decode("utf-8", "replace"))
            yield data

    def read(self, limit: Optional[int] = None) -> bytes:
        pieces, size = [], 0
        for data in self.iter_bytes():
            pieces.append(data)
            size += len(data)
            if limit is not None and size >= limit:
                break
        self.content = b"".join(pieces)
        if self._show:
            debug.echo("\n")
        return self.content

    def close(self) -> None:
        self.response.close()


class EventStream:
    """The decoded events of a streamed answer; ``done`` once ``data: [DONE]`` came.
    Use as a context manager: leaving it early closes the connection."""

    def __init__(self, client: APIClient, answer: _Answer) -> None:
        self._client = client
        self._answer = answer
        self.state = SSEState()

    @property
    def done(self) -> bool:
        return self.state.done

    def __iter__(self) -> Iterator[dict]:
        try:
            yield from iter_sse(self._lines(), self.state)
        except llm.ModelError:
            raise
        except Exception as exc:
            if not _is_transport_failure(exc):
                raise
            raise self._client.transport_error(exc) from exc
        finally:
            self.close()

    def _lines(self) -> Iterator[str]:
        pending = b""
        for data in self._answer.iter_bytes():
            pending += data
            if b"\n" not in data and b"\r" not in data:
                continue
            *lines, pending = pending.split(b"\n")
            for line in lines:
                for part in line.rstrip(b"\r").split(b"\r"):
                    yield part.decode("utf-8", "replace")
        if pending:
            for part in pending.rstrip(b"\r").split(b"\r"):
                yield part.decode("utf-8", "replace")

    def close(self) -> None:
        if self._answer is not None:
            answer, self._answer = self._answer, None
            if answer._show:
                debug.echo("\n")
            answer.close()

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# -- async ---------------------------------------------------------------------------


class AsyncAPIClient:
    """:class:`APIClient` for asyncio: each request runs on its own thread, and
    cancelling the awaiting task stops it (the connection is shut)."""

    def __init__(self, **kwargs: Any) -> None:
        self._client = APIClient(async_=True, **kwargs)

    @property
    def base_url(self) -> str:
        return self._client.base_url

    async def post(self, path: str, body: Any, **options: Any) -> Any:
        return await _in_thread(
            lambda cancel: self._client.post(path, body, cancel=cancel, **options))

    async def get(self, path: str, **options: Any) -> Any:
        return await _in_thread(lambda cancel: self._client.get(path, cancel=cancel, **options))

    def stream(self, path: str, body: Any, **options: Any) -> "AsyncEventStream":
        return AsyncEventStream(lambda cancel: self._client.stream(path, body, cancel=cancel,
                                                                   **options))


async def _in_thread(call: Callable[[transport.Cancel], Any]) -> Any:
    import asyncio

    loop = asyncio.get_running_loop()
    future = loop.create_future()
    cancel = transport.Cancel()

    def settle(outcome: Callable[[], None]) -> None:
        try:
            loop.call_soon_threadsafe(outcome)
        except RuntimeError:  # the loop is gone: nobody waits for the answer
            pass

    def work() -> None:
        try:
            result = call(cancel)
        except BaseException as exc:  # handed to the awaiting task
            error = exc
            settle(lambda: future.done() or future.set_exception(error))
        else:
            settle(lambda: future.done() or future.set_result(result))

    threading.Thread(target=work, name="llm-openai-request", daemon=True).start()
    try:
        return await future
    except asyncio.CancelledError:
        cancel.cancel()
        raise


_END = object()


class AsyncEventStream:
    """The events of a streamed answer, read on a worker thread."""

    def __init__(self, open_stream: Callable[[transport.Cancel], EventStream]) -> None:
        self._open = open_stream
        self._cancel = transport.Cancel()
        self._queue: Any = None
        self._stream: Optional[EventStream] = None

    @property
    def done(self) -> bool:
        return self._stream is not None and self._stream.done

    def _start(self) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        self._queue = queue

        def put(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone
                pass

        def work() -> None:
            try:
                self._stream = self._open(self._cancel)
                with self._stream as events:
                    for event in events:
                        if self._cancel.cancelled:
                            return
                        put(event)
            except BaseException as exc:  # handed to the reading task
                put(_Failure(exc))
            else:
                put(_END)

        threading.Thread(target=work, name="llm-openai-stream", daemon=True).start()

    def __aiter__(self) -> "AsyncEventStream":
        return self

    async def __anext__(self) -> dict:
        if self._queue is None:
            self._start()
        try:
            item = await self._queue.get()
        except BaseException:
            self._cancel.cancel()
            raise
        if item is _END:
            raise StopAsyncIteration
        if isinstance(item, _Failure):
            raise item.error
        return item

    async def aclose(self) -> None:
        self._cancel.cancel()

    async def __aenter__(self) -> "AsyncEventStream":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error
