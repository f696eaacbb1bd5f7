"""A scripted OpenAI-compatible HTTP server for tests.

It is a real server (stdlib ``ThreadingHTTPServer`` on 127.0.0.1, a free port,
HTTP/1.1 with keep-alive) so the real ``openai`` client runs end to end. Every
request is recorded (method, path, headers, parsed JSON body) and a test scripts
the next responses::

    server = OpenAIServer().start()
    server.reply(["Hel", "lo"], usage={"prompt_tokens": 3, "completion_tokens": 2})
    server.reply_error(429, "Rate limit reached", headers={"Retry-After": "0"})
    ...
    server.requests[-1].body["messages"]

Replies are consumed first in, first out, one per request. A text reply adapts
to the endpoint and the request: a chat completion or a completion, JSON or a
server-sent-event stream (``data: {...}`` lines, a usage chunk when the request
asked for ``stream_options.include_usage``, then ``data: [DONE]``); on
``/v1/responses`` a Responses API response object or its stream of typed events
(``response.created`` ... ``response.completed``), with optional reasoning and
raw output items. With nothing
queued the server answers ``"ok"`` (chat/completions), deterministic vectors
(embeddings) and ``self.models`` (``GET /v1/models``).

Fault modes (``fault=``):

- ``"cut"``: the stream stops mid-body and the socket is closed (a truncated
  chunked response; for a JSON reply the connection closes before any answer).
- ``"no_done"``: the stream ends cleanly but carries no ``finish_reason`` and no
  ``[DONE]`` marker.
- ``"no_done_marker"``: ``finish_reason`` is sent, only ``[DONE]`` is missing.
- ``"hang"``: the server never answers (until it is stopped).
- ``"stall"``: send ``stall_after`` chunks, then hang.
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional, Union

__all__ = ["OpenAIServer", "Reply", "RecordedRequest"]


DEFAULT_MODELS = [
    {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
    {"id": "gpt-4o", "object": "model", "created": 1715367049, "owned_by": "system"},
    {"id": "text-embedding-3-small", "object": "model", "created": 1705948997,
     "owned_by": "system"},
]


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes
    #: The client's (address, port): requests sharing it came over one connection.
    client: tuple = ()

    def header(self, name: str) -> Optional[str]:
        """Case-insensitive header lookup."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass
