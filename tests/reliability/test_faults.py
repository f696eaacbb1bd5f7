"""API faults: every one ends within the configured timeout, with one ``Error:`` line
and exit 1, and none is stored as a complete response.

The client's read timeout is ``LLM_OPENAI_TIMEOUT`` (``READ_TIMEOUT`` seconds
here), retries are off unless a test turns them on (``LLM_OPENAI_MAX_RETRIES``).
"""

from __future__ import annotations

import socket

import pytest
from reliability.helpers import (
    READ_TIMEOUT,
    TEST_KEY,
    assert_clean_error,
    assert_no_complete_row,
    extra_models_yaml,
)

#: Start-up of a Python process that imports the openai client is slow on small
#: CI machines: a fault must end within the timeout plus this much.
STARTUP_SLACK = 8.0

CHUNKS = ["one ", "two ", "three ", "four"]


@pytest.mark.parametrize(
    "status,message,kind,stream",
    [
        (429, ("Rate limit reached for gpt-4o-mini in organization org-x on requests per min "
               "(RPM): Limit 3, Used 3, Requested 1."), "requests", True),
        (500, "The server had an error while processing your request.", "server_error", False),
        (503, "Service unavailable.", "server_error", True),
    ],
)
def test_status_error_is_one_line_with_the_apis_message(llm, status, message, kind, stream):
    llm.server.reply_error(status, message, type=kind)
    args = ["-m", "srv", "hi"] + ([] if stream else ["--no-stream"])
    result = llm.run(*args)
    line = assert_clean_error(result)
    assert line == f"Error: {status} {message}"
    assert result.stdout == ""
    assert len(llm.server.requests) == 1
    assert_no_complete_row(llm.rows())


def test_401_that_echoes_the_key_does_not_show_it(llm):
    llm.server.reply_error(401, f"Incorrect API key provided: {TEST_KEY}. You can find your "
                                "API key at https://platform.openai.com/account/api-keys.")
    result = llm.run("-m", "srv", "hi")
    line = assert_clean_error(result, "401 Incorrect API key provided: ")
    assert TEST_KEY not in line
    assert llm.server.requests[0].header("Authorization") == f"Bearer {TEST_KEY}"
    assert_no_complete_row(llm.rows())


@pytest.mark.parametrize("stream", [True])
def test_html_error_page_becomes_its_title(llm, stream):
    llm.server.reply_raw(502, "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n"
                              "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx"
                              "</center>\n</body>\n</html>\n")
    result = llm.run("-m", "srv", "hi", *([] if stream else ["--no-stream"]))
    assert assert_clean_error(result) == "Error: 502 502 Bad Gateway"
    assert_no_complete_row(llm.rows())


@pytest.mark.parametrize("stream", [True, False])
def test_200_with_an_html_body_is_an_error_not_an_answer(llm, stream):
    # A captive portal or a misconfigured proxy answering 200 with a web page.
    llm.server.reply_raw(200, "<!doctype html><html><head><title>Sign in to Wi-Fi</title>"
                              "</head><body>Please sign in</body></html>")
    result = llm.run("-m", "srv", "hi", *([] if stream else ["--no-stream"]))
    assert_clean_error(result)
    assert result.stdout.strip() == ""
    assert_no_complete_row(llm.rows(), text="")


def test_200_with_json_that_is_not_a_completion_is_an_error(llm):
    llm.server.reply_raw(200, '{"status": "ok"}', content_type="application/json")
    result = llm.run("-m", "srv", "hi", "--no-stream")
    assert_clean_error(result)
    assert_no_complete_row(llm.rows(), text="")


def test_cut_stream_logs_what_arrived_as_incomplete(llm):
    llm.server.reply(CHUNKS, fault="cut")
    result = llm.run("-m", "srv", "hi")
    assert_clean_error(result, llm.server.host)
    assert result.stdout.startswith("one ")
    [row] = llm.rows()
    assert row["incomplete"] == 1
    assert row["response"] == result.stdout.rstrip("\n")
    assert row["c_id"] == row["conversation_id"]  # never a response without its conversation


