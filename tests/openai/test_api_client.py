"""Our OpenAI client on its own (``llmio_openai.api``) against the scripted server's
fault modes: the error lines, retry counts and waits the ``openai`` SDK gave
(recorded from the SDK path before the client replaced it)."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import json
import socket
import threading
import time

import pytest

import llm
from llmio_openai import api, transport
from llmio_openai.errors import APIError, StreamEndedEarly
from support.openai_server import OpenAIServer

CHAT = "chat/completions"
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def make(server, *, retries=0, timeout=5.0, key="sk-test-key", **more):
    return api.APIClient(key=key, base_url=server.url, max_retries=retries, timeout=timeout,
                         **more)


def ask(client, stream=True, **options):
    """The streamed text (or the JSON answer's text), as the models read it."""
    if not stream:
        answer = client.post(CHAT, {**BODY, "stream": False}, **options)
        return answer["choices"][0]["message"]["content"]
    with client.stream(CHAT, {**BODY, "stream": True}, **options) as events:
        return "".join((event["choices"][0]["delta"].get("content") or "")
                       for event in events if event.get("choices"))


def failure(call, *args, **kwargs) -> APIError:
    with pytest.raises(llm.ModelError) as excinfo:
        call(*args, **kwargs)
    return excinfo.value


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def no_jitter(monkeypatch):
    """Backoff waits at their shortest: 75 % of 0.5 s, 1 s, ..."""
    monkeypatch.setattr("random.random", lambda: 1.0)


@pytest.fixture
def pauses(monkeypatch):
    """The waits between attempts, in seconds (they still happen)."""
    waited = []
    original = api.APIClient._pause

    def pause(self, seconds, cancel):
        waited.append(round(seconds, 6))
        return original(self, seconds, cancel)

    monkeypatch.setattr(api.APIClient, "_pause", pause)
    return waited


# -- error statuses ------------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("status,retryable", [
    (400, False), (401, False), (404, False), (408, True), (409, True), (422, False),
    (429, True), (500, True), (503, True),
])
def test_error_status_line_and_fields(openai_server, status, retryable, stream):
    openai_server.reply_error(status, f"Message for {status}", code="some_code")
    error = failure(ask, make(openai_server), stream)
    assert isinstance(error, APIError)
    assert str(error) == f"{status} Message for {status}"
    assert (error.status, error.code, error.retryable) == (status, "some_code", retryable)
    assert len(openai_server.requests) == 1


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("reply,line", [
    (lambda s: s.reply_raw(502, "<html><head><title>502 Bad Gateway</title></head>"
                                "<body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"),
     "502 502 Bad Gateway"),
    (lambda s: s.reply_raw(500, "upstream exploded", content_type="text/plain"),
     "500 upstream exploded"),
    (lambda s: s.reply_raw(500, "", content_type="text/plain"), "500 Internal Server Error"),
    (lambda s: s.reply_raw(422, json.dumps({"detail": [{"loc": ["body"], "msg": "bad"}]})),
     "422 [{'loc': ['body'], 'msg': 'bad'}]"),
    (lambda s: s.reply_raw(400, json.dumps({"error": "just a string"})), "400 just a string"),
    (lambda s: s.reply_raw(400, json.dumps({"detail": "Not this way"})), "400 Not this way"),
])
def test_error_bodies_of_every_shape(openai_server, reply, line, stream):
    reply(openai_server)
    assert str(failure(ask, make(openai_server), stream)) == line


def test_a_key_echoed_by_the_server_is_masked(openai_server):
    openai_server.reply_error(401, "Incorrect API key provided: sk-test-key")
    assert str(failure(ask, make(openai_server))) == "401 Incorrect API key provided: ..."


def test_unknown_path(openai_server):
    client = api.APIClient(key="k", base_url=openai_server.url + "/nothing", max_retries=0)
    assert str(failure(ask, client)) == "404 Unknown path POST /v1/nothing/chat/completions"


# -- transport failures --------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False])
def test_connection_refused(stream):
    port = closed_port()
    client = api.APIClient(key="sk-test-key", base_url=f"http://127.0.0.1:{port}/v1",
                           max_retries=0)
    error = failure(ask, client, stream)
    assert str(error) == f"Could not connect to 127.0.0.1:{port}: Connection refused"
    assert (error.status, error.retryable) == (None, True)


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_shown(openai_server):
    url = openai_server.url.replace("http://", "http://us%40er:p%3Aw@")
    assert ask(api.APIClient(key="sk-ignored", base_url=url + "/")) == "ok"
    assert openai_server.requests[0].header("Authorization") == "Basic dXNAZXI6cDp3"
    assert openai_server.requests[0].path == "/v1/chat/completions"
    port = closed_port()
    error = failure(ask, api.APIClient(key=None, base_url=f"http://user:secret@127.0.0.1:{port}/v1",
                                       max_retries=0))
    assert str(error) == f"Could not connect to 127.0.0.1:{port}: Connection refused"


