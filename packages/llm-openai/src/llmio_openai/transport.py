"""HTTP/1.1 exchanges for the API client (:mod:`.api`), on the standard library.

Why ``http.client``: it and ``ssl`` load in a few milliseconds, where the
``openai`` SDK's HTTP stack (httpx2, httpcore2, anyio, truststore) takes ~85 ms
before its first request. What the SDK's stack did for us is done here:

- **TLS**: one context per process (per CA setting), built on the first HTTPS
  connection: loading the certificate store is the costly part of a connection,
  and the SDK paid it for every client. Certificates come from where the SDK's
  HTTP library takes them: ``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else the
  system store (OpenSSL's compiled-in paths on Linux, the OS trust store through
  ``truststore`` on macOS and Windows).
- **Proxies** from the environment, read as httpx reads them (``HTTPS_PROXY``,
  ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``; lower case first), through an
  ``http://`` proxy (``CONNECT`` for HTTPS targets). Other proxies (SOCKS, TLS to
  the proxy) raise :class:`Unsupported`: the caller hands such requests to the SDK.
- **Keep-alive**: a connection whose response was read to the end waits (30 s at
  most) for the next request to the same place; one found closed is replaced, and
  a request that finds its reused connection dropped by the server is sent again
  on a new one.
- **Compression**: ``gzip``/``deflate`` bodies are decoded as they arrive.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Optional
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:  # pragma: no cover
    import http.client
    import ssl

__all__ = ["Unsupported", "ConnectFailed", "Route", "Response", "Cancel", "route_for",
           "send", "tls_context", "proxy_url_for", "close_idle"]

#: Seconds an idle keep-alive connection is kept for reuse.
IDLE_SECONDS = 30.0
#: Idle connections kept per destination (``embed-multi --parallel`` runs 8 requests).
MAX_IDLE_PER_ROUTE = 8
_READ_SIZE = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Unsupported(Exception):
    """A connection this module does not make (the SDK's HTTP library does)."""


class ConnectFailed(Exception):
    """Opening the connection failed; ``__cause__`` says how."""


@dataclass(frozen=True)
class Route:
    """Where a request's bytes go: the server, or the HTTP proxy in front of it."""

    scheme: str
    host: str
    port: int
    proxy_host: Optional[str] = None
    proxy_port: Optional[int] = None
    proxy_authorization: Optional[str] = None

    @property
    def forwarded(self) -> bool:
        """A plain-HTTP request through a proxy: sent to it with the full URL."""
        return self.proxy_host is not None and self.scheme == "http"


def route_for(url: str) -> Route:
    """The route to ``url``'s server, through the environment's proxy if any."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or _DEFAULT_PORTS.get(scheme, 80)
    proxy = proxy_url_for(scheme, host, port)
    if proxy is None:
        return Route(scheme, host, port)
    proxy_parts = urlsplit(proxy)
    if proxy_parts.scheme.lower() != "http" or not proxy_parts.hostname:
        raise Unsupported(f"proxy {proxy_parts.scheme}://")
    authorization = None
    if proxy_parts.username is not None or proxy_parts.password is not None:
        authorization = basic_authorization(proxy_parts.username or "", proxy_parts.password or "")
    return Route(scheme, host, port, proxy_parts.hostname, proxy_parts.port or 80, authorization)


def basic_authorization(username: str, password: str) -> str:
    """``Basic ...`` for percent-encoded URL credentials."""
    import binascii

    pair = f"{unquote(username)}:{unquote(password)}".encode()
    return "Basic " + binascii.b2a_base64(pair, newline=False).decode("ascii")


# -- proxies ---------------------------------------------------------------------


def _environment_proxies() -> dict[str, str]:
    """``{"https": url, "no": "..."}`` from ``*_proxy`` variables, lower case winning
    (what ``urllib.request.getproxies()`` reads, without importing urllib.request)."""
    if sys.platform in ("darwin", "win32"):  # system settings too
        from urllib.request import getproxies

        return dict(getproxies())
    proxies: dict[str, str] = {}
    for name, value in os.environ.items():
        name = name.lower()
        if value and name.endswith("_proxy"):
            proxies[name[:-6]] = value
    if "REQUEST_METHOD" in os.environ:  # a CGI script: HTTP_PROXY came from a request header
        proxies.pop("http", None)
    for name, value in os.environ.items():
        if name.endswith("_proxy"):
            if value:
                proxies[name[:-6]] = value
            else:
                proxies.pop(name[:-6], None)
    return proxies


def proxy_url_for(scheme: str, host: str, port: int) -> Optional[str]:
    """The proxy httpx would use for ``scheme://host:port``, or None for none."""
    proxies = _environment_proxies()
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy:
        return None
    for entry in proxies.get("no", "").split(","):
        entry = entry.strip()
        if entry == "*":
            return None
        if entry and _bypasses(entry, scheme, host.lower(), port):
            return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _bypasses(entry: str, scheme: str, host: str, port: int) -> bool:
    """Does one ``NO_PROXY`` entry cover this destination? (httpx's reading: curl's.)"""
    if "://" in entry:
        parts = urlsplit(entry)
        if parts.scheme.lower() not in ("all", scheme):
            return False
        try:
            if parts.port is not None and parts.port != port:
                return False
        except ValueError:
            return False
        return _host_matches((parts.hostname or "").lower(), host, subdomains=False)
    if "/" in entry:  # a network, e.g. 192.168.0.0/16
        import ipaddress

        try:
            network = ipaddress.ip_network(entry.replace("[", "").replace("]", ""), strict=False)
            return ipaddress.ip_address(host) in network
        except ValueError:
            return False
    return _host_matches(entry.lower(), host)


def _host_matches(pattern: str, host: str, subdomains: bool = True) -> bool:
    pattern = pattern.strip("[]")
    if not pattern or pattern == "*":
        return True
    if pattern.startswith("*."):  # subdomains only
        return host.endswith(pattern[1:])
    if pattern.startswith("."):  # ".example.com": subdomains only, as httpx reads it
        return host.endswith(pattern)
    if pattern.startswith("*"):
        pattern = pattern[1:]
    elif not subdomains or pattern == "localhost" or _is_address(pattern):
        return host == pattern
    return host == pattern or host.endswith("." + pattern)


def _is_address(text: str) -> bool:
    return text.replace(".", "").isdigit() or ":" in text


# -- TLS -------------------------------------------------------------------------

_LOCK = threading.Lock()
_TLS: dict[tuple, "ssl.SSLContext"] = {}
_CA_FILE_CANDIDATES = (  # the places truststore and httpcore look when OpenSSL's are empty
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)
#: Set once a server's certificate could not be verified from the hashed CA
#: directory alone: from then on the process uses the complete context.
_DIRECTORY_FELL_SHORT = False
_DIRECTORY_ONLY: set[int] = set()  # ids of the contexts in _TLS that trust the directory alone


def tls_context(*, complete: bool = False) -> "ssl.SSLContext":
    """The process's TLS context for the current ``SSL_CERT_FILE``/``SSL_CERT_DIR``.

    With neither set, on Linux, the SDK's HTTP library trusts OpenSSL's CA file
    and its hashed CA directory together. Parsing the file (~150 certificates)
    is ~20 ms of CPU; the directory is read lazily, only the issuer a handshake
    needs. So the first context trusts the directory alone (when it is a hashed
    one); a certificate it cannot verify makes :func:`send` retry on the
    ``complete`` one, file and directory, and the process keeps to that: the
    trust is the same, the cost paid only where it is needed.
    """
    cafile = os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    quick = not (cafile or capath or complete or _DIRECTORY_FELL_SHORT) \
        and sys.platform not in ("darwin", "win32")
    key = (cafile, capath, quick)
    with _LOCK:
        context = _TLS.get(key)
        if context is None and quick:
            context = _new_tls_context(cafile, capath, directory_only=True)
            if context is not None:
                _DIRECTORY_ONLY.add(id(context))
            else:  # no hashed directory: the complete context it is
                context = _TLS.get((cafile, capath, False))
        if context is None:
            context = _TLS[(cafile, capath, False)] = _new_tls_context(cafile, capath)
        _TLS[key] = context
        return context


def _is_directory_only(context: "ssl.SSLContext") -> bool:
    return id(context) in _DIRECTORY_ONLY


def _directory_fell_short() -> None:
    global _DIRECTORY_FELL_SHORT
    _DIRECTORY_FELL_SHORT = True


def _new_tls_context(cafile: Optional[str], capath: Optional[str],
                     directory_only: bool = False) -> "Optional[ssl.SSLContext]":
    import ssl

    if cafile:
        context = ssl.create_default_context(cafile=cafile)
    elif capath:
        context = ssl.create_default_context(capath=capath)
    elif sys.platform in ("darwin", "win32"):
        try:
            import truststore
        except ImportError:  # pragma: no cover - truststore comes with the SDK
            context = ssl.create_default_context()
        else:
            context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    else:
        paths = ssl.get_default_verify_paths()
        found = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
        directory = paths.openssl_capath if os.path.isdir(paths.openssl_capath) else None
        if directory and not _hashed(directory):
            directory = None
        if directory_only:
            if not directory:
                return None
            found = None
        if not found and not directory:
            found = next(filter(os.path.isfile, _CA_FILE_CANDIDATES), None)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if found or directory:
            context.load_verify_locations(found, directory)
    context.set_alpn_protocols(["http/1.1"])
    return context


def _hashed(directory: str) -> bool:
    """Does the directory hold certificates under OpenSSL hash names (``9d1e1e5f.0``)?"""
    import re

    try:
        return any(re.fullmatch(r"[0-9a-fA-F]{8}\.\d+", name) for name in os.listdir(directory))
    except OSError:
        return False


# -- connections -----------------------------------------------------------------

_IDLE: dict[Route, list[tuple[float, "http.client.HTTPConnection"]]] = {}
_IDLE_PID = os.getpid()
_CLEANUP_REGISTERED = False


def _checkout(route: Route) -> Optional["http.client.HTTPConnection"]:
    global _IDLE_PID
    with _LOCK:
        if _IDLE_PID != os.getpid():  # a forked child: those sockets are the parent's
            _IDLE.clear()
            _IDLE_PID = os.getpid()
        idle = _IDLE.get(route)
        while idle:
            since, connection = idle.pop()
            if time.monotonic() - since < IDLE_SECONDS and not _dropped(connection):
                return connection
            connection.close()
    return None


def _checkin(route: Route, connection: "http.client.HTTPConnection") -> None:
    global _CLEANUP_REGISTERED
    with _LOCK:
        idle = _IDLE.setdefault(route, [])
        if len(idle) < MAX_IDLE_PER_ROUTE:
            idle.append((time.monotonic(), connection))
            connection = None  # type: ignore[assignment]
        if not _CLEANUP_REGISTERED:
            import atexit

            atexit.register(close_idle)
            _CLEANUP_REGISTERED = True
    if connection is not None:
        connection.close()


def close_idle() -> None:
    """Close every idle keep-alive connection."""
    with _LOCK:
        connections = [connection for idle in _IDLE.values() for _, connection in idle]
        _IDLE.clear()
    for connection in connections:
        connection.close()


def _dropped(connection: "http.client.HTTPConnection") -> bool:
    """An idle connection with something to read has been closed by the server."""
    sock = connection.sock
    if sock is None:
        return True
    import select

    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _connect(route: Route, connect_timeout: float) -> "http.client.HTTPConnection":
    import ssl

    context = tls_context() if route.scheme == "https" else None
    try:
        return _open(route, connect_timeout, context)
    except ssl.SSLCertVerificationError:
        if context is None or not _is_directory_only(context):
            raise
    _directory_fell_short()  # verify against the CA file too, from now on
    return _open(route, connect_timeout, tls_context())


def _open(route: Route, connect_timeout: float,
          context: "Optional[ssl.SSLContext]") -> "http.client.HTTPConnection":
    import http.client

    host, port = (route.proxy_host, route.proxy_port) if route.proxy_host else (route.host, route.port)
    if context is not None:
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=connect_timeout, context=context)
        if route.proxy_host:
            headers = {"Proxy-Authorization": route.proxy_authorization} \
                if route.proxy_authorization else None
            connection.set_tunnel(route.host, route.port, headers=headers)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=connect_timeout)
    try:
        connection.connect()
    except BaseException:
        connection.close()
        raise
    return connection