class Reply:
    """One scripted response. Build these with the ``OpenAIServer.reply*`` helpers."""

    kind: str  # "text" | "embeddings" | "error" | "raw" | "models"
    chunks: list[str] = field(default_factory=list)
    tool_calls: Optional[list[dict]] = None
    usage: Optional[dict] = None
    finish_reason: Optional[str] = None
    model: Optional[str] = None
    logprobs: Optional[list[dict]] = None
    vectors: Optional[list[list[float]]] = None
    status: int = 200
    body: Union[bytes, str, dict, list, None] = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    fault: Optional[str] = None
    stall_after: int = 0
    extra: dict = field(default_factory=dict)
    #: Responses API only: reasoning summary chunks (with encrypted content), and raw
    #: output items (a hosted tool's call, say) sent before the message.
    reasoning: Optional[list[str]] = None
    output_items: Optional[list[dict]] = None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "OpenAIServer"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (timeouts, cut streams) are expected: stay quiet."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class OpenAIServer:
    """The server; use ``start()``/``stop()`` or as a context manager."""

    def __init__(self, tls: Any = None) -> None:
        """``tls``: an ``ssl.SSLContext`` (server side) to serve HTTPS instead of HTTP."""
        self.tls = tls
        self.requests: list[RecordedRequest] = []
        self.models: list[dict] = list(DEFAULT_MODELS)
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._connections: set[socket.socket] = set()
        self._httpd: Optional[_HTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> "OpenAIServer":
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        if self.tls is not None:
            # The handshake happens on the first read, in the request's own thread.
            httpd.socket = self.tls.wrap_socket(httpd.socket, server_side=True,
                                                do_handshake_on_connect=False)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.02,),
                                        name="openai-test-server",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        # Kept-alive connections end too: a client holding one sees the server gone
        # (and never reaches this server's state through a later server's port).
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> "OpenAIServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Base URL to give an OpenAI client (``api_base``), ending in ``/v1``."""
        return f"{'https' if self.tls is not None else 'http'}://{self.host}/v1"

    # -- scripting ---------------------------------------------------------

    def enqueue(self, reply: Reply) -> Reply:
        with self._lock:
            self._queue.append(reply)
        return reply

    def reply(
        self,
        text: Union[str, list[str]] = "",
        *,
        tool_calls: Optional[list[dict]] = None,
        usage: Optional[dict] = None,
        finish_reason: Optional[str] = None,
        model: Optional[str] = None,
        logprobs: Optional[list[dict]] = None,
        fault: Optional[str] = None,
        stall_after: int = 0,
        headers: Optional[dict[str, str]] = None,
        reasoning: Optional[list[str]] = None,
        output_items: Optional[list[dict]] = None,
        **extra: Any,
    ) -> Reply:
        """Queue a chat/completion/responses answer. ``text`` may be a list of stream chunks.

        ``tool_calls`` is a list of ``{"id", "name", "arguments"}`` (arguments a
        string, streamed in small pieces). ``extra`` keys are merged into the
        JSON response / the final stream chunk (e.g. ``system_fingerprint``).
        ``reasoning`` and ``output_items`` are for ``/v1/responses`` only.
        """
        chunks = [text] if isinstance(text, str) else list(text)
        return self.enqueue(Reply(
            kind="text", chunks=chunks, tool_calls=tool_calls, usage=usage,
            finish_reason=finish_reason, model=model, logprobs=logprobs, fault=fault,
            stall_after=stall_after, headers=dict(headers or {}), extra=extra,
            reasoning=reasoning, output_items=output_items,
        ))

    def reply_embeddings(self, vectors: list[list[float]], *, usage: Optional[dict] = None,
                         model: Optional[str] = None) -> Reply:
        return self.enqueue(Reply(kind="embeddings", vectors=vectors, usage=usage, model=model))

    def reply_error(
        self,
        status: int,
        message: str = "error",
        *,
        type: str = "invalid_request_error",
        code: Optional[str] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> Reply:
        """An OpenAI-style JSON error: ``{"error": {"message", "type", "param", "code"}}``."""
        body = {"error": {"message": message, "type": type, "param": None, "code": code}}
        return self.enqueue(Reply(kind="error", status=status, body=body,
                                  headers=dict(headers or {})))

    def reply_raw(self, status: int, body: Union[bytes, str], *,
                  content_type: str = "text/html; charset=utf-8",
                  headers: Optional[dict[str, str]] = None) -> Reply:
        """Any status and body, e.g. a proxy's HTML error page."""
        return self.enqueue(Reply(kind="raw", status=status, body=body,
                                  content_type=content_type, headers=dict(headers or {})))

    def hang(self) -> Reply:
        """The next request is never answered."""
        return self.enqueue(Reply(kind="text", fault="hang"))

    def _next_reply(self) -> Optional[Reply]:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _wait_forever(self) -> None:
        self._stopping.wait()

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids):04d}"


# -- the handler -------------------------------------------------------------