@pytest.mark.parametrize("stream", [True, False])
def test_timeout_when_the_server_never_answers(openai_server, stream):
    openai_server.hang()
    start = time.monotonic()
    error = failure(ask, make(openai_server, timeout=0.3), stream)
    assert str(error) == f"Request to {openai_server.host} timed out"
    assert (error.status, error.retryable) == (None, True)
    assert 0.3 <= time.monotonic() - start < 5


def test_a_per_request_timeout_wins(openai_server):
    openai_server.hang()
    start = time.monotonic()
    error = failure(ask, make(openai_server, timeout=30), timeout=0.3)
    assert str(error) == f"Request to {openai_server.host} timed out"
    assert time.monotonic() - start < 10
    assert openai_server.requests[0].header("x-stainless-read-timeout") == "0.3"


def test_timeout_when_a_stream_stalls(openai_server):
    openai_server.reply(["one", "two", "three"], fault="stall", stall_after=2)
    seen = []
    with pytest.raises(APIError) as excinfo:
        with make(openai_server, timeout=0.3).stream(CHAT, {**BODY, "stream": True}) as events:
            for event in events:
                seen.append(event["choices"][0]["delta"].get("content"))
    assert seen == ["", "one"]
    assert str(excinfo.value) == f"Request to {openai_server.host} timed out"


def test_stream_cut_mid_body_is_not_retried(openai_server):
    openai_server.reply(["a", "b", "c", "d"], fault="cut")
    openai_server.reply("never asked for")
    seen = []
    with pytest.raises(StreamEndedEarly) as excinfo:
        with make(openai_server, retries=2).stream(CHAT, {**BODY, "stream": True}) as events:
            for event in events:
                seen.append(event["choices"][0]["delta"].get("content"))
    assert str(excinfo.value) == (
        f"Connection to {openai_server.host} closed before the response was complete")
    assert seen == ["", "a", "b"]
    assert len(openai_server.requests) == 1


def test_connection_closed_before_a_json_answer(openai_server):
    openai_server.reply("x", fault="cut")
    error = failure(ask, make(openai_server), False)
    assert isinstance(error, StreamEndedEarly)
    assert str(error) == (
        f"Connection to {openai_server.host} closed before the response was complete")


@pytest.mark.parametrize("fault,done,finish", [
    (None, True, "stop"), ("no_done", False, None), ("no_done_marker", False, "stop"),
])
def test_the_end_marker_is_reported(openai_server, fault, done, finish):
    openai_server.reply(["a", "b"], fault=fault)
    with make(openai_server).stream(CHAT, {**BODY, "stream": True}) as events:
        finishes = [choice.get("finish_reason") for event in events
                    for choice in event.get("choices") or [] if choice.get("finish_reason")]
    assert events.done is done
    assert finishes == ([finish] if finish else [])


def test_error_event_inside_a_stream(openai_server):
    openai_server.reply_raw(
        200, 'data: {"error": {"message": "Model overloaded", "type": "server_error"}}\n\n',
        content_type="text/event-stream")
    assert str(failure(ask, make(openai_server))) == "Model overloaded"


def test_invalid_json_in_a_stream(openai_server):
    openai_server.reply_raw(200, "data: {nope\n\n", content_type="text/event-stream")
    assert str(failure(ask, make(openai_server))) == "Invalid JSON in stream: {nope"


def test_an_html_page_with_status_200_is_returned_as_text(openai_server):
    openai_server.reply_raw(200, "<html><body>Login required</body></html>")
    assert make(openai_server).post(CHAT, BODY) == "<html><body>Login required</body></html>"


# -- retries -------------------------------------------------------------------------


def test_retry_after_is_honoured_and_retries_are_counted(openai_server, pauses):
    openai_server.reply_error(429, "Rate", headers={"Retry-After": "0.2"})
    openai_server.reply_error(503, "Over", headers={"retry-after-ms": "150"})
    openai_server.reply("finally")
    start = time.monotonic()
    assert ask(make(openai_server, retries=2)) == "finally"
    assert pauses == [0.2, 0.15]
    assert time.monotonic() - start >= 0.35
    assert [r.header("x-stainless-retry-count") for r in openai_server.requests] == ["0", "1", "2"]