def test_stream_without_end_marker_is_incomplete(llm):
    # Every chunk arrives, then the stream ends with no finish_reason and no [DONE].
    llm.server.reply(CHUNKS, fault="no_done")
    result = llm.run("-m", "srv", "hi")
    assert_clean_error(result)
    assert result.stdout.startswith("one two three four")
    [row] = llm.rows()
    assert (row["response"], row["incomplete"]) == ("one two three four", 1)


@pytest.mark.parametrize("stream", [True])
def test_server_that_never_answers_times_out(llm, stream):
    llm.server.hang()
    result = llm.run("-m", "srv", "hi", *([] if stream else ["--no-stream"]))
    assert_clean_error(result, "timed out", llm.server.host)
    assert result.seconds < READ_TIMEOUT + STARTUP_SLACK
    assert result.seconds >= READ_TIMEOUT
    assert_no_complete_row(llm.rows(), text="")


def test_stream_that_stalls_is_bounded_by_the_read_timeout(llm):
    # The role chunk and "one " arrive, then silence: the read timeout bounds
    # the silence between chunks, not only the wait for the first byte.
    llm.server.reply(CHUNKS, fault="stall", stall_after=2)
    result = llm.run("-m", "srv", "hi")
    assert_clean_error(result, "timed out")
    assert result.seconds < READ_TIMEOUT + STARTUP_SLACK
    assert result.stdout.startswith("one ")
    [row] = llm.rows()
    assert (row["response"], row["incomplete"]) == ("one ", 1)


def test_timeout_is_settable_per_run(llm):
    llm.server.hang()
    result = llm.run("-m", "srv", "hi", "--no-stream", env={"LLM_OPENAI_TIMEOUT": "1"})
    assert_clean_error(result, "timed out")
    assert result.seconds < 1 + STARTUP_SLACK


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_refused_connection_names_the_host(llm):
    port = _closed_port()
    (llm.user_dir / "extra-openai-models.yaml").write_text(
        extra_models_yaml(f"http://127.0.0.1:{port}/v1"))
    result = llm.run("-m", "srv", "hi", env={"LLM_OPENAI_MAX_RETRIES": "2"})
    assert_clean_error(result, f"127.0.0.1:{port}")
    assert result.seconds < 20  # two retries with backoff, then give up
    assert llm.rows() == []


def test_429_and_503_are_retried_honouring_retry_after(llm):
    llm.server.reply_error(429, "Rate limit reached", headers={"Retry-After": "1"})
    llm.server.reply_error(503, "Overloaded", headers={"Retry-After": "0.1"})
    llm.server.reply(["fine"])
    result = llm.run("-m", "srv", "hi", env={"LLM_OPENAI_MAX_RETRIES": "3"})
    assert (result.returncode, result.stdout) == (0, "fine\n"), result
    assert len(llm.server.requests) == 3
    # Retry-After: 1 was honoured between the first two attempts.
    assert result.seconds >= 1
    [row] = llm.rows()
    assert (row["response"], bool(row["incomplete"])) == ("fine", False)


def test_retries_are_bounded(llm):
    for _ in range(4):
        llm.server.reply_error(500, "Internal error", headers={"Retry-After": "0"})
    result = llm.run("-m", "srv", "hi", env={"LLM_OPENAI_MAX_RETRIES": "1"})
    assert assert_clean_error(result) == "Error: 500 Internal error"
    assert len(llm.server.requests) == 2


def test_client_errors_are_not_retried(llm):
    llm.server.reply_error(400, "Invalid 'messages[0].content'")
    result = llm.run("-m", "srv", "hi", env={"LLM_OPENAI_MAX_RETRIES": "3"})
    assert assert_clean_error(result) == "Error: 400 Invalid 'messages[0].content'"
    assert len(llm.server.requests) == 1


def test_after_faults_the_next_prompt_works(llm):
    llm.server.reply(CHUNKS, fault="cut")
    assert llm.run("-m", "srv", "first").returncode == 1
    llm.server.reply(["all ", "good"])
    result = llm.run("-m", "srv", "second")
    assert (result.returncode, result.stdout, result.stderr) == (0, "all good\n", "")
    rows = llm.rows()
    assert [(r["prompt"], bool(r["incomplete"])) for r in rows] == [("first", True), ("second", False)]
    assert llm.integrity() == "ok"
