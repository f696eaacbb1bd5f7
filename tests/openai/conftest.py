"""Fixtures for the llmio-openai tests: a scripted OpenAI-compatible server per test."""

from __future__ import annotations

import select
import socket
import socketserver
import ssl
import threading
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

import pytest

from support.openai_server import OpenAIServer


@pytest.fixture
def openai_server():
    """A fresh server on 127.0.0.1 (see ``support.openai_server``)."""
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(openai_server, monkeypatch):
    """The server, with the default OpenAI models pointed at it.

    The ``openai`` client honours ``OPENAI_BASE_URL``; retries are off and the
    timeout short, so error tests are fast (tests that check retries set their own).
    """
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "0")
    monkeypatch.setenv("LLM_OPENAI_TIMEOUT", "5")
    return openai_server


@pytest.fixture
def write_extra_models(user_path):
    """Write ``extra-openai-models.yaml`` in the test's user directory."""

    def write(text: str):
        path = user_path / "extra-openai-models.yaml"
        path.write_text(text)
        return path

    return write


TLS_DATA = Path(__file__).parent / "data" / "tls"


@pytest.fixture
def tls_server():
    """The scripted server over HTTPS, with a certificate from ``data/tls/ca.pem``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS_DATA / "server.pem", TLS_DATA / "server-key.pem")
    server = OpenAIServer(tls=context).start()
    try:
        yield server
    finally:
        server.stop()


class HTTPProxy:
    """A forwarding HTTP proxy on 127.0.0.1: ``CONNECT`` tunnels, and plain requests
    sent with their full URL. ``seen`` records (request line, Proxy-Authorization)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Optional[str]]] = []
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(65536)
            if not data:
                return
            head += data
        head, _, rest = head.partition(b"\r\n\r\n")
        line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = dict(h.split(": ", 1) for h in header_lines if ": " in h)
        auth = next((v for k, v in headers.items() if k.lower() == "proxy-authorization"), None)
        self.seen.append((line, auth))
        method, target, version = line.split(" ")
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)), timeout=10)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            parts = urlsplit(target)
            upstream = socket.create_connection((parts.hostname, parts.port or 80), timeout=10)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            kept = [h for h in header_lines if not h.lower().startswith("proxy-")]
            upstream.sendall(f"{method} {path} {version}\r\n".encode("latin-1")
                             + "\r\n".join(kept).encode("latin-1") + b"\r\n\r\n")
        upstream.sendall(rest)
        self._relay(client, upstream)

    @staticmethod
    def _relay(client: socket.socket, upstream: socket.socket) -> None:
        sockets = [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 10)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()


@pytest.fixture
def http_proxy():
    proxy = HTTPProxy()
    try:
        yield proxy
    finally:
        proxy.stop()