def test_retries_are_bounded(openai_server):
    for _ in range(3):
        openai_server.reply_error(429, "Rate", headers={"Retry-After": "0.05"})
    error = failure(ask, make(openai_server, retries=1))
    assert str(error) == "429 Rate"
    assert len(openai_server.requests) == 2


@pytest.mark.parametrize("status,headers,retried", [
    (400, {}, False),
    (408, {"Retry-After": "0.05"}, True),
    (409, {"Retry-After": "0.05"}, True),
    (500, {"x-should-retry": "false"}, False),
    (400, {"x-should-retry": "true", "Retry-After": "0.05"}, True),
    (429, {"Retry-After": "500"}, False),  # longer than two minutes: give up now
])
def test_which_answers_are_retried(openai_server, status, headers, retried):
    openai_server.reply_error(status, "no", headers=headers)
    openai_server.reply("second")
    if retried:
        assert ask(make(openai_server, retries=1)) == "second"
    else:
        assert str(failure(ask, make(openai_server, retries=1))) == f"{status} no"
    assert len(openai_server.requests) == (2 if retried else 1)


def test_backoff_without_retry_after(openai_server, no_jitter, pauses):
    openai_server.reply_error(500, "boom")
    openai_server.reply_error(500, "boom")
    openai_server.reply("finally")
    start = time.monotonic()
    assert ask(make(openai_server, retries=2)) == "finally"
    assert pauses == [0.375, 0.75]
    assert time.monotonic() - start >= 1.125


def test_backoff_jitter_takes_off_at_most_a_quarter(openai_server, pauses):
    for _ in range(3):
        openai_server.reply_error(503, "busy")
    failure(ask, make(openai_server, retries=2))
    assert 0.375 <= pauses[0] <= 0.5 and 0.75 <= pauses[1] <= 1.0


def test_a_retry_after_of_zero_means_backoff(openai_server, no_jitter, pauses):
    openai_server.reply_error(429, "Rate", headers={"Retry-After": "0"})
    openai_server.reply("x")
    assert ask(make(openai_server, retries=1)) == "x"
    assert pauses == [0.375]


def test_connection_failures_are_retried_with_backoff(no_jitter, pauses):
    port = closed_port()
    client = api.APIClient(key="k", base_url=f"http://127.0.0.1:{port}/v1", max_retries=2)
    start = time.monotonic()
    error = failure(ask, client)
    assert str(error) == f"Could not connect to 127.0.0.1:{port}: Connection refused"
    assert pauses == [0.375, 0.75]
    assert time.monotonic() - start >= 1.125


def test_a_timeout_is_retried(openai_server, no_jitter, pauses):
    openai_server.hang()
    openai_server.reply("after the wait")
    assert ask(make(openai_server, retries=1, timeout=0.3)) == "after the wait"
    assert len(openai_server.requests) == 2
    assert pauses == [0.375]


def test_a_json_answer_cut_off_is_retried(openai_server, no_jitter, pauses):
    openai_server.reply("x", fault="cut")
    openai_server.reply("after the cut")
    assert ask(make(openai_server, retries=1), False) == "after the cut"
    assert pauses == [0.375]
    assert [r.header("x-stainless-retry-count") for r in openai_server.requests] == ["0", "1"]