class Cancel:
    """Lets another thread stop a request: it wakes a retry pause and shuts the
    connection in use, so a blocked read returns at once."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._connection: Optional[Any] = None

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def attach(self, connection: Any) -> None:
        self._connection = connection
        if self._event.is_set():
            _shutdown(connection)

    def cancel(self) -> None:
        self._event.set()
        if self._connection is not None:
            _shutdown(self._connection)

    def wait(self, seconds: float) -> bool:
        """Sleep; True when cancelled meanwhile."""
        return self._event.wait(seconds)


def _shutdown(connection: Any) -> None:
    import socket

    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def send(route: Route, method: str, target: str, headers: dict[str, str], content: bytes, *,
         connect_timeout: float, read_timeout: float,
         cancel: Optional[Cancel] = None) -> "Response":
    """Send one request; return once the status line and headers are in.

    Failures to connect raise :class:`ConnectFailed` (from the cause); later
    ones raise what ``http.client`` and the socket raise (``OSError``,
    ``http.client.HTTPException``).
    """
    connection = _checkout(route)
    while True:
        reused = connection is not None
        if connection is None:
            try:
                connection = _connect(route, connect_timeout)
            except Exception as exc:
                raise ConnectFailed(str(exc)) from exc
        if cancel is not None:
            cancel.attach(connection)
        try:
            connection.sock.settimeout(read_timeout)
            connection.request(method, target, body=None if method == "GET" else content,
                               headers=headers)
            raw = connection.getresponse()
        except ConnectionError:
            connection.close()
            if reused and not (cancel is not None and cancel.cancelled):
                connection = None  # the server had closed it while idle: the request never arrived
                continue
            raise
        except BaseException:
            connection.close()
            raise
        return Response(raw, connection, route)


class Response:
    """A response whose body is read (and decompressed) on demand; the connection
    goes back to the pool when the body was read to its end."""

    def __init__(self, raw: "http.client.HTTPResponse", connection: "http.client.HTTPConnection",
                 route: Route) -> None:
        self._raw = raw
        self._connection: Optional[http.client.HTTPConnection] = connection
        self._route = route
        self.status: int = raw.status
        self.reason: str = raw.reason
        self.headers = raw.msg  # case-insensitive .get()
        encoding = (self.headers.get("Content-Encoding") or "").strip().lower()
        self._decoder = None
        if encoding in ("gzip", "x-gzip", "deflate"):
            import zlib

            self._decoder = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header

    def iter_bytes(self) -> Iterator[bytes]:
        """The body in pieces as they arrive."""
        while True:
            data = self._raw.read1(_READ_SIZE)
            if not data:
                # read1() leaves a response whose Content-Length is used up open;
                # read() closes it (so the connection can be reused).
                data = self._raw.read()
                if not data:
                    break
            if self._decoder is not None:
                data = self._decoder.decompress(data)
            if data:
                yield data
        if self._decoder is not None:
            tail = self._decoder.flush()
            if tail:
                yield tail
        self.close()

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())

    def close(self) -> None:
        """Release the connection: kept for reuse if the body was read to the end."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._raw.isclosed() and not self._raw.will_close:
            _checkin(self._route, connection)
        else:
            self._raw.close()
            connection.close()
