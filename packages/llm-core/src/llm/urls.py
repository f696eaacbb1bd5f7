"""Every URL the tool reads goes through :func:`fetch_url`.

Templates, fragments and attachments given as ``http(s)://`` URLs come from
anywhere, so a fetch is bounded: a connect timeout, a total deadline (a server
that sends one byte every few seconds cannot hold the command forever) and a
size cap (checked against Content-Length and while reading). Errors are one
line naming the URL, never its credentials: :func:`redact_url` drops them.

Limits, overridable per call or through the environment:

- ``LLM_FETCH_MAX_BYTES`` (default 50 MiB): largest body accepted;
- ``LLM_FETCH_TIMEOUT`` (default 60 s): the whole fetch, redirects included;
- ``LLM_FETCH_CONNECT_TIMEOUT`` (default 10 s): opening each connection.

urllib is imported only when a fetch happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "FetchError",
    "FetchLimits",
    "Fetched",
    "fetch_url",
    "is_url",
    "redact_url",
    "scrub_credentials",
    "url_host",
]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 10.0
USER_AGENT = "llm"
_CHUNK = 64 * 1024


def is_url(value: Any) -> bool:
    """True for ``http://`` and ``https://`` URLs (the only schemes fetched)."""
    return isinstance(value, str) and value[:8].lower().startswith(("http://", "https://"))


def redact_url(url: Any) -> str:
    """``url`` without ``user:password@``: safe to print or log."""
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return "(an invalid URL)" if "@" in text else text
    if "@" not in parts.netloc:
        return text
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def url_host(url: Any) -> str:
    """``host[:port]`` of a URL without credentials ("" when there is none)."""
    try:
        netloc = urlsplit(str(url)).netloc
    except ValueError:
        return ""
    return netloc.rsplit("@", 1)[-1]


@dataclass(frozen=True)
class FetchLimits:
    """How long a fetch may take and how much it may read."""

    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT

    @classmethod
    def from_environment(cls) -> FetchLimits:
        """The user's settings ``fetch_max_bytes``, ``fetch_timeout`` and
        ``fetch_connect_timeout`` (``LLM_FETCH_MAX_BYTES`` & co. override them)."""
        from .settings import get_setting

        return cls(
            max_bytes=get_setting("fetch_max_bytes"),
            timeout=get_setting("fetch_timeout"),
            connect_timeout=get_setting("fetch_connect_timeout"),
        )


class FetchError(ValueError):
    """A URL could not be fetched within its limits; ``str()`` is one line naming it.

    ``url`` is the URL without credentials; ``status`` the HTTP status, if any.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


@dataclass
class Fetched:
    """A fetched body and what the server said about it."""

    url: str
    status: int
    body: bytes
    content_type: str | None = None
    charset: str | None = None

    def text(self) -> str:
        """The body decoded with the server's charset (UTF-8 if none or unknown)."""
        try:
            return self.body.decode(self.charset or "utf-8")
        except (LookupError, UnicodeDecodeError):
            return self.body.decode("utf-8", errors="replace")


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:g} {unit}"
    return f"{count} bytes"


