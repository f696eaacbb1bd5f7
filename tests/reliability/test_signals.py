"""Ctrl-C, SIGTERM and kill -9 in the middle of a streamed response."""

from __future__ import annotations

import json
import signal
import time

import pytest
from reliability.helpers import finish, read_until

CHUNKS = ["alpha ", "beta ", "gamma ", "delta"]


def _start_stalled_stream(llm, *args):
    # Two content chunks arrive, then the server goes quiet for good; the read
    # timeout is long so only the signal can end the process.
    llm.server.reply(CHUNKS, fault="stall", stall_after=3)
    process = llm.popen("-m", "srv", *args, "tell me", env={"LLM_OPENAI_TIMEOUT": "60"})
    seen = read_until(process, b"alpha beta ")
    time.sleep(0.2)
    return process, seen


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_stream_stops_at_once_and_logs_incomplete(llm, sig, code):
    process, seen = _start_stalled_stream(llm)
    sent = time.monotonic()
    process.send_signal(sig)
    rest, stderr = finish(process)
    stdout = seen + rest
    assert time.monotonic() - sent < 5
    assert process.returncode == code, stderr
    assert b"Traceback" not in stderr
    assert stdout.startswith(b"alpha beta ")
    [row] = llm.rows()
    assert (row["prompt"], row["response"], row["incomplete"]) == ("tell me", "alpha beta ", 1)
    assert row["c_id"] == row["conversation_id"]

    # `llm logs --json` and the Markdown view both say so.
    result = llm.run("logs", "--json")
    assert result.returncode == 0, result
    [entry] = json.loads(result.stdout)
    assert entry["incomplete"] is True
    result = llm.run("logs")
    assert result.returncode == 0, result
    assert "incomplete" in result.stdout.lower()

    # And the next prompt works normally, its entry not marked.
    result = llm.run("-m", "srv", "again")
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", ""), result
    entries = json.loads(llm.run("logs", "--json").stdout)
    # Complete entries keep the documented JSON shape (no "incomplete" key).
    assert {e["prompt"]: e.get("incomplete") for e in entries} == {"tell me": True, "again": None}
    assert llm.integrity() == "ok"


def test_sigterm_during_a_chat_answer_ends_the_chat(llm):
    llm.server.reply(CHUNKS, fault="stall", stall_after=3)
    process = llm.popen("chat", "-m", "srv", env={"LLM_OPENAI_TIMEOUT": "60"},
                        stdin=b"tell me\n")
    read_until(process, b"alpha beta ")
    process.send_signal(signal.SIGTERM)
    _, stderr = finish(process)
    assert process.returncode == 143, stderr
    assert b"Traceback" not in stderr
    [row] = llm.rows()
    assert (row["prompt"], row["response"], row["incomplete"]) == ("tell me", "alpha beta ", 1)


def test_ctrl_c_in_a_conversation_can_be_continued(llm):
    process, _ = _start_stalled_stream(llm)
    process.send_signal(signal.SIGINT)
    finish(process)
    assert process.returncode == 130
    result = llm.run("-m", "srv", "-c", "go on")
    assert result.returncode == 0, result
    rows = llm.rows()
    assert [r["prompt"] for r in rows] == ["tell me", "go on"]
    assert rows[0]["conversation_id"] == rows[1]["conversation_id"]
    # The interrupted answer was part of the history sent with the next prompt.
    messages = llm.server.requests[-1].body["messages"]
    assert {"role": "assistant", "content": "alpha beta "} in messages


def test_kill_9_mid_stream_leaves_databases_intact(llm):
    assert llm.run("-m", "srv", "before").returncode == 0
    for _ in range(2):
        process, _ = _start_stalled_stream(llm)
        process.send_signal(signal.SIGKILL)
        finish(process)
        assert process.returncode == -signal.SIGKILL
        assert llm.integrity() == "ok"
    result = llm.run("-m", "srv", "after")
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", ""), result
    prompts = [r["prompt"] for r in llm.rows()]
    assert prompts[0] == "before" and prompts[-1] == "after"
    assert llm.integrity() == "ok"


def test_kill_9_while_writing_the_log(llm):
    """SIGKILL at arbitrary moments of short prompts (some land mid-write)."""
    seed = llm.run("-m", "srv", "seed")
    assert seed.returncode == 0
    # Most of a prompt's time is start-up; the log is written at the very end.
    for fraction in (0.8, 0.95, 1.05):
        delay = seed.seconds * fraction
        process = llm.popen("-m", "srv", f"k{delay}")
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        finish(process)
        assert llm.integrity() == "ok"
    result = llm.run("logs", "-n", "0", "--json")
    assert result.returncode == 0, result
    assert llm.run("-m", "srv", "after").returncode == 0
    prompts = [r["prompt"] for r in llm.rows()]
    assert prompts[0] == "seed" and prompts[-1] == "after"
    # Every response that made it has its conversation.
    assert all(r["c_id"] == r["conversation_id"] for r in llm.rows())