def _default_vector(text: Any, index: int, dimensions: int) -> list[float]:
    """Deterministic and exactly representable in float32."""
    length = len(text) if isinstance(text, str) else len(list(text))
    return [(length + index + j) * 0.5 for j in range(dimensions)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr
        pass

    @property
    def owner(self) -> OpenAIServer:
        return self.server.owner

    def setup(self) -> None:
        super().setup()
        with self.owner._lock:
            self.owner._connections.add(self.connection)

    def finish(self) -> None:
        with self.owner._lock:
            self.owner._connections.discard(self.connection)
        super().finish()

    # entry points

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0]
        self.owner._record(RecordedRequest(method, path, dict(self.headers.items()), body, raw,
                                           tuple(self.client_address)))
        endpoint = path[3:] if path.startswith("/v1/") else path
        reply = self.owner._next_reply()
        if reply is not None and reply.fault == "hang":
            self.owner._wait_forever()
            self.close_connection = True
            return
        if reply is not None and reply.kind == "error":
            return self._send_json(reply.status, reply.body, reply.headers)
        if reply is not None and reply.kind == "raw":
            data = reply.body.encode() if isinstance(reply.body, str) else (reply.body or b"")
            return self._send_bytes(reply.status, data, reply.content_type, reply.headers)
        if method == "GET" and endpoint == "/models":
            return self._send_json(200, {"object": "list", "data": self.owner.models})
        if method != "POST" or endpoint not in ("/chat/completions", "/completions",
                                                 "/embeddings", "/responses"):
            return self._send_json(404, {"error": {"message": f"Unknown path {method} {path}",
                                                   "type": "invalid_request_error",
                                                   "param": None, "code": None}})
        body = body if isinstance(body, dict) else {}
        if endpoint == "/embeddings":
            if reply is not None and reply.kind != "embeddings":
                return self._script_mismatch(reply, endpoint)
            return self._embeddings(body, reply)
        if reply is None:
            reply = Reply(kind="text", chunks=["ok"])
        if reply.kind != "text":
            return self._script_mismatch(reply, endpoint)
        if reply.fault == "cut" and not body.get("stream"):
            self._abort()
            return
        if endpoint == "/chat/completions":
            return self._chat(body, reply)
        if endpoint == "/responses":
            return self._responses(body, reply)
        return self._completion(body, reply)

    def _script_mismatch(self, reply: Reply, endpoint: str) -> None:
        self._send_json(500, {"error": {"message": f"test script queued a {reply.kind!r} reply "
                                                   f"but got a request to {endpoint}",
                                        "type": "server_error", "param": None, "code": None}})

    # senders

    def _send_bytes(self, status: int, data: bytes, content_type: str,
                    headers: Optional[dict[str, str]] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _send_json(self, status: int, payload: Any,
                   headers: Optional[dict[str, str]] = None) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def _abort(self) -> None:
        """Close the socket abruptly (RST), mid-response."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _start_stream(self, headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, payload: Any) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        self._write_chunk(f"data: {data}\n\n".encode())

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _stream(self, events: list[Any], reply: Reply, done_marker: bool = True) -> None:
        """Write the events, honouring the fault modes."""
        self._start_stream(reply.headers)
        for index, event in enumerate(events):
            if reply.fault == "stall" and index == reply.stall_after:
                self.owner._wait_forever()
                self.close_connection = True
                return
            if reply.fault == "cut" and index == max(1, len(events) // 2):
                # Half a chunk, then the connection dies.
                self.wfile.write(b"40\r\ndata: {\"id\": \"trunc")
                self._abort()
                return
            self._event(event)
        if done_marker and reply.fault not in ("no_done", "no_done_marker"):
            self._event("[DONE]")
        self._end_stream()

    # endpoints

    def _usage(self, reply: Reply, completion_tokens: int) -> dict:
        if reply.usage is not None:
            usage = dict(reply.usage)
        else:
            usage = {"prompt_tokens": 10, "completion_tokens": completion_tokens}
        usage.setdefault("total_tokens",
                         usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
        return usage

    def _chat(self, body: dict, reply: Reply) -> None:
        owner = self.owner
        completion_id = owner._next_id("chatcmpl")
        created = int(time.time())
        model = reply.model or body.get("model") or "unknown"
        finish_reason = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
        text = "".join(reply.chunks)
        usage = self._usage(reply, len([c for c in reply.chunks if c]))
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": text or None,
                                       "refusal": None}
            if reply.tool_calls:
                message["tool_calls"] = [
                    {"id": tc["id"], "type": "function",
                     "function": {"name": tc["name"], "arguments": tc.get("arguments", "{}")}}
                    for tc in reply.tool_calls
                ]
            payload = {
                "id": completion_id, "object": "chat.completion", "created": created,
                "model": model,
                "choices": [{"index": 0, "message": message, "logprobs": None,
                             "finish_reason": finish_reason}],
                "usage": usage,
                **reply.extra,
            }
            return self._send_json(200, payload, reply.headers)

        def chunk(delta: dict, finish: Optional[str] = None, **more: Any) -> dict:
            return {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                 "finish_reason": finish}], **more}

        events: list[Any] = [chunk({"role": "assistant", "content": "", "refusal": None})]
        for piece in reply.chunks:
            if piece:
                events.append(chunk({"content": piece}))
        for index, tc in enumerate(reply.tool_calls or []):
            events.append(chunk({"tool_calls": [{
                "index": index, "id": tc["id"], "type": "function",
                "function": {"name": tc["name"], "arguments": ""}}]}))
            arguments = tc.get("arguments", "{}")
            for start in range(0, len(arguments), 5):
                events.append(chunk({"tool_calls": [{
                    "index": index, "function": {"arguments": arguments[start:start + 5]}}]}))
        if reply.fault != "no_done":
            events.append(chunk({}, finish_reason, **reply.extra))
        if (body.get("stream_options") or {}).get("include_usage") and reply.fault != "no_done":
            events.append({"id": completion_id, "object": "chat.completion.chunk",
                           "created": created, "model": model, "choices": [], "usage": usage})
        self._stream(events, reply)

    def _completion(self, body: dict, reply: Reply) -> None:
        owner = self.owner
        completion_id = owner._next_id("cmpl")
        created = int(time.time())
        model = reply.model or body.get("model") or "unknown"
        finish_reason = reply.finish_reason or "stop"
        usage = self._usage(reply, len([c for c in reply.chunks if c]))

        def logprobs_for(pieces: list[dict]) -> Optional[dict]:
            if not pieces:
                return None
            return {"tokens": [p["text"] for p in pieces],
                    "token_logprobs": [next(iter(p["top_logprobs"][0].values()), None)
                                       for p in pieces],
                    "top_logprobs": [p["top_logprobs"][0] for p in pieces],
                    "text_offset": list(itertools.accumulate(
                        [0] + [len(p["text"]) for p in pieces[:-1]]))}

        if not body.get("stream"):
            payload = {
                "id": completion_id, "object": "text_completion", "created": created,
                "model": model,
                "choices": [{"index": 0, "text": "".join(reply.chunks),
                             "logprobs": logprobs_for(reply.logprobs or []),
                             "finish_reason": finish_reason}],
                "usage": usage, **reply.extra,
            }
            return self._send_json(200, payload, reply.headers)

        def chunk(text: str, finish: Optional[str], logprobs: Optional[dict]) -> dict:
            return {"id": completion_id, "object": "text_completion", "created": created,
                    "model": model,
                    "choices": [{"index": 0, "text": text, "logprobs": logprobs,
                                 "finish_reason": finish}]}

        events: list[Any] = []
        pieces = [c for c in reply.chunks if c]
        logprob_pieces = reply.logprobs or []
        for index, piece in enumerate(pieces):
            lp = logprobs_for(logprob_pieces[index:index + 1]) if logprob_pieces else None
            events.append(chunk(piece, None, lp))
        if reply.fault != "no_done":
            events.append(chunk("", finish_reason, None))
            if (body.get("stream_options") or {}).get("include_usage"):
                events.append({"id": completion_id, "object": "text_completion",
                               "created": created, "model": model, "choices": [],
                               "usage": usage})
        self._stream(events, reply)

    def _responses(self, body: dict, reply: Reply) -> None:
        """The Responses API: a response object, or its stream of typed events.

        Output items, in order: raw ``output_items``, a reasoning item (summary
        chunks plus encrypted content), a message with the text, then one function
        call per tool call. No ``[DONE]`` marker, as OpenAI sends none; with
        ``fault="no_done"`` the ``response.completed`` event is left out.
        """
        owner = self.owner
        response_id = owner._next_id("resp")
        created = int(time.time())
        model = reply.model or body.get("model") or "unknown"
        text = "".join(reply.chunks)
        if reply.usage is not None:
            usage = dict(reply.usage)
        else:
            usage = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
                     "output_tokens": len([c for c in reply.chunks if c]),
                     "output_tokens_details": {"reasoning_tokens": len(reply.reasoning or [])}}
            usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        output: list[dict] = [dict(item) for item in reply.output_items or []]
        if reply.reasoning is not None:
            output.append({"id": owner._next_id("rs"), "type": "reasoning", "status": "completed",
                           "summary": [{"type": "summary_text", "text": "".join(reply.reasoning)}]
                           if "".join(reply.reasoning) else [],
                           "encrypted_content": "ENCRYPTED:" + "".join(reply.reasoning)})
        if text or not reply.tool_calls:
            output.append({"id": owner._next_id("msg"), "type": "message", "role": "assistant",
                           "status": "completed",
                           "content": [{"type": "output_text", "text": text, "annotations": [],
                                        "logprobs": []}]})
        for tc in reply.tool_calls or []:
            output.append({"id": owner._next_id("fc"), "type": "function_call", "status": "completed",
                           "call_id": tc["id"], "name": tc["name"],
                           "arguments": tc.get("arguments", "{}")})
        final = {"id": response_id, "object": "response", "created_at": created, "model": model,
                 "status": "completed", "output": output, "usage": usage,
                 "instructions": body.get("instructions"), "tools": body.get("tools") or [],
                 "parallel_tool_calls": True, "tool_choice": "auto", **reply.extra}
        if not body.get("stream"):
            return self._send_json(200, final, reply.headers)

        sequence = itertools.count()

        def event(kind: str, **data: Any) -> dict:
            return {"type": kind, "sequence_number": next(sequence), **data}

        started = {**final, "status": "in_progress", "output": [], "usage": None}
        events: list[Any] = [event("response.created", response=started),
                             event("response.in_progress", response=started)]
        for index, item in enumerate(output):
            item_id = item.get("id")
            if item["type"] == "message":
                events.append(event("response.output_item.added", output_index=index,
                                    item={**item, "status": "in_progress", "content": []}))
                events.append(event("response.content_part.added", output_index=index, item_id=item_id,
                                    content_index=0, part={"type": "output_text", "text": "",
                                                           "annotations": [], "logprobs": []}))
                for piece in reply.chunks:
                    if piece:
                        events.append(event("response.output_text.delta", output_index=index,
                                            item_id=item_id, content_index=0, delta=piece,
                                            logprobs=[]))
                events.append(event("response.output_text.done", output_index=index, item_id=item_id,
                                    content_index=0, text=text, logprobs=[]))
            elif item["type"] == "reasoning":
                events.append(event("response.output_item.added", output_index=index,
                                    item={**item, "status": "in_progress", "summary": []}))
                for piece in reply.reasoning or []:
                    events.append(event("response.reasoning_summary_text.delta", output_index=index,
                                        item_id=item_id, summary_index=0, delta=piece))
            elif item["type"] == "function_call":
                events.append(event("response.output_item.added", output_index=index,
                                    item={**item, "status": "in_progress", "arguments": ""}))
                arguments = item["arguments"]
                for start in range(0, len(arguments), 5):
                    events.append(event("response.function_call_arguments.delta", output_index=index,
                                        item_id=item_id, delta=arguments[start:start + 5]))
                events.append(event("response.function_call_arguments.done", output_index=index,
                                    item_id=item_id, arguments=arguments))
            else:
                events.append(event("response.output_item.added", output_index=index,
                                    item={**item, "status": "in_progress"}))
            events.append(event("response.output_item.done", output_index=index, item=item))
        if reply.fault != "no_done":
            events.append(event("response.completed", response=final))
        self._stream(events, reply, done_marker=False)

    def _embeddings(self, body: dict, reply: Optional[Reply]) -> None:
        inputs = body.get("input")
        if isinstance(inputs, str) or (isinstance(inputs, list) and inputs
                                       and isinstance(inputs[0], int)):
            inputs = [inputs]
        inputs = list(inputs or [])
        if reply is not None and reply.vectors is not None:
            vectors = reply.vectors
        else:
            dims = body.get("dimensions") or 8
            vectors = [_default_vector(item, i, dims) for i, item in enumerate(inputs)]
        data = []
        for index, vector in enumerate(vectors):
            if body.get("encoding_format") == "base64":
                embedding: Any = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            else:
                embedding = vector
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        usage = (reply.usage if reply is not None and reply.usage is not None
                 else {"prompt_tokens": len(inputs), "total_tokens": len(inputs)})
        payload = {"object": "list", "data": data,
                   "model": (reply.model if reply is not None and reply.model else None)
                   or body.get("model"),
                   "usage": usage}
        self._send_json(200, payload)