class _Watchdog:
    """Shuts down every socket of one fetch when its deadline passes.

    Shutting a socket down wakes a thread blocked in ``recv``; whatever the
    reader then sees, :attr:`expired` says the deadline is why.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def add(self, sock: Any) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: Any) -> None:
        import socket

        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _opener(watchdog: _Watchdog, limits: FetchLimits) -> Any:
    """A urllib opener whose connections are watched and whose redirects stay on http(s)."""
    import http.client
    import socket
    import urllib.error
    import urllib.request

    def create_connection(address: Any, timeout: Any = None, source_address: Any = None) -> Any:
        sock = socket.create_connection(address, limits.connect_timeout, source_address)
        watchdog.add(sock)
        sock.settimeout(limits.timeout)  # the watchdog enforces the total
        return sock

    class HTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = create_connection

    class HTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = create_connection

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(HTTPConnection, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(HTTPSConnection, req, context=self._context)

    class RedirectHandler(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                             newurl: str) -> Any:
            if not is_url(newurl):
                raise urllib.error.HTTPError(
                    redact_url(newurl), code, "redirect to a URL that is not http(s)", headers, fp)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), HTTPHandler(), HTTPSHandler(), RedirectHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _request(url: str, method: str, headers: Mapping[str, str] | None) -> Any:
    """A Request for ``url`` with any ``user:password@`` turned into a Basic auth
    header that is never repeated to a redirect target."""
    import base64
    import urllib.request
    from urllib.parse import unquote

    parts = urlsplit(url)
    clean = redact_url(url)
    request = urllib.request.Request(clean, method=method,
                                     headers={"User-Agent": USER_AGENT, **(headers or {})})
    if "@" in parts.netloc:
        user, _, password = parts.netloc.rsplit("@", 1)[0].partition(":")
        token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
        request.add_unredirected_header("Authorization", f"Basic {token}")
    return request


def fetch_url(
    url: str,
    *,
    what: str = "",
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
    connect_timeout: float | None = None,
) -> Fetched:
    """Fetch an ``http(s)`` URL within a deadline and a size cap.

    ``what`` ("template", "fragment", "attachment") names the thing in error
    messages: ``Could not fetch fragment https://host/x: HTTP 404 Not Found``.
    Unset limits come from :meth:`FetchLimits.from_environment`. Raises
    :class:`FetchError` for every failure: bad URL, connection, HTTP status,
    deadline, size.
    """
    import http.client
    import urllib.error

    env = FetchLimits.from_environment()
    limits = FetchLimits(
        max_bytes=max_bytes if max_bytes is not None else env.max_bytes,
        timeout=timeout if timeout is not None else env.timeout,
        connect_timeout=min(connect_timeout if connect_timeout is not None else env.connect_timeout,
                            timeout if timeout is not None else env.timeout),
    )
    shown = redact_url(url)
    label = f"Could not fetch {what} {shown}" if what else f"Could not fetch {shown}"

    def fail(reason: str, status: int | None = None) -> FetchError:
        reason = " ".join(scrub_credentials(reason, url).split())
        return FetchError(f"{label}: {reason}", url=shown, status=status)

    if not is_url(url):
        raise fail("only http:// and https:// URLs can be fetched")
    late = f"no complete answer within {limits.timeout:g} s (LLM_FETCH_TIMEOUT)"
    started = time.monotonic()
    with _Watchdog(limits.timeout) as watchdog:
        try:
            response = _opener(watchdog, limits).open(_request(url, method, headers))
        except urllib.error.HTTPError as exc:
            exc.close()
            if watchdog.expired:
                raise fail(late) from None
            raise fail(f"HTTP {exc.code} {exc.reason}", exc.code) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            if watchdog.expired:
                raise fail(late) from None
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, OSError) and reason.strerror:
                reason = reason.strerror
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                took = time.monotonic() - started
                reason = (f"timed out connecting after {limits.connect_timeout:g} s"
                          if took < limits.timeout else late)
            raise fail(str(reason) or type(exc).__name__) from None
        with response:
            declared = response.headers.get("Content-Length")
            if (method != "HEAD" and declared and declared.strip().isdigit()
                    and int(declared) > limits.max_bytes):
                raise fail(_too_large(limits.max_bytes, max_bytes is None))
            chunks: list[bytes] = []
            total = 0
            try:
                while method != "HEAD":
                    chunk = response.read1(_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > limits.max_bytes:
                        raise fail(_too_large(limits.max_bytes, max_bytes is None))
                    chunks.append(chunk)
            except FetchError:
                raise
            except (http.client.HTTPException, OSError, ValueError) as exc:
                if watchdog.expired:
                    raise fail(late) from None
                raise fail(f"the connection broke: {exc or type(exc).__name__}") from None
            if watchdog.expired:
                raise fail(late)
            content_type = response.headers.get_content_type() if response.headers.get(
                "Content-Type") else None
            return Fetched(
                url=redact_url(response.geturl()),
                status=response.status,
                body=b"".join(chunks),
                content_type=content_type,
                charset=response.headers.get_content_charset(),
            )


def _too_large(limit: int, from_environment: bool) -> str:
    return f"larger than {_size(limit)}" + (" (LLM_FETCH_MAX_BYTES)" if from_environment else "")


def scrub_credentials(text: str, url: Any) -> str:
    """``text`` (an error message, a debug line) with the ``user:password`` of
    ``url`` replaced by ``***`` wherever it appears."""
    try:
        netloc = urlsplit(str(url)).netloc
    except ValueError:
        return text
    if "@" in netloc:
        userinfo = netloc.rsplit("@", 1)[0]
        for secret in (userinfo, *userinfo.split(":")):
            if secret:
                text = text.replace(secret, "***")
    return text