def test_retry_delays():
    no_jitter = lambda: 0.0  # noqa: E731
    assert [api.retry_delay(n, random=no_jitter) for n in range(6)] == [0.5, 1, 2, 4, 8, 8]
    assert api.retry_delay(1, random=lambda: 1.0) == 0.75
    assert api.retry_delay(0, {"retry-after": "3"}) == 3
    assert api.retry_delay(0, {"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert api.retry_delay(0, {"retry-after": "0"}, random=no_jitter) == 0.5
    assert api.retry_delay(0, {"retry-after": "121"}, random=no_jitter) == 0.5
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= api.retry_delay(0, {"retry-after": date}) <= 30
    assert api.should_retry(429, {"retry-after": "121"}) is False
    assert api.should_retry(503, {}) is True
    assert api.should_retry(404, {}) is False


# -- the request ------------------------------------------------------------------------


def test_request_headers_and_sdk_style_options(openai_server):
    client = make(openai_server, headers={"X-Title": "LLM", "User-Agent": "mine"})
    body, options = api.split_request({
        **BODY, "stream": False, "temperature": 0.5,
        "extra_body": {"provider": {"order": ["a"]}}, "extra_query": {"q": "1"},
        "extra_headers": {"X-Extra": "yes", "Authorization": None}, "timeout": 7,
    })
    client.post(CHAT, body, **options)
    [request] = openai_server.requests
    assert request.body == {**BODY, "stream": False, "temperature": 0.5,
                            "provider": {"order": ["a"]}}
    assert request.path == "/v1/chat/completions"
    assert request.header("Authorization") is None
    assert (request.header("X-Title"), request.header("X-Extra")) == ("LLM", "yes")
    assert request.header("User-Agent") == "mine"
    assert request.header("x-stainless-read-timeout") == "7.0"
    assert request.header("x-stainless-async") == "false"
    assert request.header("Content-Type") == "application/json"


def test_extra_query_reaches_the_server(openai_server):
    calls = []
    original = transport.send

    def spy(route, method, target, *args, **kwargs):
        calls.append(target)
        return original(route, method, target, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transport, "send", spy)
        make(openai_server).post(CHAT, BODY, extra_query={"api-version": "1", "x": "a b"})
    assert calls == ["/v1/chat/completions?api-version=1&x=a+b"]


def test_sdk_markers_for_left_out_parameters_are_dropped():
    class NotGiven:
        pass

    body, options = api.split_request({"model": "m", "seed": NotGiven(), "timeout": 3})
    assert (body, options) == ({"model": "m"}, {"timeout": 3})


def test_base_url_and_organization_from_the_environment(openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.url)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-123")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-9")
    ask(api.open_client(key="sk-test-key"))
    ask(api.open_client(key="sk-test-key", api_base=openai_server.url))
    first, second = openai_server.requests
    assert (first.header("OpenAI-Organization"), first.header("OpenAI-Project")) == (
        "org-123", "proj-9")
    # Another server (an api_base of its own) is not told the OpenAI organization.
    assert (second.header("OpenAI-Organization"), second.header("OpenAI-Project")) == (None, None)


def test_an_api_url_without_scheme_is_a_clear_error():
    with pytest.raises(APIError, match="^Invalid API URL 'localhost:8080/v1': it must start"):
        api.APIClient(key=None, base_url="localhost:8080/v1")


# -- the answer ---------------------------------------------------------------------------


def test_gzip_bodies_are_decoded(openai_server):
    answer = {"choices": [{"message": {"content": "squeezed"}}]}
    openai_server.reply_raw(200, gzip.compress(json.dumps(answer).encode()),
                            content_type="application/json", headers={"Content-Encoding": "gzip"})
    assert make(openai_server).post(CHAT, BODY) == answer
    events = ('data: {"choices": [{"delta": {"content": "zip"}}]}\n\n' * 3) + "data: [DONE]\n\n"
    openai_server.reply_raw(200, gzip.compress(events.encode()), content_type="text/event-stream",
                            headers={"Content-Encoding": "gzip"})
    assert ask(make(openai_server)) == "zipzipzip"
    assert openai_server.requests[0].header("Accept-Encoding") == "gzip, deflate"


def test_line_endings_and_unicode_line_separators(openai_server):
    text = "one\u2028two \u00e9"
    events = (f'data: {json.dumps({"choices": [{"delta": {"content": text}}]}, ensure_ascii=False)}'
              "\r\n\r\n: a comment\r\ndata: [DONE]\r\n\r\n")
    openai_server.reply_raw(200, events.encode(), content_type="text/event-stream")
    with make(openai_server).stream(CHAT, {**BODY, "stream": True}) as stream:
        assert [e["choices"][0]["delta"]["content"] for e in stream] == [text]
    assert stream.done


def test_connections_are_kept_alive(openai_server):
    client = make(openai_server)
    client.post(CHAT, BODY)
    client.post("embeddings", {"model": "m", "input": ["a"]})
    api.APIClient(key="other", base_url=openai_server.url).get("models")
    clients = {request.client for request in openai_server.requests}
    assert len(openai_server.requests) == 3 and len(clients) == 1


class OneRequestPerConnection:
    """A server that answers one request on each connection (keep-alive promised),
    then closes it, as servers do with connections idle too long."""

    def __init__(self, close_after: float = 0.0) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self.requests = 0
        self.close_after = close_after
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                self.requests += 1
                body = b'{"data": []}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                time.sleep(self.close_after)

    def stop(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("noticed", [True, False])
def test_a_connection_the_server_closed_is_replaced(monkeypatch, noticed):
    server = OneRequestPerConnection(close_after=0.05)
    try:
        client = api.APIClient(key="k", base_url=server.url, max_retries=0)
        assert client.get("models") == {"data": []}
        time.sleep(0.2)
        if not noticed:  # the server closes it while the request is on its way
            monkeypatch.setattr(transport, "_dropped", lambda connection: False)
        assert client.get("models") == {"data": []}
        assert (server.connections, server.requests) == (2, 2)
    finally:
        server.stop()


# -- async -----------------------------------------------------------------------------------


def test_async_stream_and_json(openai_server):
    openai_server.reply(["As", "ync"])
    openai_server.reply("whole")

    async def run():
        client = api.AsyncAPIClient(key="sk-test-key", base_url=openai_server.url)
        async with client.stream(CHAT, {**BODY, "stream": True}) as events:
            texts = [e["choices"][0]["delta"].get("content") async for e in events
                     if e.get("choices")]
        answer = await client.post(CHAT, BODY)
        return texts, events.done, answer["choices"][0]["message"]["content"]

    assert asyncio.run(run()) == (["", "As", "ync", None], True, "whole")
    assert openai_server.requests[0].header("x-stainless-async") == "async:asyncio"


@pytest.mark.parametrize("stream", [True, False])
def test_async_errors_are_the_same(openai_server, stream):
    openai_server.reply_error(429, "Rate limit reached", headers={"Retry-After": "0.05"})
    openai_server.reply_error(429, "Rate limit reached", headers={"Retry-After": "0.05"})

    async def run():
        client = api.AsyncAPIClient(key="sk-test-key", base_url=openai_server.url,
                                    max_retries=1)
        if not stream:
            return await client.post(CHAT, BODY)
        async with client.stream(CHAT, {**BODY, "stream": True}) as events:
            return [event async for event in events]

    with pytest.raises(APIError) as excinfo:
        asyncio.run(run())
    assert (str(excinfo.value), excinfo.value.status) == ("429 Rate limit reached", 429)
    assert len(openai_server.requests) == 2


def _request_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("llm-openai-")]


def _wait_for_threads(deadline: float = 3.0) -> list[threading.Thread]:
    end = time.monotonic() + deadline
    while _request_threads() and time.monotonic() < end:
        time.sleep(0.02)
    return _request_threads()


@pytest.mark.parametrize("stream", [True, False])
def test_cancelling_an_async_request_stops_it(openai_server, stream):
    if stream:
        openai_server.reply(["one", "two"], fault="stall", stall_after=1)
    else:
        openai_server.hang()

    async def run():
        client = api.AsyncAPIClient(key="k", base_url=openai_server.url, timeout=30)

        async def consume():
            if not stream:
                return await client.post(CHAT, BODY)
            async with client.stream(CHAT, {**BODY, "stream": True}) as events:
                return [event async for event in events]

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    start = time.monotonic()
    asyncio.run(run())
    assert time.monotonic() - start < 10  # not the 30 s timeout
    assert _wait_for_threads() == []


# -- redirects (the SDK's HTTP client followed them) ------------------------------------------


@pytest.mark.parametrize("status,method", [(307, "POST"), (308, "POST"), (303, "GET"),
                                           (302, "GET"), (301, "GET")])
def test_redirects_are_followed(openai_server, status, method):
    openai_server.reply_raw(status, "", headers={"Location": "/v1/chat/completions?moved=1"})
    client = make(openai_server)
    if method == "POST":
        assert client.post(CHAT, BODY)["choices"][0]["message"]["content"] == "ok"
    else:  # the POST became a GET, which the test server does not serve there
        assert str(failure(client.post, CHAT, BODY)) == (
            "404 Unknown path GET /v1/chat/completions")
    first, second = openai_server.requests
    assert (second.method, second.path) == (method, "/v1/chat/completions")
    assert second.body == (BODY if method == "POST" else None)
    assert second.header("Authorization") == "Bearer sk-test-key"


def test_a_redirect_to_another_server_drops_the_key(openai_server):
    with OpenAIServer() as other:
        openai_server.reply_raw(307, "", headers={"Location": f"{other.url}/chat/completions"})
        assert ask(make(openai_server), stream=False) == "ok"
        assert other.requests[0].header("Authorization") is None
        assert other.requests[0].body == {**BODY, "stream": False}


def test_redirects_are_bounded(openai_server):
    for _ in range(21):
        openai_server.reply_raw(307, "", headers={"Location": "/v1/chat/completions"})
    error = failure(ask, make(openai_server))
    assert str(error) == (
        f"Could not connect to {openai_server.host}: Exceeded maximum allowed redirects.")
    assert len(openai_server.requests) == 21
