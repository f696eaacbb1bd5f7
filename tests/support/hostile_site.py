"""A local web server standing in for a hostile site (127.0.0.1 only).

Routes answer with a fixed body, or misbehave the way an attacker's server
would: drip one byte every few seconds, send a huge body (with or without a
Content-Length), or redirect. Every request is recorded as ``(method, path)``.
Each misbehaving answer is bounded (a byte count, a time) and stops as soon as
the client hangs up, so the server always stops by itself.

    site = HostileSite().start()
    site.add("/evil.yaml", b"functions: ...")
    site.drip("/slow.txt", interval=2.0, count=60)
    site.huge("/big.bin", size=400 * 1024 * 1024)
    ...
    site.stop()
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    kind: str  # "static", "drip", "huge", "redirect"
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"
    headers: dict = field(default_factory=dict)
    interval: float = 0.0
    count: int = 0
    size: int = 0
    declare_length: bool = True
    location: str = ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    site: HostileSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-answer is what these routes provoke: stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        site = self.server.site
        path = self.path.split("?", 1)[0]
        with site.lock:
            site.requests.append((self.command, self.path))
            site.headers.append(dict(self.headers.items()))
            route = site.routes.get(path)
        if route is None:
            route = Route("static", status=404, body=b"not found")
        if route.kind == "redirect":
            self.send_response(route.status)
            self.send_header("Location", route.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.kind == "static":
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if not head:
                self.wfile.write(route.body)
            return
        length = route.count if route.kind == "drip" else route.size
        if route.declare_length:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if head:
            return
        try:
            if route.kind == "drip":
                self._drip(route, site)
            else:
                self._flood(route.size, site)
        except OSError:  # the client hung up: that is the point
            self.close_connection = True

    def _drip(self, route: Route, site: HostileSite) -> None:
        self.wfile.flush()
        for _ in range(route.count):
            if site.stopping.wait(route.interval):
                return
            self.wfile.write(b"x")
            self.wfile.flush()
            with site.lock:
                site.sent += 1

    def _flood(self, size: int, site: HostileSite) -> None:
        block = b"\0" * (1024 * 1024)
        remaining = size
        while remaining > 0 and not site.stopping.is_set():
            piece = block[: min(len(block), remaining)]
            self.wfile.write(piece)
            remaining -= len(piece)
            with site.lock:
                site.sent += len(piece)


class HostileSite:
    """The server. ``url`` is its base URL once started."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []
        self.headers: list[dict] = []
        self.sent = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd: _Server | None = None
        self.url = ""

    def start(self) -> HostileSite:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.site = self
        self._httpd = httpd
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> HostileSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- routes ---------------------------------------------------------------

    def add(self, path: str, body: bytes | str, content_type: str = "text/plain",
            status: int = 200, headers: dict | None = None) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route("static", status=status, body=data, content_type=content_type,
                                  headers=dict(headers or {}))
        return self.url + path

    def drip(self, path: str, interval: float = 2.0, count: int = 60,
             content_type: str = "text/plain") -> str:
        """One byte every ``interval`` seconds, ``count`` bytes in all (declared up front)."""
        self.routes[path] = Route("drip", interval=interval, count=count, content_type=content_type)
        return self.url + path

    def huge(self, path: str, size: int, declare_length: bool = True,
             content_type: str = "application/octet-stream") -> str:
        """``size`` zero bytes as fast as the client reads them."""
        self.routes[path] = Route("huge", size=size, declare_length=declare_length,
                                  content_type=content_type)
        return self.url + path

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route("redirect", status=status, location=location)
        return self.url + path

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.01)
