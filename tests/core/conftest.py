"""Fixtures for the llmio-core tests: extra fixture models, tiny media files, a local HTTP server.

Everything is registered through the real plugin manager (``llm.plugins.pm``) and
unregistered afterwards, like the shared fixtures in ``tests/conftest.py``.
"""

from __future__ import annotations

import io
import struct
import threading
import wave
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import llm
import pytest

# -- tiny, valid media files (built, not checked in) ----------------------------------


def make_png() -> bytes:
    """A valid 1x1 greyscale PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    """SOI + a JFIF APP0 segment + EOI."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def make_mp3() -> bytes:
    """An ID3v2 header followed by MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz)."""
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + frame * 3


def make_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 16)
    return buffer.getvalue()


@pytest.fixture
def png_bytes() -> bytes:
    return make_png()


@pytest.fixture
def jpeg_bytes() -> bytes:
    return make_jpeg()


@pytest.fixture
def media() -> SimpleNamespace:
    """``media.png``, ``media.jpeg``, ``media.mp3``, ``media.wav``: tiny valid files."""
    return SimpleNamespace(png=make_png(), jpeg=make_jpeg(), mp3=make_mp3(), wav=make_wav())


# -- extra fixture models -----------------------------------------------------------


class RecordingEmbeddingModel(llm.EmbeddingModel):
    """Embeds a string as [len(text), number of vowels]; records every batch it was given."""

    model_id = "embed-test"

    def __init__(self, batch_size: int | None = None, supports_text: bool = True,
                 supports_binary: bool = False, model_id: str | None = None):
        self.batch_size = batch_size
        self.supports_text = supports_text
        self.supports_binary = supports_binary
        if model_id:
            self.model_id = model_id
        self.batches: list[list] = []

    def embed_batch(self, items):
        items = list(items)
        self.batches.append(items)
        for item in items:
            if isinstance(item, bytes):
                yield [float(len(item)), 0.0]
            else:
                yield [float(len(item)), float(sum(ch in "aeiou" for ch in item))]


class AsyncOnlyModel(llm.AsyncModel):
    model_id = "async-only"

    async def execute(self, prompt, stream, response, conversation):
        yield "async only"


class AsyncKeyedModel(llm.AsyncKeyModel):
    model_id = "keyed"
    needs_key = "keyed"
    key_env_var = "KEYED_API_KEY"

    async def execute(self, prompt, stream, response, conversation, key):
        yield f"async key={key}"


class CorePlugin:
    """Embedding models plus an async-only model, an async keyed model and a duplicate."""

    __name__ = "llm-core-test-fixtures"

    def __init__(self):
        self.embed = RecordingEmbeddingModel()
        self.embed_binary = RecordingEmbeddingModel(supports_binary=True, model_id="embed-binary")
        self.async_only = AsyncOnlyModel()

    @llm.hookimpl
    def register_embedding_models(self, register):
        register(self.embed, aliases=("et",))
        register(self.embed_binary)

    @llm.hookimpl
    def register_models(self, register):
        register(None, self.async_only)


@pytest.fixture
def core_models(fixtures):
    """The shared fixture models plus this package's extra ones."""
    from llm.plugins import pm

    plugin = CorePlugin()
    pm.register(plugin, name="llm-core-test-fixtures")
    try:
        yield plugin
    finally:
        pm.unregister(name="llm-core-test-fixtures")


@pytest.fixture
def make_embedding_model():
    """``make_embedding_model(batch_size=None, supports_text=True, supports_binary=False)``."""
    return RecordingEmbeddingModel


@pytest.fixture
def async_keyed():
    """An AsyncKeyModel (needs_key "keyed", env var KEYED_API_KEY) that replies with its key."""
    return AsyncKeyedModel()




# -- a local HTTP server ------------------------------------------------------------


class _Server:
    def __init__(self):
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[tuple[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _respond(self, with_body: bool) -> None:
                outer.requests.append((self.command, self.path))
                status, content_type, body = outer.routes.get(
                    self.path, (404, "text/plain", b"not found")
                )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(body)

            def do_GET(self):
                self._respond(True)

            def do_HEAD(self):
                self._respond(False)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, body: bytes, content_type: str = "application/octet-stream",
            status: int = 200) -> str:
        self.routes[path] = (status, content_type, body)
        return self.base + path


@pytest.fixture
def http_server():
    server = _Server()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
