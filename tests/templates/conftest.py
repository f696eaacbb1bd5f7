"""Fixtures for the templates tests: a loader plugin and a local HTTP server."""

from __future__ import annotations

import http.server
import threading
from typing import ClassVar

import llm
import pytest
from llmio_templates import Template


class LoaderPlugin:
    """Registers two template loaders: ``fx:`` (by name) and ``broken:`` (always fails)."""

    __name__ = "llm-test-template-loaders"

    def __init__(self):
        self.calls: list[tuple[str, str]] = []
        self.templates = {
            "greet": Template(prompt="Greet $who: $input", defaults={"who": "the user"}),
            "named": Template(name="custom-name", system="Be terse"),
        }

    def fx_loader(self, name: str) -> Template:
        """Load a fixture template by name.

        Names: greet, named.
        """
        self.calls.append(("fx", name))
        try:
            return self.templates[name]
        except KeyError:
            raise ValueError(f"No fixture template called '{name}'") from None

    def broken_loader(self, name):
        self.calls.append(("broken", name))
        return {"prompt": "not a Template object"}

    @llm.hookimpl
    def register_template_loaders(self, register):
        register("fx", self.fx_loader)
        register("broken", self.broken_loader)


@pytest.fixture
def loader_plugin():
    from llm.plugins import pm

    plugin = LoaderPlugin()
    pm.register(plugin, name=LoaderPlugin.__name__)
    try:
        yield plugin
    finally:
        pm.unregister(name=LoaderPlugin.__name__)


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, bytes]]] = {}
    requests: ClassVar[list[str]] = []

    def do_GET(self):
        self.requests.append(self.path)
        status, body = self.routes.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", "application/yaml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """A server on 127.0.0.1; set ``server.routes[path] = (status, bytes)``."""
    handler = type("Handler", (_Handler,), {"routes": {}, "requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.routes = handler.routes
    server.requests = handler.requests
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def templates_dir():
    return llm.templates_path()
